import type { Kysely } from 'kysely';

export type StaffRole = 'triage' | 'moderator' | 'support' | 'admin';

/** Trust-and-safety staff; they act with staff tokens. */
export interface StaffTable {
  id: number;
  name: string;
  role: StaffRole;
  created_at: number;
  deleted_at: number | null;
}

export async function createStaff(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('staff')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
}
