import type { CompiledQuery } from 'kysely';
import type { Core } from '../core.js';
import type { EffectiveRestriction, RestrictionRecord, RestrictionState } from '../domain/restriction.js';
import { appendEvent, type Actor } from '../store/event-log.js';

/**
 * Restriction records and their events, written together. The effective state in memory (the
 * gate's input) is refreshed in the same step.
 */

export interface RestrictionInput {
  state: RestrictionState;
  kind: string;
  until?: number | null;
  deleteAt?: number | null;
  /** Why: the case, policy or rule behind it, kept in the event. */
  reason?: Record<string, unknown>;
}

/** The statements that record a new restriction; the caller writes them with its own batch. */
export function restrictStatements(core: Core, accountId: number, input: RestrictionInput, actor: Actor, now: number): { writes: CompiledQuery[]; record: RestrictionRecord; effective: EffectiveRestriction } {
  const record: RestrictionRecord = {
    id: core.ids.next('restrictions'),
    state: input.state,
    kind: input.kind,
    until: input.until ?? null,
    deleteAt: input.deleteAt ?? null,
  };
  const effective = core.restrictions.add(accountId, record, now);
  const writes = [
    core.store.db
      .insertInto('restrictions')
      .values({
        id: record.id,
        account_id: accountId,
        state: record.state,
        kind: record.kind,
        until: record.until,
        delete_at: record.deleteAt,
        created_at: now,
        ended_at: null,
        end_reason: null,
      })
      .compile(),
    appendEvent(core.store, core.ids, {
      type: 'restriction_applied',
      at: now,
      actor,
      accountId,
      payload: { restrictionId: record.id, state: record.state, kind: record.kind, until: record.until, deleteAt: record.deleteAt, ...input.reason },
    }),
  ];
  return { writes, record, effective };
}

/** Applies a restriction on its own (robots, staff tools, tests). */
export async function restrictAccount(core: Core, accountId: number, input: RestrictionInput, actor: Actor): Promise<EffectiveRestriction> {
  const now = core.clock.now();
  const { writes, effective } = restrictStatements(core, accountId, input, actor, now);
  await core.store.write(writes);
  return effective;
}

/** Ends one active restriction record (lifted, overturned or expired). */
export function endStatements(core: Core, accountId: number, restrictionId: number, reason: string, actor: Actor, now: number): CompiledQuery[] {
  core.restrictions.remove(accountId, restrictionId, now);
  return [
    core.store.db.updateTable('restrictions').set({ ended_at: now, end_reason: reason }).where('id', '=', restrictionId).where('ended_at', 'is', null).compile(),
    appendEvent(core.store, core.ids, {
      type: reason === 'expired' ? 'restriction_expired' : 'restriction_lifted',
      at: now,
      actor,
      accountId,
      payload: { restrictionId, reason },
    }),
  ];
}

/** Loads active records at start and derives every account's effective state. */
export async function loadRestrictions(core: Core): Promise<void> {
  const now = core.clock.now();
  const touched = new Set<number>();
  for await (const r of core.store.iterate<{ id: number; account_id: number; state: RestrictionState; kind: string; until: number | null; delete_at: number | null }>(
    core.store.db.selectFrom('restrictions').select(['id', 'account_id', 'state', 'kind', 'until', 'delete_at']).where('ended_at', 'is', null).orderBy('id'),
  )) {
    core.restrictions.add(r.account_id, { id: r.id, state: r.state, kind: r.kind, until: r.until === null ? null : Number(r.until), deleteAt: r.delete_at === null ? null : Number(r.delete_at) }, now);
    touched.add(r.account_id);
  }
  for (const a of touched) core.restrictions.refresh(a, now);
}
