import type { Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { Store } from '../store/store.js';

export type { CrmConnectionsTable } from '../store/schema/crm-connections.js';
export type { CrmConversationsTable } from '../store/schema/crm-conversations.js';
export type { CrmJobsTable } from '../store/schema/crm-jobs.js';

/** The store's query builder, for the gateway's tables (migration 2026-12-01T23:00-crm). */
export function crmDb(store: Store | { db: Kysely<Database> }): Kysely<Database> {
  return store.db;
}
