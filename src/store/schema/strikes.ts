import type { Kysely } from 'kysely';

/** One strike per confirmed case, under its policy; it stops counting at expires_at. */
export interface StrikesTable {
  id: number;
  account_id: number;
  policy: string;
  case_id: number | null;
  restriction_id: number | null;
  created_at: number;
  expires_at: number;
  removed_at: number | null;
  removed_reason: string | null;
  /** Set when the strike stopped counting (its expiry was recorded). */
  expired_at: number | null;
}

export async function createStrikes(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('strikes')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('case_id', 'integer')
    .addColumn('restriction_id', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('removed_at', 'bigint')
    .addColumn('removed_reason', 'text')
    .addColumn('expired_at', 'bigint')
    .execute();
  await db.schema.createIndex('strikes_account').on('strikes').columns(['account_id', 'policy']).execute();
}
