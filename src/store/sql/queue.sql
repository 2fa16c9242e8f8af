-- GET /v1/moderation/cases (src/enforcement/cases.ts caseQueueQuery)

-- open and escalated, first page
select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from (select * from (select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" = ? order by "priority" desc, "id" asc limit ?) as "o" union all select * from (select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" = ? order by "priority" desc, "id" asc limit ?) as "e") as "live" order by "priority" desc, "id" asc limit ?;
-- plan:
--   MERGE (UNION ALL)
--     LEFT
--       CO-ROUTINE o
--         SEARCH cases USING INDEX cases_queue (state=?)
--       SCAN o
--       USE TEMP B-TREE FOR ORDER BY
--     RIGHT
--       CO-ROUTINE e
--         SEARCH cases USING INDEX cases_queue (state=?)
--       SCAN e
--       USE TEMP B-TREE FOR ORDER BY

-- open and escalated, after a cursor
select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from (select * from (select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" = ? and "priority" <= ? and ("priority" < ? or "id" > ?) order by "priority" desc, "id" asc limit ?) as "o" union all select * from (select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" = ? and "priority" <= ? and ("priority" < ? or "id" > ?) order by "priority" desc, "id" asc limit ?) as "e") as "live" order by "priority" desc, "id" asc limit ?;
-- plan:
--   MERGE (UNION ALL)
--     LEFT
--       CO-ROUTINE o
--         SEARCH cases USING INDEX cases_queue (state=? AND priority<?)
--       SCAN o
--       USE TEMP B-TREE FOR ORDER BY
--     RIGHT
--       CO-ROUTINE e
--         SEARCH cases USING INDEX cases_queue (state=? AND priority<?)
--       SCAN e
--       USE TEMP B-TREE FOR ORDER BY

-- one state
select "id", "subject_id", "chat_id", "state", "priority", "report_count", "reasons", "claimed_by", "claimed_at", "decision", "policy", "created_at", "opened_by" from "cases" where "state" = ? order by "priority" desc, "id" asc limit ?;
-- plan:
--   SEARCH cases USING INDEX cases_queue (state=?)
