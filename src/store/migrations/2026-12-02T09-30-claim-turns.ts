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
    const caseId = db.getExecutor().adapter instanceof PostgresAdapter ? `(e."payload"::json->>'caseId')::integer` : `json_extract(e."payload", '$.caseId')`;
    await sql
      .raw(
        `update "cases" set "claim_turn" = (select count(*) from "events" e where e."type" in ('case_claimed', 'case_released') and ${caseId} = "cases"."id") where exists (select 1 from "events" e where e."type" in ('case_claimed', 'case_released') and ${caseId} = "cases"."id")`,
      )
      .execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`alter table "cases" drop column "claim_turn"`).execute(db);
  },
};
