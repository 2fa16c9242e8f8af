import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-01T22:30-console-sessions: staff sign-ins to the console. A session is a random id kept
 * in an HttpOnly cookie; only its SHA-256 is stored, with the staff token it stands for (by hash)
 * and its CSRF token (by hash).
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [
  `create table "console_sessions" ("hash" text primary key, "token_hash" text not null, "csrf_hash" text not null, "created_at" bigint not null, "expires_at" bigint not null)`,
  `create index "console_sessions_token" on "console_sessions" ("token_hash")`,
];

export const consoleSessions: Migration = {
  async up(db: Kysely<unknown>) {
    for (const q of UP) await sql.raw(q).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw(`drop table "console_sessions"`).execute(db);
  },
};
