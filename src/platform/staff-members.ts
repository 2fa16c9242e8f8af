import { releaseClaimsOf } from '../enforcement/cases.js';
import { fail } from '../domain/errors.js';
import type { Actor } from '../store/event-log.js';
import { publicId } from '../store/ids.js';
import { row } from '../store/read.js';
import type { StaffRole } from '../store/schema/staff.js';
import type { Platform } from './context.js';
import { hashToken, newToken } from './tokens.js';

/** Trust-and-safety staff members and their tokens, managed by admins. */

export async function createStaff(
  p: Platform,
  input: { name: string; role: StaffRole },
  actor: Actor,
): Promise<{ staff: { id: string; name: string; role: StaffRole }; token: string }> {
  const name = input.name.trim();
  if (name.length === 0) fail('BAD_REQUEST', { field: 'name' });
  const now = p.clock.now();
  const id = p.ids.next('staff');
  const token = newToken();
  const change = p.journal.change();
  change.emit(now, actor, null, { type: 'staff_created', payload: { staffId: publicId('staff', id), role: input.role, name } });
  change.emit(now, actor, null, { type: 'token_issued', payload: { hash: hashToken(token), accountId: null, staffId: id, role: input.role } });
  await p.journal.commit(change);
  return { staff: { id: publicId('staff', id), name, role: input.role }, token };
}

export async function deleteStaff(p: Platform, id: number, actor: Actor): Promise<void> {
  const member = await row(p.store, p.store.db.selectFrom('staff').select('deleted_at').where('id', '=', id));
  if (!member || member.deleted_at !== null) fail('NOT_FOUND');
  // Its tokens end with it (the projection revokes them).
  await p.journal.record(p.clock.now(), actor, null, { type: 'staff_deleted', payload: { staffId: publicId('staff', id) } });
  // The cases it had claimed are free at once for the others.
  await releaseClaimsOf(p, publicId('staff', id), actor, p.clock.now());
}
