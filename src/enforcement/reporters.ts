import type { CompiledQuery } from 'kysely';
import { record } from './events.js';
import { staffActor, type StaffActor } from './staff.js';
import type { Enforcement, ReporterRecord } from './state.js';

/** Stores a reporter's new record (in memory now, durably with the caller's batch). */
export function reporterStatement(e: Enforcement, accountId: number, rec: ReporterRecord): CompiledQuery {
  e.enforcement.reporters.set(accountId, rec);
  return e.store.db
    .insertInto('reporter_stats')
    .values({ account_id: accountId, confirmed: rec.confirmed, dismissed: rec.dismissed, muted: rec.muted ? 1 : 0 })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ confirmed: rec.confirmed, dismissed: rec.dismissed, muted: rec.muted ? 1 : 0 }))
    .compile();
}

/** Staff mute a reporter whose reports keep being wrong: their reports then weigh nothing. */
export async function muteReporter(e: Enforcement, accountId: number, muted: boolean, staff: StaffActor): Promise<{ muted: boolean; confirmed: number; dismissed: number }> {
  const now = e.clock.now();
  const rec = { ...e.enforcement.reporter(accountId), muted };
  await e.store.write([
    reporterStatement(e, accountId, rec),
    record(e, now, staffActor(staff), accountId, { type: 'reporter_muted', payload: { muted, by: staff.ref } }),
  ]);
  return rec;
}
