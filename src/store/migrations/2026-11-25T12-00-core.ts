import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-11-25T12:00-core: the platform — accounts, tokens, staff, contacts, blocks, chats,
 * messages, restrictions, the event log, idempotency.
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [
  `create table "settings" ("key" text primary key, "value" text not null)`,
  `create table "accounts" ("id" integer primary key, "phone" text, "name" text not null, "username" text, "username_lc" text, "language" text, "number_kind" text default 'mobile' not null, "system" text, "find_by_phone" integer default 0 not null, "phone_visibility" integer default 1 not null, "chat_invites" integer default 0 not null, "new_chats" integer default 0 not null, "created_at" bigint not null, "deleted_at" bigint)`,
  `create unique index "accounts_phone_live" on "accounts" ("phone") where "deleted_at" is null`,
  `create unique index "accounts_username_live" on "accounts" ("username_lc") where "deleted_at" is null`,
  `create index "accounts_phone" on "accounts" ("phone")`,
  `create table "tokens" ("hash" text primary key, "account_id" integer, "staff_id" integer, "created_at" bigint not null, "revoked_at" bigint)`,
  `create index "tokens_account" on "tokens" ("account_id")`,
  `create index "tokens_staff" on "tokens" ("staff_id")`,
  `create table "staff" ("id" integer primary key, "name" text not null, "role" text not null, "created_at" bigint not null, "deleted_at" bigint)`,
  `create table "contacts" ("owner_id" integer not null, "contact_id" integer not null, "name" text, "created_at" bigint not null, constraint "contacts_pk" primary key ("owner_id", "contact_id"))`,
  `create index "contacts_contact" on "contacts" ("contact_id")`,
  `create table "pending_contacts" ("owner_id" integer not null, "phone" text not null, "name" text, "created_at" bigint not null, constraint "pending_contacts_pk" primary key ("owner_id", "phone"))`,
  `create index "pending_contacts_phone" on "pending_contacts" ("phone")`,
  `create table "blocks" ("blocker_id" integer not null, "blocked_id" integer not null, "created_at" bigint not null, constraint "blocks_pk" primary key ("blocker_id", "blocked_id"))`,
  `create table "chats" ("id" integer primary key, "kind" text not null, "title" text, "public" integer default 0 not null, "owner_id" integer, "peer_low" integer, "peer_high" integer, "started_by" integer, "low_wrote" integer default 0 not null, "high_wrote" integer default 0 not null, "created_at" bigint not null)`,
  `create unique index "chats_private_pair" on "chats" ("peer_low", "peer_high")`,
  `create table "chat_members" ("chat_id" integer not null, "account_id" integer not null, "role" text not null, "updated_at" bigint not null, constraint "chat_members_pk" primary key ("chat_id", "account_id"))`,
  `create index "chat_members_account" on "chat_members" ("account_id")`,
  `create table "messages" ("id" integer primary key, "chat_id" integer not null, "from_id" integer not null, "text" text not null, "buttons" text, "sent_at" bigint not null)`,
  `create index "messages_chat" on "messages" ("chat_id", "id")`,
  `create index "messages_chat_author" on "messages" ("chat_id", "from_id", "id")`,
  `create table "restrictions" ("id" integer primary key, "account_id" integer not null, "state" text not null, "kind" text not null, "until" bigint, "delete_at" bigint, "case_id" integer, "rule" text, "created_at" bigint not null, "ended_at" bigint, "end_reason" text)`,
  `create index "restrictions_account" on "restrictions" ("account_id", "id")`,
  `create table "banned_phones" ("phone" text primary key, "account_id" integer, "banned_at" bigint not null)`,
  `create table "events" ("id" integer primary key, "at" bigint not null, "type" text not null, "actor_kind" text not null, "actor_id" text, "account_id" integer, "payload" text not null)`,
  `create index "events_account" on "events" ("account_id", "id")`,
  `create table "idempotency" ("account_id" integer not null, "key" text not null, "body_hash" text not null, "status" integer not null, "response" text not null, "created_at" bigint not null, constraint "idempotency_pk" primary key ("account_id", "key"))`,
  `create index "idempotency_created" on "idempotency" ("created_at")`,
];

/** Dropping a table drops its indexes. */
const DOWN = [
  'drop table "idempotency"',
  'drop table "events"',
  'drop table "banned_phones"',
  'drop table "restrictions"',
  'drop table "messages"',
  'drop table "chat_members"',
  'drop table "chats"',
  'drop table "blocks"',
  'drop table "pending_contacts"',
  'drop table "contacts"',
  'drop table "staff"',
  'drop table "tokens"',
  'drop table "accounts"',
  'drop table "settings"',
];

export const core: Migration = {
  async up(db: Kysely<any>) {
    for (const ddl of UP) await sql.raw(ddl).execute(db);
  },
  async down(db: Kysely<any>) {
    for (const ddl of DOWN) await sql.raw(ddl).execute(db);
  },
};
