import type { Core } from '../core.js';
import { DueQueue } from '../memory/due-queue.js';
import type { CaseReport } from '../domain/reporting.js';
import type { Policy } from './policy.js';

/**
 * Enforcement's working set in memory: open cases and their reports, reports waiting under a
 * group's leniency threshold, reporter records, and strikes. The tables are the durable truth;
 * this is loaded from them at start and kept in step with every write.
 */

export interface OpenCase {
  id: number;
  subjectId: number;
  chatId: number;
  state: 'open' | 'escalated';
  reports: (CaseReport & { reportId: number })[];
  claimedBy: string | null;
  claimedAt: number | null;
  /** Claims and releases so far (`cases.claim_turn`). */
  claimTurn: number;
  createdAt: number;
  /** What robots raised its priority by (`early_review`): kept when reports join it. */
  raised: number;
}

export interface PendingGroupReport extends CaseReport {
  reportId: number;
  admin: boolean;
  /** Filed by a member of the group: only these count toward its threshold (RULES.md §3). */
  member: boolean;
}

export interface ReporterRecord {
  confirmed: number;
  dismissed: number;
  muted: boolean;
}

export interface StrikeRecord {
  id: number;
  policy: string;
  caseId: number | null;
  restrictionId: number | null;
  createdAt: number;
  expiresAt: number;
  removed: boolean;
  /** Recorded as expired (`strike_expired`): the scheduler has nothing left to do for it. */
  expired?: boolean;
}

export interface OpenAppeal {
  id: number;
  createdAt: number;
  dueAt: number;
  restrictionId: number | null;
}

export function caseKey(subject: number, chat: number): string {
  return `${subject}:${chat}`;
}

export type ReportKind = 'private' | 'group' | 'channel' | 'public';

/**
 * Where a report was made, for "one open report per reporter, subject and place" (RULES.md §3):
 * private chats are one place, each group or channel its own, each chat's public content its own.
 */
export function reportPlace(kind: string, chatId: number): string {
  if (kind === 'private') return 'private';
  return kind === 'public' ? `public:${chatId}` : `chat:${chatId}`;
}

export function openReportKey(reporter: number, subject: number, place: string): string {
  return `${reporter}:${subject}:${place}`;
}

/** The case a report belongs in: private-chat reports share one case per subject (chat 0). */
export function caseChatOf(kind: string, chatId: number): number {
  return kind === 'private' ? 0 : chatId;
}

export class EnforcementState {
  /** Undecided cases by `subject:chat` (chat 0 for private-chat cases). */
  readonly openCases = new Map<string, OpenCase>();
  readonly openCasesById = new Map<number, OpenCase>();
  /** Group reports below the threshold, by `subject:chat`. */
  readonly pendingGroup = new Map<string, PendingGroupReport[]>();
  /** Open reports by `reporter:subject:place` (one open report per reporter, subject and place). */
  readonly openReports = new Map<string, { reportId: number; caseId: number | null }>();
  readonly reporters = new Map<number, ReporterRecord>();
  readonly strikes = new Map<number, StrikeRecord[]>();
  /** Strikes by the time they stop counting. */
  readonly strikeExpiries = new DueQueue<{ account: number; strikeId: number }>();
  /** Phone keys whose previous account went away limited or frozen. */
  readonly numberFlags = new Set<number>();
  /** Each account's open appeal. */
  readonly openAppeals = new Map<number, OpenAppeal>();
  /** When each account's last appeal was upheld (the next may follow 7 days later). */
  readonly lastUpheld = new Map<number, number>();
  /** Open tickets, each with the due time of its current open period. */
  readonly openTickets = new Map<number, number>();
  /** When a person last decided in the account's favour (dismissal, overturn, lift): robots hold off. */
  readonly manualDecisionAt = new Map<number, number>();
  /**
   * Appeals and tickets recorded overdue (`appeal:<id>`, `ticket:<id>@<dueAt>`: a ticket once per
   * open period): with several nodes the queue below also holds items another node already
   * handled; the scheduler checks here.
   */
  readonly markedOverdue = new Set<string>();
  /** Appeals and tickets by the time they become overdue. */
  readonly overdue = new DueQueue<{ kind: 'appeal' | 'ticket'; id: number; account: number | null; dueAt?: number }>();

  reporter(a: number): ReporterRecord {
    return this.reporters.get(a) ?? { confirmed: 0, dismissed: 0, muted: false };
  }

  putCase(c: OpenCase): void {
    this.openCases.set(caseKey(c.subjectId, c.chatId), c);
    this.openCasesById.set(c.id, c);
  }

  dropCase(c: OpenCase): void {
    this.openCases.delete(caseKey(c.subjectId, c.chatId));
    this.openCasesById.delete(c.id);
  }

  /** Which open reports a report id stands for (its key in `openReports`). */
  readonly openReportKeys = new Map<number, string>();

  addStrike(a: number, s: StrikeRecord): void {
    if (!s.removed) this.strikeExpiries.push(s.expiresAt, { account: a, strikeId: s.id });
    const list = this.strikes.get(a);
    if (list) list.push(s);
    else this.strikes.set(a, [s]);
  }

  strikesOf(a: number): StrikeRecord[] {
    return this.strikes.get(a) ?? [];
  }
}

/** The core plus enforcement's policy and working set. */
export interface Enforcement extends Core {
  readonly policy: Policy;
  readonly enforcement: EnforcementState;
}
