import type { Migration, MigrationProvider } from 'kysely';
import { core } from './2026-11-25T12-00-core.js';
import { enforcement } from './2026-11-25T16-00-enforcement.js';
import { perUserReads } from './2026-12-01T22-00-per-user-reads.js';
import { consoleSessions } from './2026-12-01T22-30-console-sessions.js';
import { ticketEntries } from './2026-12-01T22-40-ticket-entries.js';
import { accountEmails } from './2026-12-01T22-50-account-emails.js';
import { phoneLookups } from './2026-12-01T22-20-phone-lookups.js';
import { platformSnapshot } from './2026-12-01T22-30-platform-snapshot.js';
import * as reportEvidenceInLog from './2026-12-01T22-30-report-evidence-in-log.js';
import { crm } from './2026-12-01T23-00-crm.js';
import { clusterInvariants } from './2026-12-02T02-30-cluster-invariants.js';
import { platformIds } from './2026-12-02T02-30-platform-ids.js';
import { robotRecords } from './2026-12-02T02-30-robot-records.js';
import { claimTurns } from './2026-12-02T09-30-claim-turns.js';
import { hiddenChatsAfter } from './2026-12-02T09-30-hidden-chats-after.js';
import { queueIndexes } from './2026-12-02T10-00-queue-indexes.js';
import { oneMessageIndex } from './2026-12-02T14-00-one-message-index.js';
import { ticketReopened } from './2026-12-03T06-30-ticket-reopened.js';
import { reporterMember } from './2026-12-03T07-00-reporter-member.js';
import { queueRanks } from './2026-12-03T07-20-queue-ranks.js';
import { caseRanksAutoincrement } from './2026-12-03T08-40-case-ranks-autoincrement.js';
import { robotMemory } from './2026-12-07T22-00-robot-memory.js';
import { ticketClosed } from './2026-12-08T03-00-ticket-closed.js';

/**
 * Every migration, by name. A migration is frozen once released: it holds its own DDL and
 * never imports today's schema code (src/store/schema/ has the table types only), so changing
 * the schema cannot silently change what an old migration did. A change is a new file here.
 *
 * The names are what data folders hold in kysely_migration: never rename one. Kysely applies
 * them in name order. They are listed (not discovered on disk) so the same list works from
 * sources, from dist/ and inside a bundled build.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-25T12:00-core': core,
  '2026-11-25T16:00-enforcement': enforcement,
  '2026-12-01T22:00-per-user-reads': perUserReads,
  '2026-12-01T22:20-phone-lookups': phoneLookups,
  '2026-12-01T22:30-console-sessions': consoleSessions,
  '2026-12-01T22:30-platform-snapshot': platformSnapshot,
  '2026-12-01T22:30-report-evidence-in-log': reportEvidenceInLog,
  '2026-12-01T22:40-ticket-entries': ticketEntries,
  '2026-12-01T22:50-account-emails': accountEmails,
  '2026-12-01T23:00-crm': crm,
  '2026-12-02T02:30-cluster-invariants': clusterInvariants,
  '2026-12-02T02:30-platform-ids': platformIds,
  '2026-12-02T02:30-robot-records': robotRecords,
  '2026-12-02T09:30-claim-turns': claimTurns,
  '2026-12-02T09:30-hidden-chats-after': hiddenChatsAfter,
  '2026-12-02T10:00-queue-indexes': queueIndexes,
  '2026-12-02T14:00-one-message-index': oneMessageIndex,
  '2026-12-03T06:30-ticket-reopened': ticketReopened,
  '2026-12-03T07:00-reporter-member': reporterMember,
  '2026-12-03T07:20-queue-ranks': queueRanks,
  '2026-12-03T08:40-case-ranks-autoincrement': caseRanksAutoincrement,
  '2026-12-07T22:00-robot-memory': robotMemory,
  '2026-12-08T03:00-ticket-closed': ticketClosed,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};
