import type { CompiledQuery } from 'kysely';
import { fail } from '../domain/errors.js';
import { Flag, mayFindByPhone } from '../domain/gate.js';
import { normalizePhone, phoneKey } from '../domain/phone.js';
import { publicId } from '../store/ids.js';
import { requireWritable } from './guards.js';
import type { Platform } from './context.js';

/**
 * Contacts (RULES.md §1 "mutual contacts", §2 "Importing contacts"). Numbers that do not resolve
 * for the importer are remembered and become contacts once they do, as a phone book sync would.
 */

export interface ImportResult {
  imported: { phone: string; accountId: string }[];
  notFound: string[];
}

function addEdge(p: Platform, owner: number, contact: number, name: string | null, now: number): CompiledQuery[] {
  if (!p.index.contacts.add(owner, contact)) return [];
  return [
    p.store.db
      .insertInto('contacts')
      .values({ owner_id: owner, contact_id: contact, name, created_at: now })
      .onConflict((oc) => oc.columns(['owner_id', 'contact_id']).doNothing())
      .compile(),
  ];
}

function forgetPending(p: Platform, key: number, importer: number): void {
  const set = p.pending.get(key);
  if (!set) return;
  set.delete(importer);
  if (set.size === 0) p.pending.delete(key);
}

export async function importContacts(p: Platform, owner: number, entries: { phone: string; name?: string }[]): Promise<ImportResult> {
  requireWritable(p, owner);
  const normalized = entries.map((e, i) => {
    const phone = normalizePhone(e.phone);
    if (!phone) fail('PHONE_NUMBER_INVALID', { field: `contacts/${i}/phone`, phone: e.phone });
    return { phone, name: e.name?.trim() || null };
  });
  const now = p.clock.now();
  const result: ImportResult = { imported: [], notFound: [] };
  const writes: CompiledQuery[] = [];
  const seen = new Set<string>();
  let added = false;
  for (const { phone, name } of normalized) {
    if (seen.has(phone)) continue;
    seen.add(phone);
    const key = phoneKey(phone);
    const target = p.index.byPhone(key);
    if (target === owner) continue;
    if (target !== 0 && mayFindByPhone(p.index, owner, target)) {
      const edge = addEdge(p, owner, target, name, now);
      if (edge.length > 0) added = true;
      writes.push(...edge);
      result.imported.push({ phone, accountId: publicId('account', target) });
      // An earlier import of this number that was waiting is now done.
      if (p.pending.get(key)?.has(owner)) {
        forgetPending(p, key, owner);
        writes.push(p.store.db.deleteFrom('pending_contacts').where('owner_id', '=', owner).where('phone', '=', phone).compile());
      }
      continue;
    }
    result.notFound.push(phone);
    let set = p.pending.get(key);
    if (!set) p.pending.set(key, (set = new Set()));
    if (!set.has(owner)) {
      set.add(owner);
      writes.push(
        p.store.db
          .insertInto('pending_contacts')
          .values({ owner_id: owner, phone, name, created_at: now })
          .onConflict((oc) => oc.columns(['owner_id', 'phone']).doUpdateSet({ name }))
          .compile(),
      );
    }
  }
  // Saving someone lets them find you by number if you allow only contacts to: their own
  // waiting import of your number completes, as with POST /v1/contacts.
  if (added) writes.push(...(await resolvePendingForOwner(p, owner)));
  if (writes.length > 0) await p.store.write(writes);
  return result;
}

/** Turns waiting imports of the number `key` into contacts of `account` where it now resolves. */
export function takePendingFor(p: Platform, key: number, account: number, now: number): CompiledQuery[] {
  const importers = p.pending.get(key);
  if (!importers) return [];
  const writes: CompiledQuery[] = [];
  const phone = `+${key}`;
  for (const importer of [...importers]) {
    if (importer === account || p.index.flags(importer) & Flag.DELETED) continue;
    if (!mayFindByPhone(p.index, importer, account)) continue;
    forgetPending(p, key, importer);
    if (p.index.contacts.add(importer, account)) {
      writes.push(
        p.store.db
          .insertInto('contacts')
          .columns(['owner_id', 'contact_id', 'name', 'created_at'])
          .expression((eb) =>
            eb
              .selectFrom('pending_contacts')
              .select([eb.val(importer).as('owner_id'), eb.val(account).as('contact_id'), 'name', eb.val(now).as('created_at')])
              .where('owner_id', '=', importer)
              .where('phone', '=', phone),
          )
          .compile(),
      );
    }
    writes.push(p.store.db.deleteFrom('pending_contacts').where('owner_id', '=', importer).where('phone', '=', phone).compile());
  }
  return writes;
}

/** After `owner` changed who may find them, completes the imports that now resolve. */
export async function resolvePendingForOwner(p: Platform, owner: number): Promise<CompiledQuery[]> {
  if (p.pending.size === 0) return [];
  const row = await p.store.first<{ phone: string | null }>(p.store.db.selectFrom('accounts').select('phone').where('id', '=', owner));
  if (!row?.phone) return [];
  return takePendingFor(p, phoneKey(row.phone), owner, p.clock.now());
}

/** The action bar's "add contact": by account id, without knowing the number. */
export async function addContact(p: Platform, owner: number, contact: number, name: string | null): Promise<void> {
  requireWritable(p, owner);
  if (!p.index.exists(contact) || p.index.flags(contact) & Flag.DELETED) fail('PEER_ID_INVALID');
  if (contact === owner) fail('BAD_REQUEST', { field: 'accountId', reason: 'cannot add yourself' });
  const now = p.clock.now();
  const writes = addEdge(p, owner, contact, name, now);
  // Saving someone lets them find you by number if you allow only contacts to.
  writes.push(...(await resolvePendingForOwner(p, owner)));
  if (writes.length > 0) await p.store.write(writes);
}

export async function deleteContact(p: Platform, owner: number, contact: number): Promise<void> {
  requireWritable(p, owner);
  if (!p.index.exists(contact)) fail('PEER_ID_INVALID');
  if (!p.index.contacts.remove(owner, contact)) return;
  await p.store.write([p.store.db.deleteFrom('contacts').where('owner_id', '=', owner).where('contact_id', '=', contact).compile()]);
}

