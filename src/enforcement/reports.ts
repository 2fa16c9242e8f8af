import { casePriority, groupThresholdMet, reportWeight, type CaseReport, type ReportReason } from '../domain/reporting.js';
import type { RobotSignal } from '../events/index.js';
import type { Change } from '../events/journal.js';
import type { Actor } from '../store/event-log.js';
import { caseChatOf, caseKey, openReportKey, reportPlace, type Enforcement, type PendingGroupReport } from './state.js';

/**
 * Filing a report (RULES.md §3): one open report per reporter, subject and place; private-chat reports
 * always open or join the subject's case; group reports wait below the leniency threshold, which
 * only the group's members (and admins) count toward: a public group's messages can be reported by
 * anyone who can read them, but a crowd from outside the group cannot raise a case.
 */

export interface EvidenceMessage {
  id: number;
  chatId: number;
  fromId: number;
  text: string;
  sentAt: number;
}

export interface ReportInput {
  reporterId: number;
  subjectId: number;
  /** The chat reported in (the private chat, group or channel). */
  chatId: number;
  kind: 'private' | 'group' | 'channel' | 'public';
  reason: ReportReason;
  comment: string | null;
  evidence: EvidenceMessage[];
  /** The reporter had not saved the subject and had never written to them. */
  stranger: boolean;
  /** The reporter is an admin of the group it is about. */
  groupAdmin: boolean;
  /**
   * The reporter is a member (member, admin or owner) of the chat reported in, as of filing; in a
   * private chat, always (a participant). Only members' group reports count toward the threshold.
   */
  member: boolean;
  reporterAgeMs: number;
}

export interface FiledReport {
  reportId: number;
  /** The report's weight (0 for a repeat). */
  weight: number;
  caseId: number | null;
  /** An open report already existed: nothing new was created. */
  existing: boolean;
}

export function existingReport(e: Enforcement, input: Pick<ReportInput, 'reporterId' | 'subjectId' | 'kind' | 'chatId'>): FiledReport | undefined {
  const open = e.enforcement.openReports.get(openReportKey(input.reporterId, input.subjectId, reportPlace(input.kind, input.chatId)));
  return open ? { reportId: open.reportId, caseId: open.caseId, existing: true, weight: 0 } : undefined;
}

/** Emits a new case (no reports yet) about `subject` in `chat` (0: private chats); returns its id. */
export function emitCaseOpened(
  e: Enforcement,
  change: Change,
  subject: number,
  chat: number,
  openedBy: string | null,
  actor: Actor,
  now: number,
  signals?: RobotSignal[],
): number {
  const caseId = e.ids.next('cases');
  change.emit(now, actor, subject, { type: 'case_opened', payload: { caseId, subjectId: subject, chatId: chat, openedBy, ...(signals ? { signals } : {}) } });
  return caseId;
}

/** Emits a case's new priority, count and reasons, with the reports that join it (`attached`). */
export function emitCaseUpdated(
  change: Change,
  caseId: number,
  subject: number,
  reports: readonly CaseReport[],
  attached: number[],
  actor: Actor,
  now: number,
  extraPriority = 0,
  /** A robot raising the case: its rule and the signals that fired. */
  robot?: { rule: string; signals?: RobotSignal[] },
): void {
  const priority = Math.round((casePriority(reports) + extraPriority) * 1000) / 1000;
  const reasons = [...new Set(reports.map((r) => r.reason))].sort();
  change.emit(now, actor, subject, { type: 'case_updated', payload: { caseId, priority, reportCount: reports.length, reasons, attached, ...robot } });
}

/**
 * Emits a report, and the case it opens or joins (RULES.md §3). Run under the subject's key: it
 * reads the open reports and cases committed before; nothing changes until the change commits.
 */
export function emitReport(e: Enforcement, change: Change, input: ReportInput, actor: Actor, now: number): FiledReport {
  const st = e.enforcement;
  const prior = existingReport(e, input);
  if (prior) return prior;
  const r = st.reporter(input.reporterId);
  const weight = reportWeight({ ...r, accountAgeMs: input.reporterAgeMs, groupAdmin: input.groupAdmin });
  const reportId = e.ids.next('reports');
  const chat = caseChatOf(input.kind, input.chatId);
  const ck = caseKey(input.subjectId, chat);

  // Which case it joins: the open one, a new one, or none yet (group below the threshold).
  const open = st.openCases.get(ck);
  const entry: PendingGroupReport = {
    reportId,
    reporterId: input.reporterId,
    weight,
    reason: input.reason,
    stranger: input.stranger,
    admin: input.groupAdmin,
    member: input.member,
  };
  let joining: PendingGroupReport[] = [entry];
  let waits = false;
  if (!open) {
    // Group reports waiting below the threshold join the case that opens for this subject and
    // chat, whether group reports raise it or a public-content report about the same chat does:
    // one case per subject and chat.
    const pending = [...(st.pendingGroup.get(ck) ?? []), entry];
    if (input.kind === 'group') {
      // Only members' reports count toward the threshold; the others wait with them and join the
      // case once members (or an admin) raise it.
      const members = new Set(pending.filter((p) => p.member).map((p) => p.reporterId)).size;
      const admins = new Set(pending.filter((p) => p.admin).map((p) => p.reporterId)).size;
      if (groupThresholdMet(members, admins, e.policy.groupThreshold)) joining = pending;
      else waits = true;
    } else joining = pending;
  }
  change.emit(now, actor, input.subjectId, {
    type: 'report_filed',
    payload: {
      reportId,
      reporterId: input.reporterId,
      subjectId: input.subjectId,
      chatId: input.chatId,
      kind: input.kind,
      reason: input.reason,
      weight,
      stranger: input.stranger,
      adminReport: input.groupAdmin,
      member: input.member,
      caseId: null,
      comment: input.comment,
      evidence: input.evidence.map((m) => ({ id: m.id, chatId: m.chatId, fromId: m.fromId, text: m.text, sentAt: m.sentAt })),
    },
  });
  if (waits) return { reportId, caseId: null, existing: false, weight };
  const caseId = open ? open.id : emitCaseOpened(e, change, input.subjectId, chat, null, actor, now);
  const reports = [...(open?.reports ?? []), ...joining];
  emitCaseUpdated(
    change,
    caseId,
    input.subjectId,
    reports,
    joining.map((j) => j.reportId),
    actor,
    now,
    open?.raised ?? 0,
  );
  return { reportId, caseId, existing: false, weight };
}
