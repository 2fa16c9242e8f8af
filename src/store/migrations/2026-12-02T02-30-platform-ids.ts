import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-02T02:30-platform-ids: an account may be registered by the chat platform's own id of
 * the user (a JID, a Matrix id) instead of, or beside, a phone number; unique among live
 * accounts, like numbers and usernames. Frozen: literal DDL, never the schema code.
 */
export const platformIds: Migration = {
  async up(db: Kysely<any>) {
    await sql`ALTER TABLE accounts ADD COLUMN platform_id text`.execute(db);
    await sql`CREATE UNIQUE INDEX accounts_platform_id_live ON accounts (platform_id) WHERE deleted_at IS NULL AND platform_id IS NOT NULL`.execute(db);
  },
  async down(db: Kysely<any>) {
    await sql`DROP INDEX accounts_platform_id_live`.execute(db);
    await sql`ALTER TABLE accounts DROP COLUMN platform_id`.execute(db);
  },
};
