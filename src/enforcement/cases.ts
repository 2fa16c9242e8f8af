import type { Kysely, SelectQueryBuilder } from 'kysely';
import { fail } from '../domain/errors.js';
import type { Database } from '../store/database.js';
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
 * reference (`s12`, or `admin` for the admin token) and a role.
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

type CaseRow = Pick<
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
const CASE_COLUMNS = [
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

/** How far a reporter is to be trusted: their decided reports, and how long their account has existed. */
export interface ReporterSummary {
  confirmed: number;
  dismissed: number;
  ageDays: number;
}

const DAY_MS = 86_400_000;

export interface CaseDetail extends CaseView {
  reports: { id: string; reason: string; reporterId: string; createdAt: string; comment?: string; reporter: ReporterSummary }[];
  evidence: { messageId: string; text: string; sentAt: string; chatId: string }[];
  /** Which robot rules acted (or would have) about the subject, and the signals that fired: newest first. */
  robots: RobotFinding[];
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
  await e.journal.commit(e.journal.change().emit(now, staffActor(staff), row.subject_id, { type: 'evidence_viewed', payload: { caseId: id, by: staff.ref } }));
  const seen = new Set<number>();
  return {
    ...caseView(e, row, now),
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

export interface CaseFilter {
  state?: 'open' | 'escalated' | 'closed';
  policy?: string;
  reason?: string;
  /** `robot`: opened by a robot rule (`opened_by` holds the rule); `human`: opened by a report. */
  origin?: 'robot' | 'human';
  /** `private`: about a person (`chat_id = 0`); `group`: about a group, channel or its content. */
  place?: 'private' | 'group';
  /** The subject account's language. */
  language?: 'en' | 'ru';
  limit: number;
  cursor?: string;
}

/**
 * Where a pass through the queue stands: after the case (`priority`, `id`) in the order of its
 * first page. `since` is the last `case_ranks` row then: a case changed after it is placed by the
 * priority it had at the first page. Cursors of before `since` (two fields) page by today's
 * priorities.
 */
interface QueueCursor {
  priority: number;
  id: number;
  since?: number;
}

function encodeCursor(c: QueueCursor): string {
  return Buffer.from(`${c.since}:${c.priority}:${c.id}`).toString('base64url');
}

function decodeCursor(cursor: string): QueueCursor {
  const parts = Buffer.from(cursor, 'base64url').toString().split(':');
  const [p, i] = parts.slice(-2);
  const priority = Number(p);
  const id = Number(i);
  const since = parts.length === 3 ? Number(parts[0]) : undefined;
  if (
    (parts.length !== 2 && parts.length !== 3) ||
    !p ||
    !Number.isFinite(priority) ||
    !/^[0-9]{1,15}$/.test(i ?? '') ||
    id <= 0 ||
    (parts.length === 3 && !/^[0-9]{1,15}$/.test(parts[0]!))
  )
    fail('BAD_REQUEST', { field: 'querystring.cursor', reason: 'not a cursor from this API' });
  return since === undefined ? { priority, id } : { priority, id, since };
}

/** The filters of `f`, on the cases table (also when joined). */
function filtered<QB extends SelectQueryBuilder<Database, 'cases' | 'case_ranks', object>>(q0: QB, f: CaseFilter): QB {
  // One builder type for both queries: the conditions only name the cases table's columns.
  let q = q0 as unknown as SelectQueryBuilder<Database, 'cases', object>;
  q = f.state ? q.where('cases.state', '=', f.state) : q.where('cases.state', 'in', ['open', 'escalated']);
  if (f.policy) q = q.where('cases.policy', '=', f.policy);
  if (f.reason) q = q.where('cases.reasons', 'like', `%"${f.reason}"%`);
  if (f.origin) q = q.where('cases.opened_by', f.origin === 'robot' ? 'is not' : 'is', null);
  if (f.place) q = q.where('cases.chat_id', f.place === 'private' ? '=' : '!=', 0);
  if (f.language) {
    const language = f.language;
    // One primary-key look-up per case walked, never a scan of accounts.
    q = q.where((eb) =>
      eb.exists(eb.selectFrom('accounts').select('accounts.id').whereRef('accounts.id', '=', 'cases.subject_id').where('accounts.language', '=', language)),
    );
  }
  return q as unknown as QB;
}

/**
 * The queue's query: highest priority first, then oldest, after the cursor's case, through
 * cases_queue (state, priority desc, id). For the default (open and escalated), SQLite walks the
 * index once per state and stops each walk once the page is full (its ORDER BY … LIMIT
 * optimisation for an IN on the index's first column), so a page costs about a page of rows per
 * state however many cases are live. The checked-in plan (src/store/sql/queue.sql) and
 * bench/big-world.ts watch it.
 *
 * The first page also reads where `case_ranks` ends (`mark`), in the same statement, so that the
 * page and the pass's `since` are one moment. After a cursor with `since`, the cases changed since
 * are left out here (one look-up in case_ranks_case per case walked): caseRankedQuery places them.
 */
export function caseQueueQuery(db: Kysely<Database>, f: CaseFilter) {
  let q = filtered(db.selectFrom('cases').select(CASE_COLUMNS.map((c) => `cases.${c}` as const)), f);
  if (!f.cursor)
    q = q.select((eb) =>
      eb
        .selectFrom('case_ranks')
        .select((e) => e.fn.coalesce(e.fn.max('case_ranks.id'), e.lit(0)).as('m'))
        .as('mark'),
    );
  else {
    const c = decodeCursor(f.cursor);
    // After (priority, id) in the order priority desc, id asc. Written as `priority <= p and
    // (priority < p or id > i)` — the same rows as `priority < p or (priority = p and id > i)` —
    // so that SQLite walks cases_queue from p down and stops at the page's end, instead of
    // collecting every case below p (an OR of two index searches) and sorting them.
    q = q.where('cases.priority', '<=', c.priority).where((eb) => eb.or([eb('cases.priority', '<', c.priority), eb('cases.id', '>', c.id)]));
    const since = c.since;
    if (since !== undefined)
      q = q.where((eb) =>
        eb.not(
          eb.exists(eb.selectFrom('case_ranks').select('case_ranks.id').whereRef('case_ranks.case_id', '=', 'cases.id').where('case_ranks.id', '>', since)),
        ),
      );
  }
  return q
    .orderBy('cases.priority', 'desc')
    .orderBy('cases.id', 'asc')
    .limit(f.limit + 1);
}

/**
 * The cases changed since a pass's first page (`since`), each placed by its priority then — the
 * one its first change after `since` recorded as before — after the cursor's case in that order.
 * It reads only the rows of changes made during the pass (case_ranks from `since` on), and each
 * one's case by its primary key.
 */
export function caseRankedQuery(db: Kysely<Database>, f: CaseFilter & { cursor: string }) {
  const c = decodeCursor(f.cursor);
  const since = c.since ?? Number.MAX_SAFE_INTEGER;
  const q = filtered(
    db
      .selectFrom('case_ranks')
      // CROSS JOIN: SQLite keeps case_ranks the outer loop (the pass's changes, few), never
      // walking every live case to look for them.
      .crossJoin('cases')
      .whereRef('cases.id', '=', 'case_ranks.case_id')
      .select([...CASE_COLUMNS.map((k) => `cases.${k}` as const), 'case_ranks.priority as ranked'])
      .where('case_ranks.id', '>', since)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('case_ranks as earlier')
              .select('earlier.id')
              .whereRef('earlier.case_id', '=', 'case_ranks.case_id')
              .where('earlier.id', '>', since)
              .whereRef('earlier.id', '<', 'case_ranks.id'),
          ),
        ),
      )
      .where('case_ranks.priority', '<=', c.priority)
      .where((eb) => eb.or([eb('case_ranks.priority', '<', c.priority), eb('cases.id', '>', c.id)])),
    f,
  );
  return q
    .orderBy('case_ranks.priority', 'desc')
    .orderBy('cases.id', 'asc')
    .limit(f.limit + 1);
}

/**
 * The queue: highest priority first, then oldest. No message text here. A pass (the first page,
 * then each `nextCursor`) keeps the order of its first page: a case whose priority changed since
 * keeps its place (it shows its priority of now), so none is skipped or shown twice; decided
 * cases leave without moving the others; cases opened since come at the end (their priority
 * before their first report, 0), or not at all when the pass has gone past them.
 */
export async function listCases(e: Enforcement, f: CaseFilter, now: number): Promise<{ cases: CaseView[]; nextCursor?: string }> {
  let since: number | undefined;
  let ranked: { row: CaseRow; rank: number }[];
  if (!f.cursor) {
    const found = await rows(e.store, caseQueueQuery(e.store.db, f));
    ranked = found.map((r) => ({ row: r, rank: r.priority }));
    // Read with the page (one statement); with no case, there is no next page to carry it.
    since = Number((found[0] as { mark?: number | bigint } | undefined)?.mark ?? 0);
  } else {
    const c = decodeCursor(f.cursor);
    since = c.since;
    const plain = (await rows(e.store, caseQueueQuery(e.store.db, f))).map((r) => ({ row: r, rank: r.priority }));
    if (since === undefined) ranked = plain;
    else {
      // Two statements: a case changed between them comes from both, with the same rank.
      const moved = (await rows(e.store, caseRankedQuery(e.store.db, { ...f, cursor: f.cursor }))).map((r) => ({ row: r, rank: r.ranked }));
      const seen = new Set<number>();
      ranked = [...plain, ...moved]
        .sort((a, b) => b.rank - a.rank || a.row.id - b.row.id)
        .filter((x) => !seen.has(x.row.id) && seen.add(x.row.id) !== undefined);
    }
  }
  const page = ranked.slice(0, f.limit);
  const out: { cases: CaseView[]; nextCursor?: string } = { cases: page.map((r) => caseView(e, r.row, now)) };
  if (ranked.length > f.limit) {
    const last = page[page.length - 1]!;
    out.nextCursor = since === undefined ? legacyCursor(last.rank, last.row.id) : encodeCursor({ priority: last.rank, id: last.row.id, since });
  }
  return out;
}

/** A cursor of before `since`: it keeps paging by today's priorities. */
function legacyCursor(priority: number, id: number): string {
  return Buffer.from(`${priority}:${id}`).toString('base64url');
}
