import { sql, type CompiledQuery } from 'kysely';
import type { ReportReason } from '../../domain/reporting.js';
import type { EvidencePayload } from '../../events/index.js';
import { greatest } from '../../store/dialect.js';
import { caseChatOf, caseKey, openReportKey, reportPlace } from '../state.js';
import type { Db, P } from './types.js';

/** Reports and reporters' records: the report with its frozen evidence, and reporter_stats. */

/** The evidence of a report; old logs held message ids only (rewritten by a migration). */
function evidenceOf(e: EvidencePayload[] | number[]): EvidencePayload[] {
  return e.filter((m): m is EvidencePayload => typeof m === 'object' && m !== null);
}

/** A reporter's row of reporter_stats, inserted with `set` or updated with `onConflict`. */
export function statsUpsert(
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

export const reportFiled: P<'report_filed'> = {
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

export const reporterMuted: P<'reporter_muted'> = {
  sql: (r, db) => {
    const muted = r.event.payload.muted ? 1 : 0;
    return [statsUpsert(db, r.accountId!, { muted }, { muted })];
  },
  memory: (r, m) => {
    m.enforcement.reporters.set(r.accountId!, { ...m.enforcement.reporter(r.accountId!), muted: r.event.payload.muted });
  },
};

export const reporterAccuracy: P<'reporter_accuracy'> = {
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
