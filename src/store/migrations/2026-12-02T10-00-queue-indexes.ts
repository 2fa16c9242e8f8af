import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-02T10:00-queue-indexes: the console's two queues in their own order, on the live rows
 * only. PostgreSQL read every undecided case (cases_one_undecided) and every open appeal
 * (appeals_one_open) and sorted them for each page of 50, a cost that grows with the backlog
 * (docs/SCALING.md, "Query plans on PostgreSQL"): an index in the queue's own order (`priority
 * desc, id`; `robot desc, id`) lets it stop at the page's end. Partial, so decided cases and
 * appeals, the bulk of both tables, are not in them. Valid in SQLite and PostgreSQL alike.
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [
  `create index "cases_live_queue" on "cases" ("priority" desc, "id") where "state" <> 'closed'`,
  `create index "appeals_open_queue" on "appeals" ("robot" desc, "id") where "state" = 'open'`,
];

export const queueIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`drop index "appeals_open_queue"`).execute(db);
    await sql.raw(`drop index "cases_live_queue"`).execute(db);
  },
};
