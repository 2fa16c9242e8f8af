import type { Kysely } from 'kysely';

/** Private chats an account deleted on its side (e.g. "report and delete"). */
export interface HiddenChatsTable {
  account_id: number;
  chat_id: number;
  at: number;
}

export async function createHiddenChats(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hidden_chats')
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('hidden_chats_pk', ['account_id', 'chat_id'])
    .execute();
}
