import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-02T09:30-hidden-chats-after: a chat deleted on one side comes back with the first
 * message after the deletion. Times alone cannot tell which that is while a manual clock stands
 * still (the deletion and the next message share an instant), so the deletion also keeps the id
 * of the chat's last message then: any message with a greater id is newer. Rows from before keep
 * the largest id, so that only their time decides, as it did.
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [`alter table "hidden_chats" add column "after_message" integer not null default 2147483647`];

export const hiddenChatsAfter: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`alter table "hidden_chats" drop column "after_message"`).execute(db);
  },
};
