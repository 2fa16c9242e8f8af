import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-11-25T16:00-enforcement: reports and their evidence, cases, strikes, reporter standing,
 * number flags, takedowns, hidden chats, appeals, support tickets, SpamBot sessions.
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [
  `create table "reports" ("id" integer primary key, "reporter_id" integer not null, "subject_id" integer not null, "chat_id" integer not null, "kind" text not null, "reason" text not null, "comment" text, "weight" real not null, "stranger" integer not null, "admin_report" integer not null, "case_id" integer, "state" text not null, "outcome" text, "created_at" bigint not null)`,
  `create index "reports_case" on "reports" ("case_id")`,
  `create index "reports_subject" on "reports" ("subject_id", "state")`,
  `create index "reports_reporter" on "reports" ("reporter_id", "state")`,
  `create table "report_evidence" ("report_id" integer not null, "message_id" integer not null, "chat_id" integer not null, "from_id" integer not null, "text" text not null, "sent_at" bigint not null, constraint "report_evidence_pk" primary key ("report_id", "message_id"))`,
  `create table "cases" ("id" integer primary key, "subject_id" integer not null, "chat_id" integer not null, "state" text not null, "priority" real not null, "report_count" integer not null, "reasons" text not null, "opened_by" text, "claimed_by" text, "claimed_at" bigint, "decision" text, "policy" text, "decided_by" text, "decided_at" bigint, "created_at" bigint not null)`,
  `create index "cases_queue" on "cases" ("state", "priority" desc, "id")`,
  `create index "cases_subject" on "cases" ("subject_id", "chat_id", "state")`,
  `create table "strikes" ("id" integer primary key, "account_id" integer not null, "policy" text not null, "case_id" integer, "restriction_id" integer, "created_at" bigint not null, "expires_at" bigint not null, "removed_at" bigint, "removed_reason" text, "expired_at" bigint)`,
  `create index "strikes_account" on "strikes" ("account_id", "policy")`,
  `create table "reporter_stats" ("account_id" integer primary key, "confirmed" integer not null, "dismissed" integer not null, "muted" integer not null)`,
  `create table "number_flags" ("phone" text primary key, "reason" text not null, "flagged_at" bigint not null)`,
  `create table "takedowns" ("chat_id" integer not null, "message_id" integer not null, "case_id" integer not null, "at" bigint not null, constraint "takedowns_pk" primary key ("chat_id", "message_id"))`,
  `create table "hidden_chats" ("account_id" integer not null, "chat_id" integer not null, "at" bigint not null, constraint "hidden_chats_pk" primary key ("account_id", "chat_id"))`,
  `create table "appeals" ("id" integer primary key, "account_id" integer not null, "restriction_id" integer, "restriction" text not null, "robot" integer not null, "rule" text, "story" integer not null, "text" text not null, "email" text, "state" text not null, "outcome" text, "created_at" bigint not null, "due_at" bigint not null, "overdue_at" bigint, "decided_at" bigint, "decided_by" text, "note" text)`,
  `create index "appeals_queue" on "appeals" ("state", "robot", "id")`,
  `create index "appeals_account" on "appeals" ("account_id", "id")`,
  `create table "tickets" ("id" integer primary key, "account_id" integer, "source" text not null, "from_email" text, "subject" text, "text" text not null, "state" text not null, "created_at" bigint not null, "due_at" bigint not null, "overdue_at" bigint, "answered_at" bigint, "answered_by" text, "answer" text)`,
  `create index "tickets_queue" on "tickets" ("state", "id")`,
  `create table "spambot_sessions" ("account_id" integer primary key, "state" text not null, "updated_at" bigint not null)`,
];

/** Dropping a table drops its indexes. */
const DOWN = [
  'drop table "spambot_sessions"',
  'drop table "tickets"',
  'drop table "appeals"',
  'drop table "hidden_chats"',
  'drop table "takedowns"',
  'drop table "number_flags"',
  'drop table "reporter_stats"',
  'drop table "strikes"',
  'drop table "cases"',
  'drop table "report_evidence"',
  'drop table "reports"',
];

export const enforcement: Migration = {
  async up(db: Kysely<any>) {
    for (const ddl of UP) await sql.raw(ddl).execute(db);
  },
  async down(db: Kysely<any>) {
    for (const ddl of DOWN) await sql.raw(ddl).execute(db);
  },
};
