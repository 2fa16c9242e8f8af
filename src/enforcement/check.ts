import type { Store } from '../store/store.js';
import type { EnforcementEvent } from './events.js';

/**
 * The event log is the truth: every projection table (restrictions, strikes, cases, reports,
 * reporter records, banned and flagged numbers, takedowns) can be rebuilt from it. `project`
 * replays the log; `checkProjections` compares the rebuild with what is stored.
 */

export interface Projection {
  restrictions: Map<
    number,
    { account_id: number; state: string; kind: string; until: number | null; delete_at: number | null; case_id: number | null; rule: string | null; created_at: number; ended_at: number | null; end_reason: string | null }
  >;
  strikes: Map<number, { account_id: number; policy: string; case_id: number | null; restriction_id: number | null; created_at: number; expires_at: number; removed_at: number | null; removed_reason: string | null; expired_at: number | null }>;
  cases: Map<number, { subject_id: number; chat_id: number; state: string; priority: number; report_count: number; reasons: string; opened_by: string | null; claimed_by: string | null; claimed_at: number | null; decision: string | null; policy: string | null; decided_by: string | null; decided_at: number | null; created_at: number }>;
  reports: Map<number, { reporter_id: number; subject_id: number; chat_id: number; kind: string; reason: string; weight: number; stranger: number; admin_report: number; case_id: number | null; state: string; outcome: string | null; created_at: number }>;
  reporterStats: Map<number, { confirmed: number; dismissed: number; muted: number }>;
  appeals: Map<number, Record<string, unknown>>;
  bannedPhones: Set<string>;
  numberFlags: Set<string>;
  takedowns: Set<string>;
}

export interface LoggedEvent {
  at: number;
  accountId: number | null;
  event: EnforcementEvent;
}

export function emptyProjection(): Projection {
  return {
    restrictions: new Map(),
    strikes: new Map(),
    cases: new Map(),
    reports: new Map(),
    reporterStats: new Map(),
    appeals: new Map(),
    bannedPhones: new Set(),
    numberFlags: new Set(),
    takedowns: new Set(),
  };
}

function stats(p: Projection, a: number) {
  let s = p.reporterStats.get(a);
  if (!s) p.reporterStats.set(a, (s = { confirmed: 0, dismissed: 0, muted: 0 }));
  return s;
}

/** Applies one event to the projection (pure apart from mutating `p`). */
export function apply(p: Projection, { at, accountId, event }: LoggedEvent): void {
  switch (event.type) {
    case 'restriction_applied':
    case 'account_frozen':
    case 'account_banned': {
      const x = event.payload;
      p.restrictions.set(x.restrictionId, {
        account_id: accountId!,
        state: x.state,
        kind: x.kind,
        until: x.until,
        delete_at: x.deleteAt,
        case_id: x.caseId ?? null,
        rule: x.rule ?? null,
        created_at: at,
        ended_at: null,
        end_reason: null,
      });
      return;
    }
    case 'restriction_lifted':
    case 'restriction_expired': {
      const r = p.restrictions.get(event.payload.restrictionId);
      if (r && r.ended_at === null) {
        r.ended_at = at;
        r.end_reason = event.payload.reason;
      }
      return;
    }
    case 'strike_added': {
      const x = event.payload;
      p.strikes.set(x.strikeId, { account_id: accountId!, policy: x.policy, case_id: x.caseId, restriction_id: x.restrictionId, created_at: at, expires_at: x.expiresAt, removed_at: null, removed_reason: null, expired_at: null });
      return;
    }
    case 'strike_removed': {
      const s = p.strikes.get(event.payload.strikeId);
      if (s) {
        s.removed_at = at;
        s.removed_reason = event.payload.reason;
      }
      return;
    }
    case 'strike_expired': {
      const s = p.strikes.get(event.payload.strikeId);
      if (s) s.expired_at = at;
      return;
    }
    case 'report_filed': {
      const x = event.payload;
      p.reports.set(x.reportId, {
        reporter_id: x.reporterId,
        subject_id: x.subjectId,
        chat_id: x.chatId,
        kind: x.kind,
        reason: x.reason,
        weight: x.weight,
        stranger: x.stranger ? 1 : 0,
        admin_report: x.adminReport ? 1 : 0,
        case_id: x.caseId,
        state: 'open',
        outcome: null,
        created_at: at,
      });
      return;
    }
    case 'case_opened': {
      const x = event.payload;
      p.cases.set(x.caseId, {
        subject_id: x.subjectId,
        chat_id: x.chatId,
        state: 'open',
        priority: 0,
        report_count: 0,
        reasons: '[]',
        opened_by: x.openedBy,
        claimed_by: null,
        claimed_at: null,
        decision: null,
        policy: null,
        decided_by: null,
        decided_at: null,
        created_at: at,
      });
      return;
    }
    case 'case_updated': {
      const x = event.payload;
      const c = p.cases.get(x.caseId);
      if (c) {
        c.priority = x.priority;
        c.report_count = x.reportCount;
        c.reasons = JSON.stringify(x.reasons);
      }
      for (const id of x.attached) {
        const r = p.reports.get(id);
        if (r) r.case_id = x.caseId;
      }
      return;
    }
    case 'case_claimed': {
      const c = p.cases.get(event.payload.caseId);
      if (c) {
        c.claimed_by = event.payload.by;
        c.claimed_at = at;
      }
      return;
    }
    case 'case_released': {
      const c = p.cases.get(event.payload.caseId);
      if (c) {
        c.claimed_by = null;
        c.claimed_at = null;
      }
      return;
    }
    case 'decision': {
      const x = event.payload;
      const c = p.cases.get(x.caseId);
      if (!c) return;
      if (x.action === 'escalate') {
        c.state = 'escalated';
        return;
      }
      Object.assign(c, { state: 'closed', decision: x.action, policy: x.policy, decided_by: x.by, decided_at: at, claimed_by: null, claimed_at: null });
      for (const id of x.reportIds) {
        const r = p.reports.get(id);
        if (r) Object.assign(r, { state: 'closed', outcome: x.action === 'confirm' ? 'confirmed' : 'dismissed' });
      }
      for (const a of x.reporters) {
        const s = stats(p, a);
        if (x.action === 'confirm') s.confirmed++;
        else s.dismissed++;
      }
      return;
    }
    case 'reporter_muted':
      stats(p, accountId!).muted = event.payload.muted ? 1 : 0;
      return;
    case 'reporter_accuracy': {
      const s = stats(p, accountId!);
      s.confirmed = event.payload.confirmed;
      s.dismissed = event.payload.dismissed;
      return;
    }
    case 'number_banned':
      p.bannedPhones.add(event.payload.phone);
      return;
    case 'number_unbanned':
      p.bannedPhones.delete(event.payload.phone);
      return;
    case 'number_flagged':
      if (event.payload.reason.startsWith('deleted_while_')) p.numberFlags.add(event.payload.phone);
      else if (event.payload.reason === 'cleared') p.numberFlags.delete(event.payload.phone);
      return;
    case 'content_taken_down':
      for (const m of event.payload.messageIds) p.takedowns.add(`${event.payload.chatId}:${m}`);
      return;
    case 'appeal_filed': {
      const x = event.payload;
      p.appeals.set(x.appealId, {
        account_id: accountId,
        restriction_id: x.restrictionId,
        restriction: JSON.stringify(x.restriction),
        robot: x.robot ? 1 : 0,
        rule: x.rule,
        story: x.story ? 1 : 0,
        text: x.text,
        email: x.email,
        state: 'open',
        outcome: null,
        created_at: at,
        due_at: x.dueAt,
        overdue_at: null,
        decided_at: null,
        decided_by: null,
        note: null,
      });
      return;
    }
    case 'appeal_decided': {
      const a = p.appeals.get(event.payload.appealId);
      if (a) Object.assign(a, { state: 'decided', outcome: event.payload.outcome, decided_at: at, decided_by: event.payload.by, note: event.payload.note });
      return;
    }
    case 'appeal_overdue': {
      const a = p.appeals.get(event.payload.appealId);
      if (a && a.state === 'open') a.overdue_at = at;
      return;
    }
    case 'evidence_viewed':
    case 'robot_flag':
    case 'robot_false_positive':
    case 'robot_shadow':
      return;
  }
}

/** Rebuilds every projection from the event log. */
export async function project(store: Store): Promise<Projection> {
  const p = emptyProjection();
  for await (const row of store.iterate<{ at: number; type: string; account_id: number | null; payload: string }>(
    store.db.selectFrom('events').select(['at', 'type', 'account_id', 'payload']).orderBy('id'),
  )) {
    apply(p, { at: Number(row.at), accountId: row.account_id, event: { type: row.type, payload: JSON.parse(row.payload) } as EnforcementEvent });
  }
  return p;
}

function normalise(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? Number(v) : v;
  return out;
}

function compareMaps(name: string, rebuilt: Map<number, object>, stored: Map<number, Record<string, unknown>>, problems: string[]): void {
  for (const [id, want] of rebuilt) {
    const got = stored.get(id);
    if (!got) {
      problems.push(`${name} ${id}: in the log, not stored`);
      continue;
    }
    for (const [k, v] of Object.entries(want)) {
      if (got[k] !== v) problems.push(`${name} ${id}.${k}: log says ${JSON.stringify(v)}, stored ${JSON.stringify(got[k])}`);
    }
  }
  for (const id of stored.keys()) if (!rebuilt.has(id)) problems.push(`${name} ${id}: stored, not in the log`);
}

function compareSets(name: string, rebuilt: Set<string>, stored: Set<string>, problems: string[]): void {
  for (const x of rebuilt) if (!stored.has(x)) problems.push(`${name} ${x}: in the log, not stored`);
  for (const x of stored) if (!rebuilt.has(x)) problems.push(`${name} ${x}: stored, not in the log`);
}

async function byId(store: Store, table: 'restrictions' | 'strikes' | 'cases' | 'reports' | 'appeals'): Promise<Map<number, Record<string, unknown>>> {
  const m = new Map<number, Record<string, unknown>>();
  for await (const r of store.iterate<Record<string, unknown>>(store.db.selectFrom(table).selectAll())) m.set(Number(r.id), normalise(r));
  return m;
}

/** Differences between the stored projections and a rebuild from the log (empty: all equal). */
export async function checkProjections(store: Store): Promise<string[]> {
  const p = await project(store);
  const problems: string[] = [];
  compareMaps('restriction', p.restrictions, await byId(store, 'restrictions'), problems);
  compareMaps('strike', p.strikes, await byId(store, 'strikes'), problems);
  compareMaps('case', p.cases, await byId(store, 'cases'), problems);
  compareMaps('report', p.reports, await byId(store, 'reports'), problems);
  compareMaps('appeal', p.appeals, await byId(store, 'appeals'), problems);
  const stats = new Map<number, Record<string, unknown>>();
  for (const r of await store.all<Record<string, unknown>>(store.db.selectFrom('reporter_stats').selectAll())) stats.set(Number(r.account_id), normalise(r));
  compareMaps('reporter', p.reporterStats, stats, problems);
  compareSets('banned number', p.bannedPhones, new Set((await store.all<{ phone: string }>(store.db.selectFrom('banned_phones').select('phone'))).map((r) => r.phone)), problems);
  compareSets('flagged number', p.numberFlags, new Set((await store.all<{ phone: string }>(store.db.selectFrom('number_flags').select('phone'))).map((r) => r.phone)), problems);
  compareSets(
    'takedown',
    p.takedowns,
    new Set((await store.all<{ chat_id: number; message_id: number }>(store.db.selectFrom('takedowns').select(['chat_id', 'message_id']))).map((r) => `${r.chat_id}:${r.message_id}`)),
    problems,
  );
  return problems;
}
