import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-07T22:00-robot-memory: what robots heard, kept so that a restart does not begin their
 * evidence empty. One row per batch of events the platform published to robots in one turn of
 * its event loop (`events`, a JSON array), by the node that heard them (`node`: '' on a single
 * node), numbered in the order they were written; `at` is the batch's last event's time. Rows
 * older than the memory's days are deleted by time (`robot_events_at`: an index paid once a
 * turn, not once an event), whichever node wrote them.
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 * PostgreSQL numbers the rows with an identity column (migrations/postgres.ts).
 */
export const UP = [
  `create table "robot_events" ("id" integer primary key autoincrement, "at" bigint not null, "node" text not null, "events" text not null)`,
  `create index "robot_events_at" on "robot_events" ("at")`,
];

export const robotMemory: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`drop table "robot_events"`).execute(db);
  },
};
