import type { CompiledQuery } from 'kysely';
import type { Core } from '../core.js';
import type { EffectiveRestriction, RestrictionRecord, RestrictionState } from '../domain/restriction.js';
import type { Actor } from '../store/event-log.js';
import { record, type RestrictionPayload } from './events.js';

/**
 * Restriction records and their events, written together; the effective state in memory (the
 * gate's input) is refreshed in the same step.
 */

export interface RestrictionInput {
  state: RestrictionState;
  kind: string;
  until?: number | null;
  deleteAt?: number | null;
  caseId?: number | null;
  /** The robot rule behind it. */
  rule?: string;
}

const EVENT_OF: Record<RestrictionState, 'restriction_applied' | 'account_frozen' | 'account_banned'> = {
  limited: 'restriction_applied',
  public_groups_ban: 'restriction_applied',
  frozen: 'account_frozen',
  banned: 'account_banned',
};

/** The statements that record a new restriction; the caller writes them with its own batch. */
export function restrictStatements(
  core: Core,
  accountId: number,
  input: RestrictionInput,
  actor: Actor,
  now: number,
): { writes: CompiledQuery[]; record: RestrictionRecord; effective: EffectiveRestriction } {
  const r: RestrictionRecord = {
    id: core.ids.next('restrictions'),
    state: input.state,
    kind: input.kind,
    until: input.until ?? null,
    deleteAt: input.deleteAt ?? null,
  };
  const effective = core.restrictions.add(accountId, r, now);
  const payload: RestrictionPayload = {
    restrictionId: r.id,
    state: r.state,
    kind: r.kind,
    until: r.until,
    deleteAt: r.deleteAt,
  };
  if (input.caseId !== undefined) payload.caseId = input.caseId;
  if (input.rule !== undefined) payload.rule = input.rule;
  const writes = [
    core.store.db
      .insertInto('restrictions')
      .values({
        id: r.id,
        account_id: accountId,
        state: r.state,
        kind: r.kind,
        until: r.until,
        delete_at: r.deleteAt,
        case_id: input.caseId ?? null,
        rule: input.rule ?? null,
        created_at: now,
        ended_at: null,
        end_reason: null,
      })
      .compile(),
    record(core, now, actor, accountId, { type: EVENT_OF[r.state], payload }),
  ];
  return { writes, record: r, effective };
}

/** Applies a restriction on its own (staff tools, tests). */
export async function restrictAccount(core: Core, accountId: number, input: RestrictionInput, actor: Actor): Promise<EffectiveRestriction> {
  const now = core.clock.now();
  const { writes, effective } = restrictStatements(core, accountId, input, actor, now);
  await core.store.write(writes);
  return effective;
}

/** Ends one active restriction record: `expired` at its end, or lifted for a reason. */
export function endStatements(core: Core, accountId: number, restrictionId: number, reason: string, actor: Actor, at: number): CompiledQuery[] {
  core.restrictions.remove(accountId, restrictionId, at);
  return [
    core.store.db.updateTable('restrictions').set({ ended_at: at, end_reason: reason }).where('id', '=', restrictionId).where('ended_at', 'is', null).compile(),
    record(core, at, actor, accountId, { type: reason === 'expired' ? 'restriction_expired' : 'restriction_lifted', payload: { restrictionId, reason } }),
  ];
}

/** Loads active records at start and derives every account's effective state. */
export async function loadRestrictions(core: Core): Promise<void> {
  const now = core.clock.now();
  for await (const r of core.store.iterate<{ id: number; account_id: number; state: RestrictionState; kind: string; until: number | null; delete_at: number | null }>(
    core.store.db.selectFrom('restrictions').select(['id', 'account_id', 'state', 'kind', 'until', 'delete_at']).where('ended_at', 'is', null).orderBy('id'),
  )) {
    // Records past their end stay in memory until the scheduler ends them (with their event).
    core.restrictions.add(r.account_id, { id: r.id, state: r.state, kind: r.kind, until: r.until === null ? null : Number(r.until), deleteAt: r.delete_at === null ? null : Number(r.delete_at) }, now);
  }
}
