import type { NotNull } from 'kysely';
import { phoneKey } from '../domain/phone.js';
import { robotRaise, type ReportReason } from '../domain/reporting.js';
import type { EndCause } from '../events/index.js';
import { each } from '../store/read.js';
import { APPEAL_OVERDUE_MS } from './appeals.js';
import { decisionClears, endCauseOf } from './projectors.js';
import { caseChatOf, caseKey, openReportKey, reportPlace, type Enforcement, type OpenCase } from './state.js';
import { ticketOverdueAt } from './tickets.js';

/** Loads enforcement's working set from its tables at start. */
export async function loadEnforcement(e: Enforcement): Promise<void> {
  const db = e.store.db;
  const st = e.enforcement;
  for await (const r of each(e.store, db.selectFrom('reporter_stats').selectAll())) {
    st.reporters.set(r.account_id, { confirmed: r.confirmed, dismissed: r.dismissed, muted: r.muted === 1 });
  }
  for await (const s of each(
    e.store,
    db
      .selectFrom('strikes')
      .select(['id', 'account_id', 'policy', 'case_id', 'restriction_id', 'created_at', 'expires_at', 'removed_at', 'expired_at'])
      .orderBy('id'),
  )) {
    const rec = {
      id: s.id,
      policy: s.policy,
      caseId: s.case_id,
      restrictionId: s.restriction_id,
      createdAt: s.created_at,
      expiresAt: s.expires_at,
      removed: s.removed_at !== null,
      ...(s.expired_at !== null ? { expired: true } : {}),
    };
    if (s.expired_at !== null) {
      // Already recorded as expired: kept for the ladder's history, not queued again.
      const list = st.strikes.get(s.account_id);
      if (list) list.push(rec);
      else st.strikes.set(s.account_id, [rec]);
    } else st.addStrike(s.account_id, rec);
  }
  for await (const c of each(
    e.store,
    db
      .selectFrom('cases')
      .select(['id', 'subject_id', 'chat_id', 'state', 'priority', 'claimed_by', 'claimed_at', 'claim_turn', 'created_at'])
      .where('state', 'in', ['open', 'escalated'])
      .$narrowType<{ state: OpenCase['state'] }>(),
  )) {
    const oc: OpenCase = {
      id: c.id,
      subjectId: c.subject_id,
      chatId: c.chat_id,
      state: c.state,
      reports: [],
      claimedBy: c.claimed_by,
      claimedAt: c.claimed_at,
      claimTurn: c.claim_turn,
      createdAt: c.created_at,
      // The priority for now; what robots added is what is left once its reports are read.
      raised: c.priority,
    };
    st.putCase(oc);
  }
  for await (const r of each(
    e.store,
    db
      .selectFrom('reports')
      .select(['id', 'reporter_id', 'subject_id', 'chat_id', 'kind', 'reason', 'weight', 'stranger', 'admin_report', 'reporter_member', 'case_id'])
      .where('state', '=', 'open')
      .orderBy('id'),
  )) {
    const key = openReportKey(r.reporter_id, r.subject_id, reportPlace(r.kind, r.chat_id));
    st.openReports.set(key, { reportId: r.id, caseId: r.case_id });
    st.openReportKeys.set(r.id, key);
    const entry = { reportId: r.id, reporterId: r.reporter_id, weight: r.weight, reason: r.reason as ReportReason, stranger: r.stranger === 1 };
    if (r.case_id !== null) {
      st.openCasesById.get(r.case_id)?.reports.push(entry);
    } else {
      const ck = caseKey(r.subject_id, caseChatOf(r.kind, r.chat_id));
      const list = st.pendingGroup.get(ck) ?? [];
      list.push({ ...entry, admin: r.admin_report === 1, member: r.reporter_member === 1 });
      st.pendingGroup.set(ck, list);
    }
  }
  for (const c of st.openCasesById.values()) c.raised = robotRaise(c.raised, c.reports);
  for await (const a of each(
    e.store,
    db
      .selectFrom('appeals')
      .select(['id', 'account_id', 'state', 'outcome', 'created_at', 'due_at', 'overdue_at', 'restriction_id', 'decided_at'])
      .orderBy('id'),
  )) {
    if (a.state === 'open') {
      st.openAppeals.set(a.account_id, { id: a.id, createdAt: a.created_at, dueAt: a.due_at, restrictionId: a.restriction_id });
      if (a.overdue_at === null) st.overdue.push(a.created_at + APPEAL_OVERDUE_MS, { kind: 'appeal', id: a.id, account: a.account_id });
    } else if (a.outcome === 'uphold' && a.decided_at !== null) {
      st.lastUpheld.set(a.account_id, a.decided_at);
    }
  }
  for await (const t of each(
    e.store,
    db.selectFrom('tickets').select(['id', 'account_id', 'created_at', 'reopened_at', 'due_at', 'overdue_at']).where('state', '=', 'open'),
  )) {
    st.openTickets.set(t.id, t.due_at);
    if (t.overdue_at === null) st.overdue.push(ticketOverdueAt(t), { kind: 'ticket', id: t.id, account: t.account_id, dueAt: t.due_at });
  }
  // When people last decided in an account's favour: robots hold off for a while after that.
  // Read from the typed payloads of the three event types that say so.
  for await (const m of each(
    e.store,
    db
      .selectFrom('events')
      .select(['account_id', 'at', 'type', 'payload'])
      .where('account_id', 'is not', null)
      .$narrowType<{ account_id: NotNull }>()
      .where('type', 'in', ['decision', 'appeal_decided', 'restriction_lifted'])
      .orderBy('id'),
  )) {
    const p = JSON.parse(m.payload) as { action?: string; reportIds?: number[]; outcome?: string; reason: string; cause?: EndCause };
    const favour =
      m.type === 'decision' ? decisionClears(p) : m.type === 'appeal_decided' ? p.outcome === 'overturn' : endCauseOf(p, 'restriction_lifted') === 'lifted';
    if (favour) st.manualDecisionAt.set(m.account_id, m.at);
  }
  for await (const n of each(e.store, db.selectFrom('number_flags').select('phone'))) st.numberFlags.add(phoneKey(n.phone));
  for await (const t of each(e.store, db.selectFrom('takedowns').select('chat_id').where('message_id', '=', 0))) e.index.takeDown(t.chat_id);
}
