import { fail } from '../domain/errors.js';
import type { EffectiveRestriction, RestrictionRecord } from '../domain/restriction.js';
import type { EndCause } from '../events/index.js';
import type { Change } from '../events/journal.js';
import { key } from '../events/serial.js';
import type { Actor } from '../store/event-log.js';
import { rows } from '../store/read.js';
import { emitEnd } from './restrictions.js';
import { emitNumberUnban, emitStrikeRemoval } from './sanctions.js';
import { staffActor, type StaffActor } from './staff.js';
import type { Enforcement } from './state.js';

/**
 * Lifting by staff (RULES.md §4): every active restriction and the public-groups ban end at once,
 * and the strikes behind them are removed, as with an overturned appeal. `continued` names the
 * freezes that the account's bans continued (a freeze becomes a ban at deleteAt): the strike of
 * such a freeze is the ban's strike and goes with it.
 */
export function emitLift(
  e: Enforcement,
  change: Change,
  accountId: number,
  cause: EndCause,
  reason: string,
  actor: Actor,
  now: number,
  continued: ReadonlySet<number> = new Set(),
): void {
  const ended = new Set<number>(continued);
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

/** The freezes that became these bans: ended as `deleted` when the ban began, under the same policy. */
async function freezesContinued(e: Enforcement, accountId: number, bans: readonly RestrictionRecord[]): Promise<Set<number>> {
  const out = new Set<number>();
  if (bans.length === 0) return out;
  const began = await rows(
    e.store,
    e.store.db
      .selectFrom('restrictions')
      .select(['id', 'created_at', 'kind'])
      .where(
        'id',
        'in',
        bans.map((b) => b.id),
      ),
  );
  const frozen = await rows(
    e.store,
    e.store.db
      .selectFrom('restrictions')
      .select(['id', 'ended_at', 'kind'])
      .where('account_id', '=', accountId)
      .where('state', '=', 'frozen')
      .where('end_reason', '=', 'deleted'),
  );
  for (const f of frozen) if (began.some((b) => b.kind === f.kind && b.created_at === f.ended_at)) out.add(f.id);
  return out;
}

export async function liftAccount(e: Enforcement, accountId: number, reason: string, staff: StaffActor): Promise<EffectiveRestriction> {
  return e.serial.run([key.account(accountId)], async () => {
    if (!mayLift(e, accountId, staff)) fail('FORBIDDEN', { reason: 'a child_abuse ban is lifted by an admin only' });
    const now = e.clock.now();
    const actor = staffActor(staff);
    const change = e.journal.change();
    const bans = e.restrictions.records(accountId).filter((r) => r.state === 'banned');
    const wasBanned = bans.length > 0;
    emitLift(e, change, accountId, 'lifted', `lifted: ${reason}`, actor, now, await freezesContinued(e, accountId, bans));
    if (wasBanned) await emitNumberUnban(e, change, accountId, actor, now);
    await e.journal.commit(change);
    return e.restrictions.refresh(accountId, now);
  });
}
