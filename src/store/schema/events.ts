import type { Generated, Kysely } from 'kysely';

/**
 * The append-only event log: the truth from which restrictions, strikes and cases are
 * projections (written in the same transaction as their event).
 */
export interface EventsTable {
  /** Given by the database in commit order. */
  id: Generated<number>;
  at: number;
  type: string;
  /** `account` | `staff` | `admin` | `robot` | `system` */
  actor_kind: string;
  actor_id: string | null;
  /** The account the event is about, for its timeline. */
  account_id: number | null;
  payload: string;
}

export async function createEvents(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('account_id', 'integer')
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_account').on('events').columns(['account_id', 'id']).execute();
}
