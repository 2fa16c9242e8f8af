import type { Kysely } from 'kysely';

/** Numbers whose last account went away while limited or frozen: a new account starts limited. */
export interface NumberFlagsTable {
  phone: string;
  reason: string;
  flagged_at: number;
}

export async function createNumberFlags(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('number_flags')
    .addColumn('phone', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('flagged_at', 'bigint', (c) => c.notNull())
    .execute();
}
