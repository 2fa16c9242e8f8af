import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-03T07:00-reporter-member: a report records whether its reporter was a member of the
 * chat reported in when filing (`reporter_member`). A public group's messages can be reported by
 * readers from outside it; only members' reports count toward the group's threshold (RULES.md §3).
 * Reports from before were all counted, so they keep 1, as their `report_filed` events (which
 * carry no `member`) say when the log is replayed.
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [`alter table "reports" add column "reporter_member" integer not null default 1`];

export const reporterMember: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`alter table "reports" drop column "reporter_member"`).execute(db);
  },
};
