import type { Kysely } from 'kysely';

/** Messages of every chat, in the order they were stored (ids only grow). */
export interface MessagesTable {
  id: number;
  chat_id: number;
  from_id: number;
  text: string;
  /** JSON of string[][] for SpamBot's reply buttons. */
  buttons: string | null;
  sent_at: number;
}

export async function createMessages(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('from_id', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('buttons', 'text')
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('messages_chat').on('messages').columns(['chat_id', 'id']).execute();
  await db.schema.createIndex('messages_chat_author').on('messages').columns(['chat_id', 'from_id', 'id']).execute();
}
