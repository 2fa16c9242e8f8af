import { key } from '../events/serial.js';
import { staffActor, type StaffActor } from './staff.js';
import type { Enforcement } from './state.js';

/** Staff mute a reporter whose reports keep being wrong: their reports then weigh nothing. */
export async function muteReporter(e: Enforcement, accountId: number, muted: boolean, staff: StaffActor): Promise<{ muted: boolean; confirmed: number; dismissed: number }> {
  return e.serial.run([key.account(accountId)], async () => {
    const now = e.clock.now();
    const change = e.journal.change().emit(now, staffActor(staff), accountId, { type: 'reporter_muted', payload: { muted, by: staff.ref } });
    await e.journal.commit(change);
    return e.enforcement.reporter(accountId);
  });
}
