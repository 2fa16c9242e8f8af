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
