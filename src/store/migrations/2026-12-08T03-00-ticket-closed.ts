import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-08T03:00-ticket-closed: support closes a ticket that needs nothing more. `closed_at` is
 * when it was closed (null: it is open or answered).
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [`alter table "tickets" add column "closed_at" bigint`];

export const ticketClosed: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`alter table "tickets" drop column "closed_at"`).execute(db);
  },
};
