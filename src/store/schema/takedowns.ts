import type { Kysely } from 'kysely';

/** Content taken down after a public-content decision: a message, or a whole chat (message_id 0). */
export interface TakedownsTable {
  chat_id: number;
  message_id: number;
  case_id: number;
  at: number;
}

export async function createTakedowns(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('takedowns')
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('message_id', 'integer', (c) => c.notNull())
    .addColumn('case_id', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('takedowns_pk', ['chat_id', 'message_id'])
    .execute();
}
