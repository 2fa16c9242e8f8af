import type { Kysely } from 'kysely';

/** Cases: the open reports about one subject (and chat), reviewed together. */
export interface CasesTable {
  id: number;
  subject_id: number;
  /** 0 for private-chat cases. */
  chat_id: number;
  /** `open` | `escalated` | `closed` */
  state: string;
  priority: number;
  report_count: number;
  /** JSON array of the reports' reasons. */
  reasons: string;
  /** Who opened it when not a report: a robot rule's name. */
  opened_by: string | null;
  claimed_by: string | null;
  claimed_at: number | null;
  /** `confirm` | `dismiss` once closed */
  decision: string | null;
  policy: string | null;
  decided_by: string | null;
  decided_at: number | null;
  created_at: number;
}

export async function createCases(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cases')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('subject_id', 'integer', (c) => c.notNull())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('priority', 'real', (c) => c.notNull())
    .addColumn('report_count', 'integer', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addColumn('opened_by', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'bigint')
    .addColumn('decision', 'text')
    .addColumn('policy', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // The queue: highest priority first, then oldest, per state.
  await db.schema.createIndex('cases_queue').on('cases').columns(['state', 'priority desc', 'id']).execute();
  await db.schema.createIndex('cases_subject').on('cases').columns(['subject_id', 'chat_id', 'state']).execute();
}
