import type { RobotSignal } from '../events/index.js';
import { countingStrikes, sanctionFor, type Sanction } from '../domain/ladder.js';
import { Flag } from '../domain/gate.js';
import { phoneKey } from '../domain/phone.js';
import type { Actor } from '../store/event-log.js';
import { row } from '../store/read.js';
import type { Change } from '../events/journal.js';
import { DAY_MS } from './policy.js';
import { emitRestriction } from './restrictions.js';
import type { Enforcement } from './state.js';

/** Turning a confirmed case (or a robot's verdict) into restrictions, a strike and takedowns. */

const SYSTEM: Actor = { kind: 'system' };

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
 * Emits the next sanction under `policy` for `subject`, with its strike, on the change. Banning
 * also bans the number; a public-content sanction takes the content down. Run under the
 * subject's key: the ladder counts the strikes committed before.
 */
export async function emitSanction(
  e: Enforcement,
  change: Change,
  subject: number,
  policy: string,
  caseId: number | null,
  actor: Actor,
  now: number,
  takedown: TakedownTarget | null,
  signals?: readonly RobotSignal[],
): Promise<Sanction> {
  const sanction = previewSanction(e, subject, policy, now);
  // Without content to take down (a private-chat case, a robot's verdict) nothing is taken down.
  if (sanction.takedown && !takedown) delete sanction.takedown;
  let restrictionId: number | null = null;
  // A robot's sanction names its rule and the signals that fired (for staff, never the person).
  const base = { caseId, ...(actor.kind === 'robot' && actor.id ? { rule: actor.id, ...(signals ? { signals } : {}) } : {}) };
  if (sanction.state === 'limited') {
    restrictionId = emitRestriction(e, change, subject, { state: 'limited', kind: sanction.kind!, until: sanction.until ?? null, ...base }, actor, now);
  } else if (sanction.state === 'frozen') {
    restrictionId = emitRestriction(e, change, subject, { state: 'frozen', kind: policy, deleteAt: sanction.deleteAt ?? null, ...base }, actor, now);
  } else if (sanction.state === 'banned') {
    restrictionId = emitRestriction(e, change, subject, { state: 'banned', kind: policy, ...base }, actor, now);
    await emitNumberBan(e, change, subject, actor, now);
  }
  if (sanction.state === 'limited' || sanction.state === 'frozen') await emitShedNumber(e, change, subject, now);
  if (sanction.publicGroupsBan) {
    restrictionId = emitRestriction(e, change, subject, { state: 'public_groups_ban', kind: policy, ...base }, actor, now);
  }
  if (sanction.takedown && takedown) {
    const ids = takedown.messageIds.length > 0 ? takedown.messageIds : [0];
    change.emit(now, actor, subject, { type: 'content_taken_down', payload: { caseId: caseId ?? 0, chatId: takedown.chatId, messageIds: ids } });
  }
  const strikeId = e.ids.next('strikes');
  const expiresAt = now + e.policy.strikeLifetimeDays * DAY_MS;
  change.emit(now, actor, subject, { type: 'strike_added', payload: { strikeId, policy, caseId, restrictionId, expiresAt } });
  return sanction;
}

async function phoneOf(e: Enforcement, subject: number): Promise<string | null> {
  const found = await row(e.store, e.store.db.selectFrom('accounts').select('phone').where('id', '=', subject));
  return found?.phone ?? null;
}

/**
 * A subject that deleted itself before its case was decided shed the limit the decision gives,
 * as one deleting itself while limited does (RULES.md §4, Numbers): its number is flagged as if
 * it had left limited, and an account already registered on the number since starts limited
 * (kind `number`) now, as it would have at registration.
 */
async function emitShedNumber(e: Enforcement, change: Change, subject: number, now: number): Promise<void> {
  if ((e.index.flags(subject) & Flag.DELETED) === 0) return;
  const phone = await phoneOf(e, subject);
  if (!phone || e.enforcement.numberFlags.has(phoneKey(phone))) return;
  change.emit(now, SYSTEM, subject, { type: 'number_flagged', payload: { phone, reason: 'deleted_before_decision', flag: 'set' } });
  const holder = e.index.byPhone(phoneKey(phone));
  if (holder === 0 || holder === subject) return;
  change.emit(now, SYSTEM, holder, { type: 'number_flagged', payload: { phone, reason: 'previous_account_restricted', flag: 'none' } });
  emitRestriction(e, change, holder, { state: 'limited', kind: 'number', until: null }, SYSTEM, now);
}

/** A banned account's number can never register again. */
export async function emitNumberBan(e: Enforcement, change: Change, subject: number, actor: Actor, now: number): Promise<void> {
  const phone = await phoneOf(e, subject);
  if (!phone || e.bannedPhones.has(phoneKey(phone))) return;
  if (change.events.some((r) => r.event.type === 'number_banned' && r.event.payload.phone === phone)) return;
  change.emit(now, actor, subject, { type: 'number_banned', payload: { phone } });
}

/** Removes a strike (overturned appeal, lift): it no longer counts for the ladder. */
export function emitStrikeRemoval(e: Enforcement, change: Change, subject: number, strikeId: number, reason: string, actor: Actor, now: number): void {
  const s = e.enforcement.strikesOf(subject).find((x) => x.id === strikeId);
  if (!s || s.removed) return;
  change.emit(now, actor, subject, { type: 'strike_removed', payload: { strikeId, reason } });
}

/** Lifting a ban frees the number again. */
export async function emitNumberUnban(e: Enforcement, change: Change, subject: number, actor: Actor, now: number): Promise<void> {
  const phone = await phoneOf(e, subject);
  if (!phone || !e.bannedPhones.has(phoneKey(phone))) return;
  change.emit(now, actor, subject, { type: 'number_unbanned', payload: { phone } });
}
