import type { Kysely } from 'kysely';

/**
 * Restriction records (RULES.md §4). Active ones decide the account's effective state; ended
 * ones stay as history with when and why they ended.
 */
export interface RestrictionsTable {
  id: number;
  account_id: number;
  /** `limited` | `frozen` | `banned` | `public_groups_ban` */
  state: string;
  /** Limit kind (`report`, `robot`, `number`, `permanent`) or, for frozen/banned, the policy. */
  kind: string;
  until: number | null;
  delete_at: number | null;
  /** The case whose decision made it. */
  case_id: number | null;
  /** The robot rule that made it. */
  rule: string | null;
  created_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

export async function createRestrictions(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('restrictions')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('until', 'bigint')
    .addColumn('delete_at', 'bigint')
    .addColumn('case_id', 'integer')
    .addColumn('rule', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('end_reason', 'text')
    .execute();
  await db.schema.createIndex('restrictions_account').on('restrictions').columns(['account_id', 'id']).execute();
}
