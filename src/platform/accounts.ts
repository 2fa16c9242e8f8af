import type { CompiledQuery } from 'kysely';
import { Audience, Flag, type AudienceValue } from '../domain/gate.js';
import { fail } from '../domain/errors.js';
import { normalizePhone, phoneKey } from '../domain/phone.js';
import type { Lang } from '../domain/texts.js';
import { emitDeletedAccount, emitNewAccount } from '../enforcement/numbers.js';
import { appendEvent, type Actor } from '../store/event-log.js';
import { publicId } from '../store/ids.js';
import type { AccountsTable } from '../store/schema/accounts.js';
import { resolvePendingForOwner, takePendingFor } from './contacts.js';
import type { Platform } from './context.js';
import { requireWritable } from './guards.js';
import { hashToken, newToken } from './tokens.js';

/** Usernames reserved for system accounts, in lower case. */
export const RESERVED_USERNAMES = new Set(['spambot', 'support']);
const USERNAME = /^[A-Za-z][A-Za-z0-9_]{2,31}$/;

export interface AccountView {
  id: string;
  phone: string;
  name: string;
  username?: string;
  language?: Lang;
}

export interface NewAccount {
  phone: string;
  name: string;
  username?: string;
  numberKind?: 'mobile' | 'voip';
  language?: Lang;
}

type AccountRow = Pick<AccountsTable, 'id' | 'phone' | 'name' | 'username' | 'language' | 'deleted_at' | 'system'>;

export function accountView(row: AccountRow): AccountView {
  const v: AccountView = { id: publicId('account', row.id), phone: row.phone ?? '', name: row.name };
  if (row.username) v.username = row.username;
  if (row.language) v.language = row.language;
  return v;
}

export async function loadAccount(p: Platform, id: number): Promise<AccountRow | undefined> {
  return p.store.first<AccountRow>(
    p.store.db.selectFrom('accounts').select(['id', 'phone', 'name', 'username', 'language', 'deleted_at', 'system']).where('id', '=', id),
  );
}

function checkName(name: string): string {
  const n = name.trim();
  if (n.length === 0 || n.length > 128) fail('BAD_REQUEST', { field: 'name', reason: 'name must be 1–128 characters' });
  return n;
}

/** Validates a username for `account` (0 for a new one): format, reservation, uniqueness. */
function checkUsername(p: Platform, username: string, account: number): string {
  const u = username.startsWith('@') ? username.slice(1) : username;
  if (!USERNAME.test(u)) fail('USERNAME_INVALID', { field: 'username' });
  if (RESERVED_USERNAMES.has(u.toLowerCase())) fail('USERNAME_TAKEN', { field: 'username' });
  const holder = p.index.byUsername(u);
  if (holder !== 0 && holder !== account) fail('USERNAME_TAKEN', { field: 'username' });
  return u;
}

/** Registers an account on a number (the admin's `POST /v1/accounts`). */
export async function createAccount(p: Platform, input: NewAccount, actor: Actor): Promise<{ account: AccountView; token: string }> {
  const phone = normalizePhone(input.phone);
  if (!phone) fail('PHONE_NUMBER_INVALID', { field: 'phone' });
  const name = checkName(input.name);
  const key = phoneKey(phone);
  if (p.bannedPhones.has(key)) fail('PHONE_NUMBER_BANNED');
  if (p.index.byPhone(key) !== 0) fail('PHONE_TAKEN');
  const username = input.username ? checkUsername(p, input.username, 0) : null;
  const now = p.clock.now();
  const id = p.ids.next('accounts');
  const row: AccountsTable = {
    id,
    phone,
    name,
    username,
    username_lc: username?.toLowerCase() ?? null,
    language: input.language ?? null,
    number_kind: input.numberKind ?? 'mobile',
    system: null,
    find_by_phone: Audience.EVERYBODY,
    phone_visibility: Audience.CONTACTS,
    chat_invites: Audience.EVERYBODY,
    new_chats: Audience.EVERYBODY,
    created_at: now,
    deleted_at: null,
  };
  p.index.putAccount(id, key, username);
  p.index.setPrivacy(id, { findByPhone: 0, phoneVisibility: 1, chatInvites: 0, newChats: 0 });
  p.index.setLanguage(id, row.language);
  const token = newToken();
  const hash = hashToken(token);
  p.tokens.put(hash, { kind: 'account', accountId: id });
  const writes: CompiledQuery[] = [
    p.store.db.insertInto('accounts').values(row).compile(),
    p.store.db.insertInto('tokens').values({ hash, account_id: id, staff_id: null, created_at: now, revoked_at: null }).compile(),
    appendEvent(p.store, p.ids, {
      type: 'account_created',
      at: now,
      actor,
      accountId: id,
      payload: { numberKind: row.number_kind },
    }),
  ];
  // A VoIP number, or one whose last account left limited, starts limited (RULES.md §4).
  // Phone books that were waiting for this number now find it.
  writes.push(...takePendingFor(p, key, id, now));
  const change = p.journal.change().sql(...writes);
  emitNewAccount(p, change, id, phone, row.number_kind, now);
  await p.journal.commit(change);
  await p.robots.observe({ type: 'account', at: now, account: id, voip: row.number_kind === 'voip' });
  return { account: accountView(row), token };
}

/** A new session for an existing account. */
export async function issueAccountToken(p: Platform, id: number): Promise<string> {
  if (!p.index.exists(id) || p.index.flags(id) & Flag.DELETED) fail('NOT_FOUND');
  const token = newToken();
  const hash = hashToken(token);
  p.tokens.put(hash, { kind: 'account', accountId: id });
  await p.store.write([
    p.store.db.insertInto('tokens').values({ hash, account_id: id, staff_id: null, created_at: p.clock.now(), revoked_at: null }).compile(),
  ]);
  return token;
}

export interface ProfileChanges {
  name?: string;
  username?: string | null;
  language?: Lang | null;
}

export async function updateProfile(p: Platform, a: number, changes: ProfileChanges): Promise<AccountView> {
  requireWritable(p, a);
  const row = await loadAccount(p, a);
  if (!row) fail('NOT_FOUND');
  const set: Partial<AccountsTable> = {};
  if (changes.name !== undefined) set.name = checkName(changes.name);
  if (changes.username !== undefined) {
    const next = changes.username === null || changes.username === '' ? null : checkUsername(p, changes.username, a);
    set.username = next;
    set.username_lc = next?.toLowerCase() ?? null;
  }
  if (changes.language !== undefined) set.language = changes.language;
  if (Object.keys(set).length > 0) {
    if (set.username !== undefined) p.index.setUsername(a, row.username, set.username);
    if (set.language !== undefined) p.index.setLanguage(a, set.language);
    await p.store.write([p.store.db.updateTable('accounts').set(set).where('id', '=', a).compile()]);
  }
  return accountView({ ...row, ...set });
}

export interface PrivacyView {
  findByPhone: 'everybody' | 'contacts';
  phoneVisibility: 'everybody' | 'contacts' | 'nobody';
  chatInvites: 'everybody' | 'contacts' | 'nobody';
  newChats: 'everybody' | 'contacts';
}

const AUDIENCE_NAMES = ['everybody', 'contacts', 'nobody'] as const;
const AUDIENCE_VALUE: Record<string, AudienceValue> = { everybody: 0, contacts: 1, nobody: 2 };

export function privacyView(p: Platform, a: number): PrivacyView {
  const s = p.index.privacySettings(a);
  return {
    findByPhone: AUDIENCE_NAMES[s.findByPhone] as PrivacyView['findByPhone'],
    phoneVisibility: AUDIENCE_NAMES[s.phoneVisibility]!,
    chatInvites: AUDIENCE_NAMES[s.chatInvites]!,
    newChats: AUDIENCE_NAMES[s.newChats] as PrivacyView['newChats'],
  };
}

export async function updatePrivacy(p: Platform, a: number, changes: Partial<PrivacyView>): Promise<PrivacyView> {
  requireWritable(p, a);
  const next = { ...privacyView(p, a), ...changes };
  const values = {
    findByPhone: AUDIENCE_VALUE[next.findByPhone]!,
    phoneVisibility: AUDIENCE_VALUE[next.phoneVisibility]!,
    chatInvites: AUDIENCE_VALUE[next.chatInvites]!,
    newChats: AUDIENCE_VALUE[next.newChats]!,
  };
  p.index.setPrivacy(a, values);
  const writes: CompiledQuery[] = [
    p.store.db
      .updateTable('accounts')
      .set({
        find_by_phone: values.findByPhone,
        phone_visibility: values.phoneVisibility,
        chat_invites: values.chatInvites,
        new_chats: values.newChats,
      })
      .where('id', '=', a)
      .compile(),
  ];
  // Letting everybody find the number may complete others' phone-book imports.
  writes.push(...(await resolvePendingForOwner(p, a)));
  await p.store.write(writes);
  return next;
}

/** The owner deletes the account (`DELETE /v1/me`): tokens end, number and username are freed. */
export async function deleteAccount(p: Platform, a: number): Promise<void> {
  requireWritable(p, a);
  const row = await loadAccount(p, a);
  if (!row || row.deleted_at !== null) fail('NOT_FOUND');
  const now = p.clock.now();
  const r = p.restrictions.refresh(a, now);
  p.index.markDeleted(a, row.phone ? phoneKey(row.phone) : null, row.username);
  const hashes = p.tokens.revokeAll({ kind: 'account', accountId: a });
  const writes: CompiledQuery[] = [
    p.store.db.updateTable('accounts').set({ deleted_at: now }).where('id', '=', a).compile(),
    appendEvent(p.store, p.ids, {
      type: 'account_deleted',
      at: now,
      actor: { kind: 'account', id: publicId('account', a) },
      accountId: a,
      // A number shed while limited starts its next account limited (RULES.md §4, Numbers).
      payload: { phone: row.phone, restrictionAtDeletion: r.state, kind: r.kind ?? null },
    }),
  ];
  if (hashes.length > 0) writes.push(p.store.db.updateTable('tokens').set({ revoked_at: now }).where('hash', 'in', hashes).compile());
  const change = p.journal.change().sql(...writes);
  emitDeletedAccount(p, change, a, row.phone, r, now);
  await p.journal.commit(change);
}

/** Creates SpamBot and the support account on a data folder's first start. */
export async function ensureSystemAccounts(p: Platform): Promise<void> {
  const writes: CompiledQuery[] = [];
  const now = p.clock.now();
  for (const [system, name, flag] of [
    ['spambot', 'Spam Info Bot', Flag.SPAMBOT],
    ['support', 'Support', Flag.SUPPORT],
  ] as const) {
    if ((system === 'spambot' ? p.index.spamBotId : p.index.supportId) !== 0) continue;
    const id = p.ids.next('accounts');
    p.index.putAccount(id, null, system, flag);
    writes.push(
      p.store.db
        .insertInto('accounts')
        .values({
          id,
          phone: null,
          name,
          username: system,
          username_lc: system,
          language: null,
          number_kind: 'mobile',
          system,
          find_by_phone: 0,
          phone_visibility: 2,
          chat_invites: 2,
          new_chats: 0,
          created_at: now,
          deleted_at: null,
        })
        .compile(),
    );
  }
  if (writes.length > 0) await p.store.write(writes);
}
