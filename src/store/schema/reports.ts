import type { Kysely } from 'kysely';

/**
 * Reports (RULES.md §3). A report joins its subject's case, except group reports below the
 * leniency threshold, which wait without a case until enough members (or an admin) report.
 */
export interface ReportsTable {
  id: number;
  reporter_id: number;
  subject_id: number;
  chat_id: number;
  /** `private` | `group` | `channel` | `public` */
  kind: string;
  reason: string;
  comment: string | null;
  weight: number;
  /** The reporter had not saved the subject and had never written to them. */
  stranger: number;
  /** Filed by an admin of the group it is about. */
  admin_report: number;
  case_id: number | null;
  /** `open` | `closed` */
  state: string;
  /** `confirmed` | `dismissed` once closed */
  outcome: string | null;
  created_at: number;
}

export async function createReports(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reports')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('reporter_id', 'integer', (c) => c.notNull())
    .addColumn('subject_id', 'integer', (c) => c.notNull())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('weight', 'real', (c) => c.notNull())
    .addColumn('stranger', 'integer', (c) => c.notNull())
    .addColumn('admin_report', 'integer', (c) => c.notNull())
    .addColumn('case_id', 'integer')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('reports_case').on('reports').column('case_id').execute();
  await db.schema.createIndex('reports_subject').on('reports').columns(['subject_id', 'state']).execute();
  await db.schema.createIndex('reports_reporter').on('reports').columns(['reporter_id', 'state']).execute();
}
