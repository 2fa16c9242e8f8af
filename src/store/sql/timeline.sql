-- GET /v1/moderation/accounts/{id} (src/enforcement/timeline.ts timelineQuery)

-- the newest page
select "id", "at", "type", "actor_kind", "actor_id", "payload" from "events" where "account_id" = ? order by "id" desc limit ?;
-- plan:
--   SEARCH events USING INDEX events_account (account_id=?)

-- a page after a cursor
select "id", "at", "type", "actor_kind", "actor_id", "payload" from "events" where "account_id" = ? and "id" < ? order by "id" desc limit ?;
-- plan:
--   SEARCH events USING INDEX events_account (account_id=? AND id<?)
