import type { Actor } from '../store/event-log.js';
import type { StaffRole } from '../store/schema/staff.js';

export type { StaffRole };

/** A staff member acting in enforcement: `s12`, or `admin` for the admin token, and a role. */
export interface StaffActor {
  ref: string;
  role: StaffRole;
}

export function staffActor(s: StaffActor): Actor {
  return s.ref === 'admin' ? { kind: 'admin' } : { kind: 'staff', id: s.ref };
}
