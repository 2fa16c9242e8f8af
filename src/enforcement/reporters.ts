import { record } from './events.js';
import type { StaffActor } from './cases.js';
import { staffActor } from './cases.js';
import type { Enforcement } from './state.js';

/** Staff mute a reporter whose reports keep being wrong: their reports then weigh nothing. */
export async function muteReporter(e: Enforcement, accountId: number, muted: boolean, staff: StaffActor): Promise<{ muted: boolean; confirmed: number; dismissed: number }> {
  const now = e.clock.now();
  const rec = { ...e.enforcement.reporter(accountId), muted };
  e.enforcement.reporters.set(accountId, rec);
  await e.store.write([
    e.store.db
      .insertInto('reporter_stats')
      .values({ account_id: accountId, confirmed: rec.confirmed, dismissed: rec.dismissed, muted: muted ? 1 : 0 })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ muted: muted ? 1 : 0 }))
      .compile(),
    record(e, now, staffActor(staff), accountId, { type: 'reporter_muted', payload: { muted, by: staff.ref } }),
  ]);
  return rec;
}
