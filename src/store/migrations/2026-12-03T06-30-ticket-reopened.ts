import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-03T06:30-ticket-reopened: a follow-up soon after an answer reopens the ticket, and its
 * due and overdue times then count from the reopening. `reopened_at` is when the current open
 * period began (null: it began when the ticket was opened, as for every row from before).
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [`alter table "tickets" add column "reopened_at" bigint`];

export const ticketReopened: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`alter table "tickets" drop column "reopened_at"`).execute(db);
  },
};
