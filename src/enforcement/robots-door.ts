import type { RobotSignal } from '../events/index.js';
import { key } from '../events/serial.js';
import type { Actor } from '../store/event-log.js';
import { emitCaseOpened, emitCaseUpdated } from './reports.js';
import { emitRestriction, signalsPayload } from './restrictions.js';
import { emitSanction, sanctionView, type SanctionView } from './sanctions.js';
import { caseKey, type Enforcement } from './state.js';

/**
 * The one door through which automated rules act (RULES.md §4 "Robots"). Every effect is an
 * event carrying the rule's name, so appeals against robots can be found and reviewed first,
 * and the signals that fired (`signals`: name, value, threshold, note), so that staff see why;
 * the person never does (their restriction view and SpamBot say only what they always said).
 * Each runs under the account's key, like every other decision about it. `once`, when given, is a
 * once key the effect's write takes: with several nodes, the robots' consumer names each effect
 * after the stream entry that caused it, so an entry applied again after a takeover changes
 * nothing (the write is refused as a lost race).
 */

/** The signals as an event's payload field: absent when none were given. */
function withSignals(signals: readonly RobotSignal[] | undefined): { signals?: RobotSignal[] } {
  return signals && signals.length > 0 ? { signals: signalsPayload(signals) } : {};
}

function robot(rule: string): Actor {
  return { kind: 'robot', id: rule };
}

/** Limits the account for `hours` (kind `robot`). A new limit never shortens an existing one. */
export async function robotLimit(
  e: Enforcement,
  accountId: number,
  rule: string,
  hours: number,
  signals?: readonly RobotSignal[],
  once?: string,
): Promise<void> {
  await e.serial.run([key.account(accountId)], async () => {
    const now = e.clock.now();
    const change = e.journal.change();
    if (once) change.once(once, now);
    emitRestriction(e, change, accountId, { state: 'limited', kind: 'robot', until: now + hours * 3600_000, rule, ...withSignals(signals) }, robot(rule), now);
    await e.journal.commit(change);
  });
}

/** Applies the ladder's next sanction under `policy` (e.g. `industrial_spam` → frozen), with a strike. */
export async function robotSanction(
  e: Enforcement,
  accountId: number,
  rule: string,
  policy: string,
  signals?: readonly RobotSignal[],
  once?: string,
): Promise<SanctionView> {
  return e.serial.run([key.account(accountId)], async () => {
    const now = e.clock.now();
    const change = e.journal.change();
    if (once) change.once(once, now);
    const sanction = await emitSanction(e, change, accountId, policy, null, robot(rule), now, null, withSignals(signals).signals);
    await e.journal.commit(change);
    return sanctionView(sanction);
  });
}

/**
 * Opens a case about the account (or raises its open one) for human review. A new case carries
 * the signals on its `case_opened`; an open one raised carries them, with the rule, on its
 * `case_updated`.
 */
export async function robotOpenCase(
  e: Enforcement,
  accountId: number,
  rule: string,
  priority: number,
  signals?: readonly RobotSignal[],
  once?: string,
): Promise<number> {
  return e.serial.run([key.account(accountId)], async () => {
    const now = e.clock.now();
    const change = e.journal.change();
    if (once) change.once(once, now);
    const existing = e.enforcement.openCases.get(caseKey(accountId, 0));
    const caseId = existing ? existing.id : emitCaseOpened(e, change, accountId, 0, rule, robot(rule), now, withSignals(signals).signals);
    emitCaseUpdated(
      change,
      caseId,
      accountId,
      existing?.reports ?? [],
      [],
      robot(rule),
      now,
      priority,
      existing ? { rule, ...withSignals(signals) } : undefined,
    );
    await e.journal.commit(change);
    return caseId;
  });
}

/** Records a suspicion without acting on it. */
export async function robotFlag(e: Enforcement, accountId: number, rule: string, note: string, signals?: readonly RobotSignal[], once?: string): Promise<void> {
  const now = e.clock.now();
  const change = e.journal.change();
  if (once) change.once(once, now);
  await e.journal.commit(change.emit(now, robot(rule), accountId, { type: 'robot_flag', payload: { rule, note, ...withSignals(signals) } }));
}

/**
 * Records what a rule would have done (shadow mode, daily cap, or held off after a person's
 * decision). The effect's `signals` become the record's own field; the effect keeps the rest.
 */
export async function robotShadow(e: Enforcement, accountId: number, rule: string, effect: Record<string, unknown>, why: string, once?: string): Promise<void> {
  const now = e.clock.now();
  const { signals, ...rest } = effect;
  const fired = Array.isArray(signals) ? withSignals(signals as RobotSignal[]) : {};
  const change = e.journal.change();
  if (once) change.once(once, now);
  await e.journal.commit(change.emit(now, robot(rule), accountId, { type: 'robot_shadow', payload: { rule, effect: rest, why, ...fired } }));
}
