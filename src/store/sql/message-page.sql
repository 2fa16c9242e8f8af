-- GET /v1/chats/{chatId}/messages (src/platform/chats.ts messagePageQuery)

-- after a message
select "id", "from_id", "text", "buttons", "sent_at" from "messages" where "chat_id" = ? and "id" > ? and "id" not in (select "message_id" from "takedowns" where "chat_id" = ?) order by "id" asc limit ?;
-- plan:
--   SEARCH messages USING INDEX messages_chat (chat_id=? AND id>?)
--   LIST SUBQUERY 1
--     SEARCH takedowns USING COVERING INDEX sqlite_autoindex_takedowns_1 (chat_id=?)
--     CREATE BLOOM FILTER
