import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 2026-12-01T23:00-crm: the amoCRM/Kommo gateway: connections of CRM accounts to business
 * accounts, the durable outbox of jobs (managers' messages out, clients' messages in, each
 * with its state), and the conversations opened by a "write first".
 *
 * Frozen: this is the DDL as released. Never edit it; a change to the schema is a new migration.
 */
const UP = [
  `create table "crm_connections" ("scope_id" text primary key, "channel_id" text not null, "amojo_account_id" text not null, "business_account_id" integer not null, "status" text not null, "reason" text, "connected_at" bigint not null, "changed_at" bigint not null)`,
  `create index "crm_connections_business" on "crm_connections" ("business_account_id")`,
  `create table "crm_jobs" ("scope_id" text not null, "direction" text not null, "msgid" text not null, "business_account_id" integer not null, "state" text not null, "payload" text not null, "peer_id" integer, "first_contact" integer not null, "received_at" bigint not null, "held_until" bigint, "sent_at" bigint, "banya_message_id" text, "error_code" integer, "error_reason" text, "error_text" text, "reported_at" bigint, constraint "crm_jobs_pk" primary key ("scope_id", "direction", "msgid"))`,
  `create index "crm_jobs_state" on "crm_jobs" ("state")`,
  `create index "crm_jobs_business" on "crm_jobs" ("business_account_id", "received_at")`,
  `create table "crm_conversations" ("scope_id" text not null, "client_account_id" integer not null, "ref_id" text not null, "receiver_ref_id" text, "linked" integer not null, "opened_at" bigint not null, constraint "crm_conversations_pk" primary key ("scope_id", "client_account_id"))`,
];

const DOWN = ['drop table "crm_conversations"', 'drop table "crm_jobs"', 'drop table "crm_connections"'];

export const crm: Migration = {
  async up(db: Kysely<any>) {
    for (const ddl of UP) await sql.raw(ddl).execute(db);
  },
  async down(db: Kysely<any>) {
    for (const ddl of DOWN) await sql.raw(ddl).execute(db);
  },
};
