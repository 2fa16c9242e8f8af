import { sql, type CompiledQuery } from 'kysely';
import { robotRaise } from '../../domain/reporting.js';
import { caseKey } from '../state.js';
import { statsUpsert } from './reports.js';
import type { P } from './types.js';

/** Cases: opened, their reports and priority, claims, and the decision that closes them. */

export const caseOpened: P<'case_opened'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    return [
      db
        .insertInto('cases')
        .values({
          id: x.caseId,
          subject_id: x.subjectId,
          chat_id: x.chatId,
          state: 'open',
          priority: 0,
          report_count: 0,
          reasons: '[]',
          opened_by: x.openedBy,
          claimed_by: null,
          claimed_at: null,
          claim_turn: 0,
          decision: null,
          policy: null,
          decided_by: null,
          decided_at: null,
          created_at: r.at,
        })
        .compile(),
    ];
  },
  memory: (r, m) => {
    const x = r.event.payload;
    m.enforcement.putCase({
      id: x.caseId,
      subjectId: x.subjectId,
      chatId: x.chatId,
      state: 'open',
      reports: [],
      claimedBy: null,
      claimedAt: null,
      claimTurn: 0,
      createdAt: r.at,
      raised: 0,
    });
  },
};

export const caseUpdated: P<'case_updated'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    const out = [
      // The priority it had until now, numbered in commit order: how a pass through the queue
      // begun before this change places the case (caseQueuePage).
      db
        .insertInto('case_ranks')
        .columns(['case_id', 'priority'])
        .expression(db.selectFrom('cases').select(['id', 'priority']).where('id', '=', x.caseId).where('priority', '<>', x.priority))
        .compile(),
      db
        .updateTable('cases')
        .set({ priority: x.priority, report_count: x.reportCount, reasons: JSON.stringify(x.reasons) })
        .where('id', '=', x.caseId)
        .compile(),
    ];
    if (x.attached.length > 0) out.push(db.updateTable('reports').set({ case_id: x.caseId }).where('id', 'in', x.attached).compile());
    return out;
  },
  memory: (r, m) => {
    const x = r.event.payload;
    const st = m.enforcement;
    const c = st.openCasesById.get(x.caseId);
    if (!c) return;
    if (x.attached.length === 0) {
      // No report joins: a robot raising the case. What it added to the reports' priority stays
      // with the case.
      c.raised = robotRaise(x.priority, c.reports);
      return;
    }
    const ck = caseKey(c.subjectId, c.chatId);
    const attached = new Set(x.attached);
    const waiting = st.pendingGroup.get(ck) ?? [];
    for (const p of waiting) {
      if (!attached.has(p.reportId)) continue;
      c.reports.push({ reportId: p.reportId, reporterId: p.reporterId, weight: p.weight, reason: p.reason, stranger: p.stranger });
      const key = st.openReportKeys.get(p.reportId);
      const open = key ? st.openReports.get(key) : undefined;
      if (open && open.reportId === p.reportId) open.caseId = c.id;
    }
    const rest = waiting.filter((p) => !attached.has(p.reportId));
    if (rest.length > 0) st.pendingGroup.set(ck, rest);
    else st.pendingGroup.delete(ck);
  },
};

export const caseClaimed: P<'case_claimed'> = {
  sql: (r, db) => [
    db
      .updateTable('cases')
      .set((eb) => ({ claimed_by: r.event.payload.by, claimed_at: r.at, claim_turn: eb('claim_turn', '+', 1) }))
      .where('id', '=', r.event.payload.caseId)
      .compile(),
  ],
  memory: (r, m) => {
    const c = m.enforcement.openCasesById.get(r.event.payload.caseId);
    if (c) {
      c.claimedBy = r.event.payload.by;
      c.claimedAt = r.at;
      c.claimTurn++;
    }
  },
};

export const caseReleased: P<'case_released'> = {
  sql: (r, db) => [
    db
      .updateTable('cases')
      .set((eb) => ({ claimed_by: null, claimed_at: null, claim_turn: eb('claim_turn', '+', 1) }))
      .where('id', '=', r.event.payload.caseId)
      .compile(),
  ],
  memory: (r, m) => {
    const c = m.enforcement.openCasesById.get(r.event.payload.caseId);
    if (c) {
      c.claimedBy = null;
      c.claimedAt = null;
      c.claimTurn++;
    }
  },
};

/**
 * Whether a decision clears the account — a person deciding in its favour, which holds robots off
 * for a while and counts against its complainers: a dismissal of a case with reports. A case
 * robots raised on their own (no report: `early_review`) has only their signals to judge by;
 * dismissing it says they were not enough, not that the account is fine. (A payload without
 * `reportIds`, from an older release, had reports.)
 */
export function decisionClears(p: { action?: string; reportIds?: readonly number[] }): boolean {
  return p.action === 'dismiss' && (p.reportIds === undefined || p.reportIds.length > 0);
}

export const decision: P<'decision'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    if (x.action === 'escalate') return [db.updateTable('cases').set({ state: 'escalated' }).where('id', '=', x.caseId).compile()];
    const confirmed = x.action === 'confirm';
    const out: CompiledQuery[] = [
      db
        .updateTable('cases')
        .set({ state: 'closed', decision: x.action, policy: x.policy, decided_by: x.by, decided_at: r.at, claimed_by: null, claimed_at: null })
        .where('id', '=', x.caseId)
        .compile(),
      // A closed case changes no more: no pass needs its earlier priorities.
      db.deleteFrom('case_ranks').where('case_id', '=', x.caseId).compile(),
    ];
    if (x.reportIds.length > 0)
      out.push(
        db
          .updateTable('reports')
          .set({ state: 'closed', outcome: confirmed ? 'confirmed' : 'dismissed' })
          .where('id', 'in', x.reportIds)
          .compile(),
      );
    for (const a of x.reporters) {
      out.push(
        confirmed
          ? statsUpsert(db, a, { confirmed: 1 }, { confirmed: sql`reporter_stats.confirmed + 1` })
          : statsUpsert(db, a, { dismissed: 1 }, { dismissed: sql`reporter_stats.dismissed + 1` }),
      );
    }
    return out;
  },
  memory: (r, m) => {
    const x = r.event.payload;
    const st = m.enforcement;
    const c = st.openCasesById.get(x.caseId);
    if (x.action === 'escalate') {
      if (c) c.state = 'escalated';
      return;
    }
    const confirmed = x.action === 'confirm';
    if (decisionClears(x) && r.accountId !== null) st.manualDecisionAt.set(r.accountId, r.at);
    if (c) st.dropCase(c);
    for (const id of x.reportIds) {
      const key = st.openReportKeys.get(id);
      st.openReportKeys.delete(id);
      if (key && st.openReports.get(key)?.reportId === id) st.openReports.delete(key);
    }
    for (const a of x.reporters) {
      const rec = { ...st.reporter(a) };
      if (confirmed) rec.confirmed++;
      else rec.dismissed++;
      st.reporters.set(a, rec);
    }
  },
};
