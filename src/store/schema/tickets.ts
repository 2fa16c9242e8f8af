import type { Kysely } from 'kysely';

/** Support tickets: "Ask a question" in the app, or an e-mail to the support address. */
export interface TicketsTable {
  id: number;
  /** The account it is about, when known (always for the app; matched for e-mail). */
  account_id: number | null;
  /** `app` | `email` */
  source: string;
  from_email: string | null;
  subject: string | null;
  /** `open` | `answered` | `closed` (the entries are in `ticket_entries`) */
  state: string;
  created_at: number;
  due_at: number;
  overdue_at: number | null;
  /** When support last answered. */
  answered_at: number | null;
}

/** The table as the first release created it (`text`, `answer`, `answered_by` were dropped later). */
export async function createTickets(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tickets')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('account_id', 'integer')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('from_email', 'text')
    .addColumn('subject', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('overdue_at', 'bigint')
    .addColumn('answered_at', 'bigint')
    .addColumn('answered_by', 'text')
    .addColumn('answer', 'text')
    .execute();
  await db.schema.createIndex('tickets_queue').on('tickets').columns(['state', 'id']).execute();
}
