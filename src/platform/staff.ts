import { fail } from '../domain/errors.js';
import { appendEvent, type Actor } from '../store/event-log.js';
import { publicId } from '../store/ids.js';
import type { StaffRole } from '../store/schema/staff.js';
import type { Platform } from './context.js';
import { hashToken, newToken } from './tokens.js';

/** Trust-and-safety staff and their tokens, managed by admins. */

export async function createStaff(p: Platform, input: { name: string; role: StaffRole }, actor: Actor): Promise<{ staff: { id: string; name: string; role: StaffRole }; token: string }> {
  const name = input.name.trim();
  if (name.length === 0) fail('BAD_REQUEST', { field: 'name' });
  const now = p.clock.now();
  const id = p.ids.next('staff');
  const token = newToken();
  const hash = hashToken(token);
  p.tokens.put(hash, { kind: 'staff', staffId: id, role: input.role });
  await p.store.write([
    p.store.db.insertInto('staff').values({ id, name, role: input.role, created_at: now, deleted_at: null }).compile(),
    p.store.db.insertInto('tokens').values({ hash, account_id: null, staff_id: id, created_at: now, revoked_at: null }).compile(),
    appendEvent(p.store, p.ids, { type: 'staff_created', at: now, actor, payload: { staffId: publicId('staff', id), role: input.role } }),
  ]);
  return { staff: { id: publicId('staff', id), name, role: input.role }, token };
}

export async function deleteStaff(p: Platform, id: number, actor: Actor): Promise<void> {
  const row = await p.store.first<{ deleted_at: number | null }>(p.store.db.selectFrom('staff').select('deleted_at').where('id', '=', id));
  if (!row || row.deleted_at !== null) fail('NOT_FOUND');
  const now = p.clock.now();
  const hashes = p.tokens.revokeAll({ kind: 'staff', staffId: id, role: 'triage' });
  const writes = [
    p.store.db.updateTable('staff').set({ deleted_at: now }).where('id', '=', id).compile(),
    appendEvent(p.store, p.ids, { type: 'staff_deleted', at: now, actor, payload: { staffId: publicId('staff', id) } }),
  ];
  if (hashes.length > 0) writes.push(p.store.db.updateTable('tokens').set({ revoked_at: now }).where('hash', 'in', hashes).compile());
  await p.store.write(writes);
}
