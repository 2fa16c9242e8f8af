import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-03T08:40-case-ranks-autoincrement: `case_ranks` numbers never come back. SQLite gives
 * a plain `integer primary key` row the largest id in the table plus one, so once the newest row
 * went with its decided case, the next change took that number again, and a pass whose cursor
 * had seen it missed the change. AUTOINCREMENT keeps every number ever given out used up (its
 * high mark lives in sqlite_sequence). The rows are copied as they are.
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 * PostgreSQL's identity column never reuses a number: there this migration does nothing
 * (migrations/postgres.ts).
 */
export const UP = [
  `create table "case_ranks_next" ("id" integer primary key autoincrement, "case_id" integer not null, "priority" real not null)`,
  `insert into "case_ranks_next" ("id", "case_id", "priority") select "id", "case_id", "priority" from "case_ranks"`,
  `drop table "case_ranks"`,
  `alter table "case_ranks_next" rename to "case_ranks"`,
  `create index "case_ranks_case" on "case_ranks" ("case_id", "id")`,
];

const DOWN = [
  `create table "case_ranks_next" ("id" integer primary key, "case_id" integer not null, "priority" real not null)`,
  `insert into "case_ranks_next" ("id", "case_id", "priority") select "id", "case_id", "priority" from "case_ranks"`,
  `drop table "case_ranks"`,
  `alter table "case_ranks_next" rename to "case_ranks"`,
  `create index "case_ranks_case" on "case_ranks" ("case_id", "id")`,
];

export const caseRanksAutoincrement: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const q of DOWN) await sql.raw(q).execute(db);
  },
};
