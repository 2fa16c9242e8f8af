import { Audience, Flag, mayFindByPhone } from '../domain/gate.js';
import { fail } from '../domain/errors.js';
import { normalizePhone, phoneKey } from '../domain/phone.js';
import type { Change } from '../events/journal.js';
import { key } from '../events/serial.js';
import { SYSTEM_ACTOR, type Actor } from '../store/event-log.js';
import { publicId } from '../store/ids.js';
import { row } from '../store/read.js';
import type { Platform } from './context.js';
import { lookUp, reserveShared } from './lookups.js';
import { requireWritable } from './writable.js';

/**
 * Contacts (RULES.md §1 "mutual contacts", §2 "Importing contacts"). Numbers that do not resolve
 * for the importer are remembered and become contacts once they do, as a phone book sync would.
 * Every change is an event; memory follows the commit.
 */

export interface ImportResult {
  imported: { phone: string; accountId: string }[];
  notFound: string[];
  /** Entries that are not phone numbers, as given. */
  invalid: string[];
}

function actorOf(a: number): Actor {
  return { kind: 'account', id: publicId('account', a) };
}

/**
 * Completes the waiting imports of `owner`'s number (`phone`, key `pk`) that now resolve: when
 * everybody may find it, or the importer is (or is about to be, `newContacts`) in its contacts.
 * Returns the importers that now have `owner` as a contact (for robots, once committed).
 */
export function resolveWaitingFor(
  p: Platform,
  change: Change,
  pk: number,
  phone: string,
  owner: number,
  everybodyFinds: boolean,
  newContacts: ReadonlySet<number>,
  now: number,
): number[] {
  const saved: number[] = [];
  const importers = p.pending.importers(pk);
  if (!importers) return saved;
  for (const importer of importers) {
    if (importer === owner || p.index.flags(importer) & Flag.DELETED) continue;
    if (!everybodyFinds && !p.index.hasContact(owner, importer) && !newContacts.has(importer)) continue;
    change.emit(now, SYSTEM_ACTOR, importer, { type: 'pending_contact_resolved', payload: { phone, contactId: owner } });
    // A contact saved by the import may already be there (pending_contact_resolved then adds nothing).
    if (!p.index.hasContact(importer, owner)) saved.push(importer);
  }
  return saved;
}

/** Tells robots, once the change committed, that each `from` saved each `to`. */
export async function publishContacts(p: Platform, saved: readonly { from: number; to: number }[], at: number): Promise<void> {
  for (const { from, to } of saved) await p.robots.observe({ type: 'contact', at, from, to });
}

/** After `owner` saved `added`, their own waiting imports of `owner`'s number may complete. */
async function resolveForOwner(p: Platform, change: Change, owner: number, added: ReadonlySet<number>, now: number): Promise<number[]> {
  if (added.size === 0 || p.pending.size === 0) return [];
  const account = await row(p.store, p.store.db.selectFrom('accounts').select('phone').where('id', '=', owner));
  if (!account?.phone) return [];
  return resolveWaitingFor(p, change, phoneKey(account.phone), account.phone, owner, p.index.findByPhone(owner) === Audience.EVERYBODY, added, now);
}

export async function importContacts(p: Platform, owner: number, entries: { phone: string; name?: string }[]): Promise<ImportResult> {
  requireWritable(p, owner);
  const result: ImportResult = { imported: [], notFound: [], invalid: [] };
  const valid = new Map<string, string | null>();
  for (const e of entries) {
    const phone = normalizePhone(e.phone);
    if (!phone) result.invalid.push(e.phone);
    else if (!valid.has(phone)) valid.set(phone, e.name?.trim() || null);
  }
  if (valid.size === 0) return result;
  const saved: { from: number; to: number }[] = [];
  let at = 0;
  await reserveShared(p, owner, [...valid.keys()].map(phoneKey));
  await p.serial.run([key.account(owner)], async () => {
    const now = p.clock.now();
    const idx = p.index;
    const change = p.journal.change();
    const actor = actorOf(owner);
    // Every number looked up counts against the daily cap; over it, nothing changes.
    lookUp(p, change, owner, [...valid.keys()].map(phoneKey), now);
    const added = new Set<number>();
    const waiting: string[] = [];
    for (const [phone, name] of valid) {
      const pk = phoneKey(phone);
      const target = idx.byPhone(pk);
      if (target === owner) continue;
      if (target !== 0 && mayFindByPhone(idx, owner, target)) {
        if (!idx.hasContact(owner, target) && !added.has(target)) {
          change.emit(now, actor, owner, { type: 'contact_added', payload: { contactId: target, name } });
          added.add(target);
        }
        result.imported.push({ phone, accountId: publicId('account', target) });
        // An earlier import of this number that was waiting is now done.
        if (p.pending.has(pk, owner)) change.emit(now, actor, owner, { type: 'pending_contact_resolved', payload: { phone, contactId: target } });
        continue;
      }
      result.notFound.push(phone);
      if (!p.pending.has(pk, owner)) waiting.push(phone);
    }
    // Waiting numbers are bounded per importer by the lookup cap: the oldest give way.
    const cap = p.config.lookupsPerDay;
    const excess = p.pending.countOf(owner) + waiting.length - cap;
    for (const pk of p.pending.oldestOf(owner, excess)) change.emit(now, actor, owner, { type: 'pending_contact_dropped', payload: { phone: `+${pk}` } });
    for (const phone of waiting.slice(Math.max(0, waiting.length - cap))) {
      change.emit(now, actor, owner, { type: 'pending_contact_added', payload: { phone, name: valid.get(phone) ?? null } });
    }
    // Saving someone lets them find you by number if you allow only contacts to: their own
    // waiting import of your number completes, as with POST /v1/contacts.
    const theirs = await resolveForOwner(p, change, owner, added, now);
    await p.journal.commit(change);
    for (const to of added) saved.push({ from: owner, to });
    for (const from of theirs) saved.push({ from, to: owner });
    at = now;
  });
  await publishContacts(p, saved, at);
  return result;
}

/** The action bar's "add contact": by account id, without knowing the number. */
export async function addContact(p: Platform, owner: number, contact: number, name: string | null): Promise<void> {
  requireWritable(p, owner);
  // One seen as deleted (deleted, frozen, banned: RULES.md §1) cannot be added, as the action bar says.
  if (!p.index.exists(contact) || p.index.flags(contact) & (Flag.DELETED | Flag.FROZEN | Flag.BANNED)) fail('PEER_ID_INVALID');
  if (contact === owner) fail('BAD_REQUEST', { field: 'accountId', reason: 'cannot add yourself' });
  const done = await p.serial.run([key.account(owner)], async () => {
    if (p.index.hasContact(owner, contact)) return null;
    const now = p.clock.now();
    const change = p.journal.change();
    change.emit(now, actorOf(owner), owner, { type: 'contact_added', payload: { contactId: contact, name } });
    // Saving someone lets them find you by number if you allow only contacts to.
    const theirs = await resolveForOwner(p, change, owner, new Set([contact]), now);
    await p.journal.commit(change);
    return { now, saved: [{ from: owner, to: contact }, ...theirs.map((from) => ({ from, to: owner }))] };
  });
  if (done) await publishContacts(p, done.saved, done.now);
}

export async function deleteContact(p: Platform, owner: number, contact: number): Promise<void> {
  requireWritable(p, owner);
  if (!p.index.exists(contact)) fail('PEER_ID_INVALID');
  await p.serial.run([key.account(owner)], async () => {
    if (!p.index.hasContact(owner, contact)) return;
    await p.journal.record(p.clock.now(), actorOf(owner), owner, { type: 'contact_removed', payload: { contactId: contact } });
  });
}
