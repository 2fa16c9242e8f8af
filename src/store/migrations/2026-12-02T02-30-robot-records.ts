import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-02T02:30-robot-records: the robots page lists shadow results and the false positives
 * appeals found, newest first, without reading the whole log. A partial index: only those two
 * event types are in it, so every other event's insert pays nothing for it. Queries use it when
 * they name both types with this very term: "type" in ('robot_false_positive', 'robot_shadow').
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [`create index "events_robot_records" on "events" ("type", "id") where "type" in ('robot_false_positive', 'robot_shadow')`];

export const robotRecords: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`drop index "events_robot_records"`).execute(db);
  },
};
