import type { Kysely } from 'kysely';

/** How often an account's reports were confirmed or dismissed, and whether staff muted it. */
export interface ReporterStatsTable {
  account_id: number;
  confirmed: number;
  dismissed: number;
  muted: number;
}

export async function createReporterStats(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reporter_stats')
    .addColumn('account_id', 'integer', (c) => c.primaryKey())
    .addColumn('confirmed', 'integer', (c) => c.notNull())
    .addColumn('dismissed', 'integer', (c) => c.notNull())
    .addColumn('muted', 'integer', (c) => c.notNull())
    .execute();
}
