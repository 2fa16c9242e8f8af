/**
 * The moderation queue with 1,000,000 cases.
 *
 * A migrated data folder (SqliteStore.open migrates) gets 1,000,000 cases from one raw prepared
 * INSERT in one transaction: random priorities (0–100, three decimals, as banya rounds them),
 * 80% closed, 20% open or escalated (three quarters open), one to three report reasons each.
 * Then the real code, `listCases` of src/enforcement/queue.ts, answers through the real store:
 *   - the first page (limit 50) of the default queue (open and escalated);
 *   - the filtered queue: state=escalated, reason=scam;
 *   - the second page, through the first page's cursor.
 * Each is timed 20 times after two warm-ups; the median is reported.
 *
 * Baseline: the same page from a hand-written SQL query prepared once on the same
 * better-sqlite3 handle (no query builder, no view mapping), timed the same way.
 *
 * Run: node --expose-gc --import tsx bench/queue.ts
 * Size: BENCH_CASES (default 1,000,000).
 */
import type { Compilable, CompiledQuery } from 'kysely';
import { performance } from 'node:perf_hooks';
import { listCases } from '../src/enforcement/queue.js';
import { DEFAULT_POLICY } from '../src/enforcement/policy.js';
import type { Enforcement } from '../src/enforcement/state.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { compiled } from '../src/store/store.js';
import { envInt, gc, log, median, result, rng, scratchDir, table } from './_lib.js';

const CASES = envInt('BENCH_CASES', 1_000_000);
const RUNS = envInt('BENCH_RUNS', 20);
const TARGET_MS = 50;
const LIMIT = 50;
const REASONS = ['spam', 'scam', 'violence', 'pornography', 'fake', 'other', 'personal_details', 'copyright'];

const t0 = performance.now();
const dir = scratchDir('queue');
const store = await SqliteStore.open(dir, { durability: 'process' });
const db = store.sqlite;
const NOW = Date.UTC(2025, 5, 1);

// ---- 1,000,000 cases, one transaction ---------------------------------------------------------
const rand = rng(0x9e3779b9);
const insert = db.prepare(
  `insert into cases (id, subject_id, chat_id, state, priority, report_count, reasons, opened_by, claimed_by, claimed_at, decision, policy, decided_by, decided_at, created_at)
   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
let open = 0;
let escalated = 0;
let escalatedScam = 0;
const ti = performance.now();
db.transaction(() => {
  for (let id = 1; id <= CASES; id++) {
    const r = rand();
    const state = r < 0.8 ? 'closed' : r < 0.95 ? 'open' : 'escalated';
    const n = 1 + Math.floor(rand() * 3);
    const reasons = new Set<string>();
    for (let k = 0; k < n; k++) reasons.add(REASONS[Math.floor(rand() * rand() * REASONS.length)]!);
    const priority = Math.round(rand() * 100_000) / 1000;
    const closed = state === 'closed';
    if (state === 'open') open++;
    if (state === 'escalated') {
      escalated++;
      if (reasons.has('scam')) escalatedScam++;
    }
    const createdAt = NOW - (CASES - id) * 30_000;
    // One undecided case per subject and chat (the store's invariant): live cases get their own subject.
    const subject = 1 + Math.floor(rand() * 200_000);
    insert.run(
      id,
      closed ? subject : 200_000 + id,
      rand() < 0.1 ? 1 + Math.floor(rand() * 5000) : 0,
      state,
      priority,
      n,
      JSON.stringify([...reasons]),
      rand() < 0.05 ? 'cold_fanout' : null,
      !closed && rand() < 0.1 ? 's1' : null,
      !closed && rand() < 0.1 ? NOW - 60_000 : null,
      closed ? (rand() < 0.6 ? 'confirm' : 'dismiss') : null,
      closed ? 'spam' : null,
      closed ? 's2' : null,
      closed ? createdAt + 3_600_000 : null,
      createdAt,
    );
  }
})();
const insertMs = performance.now() - ti;
log('queue', `inserted ${CASES.toLocaleString('en')} cases (${open} open, ${escalated} escalated) in ${(insertMs / 1000).toFixed(1)} s`);

// listCases reads only the store and the policy (claimMinutes, for claims in the view).
const e = { store, policy: DEFAULT_POLICY } as unknown as Enforcement;

function time(fn: () => unknown | Promise<unknown>): Promise<number[]> {
  return (async () => {
    for (let w = 0; w < 2; w++) await fn();
    gc();
    const xs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await fn();
      xs.push(performance.now() - t);
    }
    return xs;
  })();
}

// ---- the real code ----------------------------------------------------------------------------
const first = await listCases(e, { limit: LIMIT }, NOW);
if (first.cases.length !== LIMIT || !first.nextCursor) throw new Error('first page is not full');
const filtered = await listCases(e, { limit: LIMIT, state: 'escalated', reason: 'scam' }, NOW);
const second = await listCases(e, { limit: LIMIT, cursor: first.nextCursor }, NOW);

const firstMs = await time(() => listCases(e, { limit: LIMIT }, NOW));
const filteredMs = await time(() => listCases(e, { limit: LIMIT, state: 'escalated', reason: 'scam' }, NOW));
const secondMs = await time(() => listCases(e, { limit: LIMIT, cursor: first.nextCursor! }, NOW));

// ---- baseline: hand-written SQL on the same handle ----------------------------------------------
const COLS = 'id, subject_id, chat_id, state, priority, report_count, reasons, claimed_by, claimed_at, decision, policy, created_at, opened_by';
const baseFirst = db.prepare(`select ${COLS} from cases where state in ('open', 'escalated') order by priority desc, id asc limit ?`);
const baseFiltered = db.prepare(`select ${COLS} from cases where state = 'escalated' and reasons like ? order by priority desc, id asc limit ?`);
// After (priority, id) in the order priority desc, id asc; `priority <= ?` lets SQLite walk the
// index from the cursor down (the textbook `priority < ? or (priority = ? and id > ?)` alone makes
// it gather every case below the cursor and sort them: timed too, for the note).
const baseSecond = db.prepare(
  `select ${COLS} from cases where state in ('open', 'escalated') and priority <= ? and (priority < ? or id > ?) order by priority desc, id asc limit ?`,
);
const naiveSecond = db.prepare(
  `select ${COLS} from cases where state in ('open', 'escalated') and (priority < ? or (priority = ? and id > ?)) order by priority desc, id asc limit ?`,
);
const last = first.cases[LIMIT - 1]!;
const lastId = Number(last.id.slice(1));

// The baseline must find the same pages.
const same = (rows: { id: number }[], views: { id: string }[]) => rows.length === views.length && rows.every((r, i) => `k${r.id}` === views[i]!.id);
const bf = baseFirst.all(LIMIT + 1) as { id: number }[];
const bfl = baseFiltered.all('%"scam"%', LIMIT + 1) as { id: number }[];
const bs = baseSecond.all(last.priority, last.priority, lastId, LIMIT + 1) as { id: number }[];
if (!same(bf.slice(0, LIMIT), first.cases) || !same(bfl.slice(0, LIMIT), filtered.cases) || !same(bs.slice(0, LIMIT), second.cases)) {
  throw new Error('baseline and listCases disagree on a page');
}

const baseFirstMs = await time(() => baseFirst.all(LIMIT + 1));
const baseFilteredMs = await time(() => baseFiltered.all('%"scam"%', LIMIT + 1));
const baseSecondMs = await time(() => baseSecond.all(last.priority, last.priority, lastId, LIMIT + 1));
const naiveSecondMs = await time(() => naiveSecond.all(last.priority, last.priority, lastId, LIMIT + 1));
if (!same((naiveSecond.all(last.priority, last.priority, lastId, LIMIT + 1) as { id: number }[]).slice(0, LIMIT), second.cases))
  throw new Error('naive second page differs');

// The plans SQLite chose for the queries listCases really ran (captured from the store), for the reader.
async function plan(f: Parameters<typeof listCases>[1]): Promise<string> {
  let seen: CompiledQuery | undefined;
  const all = store.all.bind(store);
  const spy = store as unknown as { all: (q: Compilable | CompiledQuery) => Promise<unknown[]> };
  spy.all = (q) => {
    seen = compiled(q);
    return all(q);
  };
  try {
    await listCases(e, f, NOW);
  } finally {
    delete (spy as { all?: unknown }).all; // back to the prototype's method
  }
  return (db.prepare(`explain query plan ${seen!.sql}`).all(...(seen!.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail).join('; ');
}
const planFirst = await plan({ limit: LIMIT });
const planFiltered = await plan({ limit: LIMIT, state: 'escalated', reason: 'scam' });
const planSecond = await plan({ limit: LIMIT, cursor: first.nextCursor });

const rows: [string, number[], number[], string][] = [
  ['queue first page (limit 50), median of 20', firstMs, baseFirstMs, `open+escalated of ${CASES.toLocaleString('en')} cases; plan: ${planFirst}`],
  ['queue filtered (state=escalated, reason=scam), median of 20', filteredMs, baseFilteredMs, `${escalatedScam} matching cases; plan: ${planFiltered}`],
  [
    'queue second page via cursor, median of 20',
    secondMs,
    baseSecondMs,
    `cursor of the first page; plan: ${planSecond}; the textbook OR form of the cursor condition takes ${median(naiveSecondMs).toFixed(1)} ms (median)`,
  ],
];
for (const [name, xs, base, note] of rows) {
  const v = median(xs);
  const b = median(base);
  result({
    name,
    value: v,
    unit: 'ms',
    baseline: b,
    ratio: v / b,
    target: `≤ ${TARGET_MS} ms`,
    pass: v <= TARGET_MS,
    note: `${note}; min ${Math.min(...xs).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms; baseline: hand-written SQL through better-sqlite3`,
  });
}
table(
  `Moderation queue: ${CASES.toLocaleString('en')} cases (${open.toLocaleString('en')} open, ${escalated.toLocaleString('en')} escalated), page of ${LIMIT}`,
  [
    `bulk insert ${(insertMs / 1000).toFixed(1)} s; total ${((performance.now() - t0) / 1000).toFixed(0)} s; ratio = banya / baseline (lower is better)`,
    `plan (first page): ${planFirst}`,
  ],
);
await store.close();
