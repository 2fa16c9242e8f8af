import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-02T09:30-claim-turns: a case counts its claims and releases (`claim_turn`), so that two
 * nodes claiming one case at once take the same once key (`claim:<case>:<turn>`) and the database
 * refuses the second (docs/DECISIONS.md, "Several nodes: PostgreSQL arbitrates"). Existing cases
 * get the count of their claim events from the log, as a replay of the log would give them.
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
export const claimTurns: Migration = {
  async up(db: Kysely<unknown>) {
    await sql.raw(`alter table "cases" add column "claim_turn" integer not null default 0`).execute(db);
    const caseId = db.getExecutor().adapter instanceof PostgresAdapter ? `("payload"::json->>'caseId')::integer` : `json_extract("payload", '$.caseId')`;
    // One pass over the log (an aggregate joined to the cases), not a look-up per case.
    await sql
      .raw(
        `update "cases" set "claim_turn" = t."n" from (select ${caseId} as "case_id", count(*) as "n" from "events" where "type" in ('case_claimed', 'case_released') group by 1) t where "cases"."id" = t."case_id"`,
      )
      .execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`alter table "cases" drop column "claim_turn"`).execute(db);
  },
};
