import type { CompiledQuery } from 'kysely';
import { countingStrikes, sanctionFor, type Sanction } from '../domain/ladder.js';
import { phoneKey } from '../domain/phone.js';
import type { Actor } from '../store/event-log.js';
import { record } from './events.js';
import { DAY_MS } from './policy.js';
import { restrictStatements } from './restrictions.js';
import type { Enforcement } from './state.js';

/** Turning a confirmed case (or a robot's verdict) into restrictions, a strike and takedowns. */

export interface SanctionView {
  state: 'free' | 'limited' | 'frozen' | 'banned';
  kind?: string;
  until?: string | null;
  deleteAt?: string;
  publicGroupsBan?: boolean;
  takedown?: boolean;
}

export function sanctionView(s: Sanction): SanctionView {
  const v: SanctionView = { state: s.state };
  if (s.kind !== undefined) v.kind = s.kind;
  if (s.until !== undefined) v.until = s.until === null ? null : new Date(s.until).toISOString();
  if (s.deleteAt !== undefined) v.deleteAt = new Date(s.deleteAt).toISOString();
  if (s.publicGroupsBan) v.publicGroupsBan = true;
  if (s.takedown) v.takedown = true;
  return v;
}

/** What confirming under `policy` would do to `subject` now (pure: changes nothing). */
export function previewSanction(e: Enforcement, subject: number, policy: string, now: number): Sanction {
  const counting = countingStrikes(
    e.enforcement.strikesOf(subject).map((s) => ({ policy: s.policy, createdAt: s.createdAt, removed: s.removed })),
    policy,
    now,
    e.policy.strikeLifetimeDays * DAY_MS,
  );
  return sanctionFor(e.policy.ladder, policy, counting, { now, freezeMs: e.policy.freezeDays * DAY_MS });
}

export interface TakedownTarget {
  chatId: number;
  /** Messages to take down; empty for the whole chat (public-content reports). */
  messageIds: number[];
}

/**
 * The statements that apply the next sanction under `policy` to `subject`, with its strike.
 * Banning also bans the number; a public-content sanction takes the content down.
 */
export async function sanctionStatements(
  e: Enforcement,
  subject: number,
  policy: string,
  caseId: number | null,
  actor: Actor,
  now: number,
  takedown: TakedownTarget | null,
): Promise<{ writes: CompiledQuery[]; sanction: Sanction }> {
  const sanction = previewSanction(e, subject, policy, now);
  // Without content to take down (a private-chat case, a robot's verdict) nothing is taken down.
  if (sanction.takedown && !takedown) delete sanction.takedown;
  const writes: CompiledQuery[] = [];
  let restrictionId: number | null = null;
  const base = { caseId, ...(actor.kind === 'robot' && actor.id ? { rule: actor.id } : {}) };
  if (sanction.state === 'limited') {
    const r = restrictStatements(e, subject, { state: 'limited', kind: sanction.kind!, until: sanction.until ?? null, ...base }, actor, now);
    writes.push(...r.writes);
    restrictionId = r.record.id;
  } else if (sanction.state === 'frozen') {
    const r = restrictStatements(e, subject, { state: 'frozen', kind: policy, deleteAt: sanction.deleteAt ?? null, ...base }, actor, now);
    writes.push(...r.writes);
    restrictionId = r.record.id;
  } else if (sanction.state === 'banned') {
    const r = restrictStatements(e, subject, { state: 'banned', kind: policy, ...base }, actor, now);
    writes.push(...r.writes, ...(await banNumberStatements(e, subject, actor, now)));
    restrictionId = r.record.id;
  }
  if (sanction.publicGroupsBan) {
    const r = restrictStatements(e, subject, { state: 'public_groups_ban', kind: policy, ...base }, actor, now);
    writes.push(...r.writes);
    restrictionId = r.record.id;
  }
  if (sanction.takedown && takedown) writes.push(...takedownStatements(e, takedown, caseId ?? 0, subject, actor, now));

  const strikeId = e.ids.next('strikes');
  const expiresAt = now + e.policy.strikeLifetimeDays * DAY_MS;
  e.enforcement.addStrike(subject, { id: strikeId, policy, caseId, restrictionId, createdAt: now, expiresAt, removed: false });
  writes.push(
    e.store.db
      .insertInto('strikes')
      .values({ id: strikeId, account_id: subject, policy, case_id: caseId, restriction_id: restrictionId, created_at: now, expires_at: expiresAt, removed_at: null, removed_reason: null, expired_at: null })
      .compile(),
    record(e, now, actor, subject, { type: 'strike_added', payload: { strikeId, policy, caseId, restrictionId, expiresAt } }),
  );
  return { writes, sanction };
}

/** A banned account's number can never register again. */
export async function banNumberStatements(e: Enforcement, subject: number, actor: Actor, now: number): Promise<CompiledQuery[]> {
  const row = await e.store.first<{ phone: string | null }>(e.store.db.selectFrom('accounts').select('phone').where('id', '=', subject));
  if (!row?.phone) return [];
  const key = phoneKey(row.phone);
  if (e.bannedPhones.has(key)) return [];
  e.bannedPhones.add(key);
  return [
    e.store.db.insertInto('banned_phones').values({ phone: row.phone, account_id: subject, banned_at: now }).compile(),
    record(e, now, actor, subject, { type: 'number_banned', payload: { phone: row.phone } }),
  ];
}

function takedownStatements(e: Enforcement, t: TakedownTarget, caseId: number, subject: number, actor: Actor, now: number): CompiledQuery[] {
  const ids = t.messageIds.length > 0 ? t.messageIds : [0];
  if (ids.includes(0)) e.index.takeDown(t.chatId);
  return [
    ...ids.map((m) =>
      e.store.db
        .insertInto('takedowns')
        .values({ chat_id: t.chatId, message_id: m, case_id: caseId, at: now })
        .onConflict((oc) => oc.columns(['chat_id', 'message_id']).doNothing())
        .compile(),
    ),
    record(e, now, actor, subject, { type: 'content_taken_down', payload: { caseId, chatId: t.chatId, messageIds: ids } }),
  ];
}

/** Removes a strike (overturned appeal, lift): it no longer counts for the ladder. */
export function removeStrikeStatements(e: Enforcement, subject: number, strikeId: number, reason: string, actor: Actor, now: number): CompiledQuery[] {
  const s = e.enforcement.strikesOf(subject).find((x) => x.id === strikeId);
  if (!s || s.removed) return [];
  s.removed = true;
  return [
    e.store.db.updateTable('strikes').set({ removed_at: now, removed_reason: reason }).where('id', '=', strikeId).compile(),
    record(e, now, actor, subject, { type: 'strike_removed', payload: { strikeId, reason } }),
  ];
}

/** Lifting a ban frees the number again. */
export async function unbanNumberStatements(e: Enforcement, subject: number, actor: Actor, now: number): Promise<CompiledQuery[]> {
  const row = await e.store.first<{ phone: string | null }>(e.store.db.selectFrom('accounts').select('phone').where('id', '=', subject));
  if (!row?.phone || !e.bannedPhones.delete(phoneKey(row.phone))) return [];
  return [
    e.store.db.deleteFrom('banned_phones').where('phone', '=', row.phone).compile(),
    record(e, now, actor, subject, { type: 'number_unbanned', payload: { phone: row.phone } }),
  ];
}
