import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-03T07:20-queue-ranks: `case_ranks`, a live case's priority before each change of it,
 * numbered in commit order. A pass through the review queue keeps the order of its first page
 * (docs/DECISIONS.md, "A pass through the review queue keeps its first page's order"): its cursor carries the last number it saw, and a case
 * changed since is placed by the priority it had then. Rows start with this migration (a pass
 * never reaches back before it) and go when the case is decided.
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 * PostgreSQL runs its own form (an identity column), in migrations/postgres.ts.
 */
export const UP = [
  `create table "case_ranks" ("id" integer primary key, "case_id" integer not null, "priority" real not null)`,
  `create index "case_ranks_case" on "case_ranks" ("case_id", "id")`,
];

export const queueRanks: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`drop table "case_ranks"`).execute(db);
  },
};
