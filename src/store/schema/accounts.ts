import { sql, type Kysely } from 'kysely';

/** Accounts: people, businesses and the system accounts (SpamBot, support). */
export interface AccountsTable {
  id: number;
  /** E.164 with `+`; null for system accounts. */
  phone: string | null;
  name: string;
  username: string | null;
  /** Lower-cased username, for case-insensitive uniqueness. */
  username_lc: string | null;
  language: 'en' | 'ru' | null;
  number_kind: 'mobile' | 'voip';
  /** `spambot` | `support` for system accounts. */
  system: string | null;
  find_by_phone: number;
  phone_visibility: number;
  chat_invites: number;
  new_chats: number;
  created_at: number;
  deleted_at: number | null;
}

export async function createAccounts(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('phone', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('username', 'text')
    .addColumn('username_lc', 'text')
    .addColumn('language', 'text')
    .addColumn('number_kind', 'text', (c) => c.notNull().defaultTo('mobile'))
    .addColumn('system', 'text')
    .addColumn('find_by_phone', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('phone_visibility', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('chat_invites', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('new_chats', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  // A number and a username belong to at most one live account.
  await db.schema.createIndex('accounts_phone_live').on('accounts').column('phone').unique().where(sql.ref('deleted_at'), 'is', null).execute();
  await db.schema.createIndex('accounts_username_live').on('accounts').column('username_lc').unique().where(sql.ref('deleted_at'), 'is', null).execute();
  await db.schema.createIndex('accounts_phone').on('accounts').column('phone').execute();
}
