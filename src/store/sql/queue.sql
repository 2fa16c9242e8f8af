-- GET /v1/moderation/cases (src/enforcement/cases.ts caseQueueQuery)

-- open and escalated, first page
select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" in (?, ?) order by "priority" desc, "id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=?)
--   USE TEMP B-TREE FOR ORDER BY

-- open and escalated, after a cursor
select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" in (?, ?) and "priority" <= ? and ("priority" < ? or "id" > ?) order by "priority" desc, "id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=? AND priority<?)
--   USE TEMP B-TREE FOR ORDER BY

-- one state
select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" = ? order by "priority" desc, "id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=?)

-- opened by robots, in groups
select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" in (?, ?) and "opened_by" is not null and "chat_id" != ? order by "priority" desc, "id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=?)
--   USE TEMP B-TREE FOR ORDER BY

-- opened by people, about a person
select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" in (?, ?) and "opened_by" is null and "chat_id" = ? order by "priority" desc, "id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=?)
--   USE TEMP B-TREE FOR ORDER BY

-- subjects in Russian, after a cursor
select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" in (?, ?) and exists (select "accounts"."id" from "accounts" where "accounts"."id" = "cases"."subject_id" and "accounts"."language" = ?) and "priority" <= ? and ("priority" < ? or "id" > ?) order by "priority" desc, "id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=? AND priority<?)
--   SEARCH accounts EXISTS USING INTEGER PRIMARY KEY (rowid=?)
--   USE TEMP B-TREE FOR ORDER BY
