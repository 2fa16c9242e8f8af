export type StaffRole = 'triage' | 'moderator' | 'support' | 'admin';

/** Trust-and-safety staff; they act with staff tokens. */
export interface StaffTable {
  id: number;
  name: string;
  role: StaffRole;
  created_at: number;
  deleted_at: number | null;
}
