import { sql, type Kysely } from 'kysely';
import type { Core } from '../core.js';
import { Flag } from '../domain/gate.js';
import { phoneKey } from '../domain/phone.js';
import { loadRestrictions } from '../enforcement/restrictions.js';
import { ContactGraph } from '../memory/contact-graph.js';
import { GateIndex } from '../memory/gate-index.js';
import type { Database } from '../store/database.js';
import { each, row } from '../store/read.js';
import type { Store } from '../store/store.js';
import type { Platform } from './context.js';
import { loadIdempotency } from './idempotency.js';
import { LOOKUP_WINDOW_MS } from './lookups.js';
import { ROLE_BY_NAME } from './groups.js';
import { ChatKind } from '../domain/gate.js';

/**
 * The reads of the index load, named so that their SQL is checked in (src/store/sql/). Each
 * walks its table once, in an order an index or the table itself gives.
 */
export function indexLoadQueries(db: Kysely<Database>) {
  return {
    counts: db.selectNoFrom((eb) => [
      eb.selectFrom('accounts').select(sql<number>`coalesce(max(id), 0)`.as('m')).as('accounts'),
      eb.selectFrom('contacts').select(sql<number>`count(*)`.as('n')).as('contacts'),
      eb.selectFrom('chats').select(sql<number>`coalesce(max(id), 0)`.as('m')).as('chats'),
    ]),
    contacts: db.selectFrom('contacts').select(['owner_id', 'contact_id']).orderBy('owner_id').orderBy('contact_id'),
    accounts: db
      .selectFrom('accounts')
      .select(['id', 'phone', 'username', 'platform_id', 'system', 'deleted_at', 'language', 'find_by_phone', 'phone_visibility', 'chat_invites', 'new_chats'])
      .orderBy('id'),
    blocks: db.selectFrom('blocks').select(['blocker_id', 'blocked_id']),
    chats: db.selectFrom('chats').select(['id', 'kind', 'public', 'peer_low', 'peer_high', 'started_by', 'low_wrote', 'high_wrote']),
    members: db.selectFrom('chat_members').select(['chat_id', 'account_id', 'role']),
    tokens: db
      .selectFrom('tokens')
      .leftJoin('staff', 'staff.id', 'tokens.staff_id')
      .select(['tokens.hash', 'tokens.account_id', 'tokens.staff_id', 'staff.role', 'staff.deleted_at'])
      .where('tokens.revoked_at', 'is', null),
    pendingContacts: db.selectFrom('pending_contacts').select(['owner_id', 'phone']).orderBy('created_at').orderBy('phone'),
    bannedPhones: db.selectFrom('banned_phones').select('phone'),
  };
}

/**
 * Rebuilds the in-memory index from the store at start. Everything the gate reads comes from
 * here; nothing on the send path asks the database.
 */
export async function buildIndex(store: Store): Promise<GateIndex> {
  const q = indexLoadQueries(store.db);
  const counts = await row(store, q.counts);
  const accountCap = Math.max(1024, (counts?.accounts ?? 0) + 1);
  const chatCap = Math.max(1024, (counts?.chats ?? 0) + 1);

  const edges = counts?.contacts ?? 0;
  const owners = new Int32Array(edges);
  const targets = new Int32Array(edges);
  let n = 0;
  for await (const r of each(store, q.contacts)) {
    if (n === edges) break; // rows added since the count (none at start)
    owners[n] = r.owner_id;
    targets[n] = r.contact_id;
    n++;
  }
  const index = new GateIndex(accountCap, chatCap, ContactGraph.fromSorted(owners, targets, n, accountCap));

  for await (const r of each(store, q.accounts)) {
    const key = r.phone ? phoneKey(r.phone) : null;
    const sys = r.system === 'spambot' ? Flag.SPAMBOT : r.system === 'support' ? Flag.SUPPORT : 0;
    index.putAccount(r.id, key, r.username, sys);
    index.setPrivacy(r.id, {
      findByPhone: r.find_by_phone as 0,
      phoneVisibility: r.phone_visibility as 0,
      chatInvites: r.chat_invites as 0,
      newChats: r.new_chats as 0,
    });
    index.setLanguage(r.id, r.language);
    if (r.platform_id !== null && r.deleted_at === null) index.setPlatformId(r.id, null, r.platform_id);
    if (r.deleted_at !== null) index.markDeleted(r.id, key, r.username);
  }

  for await (const r of each(store, q.blocks)) {
    index.blocks.set(r.blocker_id, r.blocked_id, 1);
  }

  for await (const r of each(store, q.chats)) {
    if (r.kind === 'private') index.putPrivateChat(r.id, r.peer_low!, r.peer_high!, r.low_wrote === 1, r.high_wrote === 1, r.started_by ?? 0);
    else index.putGroup(r.id, r.kind === 'channel' ? ChatKind.CHANNEL : ChatKind.GROUP, r.public === 1);
  }

  for await (const r of each(store, q.members)) {
    index.setRole(r.chat_id, r.account_id, ROLE_BY_NAME[r.role] ?? 0);
  }
  return index;
}

/** Loads the platform's own state: tokens, waiting imports, lookups, banned numbers, idempotent answers. */
export async function loadPlatformState(core: Core, p: Platform): Promise<void> {
  const db = core.store.db;
  const q = indexLoadQueries(db);
  await loadRestrictions(core);
  for await (const r of each(core.store, q.tokens)) {
    if (r.account_id !== null) p.tokens.put(r.hash, { kind: 'account', accountId: r.account_id });
    else if (r.staff_id !== null && r.role && r.deleted_at === null) p.tokens.put(r.hash, { kind: 'staff', staffId: r.staff_id, role: r.role });
  }
  // Oldest first, so that each importer's waiting numbers keep their age order.
  for await (const r of each(core.store, q.pendingContacts)) {
    p.pending.add(phoneKey(r.phone), r.owner_id);
  }
  for await (const r of each(core.store, q.bannedPhones)) {
    core.bannedPhones.add(phoneKey(r.phone));
  }
  const since = core.clock.now() - LOOKUP_WINDOW_MS;
  for await (const r of each(core.store, db.selectFrom('phone_lookups').select(['account_id', 'phone_key', 'at']).where('at', '>', since).orderBy('at'))) {
    p.lookups.put(r.account_id, [r.phone_key], r.at);
  }
  // Several nodes load while the feed is held: a write would wait for it, so the pruning goes on meanwhile.
  const pruned = core.store.write([db.deleteFrom('phone_lookups').where('at', '<=', since).compile()]);
  if (core.journal.guarded) pruned.catch(() => {});
  else await pruned;
  await loadIdempotency(p);
}
