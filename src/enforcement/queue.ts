import type { Kysely, SelectQueryBuilder } from 'kysely';
import { fail } from '../domain/errors.js';
import type { Database } from '../store/database.js';
import { rows } from '../store/read.js';
import { CASE_COLUMNS, caseView, type CaseRow, type CaseView } from './cases.js';
import type { Enforcement } from './state.js';

/**
 * The moderation queue (GET /v1/moderation/cases): the cases to review, highest priority first,
 * then oldest, filtered, in pages that keep their order through a pass. It only reads; a case's
 * life (claims, decisions) is in cases.ts.
 */

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
