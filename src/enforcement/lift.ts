import type { CompiledQuery } from 'kysely';
import type { EffectiveRestriction } from '../domain/restriction.js';
import type { Actor } from '../store/event-log.js';
import { endStatements } from './restrictions.js';
import { removeStrikeStatements, unbanNumberStatements } from './sanctions.js';
import type { Enforcement } from './state.js';

/**
 * Lifting by staff (RULES.md §4): every active restriction and the public-groups ban end at once,
 * and the strikes behind them are removed, as with an overturned appeal.
 */
export function liftStatements(e: Enforcement, accountId: number, reason: string, actor: Actor, now: number): CompiledQuery[] {
  const writes: CompiledQuery[] = [];
  const records = [...e.restrictions.records(accountId)];
  const ended = new Set<number>();
  for (const r of records) {
    writes.push(...endStatements(e, accountId, r.id, reason, actor, now));
    ended.add(r.id);
  }
  for (const s of e.enforcement.strikesOf(accountId)) {
    if (!s.removed && s.restrictionId !== null && ended.has(s.restrictionId)) writes.push(...removeStrikeStatements(e, accountId, s.id, reason, actor, now));
  }
  return writes;
}

export async function liftAccount(e: Enforcement, accountId: number, reason: string, actor: Actor): Promise<EffectiveRestriction> {
  const now = e.clock.now();
  e.enforcement.manualDecisionAt.set(accountId, now);
  const wasBanned = e.restrictions.records(accountId).some((r) => r.state === 'banned');
  const writes = liftStatements(e, accountId, `lifted: ${reason}`, actor, now);
  if (wasBanned) writes.push(...(await unbanNumberStatements(e, accountId, actor, now)));
  if (writes.length > 0) await e.store.write(writes);
  return e.restrictions.refresh(accountId, now);
}
