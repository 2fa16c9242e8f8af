import type { Kysely } from 'kysely';

/** Answers to requests sent with an idempotencyKey, per account, kept 24 h. */
export interface IdempotencyTable {
  account_id: number;
  key: string;
  /** SHA-256 of the request body, to tell a repeat from a different request with the same key. */
  body_hash: string;
  status: number;
  response: string;
  created_at: number;
}

export async function createIdempotency(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('idempotency')
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('body_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_pk', ['account_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_created').on('idempotency').column('created_at').execute();
}
