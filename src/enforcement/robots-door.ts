import type { Actor } from '../store/event-log.js';
import { record } from './events.js';
import { caseUpdatedStatements, openCaseStatements } from './reports.js';
import { restrictStatements } from './restrictions.js';
import { sanctionStatements, sanctionView, type SanctionView } from './sanctions.js';
import { caseKey, type Enforcement } from './state.js';

/**
 * The one door through which automated rules act (RULES.md §4 "Robots"). Every effect is an
 * event carrying the rule's name, so appeals against robots can be found and reviewed first.
 */

function robot(rule: string): Actor {
  return { kind: 'robot', id: rule };
}

/** Limits the account for `hours` (kind `robot`). A new limit never shortens an existing one. */
export async function robotLimit(e: Enforcement, accountId: number, rule: string, hours: number): Promise<void> {
  const now = e.clock.now();
  const { writes } = restrictStatements(e, accountId, { state: 'limited', kind: 'robot', until: now + hours * 3600_000, rule }, robot(rule), now);
  await e.store.write(writes);
}

/** Applies the ladder's next sanction under `policy` (e.g. `industrial_spam` → frozen), with a strike. */
export async function robotSanction(e: Enforcement, accountId: number, rule: string, policy: string): Promise<SanctionView> {
  const now = e.clock.now();
  const { writes, sanction } = await sanctionStatements(e, accountId, policy, null, robot(rule), now, null);
  await e.store.write(writes);
  return sanctionView(sanction);
}

/** Opens a case about the account (or raises its open one) for human review. */
export async function robotOpenCase(e: Enforcement, accountId: number, rule: string, priority: number): Promise<number> {
  const now = e.clock.now();
  const existing = e.enforcement.openCases.get(caseKey(accountId, 0));
  if (existing) {
    await e.store.write(caseUpdatedStatements(e, existing, [], robot(rule), now, priority));
    return existing.id;
  }
  const { c, writes } = openCaseStatements(e, accountId, 0, rule, robot(rule), now);
  writes.push(...caseUpdatedStatements(e, c, [], robot(rule), now, priority));
  await e.store.write(writes);
  return c.id;
}

/** Records a suspicion without acting on it. */
export async function robotFlag(e: Enforcement, accountId: number, rule: string, note: string): Promise<void> {
  const now = e.clock.now();
  await e.store.write([record(e, now, robot(rule), accountId, { type: 'robot_flag', payload: { rule, note } })]);
}

/** Records what a rule would have done (shadow mode, daily cap, or held off after a person's decision). */
export async function robotShadow(e: Enforcement, accountId: number, rule: string, effect: Record<string, unknown>, why: string): Promise<void> {
  const now = e.clock.now();
  await e.store.write([record(e, now, robot(rule), accountId, { type: 'robot_shadow', payload: { rule, effect, why } })]);
}
