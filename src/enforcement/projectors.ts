import { sql, type CompiledQuery, type Kysely } from 'kysely';
import { phoneKey } from '../domain/phone.js';
import type { ReportReason } from '../domain/reporting.js';
import type { RestrictionState } from '../domain/restriction.js';
import type { EndCause, EnforcementEvent, EvidencePayload, FlagEffect, RestrictionPayload } from '../events/index.js';
import { LOG_ONLY, type Projector, type ProjectorsFor, type Recorded } from '../events/projector.js';
import type { Database } from '../store/database.js';
import { greatest } from '../store/dialect.js';
import { APPEAL_OVERDUE_MS } from './appeals.js';
import { caseChatOf, caseKey, openReportKey, reportPlace, type Enforcement } from './state.js';

/**
 * Enforcement's projectors: for each event, the rows it writes and what it changes in
 * enforcement's working set and the restriction book. The use cases only decide and emit; this
 * is the one place their decisions become rows and memory, and `banya check` replays it.
 */

type Ev<T extends EnforcementEvent['type']> = Extract<EnforcementEvent, { type: T }>;
type P<T extends EnforcementEvent['type']> = Projector<Ev<T>, Enforcement>;
type Db = Kysely<Database>;

/** Why a restriction ended; old logs say it only in `reason` (`lifted: …` for a lift). */
export function endCauseOf(p: { reason: string; cause?: EndCause }, type: 'restriction_lifted' | 'restriction_expired'): EndCause {
  if (p.cause) return p.cause;
  // Legacy payloads (before `cause`): the only place their free-text reason is read.
  if (type === 'restriction_expired') return 'expired';
  if (p.reason === 'deleted' || p.reason === 'appeal_overturned') return p.reason;
  return 'lifted';
}

/** What a `number_flagged` event does to the flag; old logs say it only in `reason`. */
export function flagEffectOf(p: { reason: string; flag?: FlagEffect }): FlagEffect {
  if (p.flag) return p.flag;
  // Legacy payloads (before `flag`).
  if (p.reason === 'cleared') return 'clear';
  return p.reason.startsWith('deleted_while_') ? 'set' : 'none';
}

/** The evidence of a report; old logs held message ids only (rewritten by a migration). */
function evidenceOf(e: EvidencePayload[] | number[]): EvidencePayload[] {
  return e.filter((m): m is EvidencePayload => typeof m === 'object' && m !== null);
}

function restrictionProjector(): Projector<Extract<EnforcementEvent, { type: 'restriction_applied' | 'account_frozen' | 'account_banned' }>, Enforcement> {
  return {
    sql: (r, db) => {
      const x: RestrictionPayload = r.event.payload;
      return [
        db
          .insertInto('restrictions')
          .values({
            id: x.restrictionId,
            account_id: r.accountId!,
            state: x.state,
            kind: x.kind,
            until: x.until,
            delete_at: x.deleteAt,
            case_id: x.caseId ?? null,
            rule: x.rule ?? null,
            created_at: r.at,
            ended_at: null,
            end_reason: null,
          })
          .compile(),
      ];
    },
    memory: (r, m) => {
      const x = r.event.payload;
      m.restrictions.add(r.accountId!, { id: x.restrictionId, state: x.state as RestrictionState, kind: x.kind, until: x.until, deleteAt: x.deleteAt }, r.at);
    },
  };
}

function endProjector(): Projector<Extract<EnforcementEvent, { type: 'restriction_lifted' | 'restriction_expired' }>, Enforcement> {
  return {
    sql: (r, db) => [
      db
        .updateTable('restrictions')
        .set({ ended_at: r.at, end_reason: r.event.payload.reason })
        .where('id', '=', r.event.payload.restrictionId)
        .where('ended_at', 'is', null)
        .compile(),
    ],
    memory: (r, m) => {
      m.restrictions.remove(r.accountId!, r.event.payload.restrictionId, r.at);
      if (endCauseOf(r.event.payload, r.event.type) === 'lifted') m.enforcement.manualDecisionAt.set(r.accountId!, r.at);
    },
  };
}

function statsUpsert(
  db: Db,
  account: number,
  set: { confirmed?: number; dismissed?: number; muted?: number },
  onConflict: Record<string, unknown>,
): CompiledQuery {
  return db
    .insertInto('reporter_stats')
    .values({ account_id: account, confirmed: set.confirmed ?? 0, dismissed: set.dismissed ?? 0, muted: set.muted ?? 0 })
    .onConflict((oc) => oc.column('account_id').doUpdateSet(onConflict as never))
    .compile();
}

const reportFiled: P<'report_filed'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    const out: CompiledQuery[] = [
      db
        .insertInto('reports')
        .values({
          id: x.reportId,
          reporter_id: x.reporterId,
          subject_id: x.subjectId,
          chat_id: x.chatId,
          kind: x.kind,
          reason: x.reason,
          comment: x.comment ?? null,
          weight: x.weight,
          stranger: x.stranger ? 1 : 0,
          admin_report: x.adminReport ? 1 : 0,
          reporter_member: x.member === false ? 0 : 1,
          case_id: x.caseId,
          state: 'open',
          outcome: null,
          created_at: r.at,
        })
        .compile(),
    ];
    for (const m of evidenceOf(x.evidence)) {
      out.push(
        db
          .insertInto('report_evidence')
          .values({ report_id: x.reportId, message_id: m.id, chat_id: m.chatId, from_id: m.fromId, text: m.text, sent_at: m.sentAt })
          .onConflict((oc) => oc.columns(['report_id', 'message_id']).doNothing())
          .compile(),
      );
    }
    return out;
  },
  memory: (r, m) => {
    const x = r.event.payload;
    const st = m.enforcement;
    const key = openReportKey(x.reporterId, x.subjectId, reportPlace(x.kind, x.chatId));
    st.openReports.set(key, { reportId: x.reportId, caseId: x.caseId });
    st.openReportKeys.set(x.reportId, key);
    // Waiting until a case takes it (`case_updated` attaches it, at once for private reports).
    const ck = caseKey(x.subjectId, caseChatOf(x.kind, x.chatId));
    const list = st.pendingGroup.get(ck) ?? [];
    list.push({
      reportId: x.reportId,
      reporterId: x.reporterId,
      weight: x.weight,
      reason: x.reason as ReportReason,
      stranger: x.stranger,
      admin: x.adminReport,
      member: x.member !== false,
    });
    st.pendingGroup.set(ck, list);
  },
};

const caseOpened: P<'case_opened'> = {
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
    });
  },
};

const caseUpdated: P<'case_updated'> = {
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
    if (!c || x.attached.length === 0) return;
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

const caseClaimed: P<'case_claimed'> = {
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

const caseReleased: P<'case_released'> = {
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

const decision: P<'decision'> = {
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
    if (!confirmed && r.accountId !== null) st.manualDecisionAt.set(r.accountId, r.at);
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

const strikeAdded: P<'strike_added'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    return [
      db
        .insertInto('strikes')
        .values({
          id: x.strikeId,
          account_id: r.accountId!,
          policy: x.policy,
          case_id: x.caseId,
          restriction_id: x.restrictionId,
          created_at: r.at,
          expires_at: x.expiresAt,
          removed_at: null,
          removed_reason: null,
          expired_at: null,
        })
        .compile(),
    ];
  },
  memory: (r, m) => {
    const x = r.event.payload;
    m.enforcement.addStrike(r.accountId!, {
      id: x.strikeId,
      policy: x.policy,
      caseId: x.caseId,
      restrictionId: x.restrictionId,
      createdAt: r.at,
      expiresAt: x.expiresAt,
      removed: false,
    });
  },
};

const strikeRemoved: P<'strike_removed'> = {
  sql: (r, db) => [
    db.updateTable('strikes').set({ removed_at: r.at, removed_reason: r.event.payload.reason }).where('id', '=', r.event.payload.strikeId).compile(),
  ],
  memory: (r, m) => {
    const s = m.enforcement.strikesOf(r.accountId!).find((x) => x.id === r.event.payload.strikeId);
    if (s) s.removed = true;
  },
};

const strikeExpired: P<'strike_expired'> = {
  sql: (r, db) => [db.updateTable('strikes').set({ expired_at: r.at }).where('id', '=', r.event.payload.strikeId).compile()],
  memory: (r, m) => {
    const s = m.enforcement.strikesOf(r.accountId!).find((x) => x.id === r.event.payload.strikeId);
    if (s) s.expired = true;
  },
};

const numberBanned: P<'number_banned'> = {
  sql: (r, db) => [
    db
      .insertInto('banned_phones')
      .values({ phone: r.event.payload.phone, account_id: r.accountId, banned_at: r.at })
      .onConflict((oc) => oc.column('phone').doNothing())
      .compile(),
  ],
  memory: (r, m) => {
    m.bannedPhones.add(phoneKey(r.event.payload.phone));
  },
};

const numberUnbanned: P<'number_unbanned'> = {
  sql: (r, db) => [db.deleteFrom('banned_phones').where('phone', '=', r.event.payload.phone).compile()],
  memory: (r, m) => {
    m.bannedPhones.delete(phoneKey(r.event.payload.phone));
  },
};

const numberFlagged: P<'number_flagged'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    const effect = flagEffectOf(x);
    if (effect === 'set') {
      return [
        db
          .insertInto('number_flags')
          .values({ phone: x.phone, reason: x.reason, flagged_at: r.at })
          .onConflict((oc) => oc.column('phone').doUpdateSet({ reason: x.reason, flagged_at: r.at }))
          .compile(),
      ];
    }
    if (effect === 'clear') return [db.deleteFrom('number_flags').where('phone', '=', x.phone).compile()];
    return [];
  },
  memory: (r, m) => {
    const effect = flagEffectOf(r.event.payload);
    const k = phoneKey(r.event.payload.phone);
    if (effect === 'set') m.enforcement.numberFlags.add(k);
    else if (effect === 'clear') m.enforcement.numberFlags.delete(k);
  },
};

const reporterMuted: P<'reporter_muted'> = {
  sql: (r, db) => {
    const muted = r.event.payload.muted ? 1 : 0;
    return [statsUpsert(db, r.accountId!, { muted }, { muted })];
  },
  memory: (r, m) => {
    m.enforcement.reporters.set(r.accountId!, { ...m.enforcement.reporter(r.accountId!), muted: r.event.payload.muted });
  },
};

const reporterAccuracy: P<'reporter_accuracy'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    if (x.confirmedDelta !== undefined || x.dismissedDelta !== undefined) {
      const dc = x.confirmedDelta ?? 0;
      const dd = x.dismissedDelta ?? 0;
      return [
        statsUpsert(
          db,
          r.accountId!,
          { confirmed: Math.max(0, dc), dismissed: Math.max(0, dd) },
          { confirmed: greatest(db, sql`0`, sql`reporter_stats.confirmed + ${dc}`), dismissed: greatest(db, sql`0`, sql`reporter_stats.dismissed + ${dd}`) },
        ),
      ];
    }
    const set = { confirmed: x.confirmed ?? 0, dismissed: x.dismissed ?? 0 };
    return [statsUpsert(db, r.accountId!, set, set)];
  },
  memory: (r, m) => {
    const x = r.event.payload;
    const rec = { ...m.enforcement.reporter(r.accountId!) };
    if (x.confirmedDelta !== undefined || x.dismissedDelta !== undefined) {
      rec.confirmed = Math.max(0, rec.confirmed + (x.confirmedDelta ?? 0));
      rec.dismissed = Math.max(0, rec.dismissed + (x.dismissedDelta ?? 0));
    } else {
      rec.confirmed = x.confirmed ?? 0;
      rec.dismissed = x.dismissed ?? 0;
    }
    m.enforcement.reporters.set(r.accountId!, rec);
  },
};

const contentTakenDown: P<'content_taken_down'> = {
  sql: (r, db) =>
    r.event.payload.messageIds.map((id) =>
      db
        .insertInto('takedowns')
        .values({ chat_id: r.event.payload.chatId, message_id: id, case_id: r.event.payload.caseId, at: r.at })
        .onConflict((oc) => oc.columns(['chat_id', 'message_id']).doNothing())
        .compile(),
    ),
  memory: (r, m) => {
    if (r.event.payload.messageIds.includes(0)) m.index.takeDown(r.event.payload.chatId);
  },
};

const appealFiled: P<'appeal_filed'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    return [
      db
        .insertInto('appeals')
        .values({
          id: x.appealId,
          account_id: r.accountId!,
          restriction_id: x.restrictionId,
          restriction: JSON.stringify(x.restriction),
          robot: x.robot ? 1 : 0,
          rule: x.rule,
          story: x.story ? 1 : 0,
          text: x.text,
          email: x.email,
          state: 'open',
          outcome: null,
          created_at: r.at,
          due_at: x.dueAt,
          overdue_at: null,
          decided_at: null,
          decided_by: null,
          note: null,
        })
        .compile(),
    ];
  },
  memory: (r, m) => {
    const x = r.event.payload;
    m.enforcement.openAppeals.set(r.accountId!, { id: x.appealId, createdAt: r.at, dueAt: x.dueAt, restrictionId: x.restrictionId });
    m.enforcement.overdue.push(r.at + APPEAL_OVERDUE_MS, { kind: 'appeal', id: x.appealId, account: r.accountId });
  },
};

const appealDecided: P<'appeal_decided'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    return [
      db
        .updateTable('appeals')
        .set({ state: 'decided', outcome: x.outcome, decided_at: r.at, decided_by: x.by, note: x.note })
        .where('id', '=', x.appealId)
        .compile(),
    ];
  },
  memory: (r, m) => {
    const a = r.accountId!;
    const st = m.enforcement;
    if (r.event.payload.outcome === 'overturn') st.manualDecisionAt.set(a, r.at);
    else st.lastUpheld.set(a, r.at);
    if (st.openAppeals.get(a)?.id === r.event.payload.appealId) st.openAppeals.delete(a);
    // A frozen account kept past its deletion time by this appeal is deleted now that it is decided.
    for (const x of m.restrictions.records(a)) {
      if (x.state === 'frozen' && x.deleteAt !== null && x.deleteAt <= r.at)
        m.restrictions.due.push(r.at, { account: a, restrictionId: x.id, kind: 'freeze_end' });
    }
  },
};

const appealOverdue: P<'appeal_overdue'> = {
  sql: (r, db) => [db.updateTable('appeals').set({ overdue_at: r.at }).where('id', '=', r.event.payload.appealId).where('state', '=', 'open').compile()],
  memory: (r, m) => {
    m.enforcement.markedOverdue.add(`appeal:${r.event.payload.appealId}`);
  },
};

export const enforcementProjectors: ProjectorsFor<EnforcementEvent, Enforcement> = {
  report_filed: reportFiled,
  case_opened: caseOpened,
  case_updated: caseUpdated,
  case_claimed: caseClaimed,
  case_released: caseReleased,
  evidence_viewed: LOG_ONLY,
  decision,
  strike_added: strikeAdded,
  strike_removed: strikeRemoved,
  strike_expired: strikeExpired,
  restriction_applied: restrictionProjector(),
  account_frozen: restrictionProjector(),
  account_banned: restrictionProjector(),
  restriction_lifted: endProjector(),
  restriction_expired: endProjector(),
  number_banned: numberBanned,
  number_unbanned: numberUnbanned,
  number_flagged: numberFlagged,
  reporter_muted: reporterMuted,
  reporter_accuracy: reporterAccuracy,
  content_taken_down: contentTakenDown,
  robot_flag: LOG_ONLY,
  robot_shadow: LOG_ONLY,
  robot_false_positive: LOG_ONLY,
  appeal_filed: appealFiled,
  appeal_decided: appealDecided,
  appeal_overdue: appealOverdue,
};

export type { Recorded };
