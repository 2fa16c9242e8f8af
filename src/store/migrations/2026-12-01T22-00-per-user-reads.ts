import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-01T22:00-per-user-reads: so that an account's chat list costs the same in a world of
 * millions as in a small one.
 *
 * - chats_peer_high: an account's private chats where it is the higher side (the lower side
 *   already has chats_private_pair); the chat list reads both. Without it, finding them scanned
 *   every chat.
 *
 * Frozen: never edit; a change to the schema is a new migration.
 */
const UP = [`create index "chats_peer_high" on "chats" ("peer_high")`];

const DOWN = [`drop index "chats_peer_high"`];

export const perUserReads: Migration = {
  async up(db: Kysely<any>) {
    for (const ddl of UP) await sql.raw(ddl).execute(db);
  },
  async down(db: Kysely<any>) {
    for (const ddl of DOWN) await sql.raw(ddl).execute(db);
  },
};
