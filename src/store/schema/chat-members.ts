import type { Kysely } from 'kysely';

/** Membership in groups and channels, including those who left and those barred by admins. */
export interface ChatMembersTable {
  chat_id: number;
  account_id: number;
  /** `owner` | `admin` | `member` | `left` | `banned` */
  role: string;
  updated_at: number;
}

export async function createChatMembers(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('chat_members')
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_members_pk', ['chat_id', 'account_id'])
    .execute();
  await db.schema.createIndex('chat_members_account').on('chat_members').column('account_id').execute();
}
