import type { CompiledQuery } from 'kysely';
import { casePriority, groupThresholdMet, reportWeight, type ReportReason } from '../domain/reporting.js';
import type { Actor } from '../store/event-log.js';
import { record } from './events.js';
import { caseKey, type Enforcement, type OpenCase, type PendingGroupReport } from './state.js';

/**
 * Filing a report (RULES.md §3): one open report per reporter and subject; private-chat reports
 * always open or join the subject's case; group reports wait below the leniency threshold.
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

/** The case key of a report: private-chat reports share one case per subject. */
function caseChat(input: Pick<ReportInput, 'kind' | 'chatId'>): number {
  return input.kind === 'private' ? 0 : input.chatId;
}

export function existingReport(e: Enforcement, reporter: number, subject: number): FiledReport | undefined {
  const open = e.enforcement.openReports.get(`${reporter}:${subject}`);
  return open ? { reportId: open.reportId, caseId: open.caseId, existing: true, weight: 0 } : undefined;
}

/** Opens a case (no reports yet) and returns its statements. */
export function openCaseStatements(e: Enforcement, subject: number, chat: number, openedBy: string | null, actor: Actor, now: number): { c: OpenCase; writes: CompiledQuery[] } {
  const c: OpenCase = { id: e.ids.next('cases'), subjectId: subject, chatId: chat, state: 'open', reports: [], claimedBy: null, claimedAt: null, createdAt: now };
  e.enforcement.putCase(c);
  return {
    c,
    writes: [
      e.store.db
        .insertInto('cases')
        .values({
          id: c.id,
          subject_id: subject,
          chat_id: chat,
          state: 'open',
          priority: 0,
          report_count: 0,
          reasons: '[]',
          opened_by: openedBy,
          claimed_by: null,
          claimed_at: null,
          decision: null,
          policy: null,
          decided_by: null,
          decided_at: null,
          created_at: now,
        })
        .compile(),
      record(e, now, actor, subject, { type: 'case_opened', payload: { caseId: c.id, subjectId: subject, chatId: chat, openedBy } }),
    ],
  };
}

/** Recomputes a case's priority, count and reasons after reports joined it (`attached`). */
export function caseUpdatedStatements(e: Enforcement, c: OpenCase, attached: number[], actor: Actor, now: number, extraPriority = 0): CompiledQuery[] {
  const priority = Math.round((casePriority(c.reports) + extraPriority) * 1000) / 1000;
  const reasons = [...new Set(c.reports.map((r) => r.reason))].sort();
  const writes: CompiledQuery[] = [
    e.store.db.updateTable('cases').set({ priority, report_count: c.reports.length, reasons: JSON.stringify(reasons) }).where('id', '=', c.id).compile(),
  ];
  if (attached.length > 0) writes.push(e.store.db.updateTable('reports').set({ case_id: c.id }).where('id', 'in', attached).compile());
  writes.push(record(e, now, actor, c.subjectId, { type: 'case_updated', payload: { caseId: c.id, priority, reportCount: c.reports.length, reasons, attached } }));
  return writes;
}

export function fileReportStatements(e: Enforcement, input: ReportInput, actor: Actor, now: number): { filed: FiledReport; writes: CompiledQuery[] } {
  const st = e.enforcement;
  const prior = existingReport(e, input.reporterId, input.subjectId);
  // One open report per reporter and subject — but a group report (waiting below the leniency
  // threshold, or in the group's case) must not swallow a private-chat report: every private-chat
  // report opens a case or joins the subject's open case (RULES.md §3). The private one then
  // becomes the reporter's open report; deciding its case brings the group one back.
  const priorIsPrivate = prior !== undefined && prior.caseId !== null && st.openCasesById.get(prior.caseId)?.chatId === 0;
  if (prior && (input.kind !== 'private' || priorIsPrivate)) return { filed: prior, writes: [] };
  const r = st.reporter(input.reporterId);
  const weight = reportWeight({ ...r, accountAgeMs: input.reporterAgeMs, groupAdmin: input.groupAdmin });
  const reportId = e.ids.next('reports');
  const chat = caseChat(input);
  const key = caseKey(input.subjectId, chat);
  const writes: CompiledQuery[] = [];

  // Which case it joins: the open one, a new one, or none yet (group below the threshold).
  let c = st.openCases.get(key);
  let attachPending: PendingGroupReport[] = [];
  const entry: PendingGroupReport = { reportId, reporterId: input.reporterId, weight, reason: input.reason, stranger: input.stranger, admin: input.groupAdmin };
  if (!c && input.kind === 'group') {
    const pending = [...(st.pendingGroup.get(key) ?? []), entry];
    const members = new Set(pending.map((p) => p.reporterId)).size;
    const admins = new Set(pending.filter((p) => p.admin).map((p) => p.reporterId)).size;
    if (!groupThresholdMet(members, admins, e.policy.groupThreshold)) {
      st.pendingGroup.set(key, pending);
    } else {
      st.pendingGroup.delete(key);
      attachPending = pending.filter((p) => p.reportId !== reportId);
    }
  }
  const waits = !c && input.kind === 'group' && st.pendingGroup.has(key);
  let opened: CompiledQuery[] = [];
  if (!c && !waits) {
    const o = openCaseStatements(e, input.subjectId, chat, null, actor, now);
    c = o.c;
    opened = o.writes;
  }
  const caseId = waits ? null : c!.id;

  writes.push(
    e.store.db
      .insertInto('reports')
      .values({
        id: reportId,
        reporter_id: input.reporterId,
        subject_id: input.subjectId,
        chat_id: input.chatId,
        kind: input.kind,
        reason: input.reason,
        comment: input.comment,
        weight,
        stranger: input.stranger ? 1 : 0,
        admin_report: input.groupAdmin ? 1 : 0,
        case_id: null,
        state: 'open',
        outcome: null,
        created_at: now,
      })
      .compile(),
  );
  for (const m of input.evidence) {
    writes.push(
      e.store.db
        .insertInto('report_evidence')
        .values({ report_id: reportId, message_id: m.id, chat_id: m.chatId, from_id: m.fromId, text: m.text, sent_at: m.sentAt })
        .compile(),
    );
  }
  writes.push(
    record(e, now, actor, input.subjectId, {
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
        caseId: null,
        evidence: input.evidence.map((m) => m.id),
      },
    }),
  );
  st.openReports.set(`${input.reporterId}:${input.subjectId}`, { reportId, caseId });
  if (c) {
    writes.push(...opened);
    const joining = [...attachPending, entry];
    for (const j of joining) {
      c.reports.push({ reportId: j.reportId, reporterId: j.reporterId, weight: j.weight, reason: j.reason, stranger: j.stranger });
      const open = st.openReports.get(`${j.reporterId}:${input.subjectId}`);
      if (open && open.reportId === j.reportId) open.caseId = c.id;
    }
    writes.push(...caseUpdatedStatements(e, c, joining.map((j) => j.reportId), actor, now));
  }
  return { filed: { reportId, caseId, existing: false, weight }, writes };
}
