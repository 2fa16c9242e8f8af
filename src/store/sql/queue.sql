-- GET /v1/moderation/cases (src/enforcement/queue.ts caseQueueQuery, caseRankedQuery)

-- open and escalated, first page
select "cases"."id", "cases"."subject_id", "cases"."chat_id", "cases"."state", "cases"."priority", "cases"."report_count", "cases"."reasons", "cases"."claimed_by", "cases"."claimed_at", "cases"."decision", "cases"."policy", "cases"."created_at", "cases"."opened_by", (select coalesce(max("case_ranks"."id"), 0) as "m" from "case_ranks") as "mark" from "cases" where "cases"."state" in (?, ?) order by "cases"."priority" desc, "cases"."id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=?)
--   SCALAR SUBQUERY 1
--     SEARCH case_ranks
--   USE TEMP B-TREE FOR ORDER BY

-- open and escalated, after a cursor
select "cases"."id", "cases"."subject_id", "cases"."chat_id", "cases"."state", "cases"."priority", "cases"."report_count", "cases"."reasons", "cases"."claimed_by", "cases"."claimed_at", "cases"."decision", "cases"."policy", "cases"."created_at", "cases"."opened_by" from "cases" where "cases"."state" in (?, ?) and "cases"."priority" <= ? and ("cases"."priority" < ? or "cases"."id" > ?) order by "cases"."priority" desc, "cases"."id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=? AND priority<?)
--   USE TEMP B-TREE FOR ORDER BY

-- one state
select "cases"."id", "cases"."subject_id", "cases"."chat_id", "cases"."state", "cases"."priority", "cases"."report_count", "cases"."reasons", "cases"."claimed_by", "cases"."claimed_at", "cases"."decision", "cases"."policy", "cases"."created_at", "cases"."opened_by", (select coalesce(max("case_ranks"."id"), 0) as "m" from "case_ranks") as "mark" from "cases" where "cases"."state" = ? order by "cases"."priority" desc, "cases"."id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=?)
--   SCALAR SUBQUERY 1
--     SEARCH case_ranks

-- opened by robots, in groups
select "cases"."id", "cases"."subject_id", "cases"."chat_id", "cases"."state", "cases"."priority", "cases"."report_count", "cases"."reasons", "cases"."claimed_by", "cases"."claimed_at", "cases"."decision", "cases"."policy", "cases"."created_at", "cases"."opened_by", (select coalesce(max("case_ranks"."id"), 0) as "m" from "case_ranks") as "mark" from "cases" where "cases"."state" in (?, ?) and "cases"."opened_by" is not null and "cases"."chat_id" != ? order by "cases"."priority" desc, "cases"."id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=?)
--   SCALAR SUBQUERY 1
--     SEARCH case_ranks
--   USE TEMP B-TREE FOR ORDER BY

-- opened by people, about a person
select "cases"."id", "cases"."subject_id", "cases"."chat_id", "cases"."state", "cases"."priority", "cases"."report_count", "cases"."reasons", "cases"."claimed_by", "cases"."claimed_at", "cases"."decision", "cases"."policy", "cases"."created_at", "cases"."opened_by", (select coalesce(max("case_ranks"."id"), 0) as "m" from "case_ranks") as "mark" from "cases" where "cases"."state" in (?, ?) and "cases"."opened_by" is null and "cases"."chat_id" = ? order by "cases"."priority" desc, "cases"."id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=?)
--   SCALAR SUBQUERY 1
--     SEARCH case_ranks
--   USE TEMP B-TREE FOR ORDER BY

-- subjects in Russian, after a cursor
select "cases"."id", "cases"."subject_id", "cases"."chat_id", "cases"."state", "cases"."priority", "cases"."report_count", "cases"."reasons", "cases"."claimed_by", "cases"."claimed_at", "cases"."decision", "cases"."policy", "cases"."created_at", "cases"."opened_by" from "cases" where "cases"."state" in (?, ?) and exists (select "accounts"."id" from "accounts" where "accounts"."id" = "cases"."subject_id" and "accounts"."language" = ?) and "cases"."priority" <= ? and ("cases"."priority" < ? or "cases"."id" > ?) order by "cases"."priority" desc, "cases"."id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=? AND priority<?)
--   SEARCH accounts EXISTS USING INTEGER PRIMARY KEY (rowid=?)
--   USE TEMP B-TREE FOR ORDER BY

-- a pass, after its cursor: the cases not changed since its first page
select "cases"."id", "cases"."subject_id", "cases"."chat_id", "cases"."state", "cases"."priority", "cases"."report_count", "cases"."reasons", "cases"."claimed_by", "cases"."claimed_at", "cases"."decision", "cases"."policy", "cases"."created_at", "cases"."opened_by" from "cases" where "cases"."state" in (?, ?) and "cases"."priority" <= ? and ("cases"."priority" < ? or "cases"."id" > ?) and not exists (select "case_ranks"."id" from "case_ranks" where "case_ranks"."case_id" = "cases"."id" and "case_ranks"."id" > ?) order by "cases"."priority" desc, "cases"."id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=? AND priority<?)
--   CORRELATED SCALAR SUBQUERY 1
--     SEARCH case_ranks USING COVERING INDEX case_ranks_case (case_id=? AND id>?)
--   USE TEMP B-TREE FOR ORDER BY

-- a pass, after its cursor: the cases changed since, by their priority then
select "cases"."id", "cases"."subject_id", "cases"."chat_id", "cases"."state", "cases"."priority", "cases"."report_count", "cases"."reasons", "cases"."claimed_by", "cases"."claimed_at", "cases"."decision", "cases"."policy", "cases"."created_at", "cases"."opened_by", "case_ranks"."priority" as "ranked" from "case_ranks" cross join "cases" where "cases"."id" = "case_ranks"."case_id" and "case_ranks"."id" > ? and not exists (select "earlier"."id" from "case_ranks" as "earlier" where "earlier"."case_id" = "case_ranks"."case_id" and "earlier"."id" > ? and "earlier"."id" < "case_ranks"."id") and "case_ranks"."priority" <= ? and ("case_ranks"."priority" < ? or "cases"."id" > ?) and "cases"."state" in (?, ?) order by "case_ranks"."priority" desc, "cases"."id" asc limit ?;
-- plan:
--   SEARCH case_ranks USING INTEGER PRIMARY KEY (rowid>?)
--   CORRELATED SCALAR SUBQUERY 1
--     SEARCH earlier USING COVERING INDEX case_ranks_case (case_id=? AND id>? AND id<?)
--   SEARCH cases USING INTEGER PRIMARY KEY (rowid=?)
--   USE TEMP B-TREE FOR ORDER BY
