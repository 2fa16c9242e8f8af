import type { Kysely } from 'kysely';

/** Copies of the reported messages, frozen at report time: all that moderators ever see. */
export interface ReportEvidenceTable {
  report_id: number;
  message_id: number;
  chat_id: number;
  from_id: number;
  text: string;
  sent_at: number;
}

export async function createReportEvidence(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('report_evidence')
    .addColumn('report_id', 'integer', (c) => c.notNull())
    .addColumn('message_id', 'integer', (c) => c.notNull())
    .addColumn('chat_id', 'integer', (c) => c.notNull())
    .addColumn('from_id', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_evidence_pk', ['report_id', 'message_id'])
    .execute();
}
