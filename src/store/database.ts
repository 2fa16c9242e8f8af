import type { AccountsTable } from './schema/accounts.js';
import type { BannedPhonesTable } from './schema/banned-phones.js';
import type { BlocksTable } from './schema/blocks.js';
import type { ChatMembersTable } from './schema/chat-members.js';
import type { ChatsTable } from './schema/chats.js';
import type { ContactsTable } from './schema/contacts.js';
import type { EventsTable } from './schema/events.js';
import type { IdempotencyTable } from './schema/idempotency.js';
import type { MessagesTable } from './schema/messages.js';
import type { PendingContactsTable } from './schema/pending-contacts.js';
import type { RestrictionsTable } from './schema/restrictions.js';
import type { SettingsTable } from './schema/settings.js';
import type { StaffTable } from './schema/staff.js';
import type { TokensTable } from './schema/tokens.js';
import type { CasesTable } from './schema/cases.js';
import type { HiddenChatsTable } from './schema/hidden-chats.js';
import type { NumberFlagsTable } from './schema/number-flags.js';
import type { ReportEvidenceTable } from './schema/report-evidence.js';
import type { ReporterStatsTable } from './schema/reporter-stats.js';
import type { ReportsTable } from './schema/reports.js';
import type { StrikesTable } from './schema/strikes.js';
import type { TakedownsTable } from './schema/takedowns.js';

/** The whole schema, as Kysely sees it. */
export interface Database {
  accounts: AccountsTable;
  tokens: TokensTable;
  staff: StaffTable;
  contacts: ContactsTable;
  pending_contacts: PendingContactsTable;
  blocks: BlocksTable;
  chats: ChatsTable;
  chat_members: ChatMembersTable;
  messages: MessagesTable;
  restrictions: RestrictionsTable;
  banned_phones: BannedPhonesTable;
  events: EventsTable;
  idempotency: IdempotencyTable;
  settings: SettingsTable;
  reports: ReportsTable;
  report_evidence: ReportEvidenceTable;
  cases: CasesTable;
  strikes: StrikesTable;
  reporter_stats: ReporterStatsTable;
  number_flags: NumberFlagsTable;
  takedowns: TakedownsTable;
  hidden_chats: HiddenChatsTable;
}
