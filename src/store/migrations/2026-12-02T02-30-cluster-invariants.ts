import { sql, type Kysely, type Migration } from 'kysely';

/**
 * What one node checks in memory, the database now refuses too, so that nodes deciding from two
 * memories cannot both win (docs/DECISIONS.md, "Several nodes: PostgreSQL arbitrates"): one
 * undecided case per subject and place, one open appeal per account, one open report per
 * reporter, subject and place; and `once_keys`, a key that a write may take only once (a case
 * decided, a restriction ended, SpamBot's n-th answer to a person). Valid in SQLite and
 * PostgreSQL alike. Frozen: literal DDL.
 */
export const clusterInvariants: Migration = {
  async up(db: Kysely<any>) {
    await sql`CREATE UNIQUE INDEX cases_one_undecided ON cases (subject_id, chat_id) WHERE state <> 'closed'`.execute(db);
    await sql`CREATE UNIQUE INDEX appeals_one_open ON appeals (account_id) WHERE state = 'open'`.execute(db);
    await sql`CREATE UNIQUE INDEX reports_one_open ON reports (reporter_id, subject_id, (CASE WHEN kind = 'private' THEN 0 ELSE chat_id END), (CASE WHEN kind = 'public' THEN 1 ELSE 0 END)) WHERE state = 'open'`.execute(
      db,
    );
    await sql`CREATE TABLE once_keys (key text PRIMARY KEY, at bigint NOT NULL)`.execute(db);
  },
  async down(db: Kysely<any>) {
    await sql`DROP TABLE once_keys`.execute(db);
    await sql`DROP INDEX reports_one_open`.execute(db);
    await sql`DROP INDEX appeals_one_open`.execute(db);
    await sql`DROP INDEX cases_one_undecided`.execute(db);
  },
};
