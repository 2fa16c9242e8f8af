import type { Kysely } from 'kysely';

/**
 * Private chats, groups and channels. A private chat keeps its two sides ordered (peer_low <
 * peer_high), who started it, and whether each side has written (the gate's "wrote first").
 */
export interface ChatsTable {
  id: number;
  kind: 'private' | 'group' | 'channel';
  title: string | null;
  public: number;
  owner_id: number | null;
  peer_low: number | null;
  peer_high: number | null;
  started_by: number | null;
  low_wrote: number;
  high_wrote: number;
  created_at: number;
}

export async function createChats(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('chats')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('owner_id', 'integer')
    .addColumn('peer_low', 'integer')
    .addColumn('peer_high', 'integer')
    .addColumn('started_by', 'integer')
    .addColumn('low_wrote', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('high_wrote', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chats_private_pair').on('chats').columns(['peer_low', 'peer_high']).unique().execute();
}
