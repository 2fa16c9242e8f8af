import type { Kysely } from 'kysely';
import type { Store } from '../store/store.js';

/** The gateway's tables (migration 2026-12-01T23:00-crm), as Kysely sees them. */

export interface CrmConnectionsTable {
  scope_id: string;
  channel_id: string;
  amojo_account_id: string;
  business_account_id: number;
  /** `active` | `paused` | `disconnected` */
  status: string;
  reason: string | null;
  connected_at: number;
  changed_at: number;
}

export interface CrmJobsTable {
  scope_id: string;
  /** `out`: a manager's message to a client; `in`: a client's message into the CRM. */
  direction: string;
  /** The CRM's message id (out) or banya's message id (in). */
  msgid: string;
  business_account_id: number;
  /** `received` → (`held`) → `sent` | `failed` → `reported` */
  state: string;
  payload: string;
  peer_id: number | null;
  first_contact: number;
  received_at: number;
  held_until: number | null;
  sent_at: number | null;
  banya_message_id: string | null;
  error_code: number | null;
  error_reason: string | null;
  error_text: string | null;
  reported_at: number | null;
}

export interface CrmConversationsTable {
  scope_id: string;
  client_account_id: number;
  /** amojo's conversation id from the "write first" webhook. */
  ref_id: string;
  /** amojo's id of the client (receiver.id), sent back as sender.ref_id. */
  receiver_ref_id: string | null;
  /** A client message carrying conversation_ref_id was accepted by amojo. */
  linked: number;
  opened_at: number;
}

export interface CrmDatabase {
  crm_connections: CrmConnectionsTable;
  crm_jobs: CrmJobsTable;
  crm_conversations: CrmConversationsTable;
}

/** The store's query builder, typed for the gateway's tables. */
export function crmDb(store: Store | { db: unknown }): Kysely<CrmDatabase> {
  return store.db as unknown as Kysely<CrmDatabase>;
}
