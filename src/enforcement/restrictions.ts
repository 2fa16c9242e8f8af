import type { Core } from '../core.js';
import type { EffectiveRestriction, RestrictionState } from '../domain/restriction.js';
import type { EndCause, RestrictionPayload, RobotSignal } from '../events/index.js';
import type { Change } from '../events/journal.js';
import { key } from '../events/serial.js';
import type { Actor } from '../store/event-log.js';
import { each } from '../store/read.js';

/**
 * Restriction records as events: a new record is `restriction_applied` / `account_frozen` /
 * `account_banned`, its end `restriction_expired` or `restriction_lifted` with its cause. The
 * projectors write the rows and the restriction book (the gate's input) once committed.
 */

export interface RestrictionInput {
  state: RestrictionState;
  kind: string;
  until?: number | null;
  deleteAt?: number | null;
  caseId?: number | null;
  /** The robot rule behind it. */
  rule?: string;
  /** The signals that fired for that rule. */
  signals?: readonly RobotSignal[];
}

const EVENT_OF: Record<RestrictionState, 'restriction_applied' | 'account_frozen' | 'account_banned'> = {
  limited: 'restriction_applied',
  public_groups_ban: 'restriction_applied',
  frozen: 'account_frozen',
  banned: 'account_banned',
};

/** Signals as the log keeps them: the four fields, nothing else a caller's object may carry. */
export function signalsPayload(signals: readonly RobotSignal[]): RobotSignal[] {
  return signals.map((s) => ({ name: s.name, value: s.value, threshold: s.threshold, ...(s.note !== undefined ? { note: s.note } : {}) }));
}

/** Emits a new restriction record on the change; returns its id. */
export function emitRestriction(core: Core, change: Change, accountId: number, input: RestrictionInput, actor: Actor, now: number): number {
  const payload: RestrictionPayload = {
    restrictionId: core.ids.next('restrictions'),
    state: input.state,
    kind: input.kind,
    until: input.until ?? null,
    deleteAt: input.deleteAt ?? null,
  };
  if (input.caseId !== undefined) payload.caseId = input.caseId;
  if (input.rule !== undefined) payload.rule = input.rule;
  if (input.signals !== undefined && input.signals.length > 0) payload.signals = signalsPayload(input.signals);
  change.emit(now, actor, accountId, { type: EVENT_OF[input.state], payload });
  return payload.restrictionId;
}

/** Applies a restriction on its own (staff tools, tests). */
export async function restrictAccount(core: Core, accountId: number, input: RestrictionInput, actor: Actor): Promise<EffectiveRestriction> {
  return core.serial.run([key.account(accountId)], async () => {
    const now = core.clock.now();
    const change = core.journal.change();
    emitRestriction(core, change, accountId, input, actor, now);
    await core.journal.commit(change);
    return core.restrictions.refresh(accountId, now);
  });
}

/**
 * Emits the end of one active restriction record: `expired` at its end (restriction_expired),
 * otherwise lifted (restriction_lifted) with its cause; `reason` is the words kept with it.
 */
export function emitEnd(change: Change, accountId: number, restrictionId: number, cause: EndCause, reason: string, actor: Actor, at: number): void {
  change.emit(at, actor, accountId, { type: cause === 'expired' ? 'restriction_expired' : 'restriction_lifted', payload: { restrictionId, reason, cause } });
}

/** Loads active records at start and derives every account's effective state. */
export async function loadRestrictions(core: Core): Promise<void> {
  const now = core.clock.now();
  for await (const r of each(
    core.store,
    core.store.db.selectFrom('restrictions').select(['id', 'account_id', 'state', 'kind', 'until', 'delete_at']).where('ended_at', 'is', null).orderBy('id'),
  )) {
    // Records past their end stay in memory until the scheduler ends them (with their event).
    core.restrictions.add(r.account_id, { id: r.id, state: r.state as RestrictionState, kind: r.kind, until: r.until, deleteAt: r.delete_at }, now);
  }
}
