import type { Kysely } from 'kysely';

/** Appeals filed through SpamBot against the effective restriction at filing time (RULES.md §5). */
export interface AppealsTable {
  id: number;
  account_id: number;
  /** The restriction record appealed against. */
  restriction_id: number | null;
  /** JSON of the effective restriction when filed, as the API shows it. */
  restriction: string;
  /** The restriction was made by a robot rule (reviewed first). */
  robot: number;
  rule: string | null;
  /** A number-limited account's story rather than an appeal of a decision. */
  story: number;
  text: string;
  email: string | null;
  /** `open` | `decided` */
  state: string;
  /** `overturn` | `uphold` */
  outcome: string | null;
  created_at: number;
  due_at: number;
  overdue_at: number | null;
  decided_at: number | null;
  decided_by: string | null;
  note: string | null;
}

export async function createAppeals(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('appeals')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('restriction_id', 'integer')
    .addColumn('restriction', 'text', (c) => c.notNull())
    .addColumn('robot', 'integer', (c) => c.notNull())
    .addColumn('rule', 'text')
    .addColumn('story', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('overdue_at', 'bigint')
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'text')
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('appeals_queue').on('appeals').columns(['state', 'robot', 'id']).execute();
  await db.schema.createIndex('appeals_account').on('appeals').columns(['account_id', 'id']).execute();
}
