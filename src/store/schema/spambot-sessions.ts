import type { Kysely } from 'kysely';

/** Where each person's conversation with SpamBot stands (the state machine's state). */
export interface SpambotSessionsTable {
  account_id: number;
  state: string;
  updated_at: number;
}

export async function createSpambotSessions(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('spambot_sessions')
    .addColumn('account_id', 'integer', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
