import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-02T14:00-one-message-index: one index on messages instead of two. Every message row had
 * two entries keyed by its chat, `messages_chat` (chat_id, id) and `messages_chat_author`
 * (chat_id, from_id, id), so a commit dirtied two leaf pages per chat it wrote to (docs/PERFORMANCE.md).
 * The new `messages_chat` is (chat_id, id, from_id): in chat order as before (pages of a chat, its
 * last message), and it holds the author, so a read of one author's last messages in a chat walks
 * the chat's entries from the newest and reads the table only for that author's. Valid in SQLite
 * and PostgreSQL alike.
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [`drop index "messages_chat_author"`, `drop index "messages_chat"`, `create index "messages_chat" on "messages" ("chat_id", "id", "from_id")`];

const DOWN = [
  `drop index "messages_chat"`,
  `create index "messages_chat" on "messages" ("chat_id", "id")`,
  `create index "messages_chat_author" on "messages" ("chat_id", "from_id", "id")`,
];

export const oneMessageIndex: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const q of DOWN) await sql.raw(q).execute(db);
  },
};
