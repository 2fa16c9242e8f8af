import { BanyaError, fail } from '../domain/errors.js';
import type { Actor } from '../store/event-log.js';
import { key } from '../events/serial.js';
import { publicId } from '../store/ids.js';
import { row, rows } from '../store/read.js';
import type { CasesTable } from '../store/schema/cases.js';
import { staffActor, type StaffActor, type StaffRole } from './staff.js';
import { emitSanction, sanctionView, previewSanction, type SanctionView } from './sanctions.js';
import type { Enforcement, OpenCase } from './state.js';
import { robotFindings, type RobotFinding } from './timeline.js';

/**
 * Review (RULES.md §4): claiming, the evidence view, and decisions by role. Staff act with a
 * reference (`s12`, or `admin` for the admin token) and a role. The queue that lists the cases
 * to review is in queue.ts.
 */

export interface CaseView {
  id: string;
  subject: { accountId: string; chatId?: string };
  state: 'open' | 'escalated' | 'closed';
  priority: number;
  reportCount: number;
  reasons: string[];
  createdAt: string;
  claimedBy?: string;
  decision?: string;
  policy?: string;
  openedBy?: string;
}

export type CaseRow = Pick<
  CasesTable,
  | 'id'
  | 'subject_id'
  | 'chat_id'
  | 'state'
  | 'priority'
  | 'report_count'
  | 'reasons'
  | 'claimed_by'
  | 'claimed_at'
  | 'decision'
  | 'policy'
  | 'created_at'
  | 'opened_by'
>;
export const CASE_COLUMNS = [
  'id',
  'subject_id',
  'chat_id',
  'state',
  'priority',
  'report_count',
  'reasons',
  'claimed_by',
  'claimed_at',
  'decision',
  'policy',
  'created_at',
  'opened_by',
] as const;

function claimLive(e: Enforcement, claimedBy: string | null, claimedAt: number | null, now: number): string | null {
  if (!claimedBy || claimedAt === null) return null;
  return claimedAt + e.policy.claimMinutes * 60_000 > now ? claimedBy : null;
}

export function caseView(e: Enforcement, row: CaseRow, now: number): CaseView {
  const v: CaseView = {
    id: publicId('case', row.id),
    subject: row.chat_id
      ? { accountId: publicId('account', row.subject_id), chatId: publicId('chat', row.chat_id) }
      : { accountId: publicId('account', row.subject_id) },
    state: row.state as CaseView['state'],
    priority: row.priority,
    reportCount: row.report_count,
    reasons: JSON.parse(row.reasons) as string[],
    createdAt: new Date(row.created_at).toISOString(),
  };
  const claimed = row.state === 'closed' ? null : claimLive(e, row.claimed_by, row.claimed_at, now);
  if (claimed) v.claimedBy = claimed;
  if (row.decision) v.decision = row.decision;
  if (row.policy) v.policy = row.policy;
  if (row.opened_by) v.openedBy = row.opened_by;
  return v;
}

export async function loadCase(e: Enforcement, id: number): Promise<CaseRow> {
  const found =
    id > 0
      ? await row(
          e.store,
          e.store.db
            .selectFrom('cases')
            .select([...CASE_COLUMNS])
            .where('id', '=', id),
        )
      : undefined;
  if (!found) fail('NOT_FOUND');
  return found;
}

/** The open case, or 409 CASE_CLOSED / 404. */
async function openCase(e: Enforcement, id: number): Promise<OpenCase> {
  const c = e.enforcement.openCasesById.get(id);
  if (c) return c;
  await loadCase(e, id); // 404 when unknown
  fail('CASE_CLOSED');
}

/**
 * Runs `job` on the open case under its subject's key, so that decisions, reports, appeals,
 * lifts and expiries about one account never interleave; the case is looked up again inside.
 */
async function onOpenCase<T>(e: Enforcement, id: number, job: (c: OpenCase) => Promise<T>): Promise<T> {
  const first = await openCase(e, id);
  return e.serial.run([key.account(first.subjectId)], async () => job(await openCase(e, id)));
}

function requireUnclaimedBy(e: Enforcement, c: OpenCase, staff: StaffActor, now: number): void {
  const holder = claimLive(e, c.claimedBy, c.claimedAt, now);
  if (holder && holder !== staff.ref) fail('CASE_CLAIMED', { claimedBy: holder });
}

async function viewOf(e: Enforcement, id: number, now: number): Promise<CaseView> {
  return caseView(e, await loadCase(e, id), now);
}

/**
 * The once key of a case's next claim or release: two nodes that both saw the case at the same
 * turn take the same key, and the database lets one of them have it; the other decides again on
 * fresh memory (409 CASE_CLAIMED, or a renewal when the same person claimed on both).
 */
function claimKey(c: OpenCase): string {
  return `claim:${c.id}:${c.claimTurn}`;
}

export async function claimCase(e: Enforcement, id: number, staff: StaffActor, now: number): Promise<CaseView> {
  return onOpenCase(e, id, async (c) => {
    requireUnclaimedBy(e, c, staff, now);
    await e.journal.commit(
      e.journal
        .change()
        .once(claimKey(c), now)
        .emit(now, staffActor(staff), c.subjectId, { type: 'case_claimed', payload: { caseId: id, by: staff.ref } }),
    );
    return viewOf(e, id, now);
  });
}

export async function releaseCase(e: Enforcement, id: number, staff: StaffActor, now: number): Promise<CaseView> {
  return onOpenCase(e, id, async (c) => {
    if (staff.role !== 'admin') requireUnclaimedBy(e, c, staff, now);
    if (c.claimedBy !== null)
      await e.journal.commit(
        e.journal
          .change()
          .once(claimKey(c), now)
          .emit(now, staffActor(staff), c.subjectId, { type: 'case_released', payload: { caseId: id } }),
      );
    return viewOf(e, id, now);
  });
}

/**
 * Ends the claims a staff member holds (`ref`), when the member is deleted: nobody else should
 * wait out the 15 minutes of someone who is gone. Each release is its case's own write.
 */
export async function releaseClaimsOf(e: Enforcement, ref: string, actor: Actor, now: number): Promise<void> {
  const held = [...e.enforcement.openCasesById.values()].filter((c) => c.claimedBy === ref).map((c) => c.id);
  for (const id of held) {
    await onOpenCase(e, id, async (c) => {
      if (c.claimedBy !== ref) return;
      await e.journal.commit(
        e.journal
          .change()
          .once(claimKey(c), now)
          .emit(now, actor, c.subjectId, { type: 'case_released', payload: { caseId: id } }),
      );
    }).catch((err: unknown) => {
      // A case decided meanwhile has no claim left to end.
      if (!(err instanceof BanyaError)) throw err;
    });
  }
}

/** How far a reporter is to be trusted: their decided reports, and how long their account has existed. */
export interface ReporterSummary {
  confirmed: number;
  dismissed: number;
  ageDays: number;
}

const DAY_MS = 86_400_000;

export interface CaseDetail extends CaseView {
  /** The subject with its display name (absent when the account has none), for the case page's title. */
  subject: CaseView['subject'] & { name?: string };
  reports: { id: string; reason: string; reporterId: string; createdAt: string; comment?: string; reporter: ReporterSummary }[];
  evidence: { messageId: string; text: string; sentAt: string; chatId: string }[];
  /** Which robot rules acted (or would have) about the subject, and the signals that fired: newest first. */
  robots: RobotFinding[];
}

/** An account's display name (the case view's title shows it; a deleted account keeps its last). */
async function accountName(e: Enforcement, id: number): Promise<string | undefined> {
  const a = await row(e.store, e.store.db.selectFrom('accounts').select(['name']).where('id', '=', id));
  return a?.name || undefined;
}

/** The evidence view: the case, its reports and the reported messages. Recorded every time. */
export async function viewEvidence(e: Enforcement, id: number, staff: StaffActor, now: number): Promise<CaseDetail> {
  const row = await loadCase(e, id);
  const reports = await rows(
    e.store,
    e.store.db.selectFrom('reports').select(['id', 'reason', 'reporter_id', 'created_at', 'comment']).where('case_id', '=', id).orderBy('id'),
  );
  const evidence = reports.length
    ? await rows(
        e.store,
        e.store.db
          .selectFrom('report_evidence')
          .select(['message_id', 'text', 'sent_at', 'chat_id'])
          .where(
            'report_id',
            'in',
            reports.map((r) => r.id),
          )
          .orderBy('message_id'),
      )
    : [];
  const reporterIds = [...new Set(reports.map((r) => r.reporter_id))];
  const born = new Map(
    (reporterIds.length ? await rows(e.store, e.store.db.selectFrom('accounts').select(['id', 'created_at']).where('id', 'in', reporterIds)) : []).map((a) => [
      a.id,
      a.created_at,
    ]),
  );
  const reporterOf = (a: number): ReporterSummary => {
    const rec = e.enforcement.reporter(a);
    const created = born.get(a);
    return { confirmed: rec.confirmed, dismissed: rec.dismissed, ageDays: created === undefined ? 0 : Math.max(0, Math.floor((now - created) / DAY_MS)) };
  };
  const robots = await robotFindings(e, row.subject_id);
  const name = await accountName(e, row.subject_id);
  await e.journal.commit(e.journal.change().emit(now, staffActor(staff), row.subject_id, { type: 'evidence_viewed', payload: { caseId: id, by: staff.ref } }));
  const seen = new Set<number>();
  const view = caseView(e, row, now);
  return {
    ...view,
    subject: name ? { ...view.subject, name } : view.subject,
    reports: reports.map((r) => ({
      id: publicId('report', r.id),
      reason: r.reason,
      reporterId: publicId('account', r.reporter_id),
      createdAt: new Date(r.created_at).toISOString(),
      ...(r.comment ? { comment: r.comment } : {}),
      reporter: reporterOf(r.reporter_id),
    })),
    evidence: evidence
      .filter((m) => (seen.has(m.message_id) ? false : (seen.add(m.message_id), true)))
      .map((m) => ({
        messageId: publicId('message', m.message_id),
        text: m.text,
        sentAt: new Date(m.sent_at).toISOString(),
        chatId: publicId('chat', m.chat_id),
      })),
    robots,
  };
}

export interface DecisionInput {
  action: 'confirm' | 'dismiss' | 'escalate';
  policy?: string;
  note?: string;
}

const MAY: Record<DecisionInput['action'], StaffRole[]> = {
  confirm: ['moderator', 'admin'],
  dismiss: ['triage', 'moderator', 'admin'],
  escalate: ['triage', 'moderator', 'admin'],
};

function checkDecision(e: Enforcement, input: DecisionInput): void {
  if (input.action === 'confirm') {
    if (!input.policy) fail('BAD_REQUEST', { field: 'policy', reason: 'confirming needs a policy' });
    // Only the ladder's own keys: `toString` or `__proto__` name no policy.
    if (!Object.hasOwn(e.policy.ladder, input.policy))
      fail('BAD_REQUEST', { field: 'policy', reason: `unknown policy; one of ${Object.keys(e.policy.ladder).join(', ')}` });
  }
}

function checkRole(input: DecisionInput, staff: StaffActor): void {
  if (!MAY[input.action].includes(staff.role)) fail('FORBIDDEN', { reason: `${staff.role} cannot ${input.action}` });
}

/** What a decision would do (the console's preview): any staff role, any action; changes nothing. */
export async function previewDecision(e: Enforcement, id: number, input: DecisionInput, _staff: StaffActor, now: number): Promise<{ sanction?: SanctionView }> {
  const row = await loadCase(e, id);
  if (row.state === 'closed') fail('CASE_CLOSED');
  checkDecision(e, input);
  if (input.action !== 'confirm') return {};
  const sanction = previewSanction(e, row.subject_id, input.policy!, now);
  // Only group, channel and public-content cases have content to take down (as decideCase).
  if (sanction.takedown && !row.chat_id) delete sanction.takedown;
  return { sanction: sanctionView(sanction) };
}

export async function decideCase(
  e: Enforcement,
  id: number,
  input: DecisionInput,
  staff: StaffActor,
  now: number,
): Promise<{ case: CaseView; sanction?: SanctionView }> {
  return onOpenCase(e, id, async (c) => {
    checkRole(input, staff);
    checkDecision(e, input);
    requireUnclaimedBy(e, c, staff, now);
    const actor = staffActor(staff);
    const change = e.journal.change();
    if (input.action === 'escalate') {
      change.emit(now, actor, c.subjectId, {
        type: 'decision',
        payload: { caseId: id, action: 'escalate', policy: null, by: staff.ref, note: input.note ?? null, reportIds: [], reporters: [] },
      });
      // Escalating hands the case on: the escalator's claim ends with it, or those it is handed to
      // (a triage member cannot confirm) would wait out the claim's 15 minutes.
      if (c.claimedBy !== null) change.once(claimKey(c), now).emit(now, actor, c.subjectId, { type: 'case_released', payload: { caseId: id } });
      await e.journal.commit(change);
      return { case: await viewOf(e, id, now) };
    }
    const reportIds = c.reports.map((r) => r.reportId);
    const reporters = [...new Set(c.reports.map((r) => r.reporterId))];
    change.emit(now, actor, c.subjectId, {
      type: 'decision',
      payload: { caseId: id, action: input.action, policy: input.policy ?? null, by: staff.ref, note: input.note ?? null, reportIds, reporters },
    });
    let sanction: SanctionView | undefined;
    if (input.action === 'confirm') {
      const takedown = c.chatId !== 0 ? await takedownTarget(e, id, c.chatId) : null;
      sanction = sanctionView(await emitSanction(e, change, c.subjectId, input.policy!, id, actor, now, takedown));
    }
    await e.journal.commit(change);
    return { case: await viewOf(e, id, now), ...(sanction ? { sanction } : {}) };
  });
}

/** Public-content reports take the whole chat down; message reports take their messages down. */
async function takedownTarget(e: Enforcement, caseId: number, chatId: number): Promise<{ chatId: number; messageIds: number[] }> {
  const reports = await rows(e.store, e.store.db.selectFrom('reports').select(['id', 'kind']).where('case_id', '=', caseId));
  if (reports.some((r) => r.kind === 'public')) return { chatId, messageIds: [] };
  const ids = reports.map((r) => r.id);
  const evidence = ids.length
    ? await rows(e.store, e.store.db.selectFrom('report_evidence').select('message_id').distinct().where('report_id', 'in', ids))
    : [];
  return { chatId, messageIds: evidence.map((r) => r.message_id) };
}
