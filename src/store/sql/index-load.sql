-- the index load at start (src/platform/load.ts indexLoadQueries): whole tables, once

-- counts
select (select coalesce(max(id), 0) as "m" from "accounts") as "accounts", (select count(*) as "n" from "contacts") as "contacts", (select coalesce(max(id), 0) as "m" from "chats") as "chats";
-- plan:
--   SCAN CONSTANT ROW
--   SCALAR SUBQUERY 1
--     SEARCH accounts
--   SCALAR SUBQUERY 2
--     SCAN contacts USING COVERING INDEX contacts_contact
--   SCALAR SUBQUERY 3
--     SEARCH chats

-- contacts
select "owner_id", "contact_id" from "contacts" order by "owner_id", "contact_id";
-- plan:
--   SCAN contacts USING COVERING INDEX sqlite_autoindex_contacts_1

-- accounts
select "id", "phone", "username", "platform_id", "system", "deleted_at", "language", "find_by_phone", "phone_visibility", "chat_invites", "new_chats" from "accounts" order by "id";
-- plan:
--   SCAN accounts

-- blocks
select "blocker_id", "blocked_id" from "blocks";
-- plan:
--   SCAN blocks USING COVERING INDEX sqlite_autoindex_blocks_1

-- chats
select "id", "kind", "public", "peer_low", "peer_high", "started_by", "low_wrote", "high_wrote" from "chats";
-- plan:
--   SCAN chats

-- members
select "chat_id", "account_id", "role" from "chat_members";
-- plan:
--   SCAN chat_members

-- tokens
select "tokens"."hash", "tokens"."account_id", "tokens"."staff_id", "staff"."role", "staff"."deleted_at" from "tokens" left join "staff" on "staff"."id" = "tokens"."staff_id" where "tokens"."revoked_at" is null;
-- plan:
--   SCAN tokens
--   SEARCH staff USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN

-- pendingContacts
select "owner_id", "phone" from "pending_contacts" order by "created_at", "phone";
-- plan:
--   SCAN pending_contacts
--   USE TEMP B-TREE FOR ORDER BY

-- bannedPhones
select "phone" from "banned_phones";
-- plan:
--   SCAN banned_phones USING COVERING INDEX sqlite_autoindex_banned_phones_1
