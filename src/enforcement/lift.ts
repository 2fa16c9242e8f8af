import { fail } from '../domain/errors.js';
import type { EffectiveRestriction } from '../domain/restriction.js';
import type { EndCause } from '../events/index.js';
import type { Change } from '../events/journal.js';
import { key } from '../events/serial.js';
import type { Actor } from '../store/event-log.js';
import { emitEnd } from './restrictions.js';
import { emitNumberUnban, emitStrikeRemoval } from './sanctions.js';
import { staffActor, type StaffActor } from './staff.js';
import type { Enforcement } from './state.js';

/**
 * Lifting by staff (RULES.md §4): every active restriction and the public-groups ban end at once,
 * and the strikes behind them are removed, as with an overturned appeal.
 */
export function emitLift(e: Enforcement, change: Change, accountId: number, cause: EndCause, reason: string, actor: Actor, now: number): void {
  const ended = new Set<number>();
  for (const r of e.restrictions.records(accountId)) {
    emitEnd(change, accountId, r.id, cause, reason, actor, now);
    ended.add(r.id);
  }
  for (const s of e.enforcement.strikesOf(accountId)) {
    if (!s.removed && s.restrictionId !== null && ended.has(s.restrictionId)) emitStrikeRemoval(e, change, accountId, s.id, reason, actor, now);
  }
}

/** A `child_abuse` ban is lifted by an admin only (RULES.md §4). */
export function mayLift(e: Enforcement, accountId: number, staff: StaffActor): boolean {
  if (staff.role === 'admin') return true;
  return !e.restrictions.records(accountId).some((r) => r.state === 'banned' && r.kind === 'child_abuse');
}

export async function liftAccount(e: Enforcement, accountId: number, reason: string, staff: StaffActor): Promise<EffectiveRestriction> {
  return e.serial.run([key.account(accountId)], async () => {
    if (!mayLift(e, accountId, staff)) fail('FORBIDDEN', { reason: 'a child_abuse ban is lifted by an admin only' });
    const now = e.clock.now();
    const actor = staffActor(staff);
    const change = e.journal.change();
    const wasBanned = e.restrictions.records(accountId).some((r) => r.state === 'banned');
    emitLift(e, change, accountId, 'lifted', `lifted: ${reason}`, actor, now);
    if (wasBanned) await emitNumberUnban(e, change, accountId, actor, now);
    await e.journal.commit(change);
    return e.restrictions.refresh(accountId, now);
  });
}
