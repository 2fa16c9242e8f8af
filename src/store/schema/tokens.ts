import type { Kysely } from 'kysely';

/** Bearer tokens, stored as the SHA-256 of the random token (never the token itself). */
export interface TokensTable {
  hash: string;
  account_id: number | null;
  staff_id: number | null;
  created_at: number;
  revoked_at: number | null;
}

export async function createTokens(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tokens')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'integer')
    .addColumn('staff_id', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('tokens_account').on('tokens').column('account_id').execute();
  await db.schema.createIndex('tokens_staff').on('tokens').column('staff_id').execute();
}
