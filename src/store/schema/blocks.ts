import type { Kysely } from 'kysely';

/** `blocker_id` has blocked `blocked_id`. */
export interface BlocksTable {
  blocker_id: number;
  blocked_id: number;
  created_at: number;
}

export async function createBlocks(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('blocks')
    .addColumn('blocker_id', 'integer', (c) => c.notNull())
    .addColumn('blocked_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('blocks_pk', ['blocker_id', 'blocked_id'])
    .execute();
}
