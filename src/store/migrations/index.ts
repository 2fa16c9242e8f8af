import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { createAccounts } from '../schema/accounts.js';
import { createBannedPhones } from '../schema/banned-phones.js';
import { createBlocks } from '../schema/blocks.js';
import { createChatMembers } from '../schema/chat-members.js';
import { createChats } from '../schema/chats.js';
import { createContacts } from '../schema/contacts.js';
import { createEvents } from '../schema/events.js';
import { createIdempotency } from '../schema/idempotency.js';
import { createMessages } from '../schema/messages.js';
import { createPendingContacts } from '../schema/pending-contacts.js';
import { createRestrictions } from '../schema/restrictions.js';
import { createSettings } from '../schema/settings.js';
import { createStaff } from '../schema/staff.js';
import { createTokens } from '../schema/tokens.js';
import { createCases } from '../schema/cases.js';
import { createHiddenChats } from '../schema/hidden-chats.js';
import { createNumberFlags } from '../schema/number-flags.js';
import { createReportEvidence } from '../schema/report-evidence.js';
import { createReporterStats } from '../schema/reporter-stats.js';
import { createReports } from '../schema/reports.js';
import { createStrikes } from '../schema/strikes.js';
import { createTakedowns } from '../schema/takedowns.js';
import { createAppeals } from '../schema/appeals.js';
import { createSpambotSessions } from '../schema/spambot-sessions.js';
import { createTickets } from '../schema/tickets.js';
import { crm } from './2026-12-01T23-00-crm.js';

/**
 * Every migration, by timestamped name. They are listed here (not discovered on disk) so the
 * same list works from sources, from dist/ and inside a bundled build.
 */
const MIGRATIONS: Record<string, Migration> = {
  '2026-11-25T12:00-core': {
    async up(db: Kysely<any>) {
      for (const create of [
        createSettings,
        createAccounts,
        createTokens,
        createStaff,
        createContacts,
        createPendingContacts,
        createBlocks,
        createChats,
        createChatMembers,
        createMessages,
        createRestrictions,
        createBannedPhones,
        createEvents,
        createIdempotency,
      ]) {
        await create(db);
      }
    },
  },
  '2026-11-25T16:00-enforcement': {
    async up(db: Kysely<any>) {
      for (const create of [createReports, createReportEvidence, createCases, createStrikes, createReporterStats, createNumberFlags, createTakedowns, createHiddenChats, createAppeals, createTickets, createSpambotSessions]) {
        await create(db);
      }
    },
  },
  '2026-12-01T23:00-crm': crm,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};
