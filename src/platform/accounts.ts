import { Flag, SYSTEM } from '../domain/gate.js';
import { fail } from '../domain/errors.js';
import { characterCount, nameRefusal } from '../domain/names.js';
import { normalizePhone, phoneKey } from '../domain/phone.js';
import type { Lang } from '../domain/texts.js';
import { emitDeletedAccount, emitNewAccount } from '../enforcement/numbers.js';
import type { PlatformEvent } from '../events/platform.js';
import { key } from '../events/serial.js';
import { SYSTEM_ACTOR, type Actor } from '../store/event-log.js';
import { publicId } from '../store/ids.js';
import { row } from '../store/read.js';
import type { AccountsTable } from '../store/schema/accounts.js';
import { publishContacts, resolveWaitingFor } from './contacts.js';
import type { Platform } from './context.js';
import { AUDIENCE_NAME, DEFAULT_PRIVACY } from './projectors.js';
import { requireWritable } from './writable.js';
import { hashToken, newToken } from './tokens.js';

type PlatformEventOf<T extends PlatformEvent['type']> = Extract<PlatformEvent, { type: T }>['payload'];

/** Usernames reserved for system accounts, in lower case. */
export const RESERVED_USERNAMES = new Set(['spambot', 'support']);
const USERNAME = /^[A-Za-z][A-Za-z0-9_]{2,31}$/;

export interface AccountView {
  id: string;
  phone: string;
  name: string;
  username?: string;
  language?: Lang;
  platformId?: string;
}

export interface NewAccount {
  /** At least one of phone, platformId. */
  phone?: string;
  platformId?: string;
  name: string;
  username?: string;
  numberKind?: 'mobile' | 'voip';
  language?: Lang;
}

type AccountRow = Pick<AccountsTable, 'id' | 'phone' | 'name' | 'username' | 'language' | 'deleted_at' | 'system' | 'platform_id'>;

export function accountView(row: AccountRow): AccountView {
  const v: AccountView = { id: publicId('account', row.id), phone: row.phone ?? '', name: row.name };
  if (row.username) v.username = row.username;
  if (row.language) v.language = row.language;
  if (row.platform_id) v.platformId = row.platform_id;
  return v;
}

export async function loadAccount(p: Platform, id: number): Promise<AccountRow | undefined> {
  return row(
    p.store,
    p.store.db.selectFrom('accounts').select(['id', 'phone', 'name', 'username', 'language', 'deleted_at', 'system', 'platform_id']).where('id', '=', id),
  );
}

function checkName(name: string): string {
  const n = name.trim();
  if (n.length === 0 || characterCount(n) > 128) fail('BAD_REQUEST', { field: 'name', reason: 'name must be 1–128 characters' });
  const refusal = nameRefusal(n); // passing for a system account (RULES.md §1)
  if (refusal) fail('NAME_INVALID', { field: 'name', reason: `the name ${refusal}` });
  return n;
}

/** A username's format and reservation (without its leading `@`). */
function checkUsernameFormat(username: string): string {
  const u = username.startsWith('@') ? username.slice(1) : username;
  // The system's own usernames, and any that could pass for them (`spam_bot`, `Supp0rt`, a
  // Cyrillic `ѕupport`, one with a bidirectional override): RULES.md §1, asked before the format,
  // so that an impersonation is named as one whatever letters it uses.
  if (RESERVED_USERNAMES.has(u.toLowerCase())) fail('NAME_INVALID', { field: 'username', reason: "the username is a system account's own" });
  const refusal = nameRefusal(u);
  if (refusal) fail('NAME_INVALID', { field: 'username', reason: `the username ${refusal}` });
  if (!USERNAME.test(u)) fail('USERNAME_INVALID', { field: 'username' });
  return u;
}

/** That nobody but `account` (0 for a new one) holds the username; under its serial key. */
function checkUsernameFree(p: Platform, u: string, account: number): string {
  const holder = p.index.byUsername(u);
  if (holder !== 0 && holder !== account) fail('USERNAME_TAKEN', { field: 'username' });
  return u;
}

/**
 * A platform's own id of a user, as the platform spells it (a bare JID, a Matrix user id):
 * compared exactly, so the platform sends its canonical form. Printable, without spaces.
 */
const PLATFORM_ID = /^[^\s\p{Cc}]{1,512}$/u;

export function checkPlatformId(id: string, field = 'platformId'): string {
  if (!PLATFORM_ID.test(id)) fail('BAD_REQUEST', { field, reason: 'a platform id is 1–512 printable characters without spaces' });
  return id;
}

/** Registers an account on a number, a platform id, or both (the admin's `POST /v1/accounts`). */
export async function createAccount(p: Platform, input: NewAccount, actor: Actor): Promise<{ account: AccountView; token: string }> {
  if (input.phone === undefined && input.platformId === undefined) fail('BAD_REQUEST', { field: 'phone', reason: 'give a phone, a platformId, or both' });
  const phone = input.phone === undefined ? null : normalizePhone(input.phone);
  if (input.phone !== undefined && !phone) fail('PHONE_NUMBER_INVALID', { field: 'phone' });
  const platformId = input.platformId === undefined ? null : checkPlatformId(input.platformId);
  const name = checkName(input.name);
  const pk = phone ? phoneKey(phone) : null;
  const wanted = input.username ? checkUsernameFormat(input.username) : null;
  // The number, the platform id and the username are checked and taken in one step.
  const keys = [...(pk !== null ? [key.phone(pk)] : []), ...(platformId ? [key.platformId(platformId)] : []), ...(wanted ? [key.username(wanted)] : [])];
  const { row, token, saved, at } = await p.serial.run(keys, async () => {
    if (pk !== null && p.bannedPhones.has(pk)) fail('PHONE_NUMBER_BANNED');
    if (pk !== null && p.index.byPhone(pk) !== 0) fail('PHONE_TAKEN');
    // The platform key may learn which account holds its own user's id (to sign it in again).
    const holder = platformId ? p.index.byPlatformId(platformId) : 0;
    if (holder !== 0) fail('PLATFORM_ID_TAKEN', { field: 'platformId', accountId: publicId('account', holder) });
    const username = wanted ? checkUsernameFree(p, wanted, 0) : null;
    const now = p.clock.now();
    const id = p.ids.next('accounts');
    const row = {
      id,
      phone,
      name,
      username,
      platform_id: platformId,
      language: input.language ?? null,
      number_kind: input.numberKind ?? 'mobile',
      deleted_at: null,
      system: null,
    } as const;
    const token = newToken();
    const change = p.journal.change();
    change.emit(now, actor, id, {
      type: 'account_created',
      payload: {
        numberKind: row.number_kind,
        phone,
        name,
        username,
        language: row.language,
        system: null,
        privacy: DEFAULT_PRIVACY,
        ...(platformId ? { platformId } : {}),
      },
    });
    change.emit(now, actor, id, { type: 'token_issued', payload: { hash: hashToken(token), accountId: id, staffId: null } });
    // A VoIP number, or one whose last account left limited, starts limited (RULES.md §4).
    let importers: number[] = [];
    if (phone && pk !== null) {
      emitNewAccount(p, change, id, phone, row.number_kind, now);
      // Phone books that were waiting for this number now find it (a new account lets everybody find it).
      importers = resolveWaitingFor(p, change, pk, phone, id, DEFAULT_PRIVACY.findByPhone === 'everybody', new Set(), now);
    }
    await p.journal.commit(change);
    return { row, token, saved: importers.map((from) => ({ from, to: id })), at: now };
  });
  await p.robots.observe({ type: 'account', at: p.clock.now(), account: row.id, voip: row.number_kind === 'voip' });
  await publishContacts(p, saved, at);
  return { account: accountView(row), token };
}

/** A new session for an existing account (the platform's sign-in); never for a system account. */
export async function issueAccountToken(p: Platform, id: number, actor: Actor): Promise<string> {
  const f = p.index.flags(id);
  if (!p.index.exists(id) || f & Flag.DELETED) fail('NOT_FOUND');
  if (f & SYSTEM) fail('FORBIDDEN', { reason: 'system accounts have no sessions' });
  const token = newToken();
  await p.journal.record(p.clock.now(), actor, id, { type: 'token_issued', payload: { hash: hashToken(token), accountId: id, staffId: null } });
  return token;
}

/** The account signs out: the session of `token` ends (its other sessions go on). */
export async function signOut(p: Platform, id: number, token: string, actor: Actor): Promise<void> {
  await p.journal.record(p.clock.now(), actor, id, { type: 'tokens_revoked', payload: { scope: 'session', hash: hashToken(token) } });
}

/** The platform ends every session of an account (a lost phone, a taken-over account). */
export async function revokeAccountTokens(p: Platform, id: number, actor: Actor): Promise<void> {
  const f = p.index.flags(id);
  if (id === 0 || !p.index.exists(id) || f & Flag.DELETED) fail('NOT_FOUND');
  await p.journal.record(p.clock.now(), actor, id, { type: 'tokens_revoked', payload: { scope: 'all' } });
}

export interface ProfileChanges {
  name?: string;
  username?: string | null;
  language?: Lang | null;
}

export async function updateProfile(p: Platform, a: number, changes: ProfileChanges): Promise<AccountView> {
  requireWritable(p, a);
  const name = changes.name !== undefined ? checkName(changes.name) : undefined;
  const wanted =
    changes.username === undefined ? undefined : changes.username === null || changes.username === '' ? null : checkUsernameFormat(changes.username);
  const keys = [key.account(a), ...(wanted ? [key.username(wanted)] : [])];
  return p.serial.run(keys, async () => {
    const row = await loadAccount(p, a);
    if (!row) fail('NOT_FOUND');
    const payload: PlatformEventOf<'account_updated'> = {};
    if (name !== undefined && name !== row.name) payload.name = name;
    if (wanted !== undefined) {
      const next = wanted === null ? null : checkUsernameFree(p, wanted, a);
      if (next !== row.username) {
        payload.username = next;
        payload.previousUsername = row.username;
      }
    }
    if (changes.language !== undefined && changes.language !== row.language) payload.language = changes.language;
    if (Object.keys(payload).length > 0) {
      await p.journal.record(p.clock.now(), { kind: 'account', id: publicId('account', a) }, a, { type: 'account_updated', payload });
    }
    const { previousUsername: _previous, ...set } = payload;
    return accountView({ ...row, ...set });
  });
}

export interface PrivacyView {
  findByPhone: 'everybody' | 'contacts';
  phoneVisibility: 'everybody' | 'contacts' | 'nobody';
  chatInvites: 'everybody' | 'contacts' | 'nobody';
  newChats: 'everybody' | 'contacts';
}

const AUDIENCE_NAMES = AUDIENCE_NAME;

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
  const done = await p.serial.run([key.account(a)], async () => {
    const current = privacyView(p, a);
    const next = { ...current, ...changes };
    // Asking for the settings one already has changes nothing, and records nothing.
    if ((Object.keys(next) as (keyof PrivacyView)[]).every((k) => next[k] === current[k])) return { next, importers: [] as number[], now: 0 };
    const now = p.clock.now();
    const change = p.journal.change();
    change.emit(now, { kind: 'account', id: publicId('account', a) }, a, { type: 'privacy_changed', payload: next });
    // Letting everybody find the number may complete others' phone-book imports.
    const row = await loadAccount(p, a);
    const importers = row?.phone ? resolveWaitingFor(p, change, phoneKey(row.phone), row.phone, a, next.findByPhone === 'everybody', new Set(), now) : [];
    await p.journal.commit(change);
    return { next, importers, now };
  });
  await publishContacts(
    p,
    done.importers.map((from) => ({ from, to: a })),
    done.now,
  );
  return done.next;
}

/** The owner deletes the account (`DELETE /v1/me`): tokens end, number and username are freed. */
export async function deleteAccount(p: Platform, a: number): Promise<void> {
  requireWritable(p, a);
  await p.serial.run([key.account(a)], async () => {
    const row = await loadAccount(p, a);
    if (!row || row.deleted_at !== null) fail('NOT_FOUND');
    const now = p.clock.now();
    const r = p.restrictions.refresh(a, now);
    const change = p.journal.change();
    change.emit(now, { kind: 'account', id: publicId('account', a) }, a, {
      type: 'account_deleted',
      // A number shed while limited starts its next account limited (RULES.md §4, Numbers).
      payload: {
        phone: row.phone,
        restrictionAtDeletion: r.state,
        kind: r.kind ?? null,
        username: row.username,
        ...(row.platform_id ? { platformId: row.platform_id } : {}),
      },
    });
    emitDeletedAccount(p, change, a, row.phone, r, now);
    await p.journal.commit(change);
  });
}

/** Creates SpamBot and the support account on a data folder's first start. */
export async function ensureSystemAccounts(p: Platform): Promise<void> {
  const change = p.journal.change();
  const now = p.clock.now();
  for (const [system, name] of [
    ['spambot', 'Spam Info Bot'],
    ['support', 'Support'],
  ] as const) {
    if ((system === 'spambot' ? p.index.spamBotId : p.index.supportId) !== 0) continue;
    const id = p.ids.next('accounts');
    change.emit(now, SYSTEM_ACTOR, id, {
      type: 'account_created',
      payload: {
        numberKind: 'mobile',
        phone: null,
        name,
        username: system,
        language: null,
        system,
        privacy: { findByPhone: 'everybody', phoneVisibility: 'nobody', chatInvites: 'nobody', newChats: 'everybody' },
      },
    });
  }
  await p.journal.commit(change);
}
