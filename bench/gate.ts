/**
 * The send gate at platform scale (RULES.md §2 rows 1–7).
 *
 * Builds the real in-memory GateIndex for 1,000,000 accounts and 20,000,000 directed contact
 * edges, and beside it a BASELINE: the plainest structure that can decide the rows both share
 * (a CSR adjacency in two typed arrays, a status byte and a limit end per account) with a plainly
 * written `mayMessage`. Both decide the same pre-generated queries; the bench checks that they
 * agree, then reports decisions per second for each, their ratio, and the index's memory.
 *
 * What the baseline decides (and nothing more):
 *   row 1  A is banned                                → USER_DEACTIVATED_BAN
 *   row 2  A is frozen and B is not SpamBot           → FROZEN_METHOD_INVALID
 *   row 3  B is banned, frozen or deleted             → INPUT_USER_DEACTIVATED
 *          B is SpamBot or support                    → allowed (exempt from rows 4–8)
 *   row 6  A is limited (limit end > now) and A, B are not mutual contacts
 *          (binary search in A's list, then in B's)   → PEER_FLOOD
 * It does not know blocks (rows 4–5), the "B has written to A" exemption of row 6, or B's
 * new-chats privacy (row 7): those need pair lookups a plain CSR does not have.
 *
 * Agreement: from the baseline's decision and the generator's own record of blocks, private
 * chats, has-written facts and privacy, the bench derives what the full gate must answer; any
 * query where gateSend answers otherwise is a disagreement (must be 0).
 *
 * The world (seeded, so every run builds the same one): 80% of contact pairs saved both ways, a
 * skewed popularity (half the endpoints uniform, half favouring a few thousand popular accounts);
 * 3% of accounts limited (a quarter without end), 0.7% banned, frozen or deleted; 0.2 blocks and
 * 2 private chats per account (70% between contacts, 10% a stranger writing to a limited account
 * first); 5% of accounts accept new chats from contacts only. The queries: 30% to a contact,
 * 15% to someone who saved the sender, 25% to strangers, 12% from limited senders, 8% inside an
 * existing private chat, 4% on a blocked pair, 4% involving a banned/frozen/deleted account, 2%
 * to SpamBot or support.
 *
 * Timing: after a warm-up, each round runs the whole list through both, taking turns on chunks
 * of it so that changes in the machine's load hit both alike, and counts CPU time (this process's
 * user + system time), not wall time, so that other work on a shared machine does not count.
 * Reported: the median over rounds of each one's decisions per CPU-second, and the median of the
 * rounds' own ratios. Wall-clock rates are printed beside them.
 *
 * Memory: index.bytes (its typed arrays), and the growth of heap + external memory across the
 * build (after a full GC; needs --expose-gc), which also counts the maps of phones, usernames and
 * restrictions. The larger of the two is held against the target.
 *
 * Run: node --expose-gc --import tsx bench/gate.ts   (bench/run.ts does this)
 * Sizes can be lowered for a quick try: BENCH_ACCOUNTS, BENCH_EDGES, BENCH_QUERIES, BENCH_ROUNDS.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Code } from '../src/domain/codes.js';
import { Audience, Flag, gateSend } from '../src/domain/gate.js';
import { ContactGraph } from '../src/memory/contact-graph.js';
import { GateIndex } from '../src/memory/gate-index.js';

const ACCOUNTS = envInt('BENCH_ACCOUNTS', 1_000_000);
const EDGES = envInt('BENCH_EDGES', 20_000_000);
const QUERIES = envInt('BENCH_QUERIES', 10_000_000);
const ROUNDS = envInt('BENCH_ROUNDS', 5);
const SEED = envInt('BENCH_SEED', 0x5eed);

const RATIO_TARGET = 0.5;
const MEMORY_TARGET_MB = 512;

/** Share of generated contact pairs saved by both sides. */
const MUTUAL_PAIRS = 0.8;
const BLOCKS = Math.round(ACCOUNTS * 0.2);
const PRIVATE_CHATS = Math.round(ACCOUNTS * 2);
/** Share of accounts letting only contacts start a chat with them (row 7). */
const CONTACTS_ONLY = 0.05;
const USERNAMES = 0.3;

const NOW = Date.UTC(2025, 5, 1);
const DAY = 24 * 3600_000;
const MB = 1024 * 1024;

const SPAMBOT = 1;
const SUPPORT = 2;

// ---- deterministic randomness -------------------------------------------------

let rngState = SEED | 0;
/** mulberry32: a uint32 per call. */
function u32(): number {
  let t = (rngState = (rngState + 0x6d2b79f5) | 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}
function rand(): number {
  return u32() / 4294967296;
}
function randInt(n: number): number {
  return Math.floor(rand() * n);
}

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

function log(msg: string): void {
  process.stderr.write(`[gate] ${msg}\n`);
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

function heapAndExternal(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const t0 = performance.now();

// ---- accounts -----------------------------------------------------------------------
// Ids 1..ACCOUNTS (0 is never an account). Account 1 is SpamBot, 2 is support.

const N = ACCOUNTS;
const CAP = N + 1;
/** Power of two above every id, so that (a, b) packs into one double as a * SHIFT + b. */
let SHIFT = 1;
while (SHIFT <= N) SHIFT *= 2;

const State = { FREE: 0, LIMITED: 1, BANNED: 2, FROZEN: 3, DELETED: 4 } as const;
const accountState = new Uint8Array(CAP);
const limitEnd = new Float64Array(CAP);
const contactsOnly = new Uint8Array(CAP);
const limited: number[] = [];
const special: number[] = [];
for (let a = 3; a <= N; a++) {
  const r = rand();
  if (r < 0.003) accountState[a] = State.BANNED;
  else if (r < 0.005) accountState[a] = State.FROZEN;
  else if (r < 0.007) accountState[a] = State.DELETED;
  else if (r < 0.037) {
    accountState[a] = State.LIMITED;
    // Most limits end (report limits run for days), a quarter are permanent.
    limitEnd[a] = rand() < 0.75 ? NOW + (1 + randInt(30)) * DAY : Infinity;
    limited.push(a);
  }
  if (accountState[a] !== State.FREE && accountState[a] !== State.LIMITED) special.push(a);
  if (rand() < CONTACTS_ONLY) contactsOnly[a] = 1;
}

/** Popularity: half the picks uniform, half skewed so a few accounts gather thousands of contacts. */
const byPopularity = new Int32Array(N);
for (let i = 0; i < N; i++) byPopularity[i] = i + 1;
for (let i = N - 1; i > 0; i--) {
  const j = randInt(i + 1);
  const t = byPopularity[i]!;
  byPopularity[i] = byPopularity[j]!;
  byPopularity[j] = t;
}
function popular(): number {
  const u = rand();
  return byPopularity[Math.floor(N * (rand() < 0.5 ? u : u * u))]!;
}
function anyAccount(): number {
  return 1 + randInt(N);
}

// ---- contact edges ------------------------------------------------------------------
// Pairs of accounts; most pairs saved both ways, the rest one way. Packed, sorted, deduplicated,
// then thinned to exactly EDGES by selection sampling (which turns a few mutual pairs one-way).

function generateEdges(): { owners: Int32Array; targets: Int32Array } {
  const pairsWanted = Math.ceil((EDGES / (1 + MUTUAL_PAIRS)) * 1.03);
  const keys = new Float64Array(pairsWanted * 2);
  let k = 0;
  for (let p = 0; p < pairsWanted; p++) {
    const u = popular();
    const v = popular();
    if (u === v) continue;
    keys[k++] = u * SHIFT + v;
    if (rand() < MUTUAL_PAIRS) keys[k++] = v * SHIFT + u;
  }
  const sorted = keys.subarray(0, k).sort();
  let unique = 0;
  for (let i = 0; i < k; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i]!;
  if (unique < EDGES) throw new Error(`generated ${unique} distinct edges, fewer than ${EDGES}`);
  const owners = new Int32Array(EDGES);
  const targets = new Int32Array(EDGES);
  let kept = 0;
  for (let i = 0; i < unique && kept < EDGES; i++) {
    if (rand() * (unique - i) < EDGES - kept) {
      const key = sorted[i]!;
      const owner = Math.floor(key / SHIFT);
      owners[kept] = owner;
      targets[kept] = key - owner * SHIFT;
      kept++;
    }
  }
  return { owners, targets };
}
const { owners, targets } = generateEdges();

// ---- the baseline: CSR over typed arrays -------------------------------------------

const B_BANNED = 1;
const B_FROZEN = 2;
const B_DELETED = 4;
const B_SPAMBOT = 8;
const B_SUPPORT = 16;

interface Baseline {
  /** Contacts of a are targets[offsets[a] .. offsets[a + 1]), ascending. */
  offsets: Int32Array;
  targets: Int32Array;
  state: Uint8Array;
  limitEnd: Float64Array;
}

function buildBaseline(): Baseline {
  const offsets = new Int32Array(CAP + 1);
  for (let i = 0; i < EDGES; i++) offsets[owners[i]! + 1]!++;
  for (let a = 0; a < CAP; a++) offsets[a + 1]! += offsets[a]!;
  const state = new Uint8Array(CAP);
  state[SPAMBOT] = B_SPAMBOT;
  state[SUPPORT] = B_SUPPORT;
  for (let a = 3; a <= N; a++) {
    const s = accountState[a]!;
    state[a] = s === State.BANNED ? B_BANNED : s === State.FROZEN ? B_FROZEN : s === State.DELETED ? B_DELETED : 0;
  }
  return { offsets, targets: targets.slice(), state, limitEnd: limitEnd.slice() };
}

function hasContact(bl: Baseline, owner: number, other: number): boolean {
  let lo = bl.offsets[owner]!;
  let hi = bl.offsets[owner + 1]! - 1;
  const t = bl.targets;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = t[mid]!;
    if (v === other) return true;
    if (v < other) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Rows 1, 2, 3 and 6 (without has-written) of RULES.md §2; 0 allows. */
function mayMessage(bl: Baseline, a: number, b: number, now: number): number {
  const sa = bl.state[a]!;
  const sb = bl.state[b]!;
  if (sa & B_BANNED) return Code.USER_DEACTIVATED_BAN;
  if (sa & B_FROZEN && !(sb & B_SPAMBOT)) return Code.FROZEN_METHOD_INVALID;
  if (sb & (B_BANNED | B_FROZEN | B_DELETED)) return Code.INPUT_USER_DEACTIVATED;
  if (sb & (B_SPAMBOT | B_SUPPORT)) return 0;
  if (bl.limitEnd[a]! > now && !(hasContact(bl, a, b) && hasContact(bl, b, a))) return Code.PEER_FLOOD;
  return 0;
}

const baseline = buildBaseline();

function randomContactOf(a: number): number {
  const s = baseline.offsets[a]!;
  const n = baseline.offsets[a + 1]! - s;
  return n === 0 ? 0 : baseline.targets[s + randInt(n)]!;
}

// ---- blocks and private chats (the gate's extra facts, recorded for the check) -------

const blockA = new Int32Array(BLOCKS);
const blockB = new Int32Array(BLOCKS);
const blocked = new Set<number>();
for (let i = 0; i < BLOCKS; ) {
  // Half block someone they had saved, half a stranger.
  let a: number;
  let b: number;
  if (rand() < 0.5) {
    const e = randInt(EDGES);
    a = owners[e]!;
    b = targets[e]!;
  } else {
    a = anyAccount();
    b = popular();
  }
  if (a === b || blocked.has(a * SHIFT + b)) continue;
  blocked.add(a * SHIFT + b);
  blockA[i] = a;
  blockB[i] = b;
  i++;
}

const chatLow = new Int32Array(PRIVATE_CHATS + 1);
const chatHigh = new Int32Array(PRIVATE_CHATS + 1);
const chatBits = new Uint8Array(PRIVATE_CHATS + 1); // bit 0: low wrote, bit 1: high wrote
const chats = new Set<number>();
const written = new Set<number>(); // author * SHIFT + other
for (let c = 1; c <= PRIVATE_CHATS; ) {
  // Most chats are between contacts; some are strangers writing to a limited account first
  // (the case row 6's has-written exemption is for); the rest strangers.
  let a: number;
  let b: number;
  const r = rand();
  if (r < 0.7) {
    const e = randInt(EDGES);
    a = owners[e]!;
    b = targets[e]!;
  } else if (r < 0.8 && limited.length > 0) {
    a = anyAccount();
    b = limited[randInt(limited.length)]!;
  } else {
    a = anyAccount();
    b = popular();
  }
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  if (a === b || chats.has(low * SHIFT + high)) continue;
  chats.add(low * SHIFT + high);
  // a opened the chat; b answered in 60% of chats; 3% of chats hold no message any more.
  const aWrote = rand() >= 0.03;
  const bWrote = aWrote && rand() < 0.6;
  if (aWrote) written.add(a * SHIFT + b);
  if (bWrote) written.add(b * SHIFT + a);
  chatLow[c] = low;
  chatHigh[c] = high;
  chatBits[c] = ((a === low ? aWrote : bWrote) ? 1 : 0) | ((a === high ? aWrote : bWrote) ? 2 : 0);
  c++;
}

// ---- queries ------------------------------------------------------------------------

const qa = new Int32Array(QUERIES);
const qb = new Int32Array(QUERIES);
const chatList = Array.from(chats);
for (let i = 0; i < QUERIES; i++) {
  let a: number;
  let b: number;
  const r = rand();
  if (r < 0.3) {
    // A writes to someone A saved (usually mutual)
    const e = randInt(EDGES);
    a = owners[e]!;
    b = targets[e]!;
  } else if (r < 0.45) {
    // A writes to someone who saved A
    const e = randInt(EDGES);
    a = targets[e]!;
    b = owners[e]!;
  } else if (r < 0.7) {
    // strangers
    a = anyAccount();
    b = popular();
  } else if (r < 0.82) {
    // a limited sender, to a contact or a stranger
    a = limited.length ? limited[randInt(limited.length)]! : anyAccount();
    b = (rand() < 0.5 && randomContactOf(a)) || popular();
  } else if (r < 0.9) {
    // either side of an existing private chat
    const key = chatList[randInt(chatList.length)]!;
    const low = Math.floor(key / SHIFT);
    const high = key - low * SHIFT;
    [a, b] = rand() < 0.5 ? [low, high] : [high, low];
  } else if (r < 0.94) {
    // a blocked pair, either way round
    const j = randInt(BLOCKS);
    [a, b] = rand() < 0.5 ? [blockA[j]!, blockB[j]!] : [blockB[j]!, blockA[j]!];
  } else if (r < 0.98) {
    // a banned, frozen or deleted account on one side
    const s = special.length ? special[randInt(special.length)]! : anyAccount();
    [a, b] = rand() < 0.5 ? [s, popular()] : [popular(), s];
  } else {
    // to SpamBot or support, from anyone (frozen accounts may write to SpamBot)
    a = rand() < 0.3 && special.length ? special[randInt(special.length)]! : anyAccount();
    b = rand() < 0.7 ? SPAMBOT : SUPPORT;
  }
  if (a === b) b = a === N ? 1 : a + 1;
  qa[i] = a;
  qb[i] = b;
}

log(
  `generated ${N} accounts, ${EDGES} edges, ${BLOCKS} blocks, ${PRIVATE_CHATS} private chats, ${QUERIES} queries in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// ---- the real index ---------------------------------------------------------------------

function buildIndex(): GateIndex {
  const index = new GateIndex(CAP, PRIVATE_CHATS + 1, ContactGraph.fromSorted(owners, targets, EDGES, CAP));
  for (let a = 1; a <= N; a++) {
    const sys = a === SPAMBOT ? Flag.SPAMBOT : a === SUPPORT ? Flag.SUPPORT : 0;
    // Every account has a number; some a username (the index resolves both).
    index.putAccount(a, 79_000_000_000 + a, rand() < USERNAMES ? `user${a}` : null, sys);
    if (contactsOnly[a]) {
      index.setPrivacy(a, {
        findByPhone: Audience.EVERYBODY,
        phoneVisibility: Audience.CONTACTS,
        chatInvites: Audience.EVERYBODY,
        newChats: Audience.CONTACTS,
      });
    }
    const s = accountState[a]!;
    if (s === State.LIMITED) {
      const until = limitEnd[a]!;
      index.setRestriction(a, { state: 'limited', kind: 'report', until: until === Infinity ? null : until, publicGroupsBan: false }, until);
    } else if (s === State.BANNED) {
      index.setRestriction(a, { state: 'banned', kind: 'spam', publicGroupsBan: false }, 0);
    } else if (s === State.FROZEN) {
      index.setRestriction(a, { state: 'frozen', kind: 'scam', deleteAt: NOW + 14 * DAY, publicGroupsBan: false }, 0);
    } else if (s === State.DELETED) {
      index.markDeleted(a, 79_000_000_000 + a, null);
    }
  }
  for (let i = 0; i < BLOCKS; i++) index.blocks.set(blockA[i]!, blockB[i]!, 1);
  for (let c = 1; c <= PRIVATE_CHATS; c++) {
    index.putPrivateChat(c, chatLow[c]!, chatHigh[c]!, (chatBits[c]! & 1) !== 0, (chatBits[c]! & 2) !== 0);
  }
  return index;
}

gc();
const memBefore = heapAndExternal();
const rssBefore = process.memoryUsage().rss;
const tb = performance.now();
const index = buildIndex();
const buildMs = performance.now() - tb;
gc();
const heapDelta = heapAndExternal() - memBefore;
const rssDelta = process.memoryUsage().rss - rssBefore;
const indexBytes = index.bytes;
log(
  `index built in ${(buildMs / 1000).toFixed(1)} s: ${(indexBytes / MB).toFixed(0)} MB in typed arrays, heap+external delta ${(heapDelta / MB).toFixed(0)} MB`,
);

// ---- agreement ----------------------------------------------------------------------------

/** What the full gate must answer, from the baseline's decision and the generator's records. */
function expected(a: number, b: number): number {
  const base = mayMessage(baseline, a, b, NOW);
  if (base === Code.USER_DEACTIVATED_BAN || base === Code.FROZEN_METHOD_INVALID || base === Code.INPUT_USER_DEACTIVATED) return base;
  if (b === SPAMBOT || b === SUPPORT) return 0;
  if (blocked.has(a * SHIFT + b)) return Code.YOU_BLOCKED_USER;
  if (blocked.has(b * SHIFT + a)) return Code.USER_IS_BLOCKED;
  if (base === Code.PEER_FLOOD && !written.has(b * SHIFT + a)) return Code.PEER_FLOOD;
  if (contactsOnly[b] && !hasContact(baseline, b, a) && !chats.has(Math.min(a, b) * SHIFT + Math.max(a, b))) return Code.USER_PRIVACY_RESTRICTED;
  return 0;
}

let disagreements = 0;
let blockFirst = 0; // baseline PEER_FLOOD, gate stops earlier on a block
let hasWrittenAllows = 0; // baseline PEER_FLOOD, gate allows: B has written to A
let gateOnlyDenials = 0; // baseline allows, gate denies on row 4, 5 or 7
const gateCodes = new Map<number, number>();
const baseCodes = new Map<number, number>();
for (let i = 0; i < QUERIES; i++) {
  const a = qa[i]!;
  const b = qb[i]!;
  const g = gateSend(index, a, b, NOW);
  const base = mayMessage(baseline, a, b, NOW);
  if (g !== expected(a, b)) {
    if (disagreements < 5) log(`disagreement: ${a} → ${b}: gate ${g}, baseline ${base}, expected ${expected(a, b)}`);
    disagreements++;
  }
  if (base === Code.PEER_FLOOD && (g === Code.YOU_BLOCKED_USER || g === Code.USER_IS_BLOCKED)) blockFirst++;
  if (base === Code.PEER_FLOOD && g === 0) hasWrittenAllows++;
  if (base === 0 && g !== 0) gateOnlyDenials++;
  gateCodes.set(g, (gateCodes.get(g) ?? 0) + 1);
  baseCodes.set(base, (baseCodes.get(base) ?? 0) + 1);
}

// Shape of the generated graph, on a sample of edges.
let reciprocal = 0;
const SAMPLE = Math.min(EDGES, 1_000_000);
for (let i = 0; i < SAMPLE; i++) {
  const e = randInt(EDGES);
  if (hasContact(baseline, targets[e]!, owners[e]!)) reciprocal++;
}
let maxDegree = 0;
for (let a = 1; a <= N; a++) maxDegree = Math.max(maxDegree, baseline.offsets[a + 1]! - baseline.offsets[a]!);

// ---- timing -------------------------------------------------------------------------------

function runGate(ix: GateIndex, as: Int32Array, bs: Int32Array, now: number): number {
  let sum = 0;
  for (let i = 0; i < as.length; i++) sum += gateSend(ix, as[i]!, bs[i]!, now);
  return sum;
}

function runBaseline(bl: Baseline, as: Int32Array, bs: Int32Array, now: number): number {
  let sum = 0;
  for (let i = 0; i < as.length; i++) sum += mayMessage(bl, as[i]!, bs[i]!, now);
  return sum;
}

/** CPU time of this process in ms: on a shared machine it leaves out time spent waiting for a core. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Clock {
  cpu: number;
  wall: number;
  sum: number;
}

function measure(into: Clock, run: () => number): void {
  const w = performance.now();
  const c = cpuMs();
  into.sum += run();
  into.cpu += cpuMs() - c;
  into.wall += performance.now() - w;
}

// Warm up both, then time rounds over the whole list. Within a round the two take turns on
// chunks of it (who goes first alternates), so a change in the machine's load hits both alike.
const CHUNK = 250_000;
const warmA = qa.subarray(0, Math.min(QUERIES, 2_000_000));
const warmB = qb.subarray(0, warmA.length);
for (let w = 0; w < 2; w++) {
  runGate(index, warmA, warmB, NOW);
  runBaseline(baseline, warmA, warmB, NOW);
}
const gateRates: number[] = [];
const baseRates: number[] = [];
const ratios: number[] = [];
const gateWallRates: number[] = [];
const baseWallRates: number[] = [];
let gateSum = 0;
let baseSum = 0;
for (let r = 0; r < ROUNDS; r++) {
  const g: Clock = { cpu: 0, wall: 0, sum: 0 };
  const bl: Clock = { cpu: 0, wall: 0, sum: 0 };
  for (let at = 0, c = 0; at < QUERIES; at += CHUNK, c++) {
    const as = qa.subarray(at, at + CHUNK);
    const bs = qb.subarray(at, at + CHUNK);
    if ((c + r) % 2 === 0) {
      measure(g, () => runGate(index, as, bs, NOW));
      measure(bl, () => runBaseline(baseline, as, bs, NOW));
    } else {
      measure(bl, () => runBaseline(baseline, as, bs, NOW));
      measure(g, () => runGate(index, as, bs, NOW));
    }
  }
  gateRates.push(QUERIES / (g.cpu / 1000));
  baseRates.push(QUERIES / (bl.cpu / 1000));
  ratios.push(bl.cpu / g.cpu);
  gateWallRates.push(QUERIES / (g.wall / 1000));
  baseWallRates.push(QUERIES / (bl.wall / 1000));
  gateSum = g.sum;
  baseSum = bl.sum;
  log(
    `round ${r + 1}/${ROUNDS}: gate ${fmtRate(gateRates[r]!)}/s, baseline ${fmtRate(baseRates[r]!)}/s (CPU time), ratio ${ratios[r]!.toFixed(2)}; ` +
      `wall: gate ${fmtRate(gateWallRates[r]!)}/s, baseline ${fmtRate(baseWallRates[r]!)}/s`,
  );
}
const gateRate = median(gateRates);
const baseRate = median(baseRates);
/** Median of the rounds' own ratios: each compares the two under the same conditions. */
const ratio = median(ratios);
const memoryMB = Math.max(heapDelta, indexBytes) / MB;
const baselineBytes = baseline.offsets.byteLength + baseline.targets.byteLength + baseline.state.byteLength + baseline.limitEnd.byteLength;

// ---- report --------------------------------------------------------------------------------

function fmtRate(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} k`;
}
function pct(n: number): string {
  return `${((100 * n) / QUERIES).toFixed(1)}%`;
}
const codeName = new Map<number, string>([[0, 'ALLOW'], ...Object.entries(Code).map(([name, v]) => [v, name] as [number, string])]);
function mix(m: Map<number, number>): string {
  return [...m.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([c, n]) => `${codeName.get(c)} ${pct(n)}`)
    .join(', ');
}

const gateWall = median(gateWallRates);
const baseWall = median(baseWallRates);
const rows: [string, string, string][] = [
  ['gate decisions/s (CPU time, median)', fmtRate(gateRate), ''],
  ['baseline decisions/s (CPU time, median)', fmtRate(baseRate), ''],
  ['gate / baseline', ratio.toFixed(2), `≥ ${RATIO_TARGET} ${ratio >= RATIO_TARGET ? 'pass' : 'MISS'}`],
  ['  wall clock: gate, baseline', `${fmtRate(gateWall)}, ${fmtRate(baseWall)}`, ''],
  ['index memory (MB)', memoryMB.toFixed(0), `≤ ${MEMORY_TARGET_MB} ${memoryMB <= MEMORY_TARGET_MB ? 'pass' : 'MISS'}`],
  ['  typed arrays (index.bytes)', (indexBytes / MB).toFixed(0), ''],
  ['  heap+external delta of build', (heapDelta / MB).toFixed(0), ''],
  ['  rss delta of build', (rssDelta / MB).toFixed(0), ''],
  ['baseline memory (MB)', (baselineBytes / MB).toFixed(0), ''],
  ['disagreements', String(disagreements), `= 0 ${disagreements === 0 ? 'pass' : 'MISS'}`],
];
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
console.log(
  `\nSend gate: ${N.toLocaleString('en')} accounts, ${EDGES.toLocaleString('en')} contact edges, ${QUERIES.toLocaleString('en')} queries × ${ROUNDS} rounds`,
);
console.log(
  `  graph: ${((100 * reciprocal) / SAMPLE).toFixed(1)}% of edges reciprocal, max ${maxDegree} contacts; ${limited.length} limited, ${special.length} banned/frozen/deleted, ${BLOCKS} blocks, ${PRIVATE_CHATS} private chats`,
);
console.log(`  gate answers:     ${mix(gateCodes)}`);
console.log(`  baseline answers: ${mix(baseCodes)}`);
console.log(
  `  where they differ (expected): block before row 6 ${pct(blockFirst)}, has-written allows ${pct(hasWrittenAllows)}, gate-only denials (rows 4, 5, 7) ${pct(gateOnlyDenials)}`,
);
console.log(
  `  checksums: gate ${gateSum}, baseline ${baseSum}; index build ${(buildMs / 1000).toFixed(1)} s; total ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
);
for (const [name, value, target] of rows) console.log(`  ${name.padEnd(w0)}  ${value.padStart(w1)}  ${target}`);
console.log('');
if (!(globalThis as { gc?: unknown }).gc) log('global.gc is not exposed (run with --expose-gc): the heap delta includes garbage');

const result = {
  bench: 'gate',
  title: 'Send gate (RULES.md §2 rows 1–7) against a plain CSR baseline',
  params: { accounts: N, edges: EDGES, queries: QUERIES, rounds: ROUNDS, seed: SEED, blocks: BLOCKS, privateChats: PRIVATE_CHATS, limited: limited.length },
  figures: [
    { name: 'gate decisions/s (CPU time)', value: Math.round(gateRate), unit: '/s' },
    { name: 'baseline decisions/s (CPU time)', value: Math.round(baseRate), unit: '/s' },
    { name: 'gate / baseline', value: round(ratio, 3), target: RATIO_TARGET, better: 'higher' },
    { name: 'gate decisions/s (wall clock)', value: Math.round(gateWall), unit: '/s' },
    { name: 'baseline decisions/s (wall clock)', value: Math.round(baseWall), unit: '/s' },
    { name: 'index memory', value: round(memoryMB, 1), unit: 'MB', target: MEMORY_TARGET_MB, better: 'lower' },
    { name: 'index typed arrays (index.bytes)', value: round(indexBytes / MB, 1), unit: 'MB' },
    { name: 'heap+external delta of build', value: round(heapDelta / MB, 1), unit: 'MB' },
    { name: 'index build time', value: round(buildMs / 1000, 1), unit: 's' },
    { name: 'baseline memory', value: round(baselineBytes / MB, 1), unit: 'MB' },
    { name: 'disagreements', value: disagreements, target: 0, better: 'lower' },
  ],
  rounds: { ratios: ratios.map((r) => round(r, 3)), gate: gateRates.map(Math.round), baseline: baseRates.map(Math.round) },
  mix: {
    reciprocalEdges: round(reciprocal / SAMPLE, 3),
    maxDegree,
    gate: Object.fromEntries([...gateCodes].map(([c, n]) => [codeName.get(c), round(n / QUERIES, 4)])),
    baseline: Object.fromEntries([...baseCodes].map(([c, n]) => [codeName.get(c), round(n / QUERIES, 4)])),
  },
  gc: Boolean((globalThis as { gc?: unknown }).gc),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  loadavg: os.loadavg().map((x) => round(x, 2)),
  node: process.version,
  seconds: Math.round((performance.now() - t0) / 1000),
};
console.log(`RESULT ${JSON.stringify(result)}`);

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
