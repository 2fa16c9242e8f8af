/**
 * The persisted send path, in-process.
 *
 * banya: the app (createApp) on a fresh data folder, manual clock, rate limits off; accounts
 * created and contacts saved through the platform (createAccount, addContact). Then
 * `sendMessage` — resolve, gate, message row, private chat row the first time (and the
 * "has written" mark on a side's first message), robots' counters — is called with
 * BENCH_CONCURRENCY sends in flight: the store's group commit puts every write of an event-loop
 * turn in one transaction. 95% of messages go to a mutual contact, 5% are cold (to someone who
 * has not saved the sender; at most a few per sender, below every robot threshold). The send
 * is acknowledged only once its transaction committed (durability `process`: WAL,
 * synchronous=NORMAL). Timed: CPU time of this process (the headline, as bench/gate.ts, so that
 * other work on a shared machine does not count) and wall clock from the first send to the last
 * acknowledgement.
 *
 * Baseline: raw better-sqlite3 on a second data folder migrated the same way (same schema and
 * indexes, same pragmas): the very rows banya wrote (read back from its database — chats
 * inserted at their first message, the other side's "has written" update, the event row that
 * goes with each of those, messages), through
 * prepared statements, one BEGIN IMMEDIATE … COMMIT per batch, with exactly the batch
 * boundaries banya's group commit produced. Row data is built before timing.
 *
 * Run: node --expose-gc --import tsx bench/send-path.ts
 */
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sendMessage } from '../src/platform/messages.js';
import { DB_FILE, SqliteStore } from '../src/store/sqlite.js';
import { benchApp, envInt, fmt, gc, log, median, populate, result, rng, scratchDir, table } from './_lib.js';

const ACCOUNTS = envInt('BENCH_ACCOUNTS', 5_000);
const DEGREE = envInt('BENCH_DEGREE', 5); // ring neighbours each side: 10 mutual contacts
const SENDS = envInt('BENCH_SENDS', 300_000);
const WARMUP = envInt('BENCH_WARMUP', 30_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 1_000);
const TARGET = 50_000;
const COLD_SHARE = 0.05;
const COLD_PER_SENDER = 4;

const t0 = performance.now();
const dirA = scratchDir('send');
const dirB = scratchDir('send-raw');

const app = await benchApp(dirA, process.env.BENCH_ROBOT_MEMORY_DAYS ? { robotMemoryDays: Number(process.env.BENCH_ROBOT_MEMORY_DAYS) } : {});
const p = app.platform;
const pop = await populate(p, ACCOUNTS, DEGREE);
log('send-path', `${ACCOUNTS} accounts, ${ACCOUNTS * DEGREE * 2} contact edges set up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// ---- the sends, decided before timing ------------------------------------------------------
const rand = rng(7);
const TEXTS = ['Hi! How are you?', 'See you tomorrow', 'Did you get the photos?', 'Call me when you can', 'Thanks!', 'On my way', 'What time is dinner?', 'ok'];
const total = WARMUP + SENDS;
const from = new Int32Array(total);
const to = new Int32Array(total);
const texts: string[] = new Array(total);
const coldSent = new Uint8Array(ACCOUNTS);
let colds = 0;
for (let i = 0; i < total; i++) {
  const s = i % ACCOUNTS;
  let t: number;
  if (rand() < COLD_SHARE && coldSent[s]! < COLD_PER_SENDER) {
    // Someone far away on the ring: not a contact either way, and (mostly) never written to.
    t = (s + ACCOUNTS / 2 + Math.floor(rand() * (ACCOUNTS / 4))) % ACCOUNTS;
    coldSent[s]!++;
    colds++;
  } else {
    const m = pop.mutual[s]!;
    t = m[Math.floor(rand() * m.length)]!;
  }
  from[i] = pop.ids[s]!;
  to[i] = pop.ids[t]!;
  texts[i] = TEXTS[Math.floor(rand() * TEXTS.length)]!;
}
const targets = Array.from(to, (b) => ({ accountId: `u${b}` }));

// Group-commit batches: at each COMMIT, every message id handed out so far is in it or earlier
// (sendMessage allocates the id and queues its write in the same synchronous step).
const sqliteA = (p.store as SqliteStore).sqlite;
const boundaries: number[] = [];
const exec = sqliteA.exec.bind(sqliteA);
sqliteA.exec = ((sql: string) => {
  const r = exec(sql);
  if (sql === 'COMMIT') boundaries.push(p.ids.peek('messages'));
  return r;
}) as typeof sqliteA.exec;
// The whole-batch path commits through a prepared COMMIT, not exec.
const preparedCommit = (p.store as unknown as { tx: { commit: { run: () => unknown } } }).tx.commit;
const commitRun = preparedCommit.run.bind(preparedCommit);
preparedCommit.run = () => {
  const r = commitRun();
  boundaries.push(p.ids.peek('messages'));
  return r;
};

let denied = 0;
async function sendRange(start: number, end: number): Promise<number> {
  let next = start;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= end) return;
      try {
        await sendMessage(p, from[i]!, targets[i]!, texts[i]!);
      } catch {
        denied++;
      }
    }
  };
  const t = performance.now();
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, end - start) }, worker));
  return performance.now() - t;
}

const firstId = p.ids.peek('messages') + 1;
await sendRange(0, WARMUP);
const timedFirstId = p.ids.peek('messages') + 1;
const commitsBefore = boundaries.length;
gc();
const cpu0 = process.cpuUsage();
const banyaMs = await sendRange(WARMUP, total);
const cpu = process.cpuUsage(cpu0);
const lastId = p.ids.peek('messages');
const timedCommits = boundaries.length - commitsBefore;
const timedBatches = boundaries.slice(commitsBefore).map((b, k, xs) => b - (k === 0 ? (boundaries[commitsBefore - 1] ?? timedFirstId - 1) : xs[k - 1]!));
if (denied > 0) throw new Error(`${denied} sends were denied`);
const banyaRate = SENDS / (banyaMs / 1000);
log(
  'send-path',
  `banya: ${SENDS} sends in ${banyaMs.toFixed(0)} ms (${fmt(banyaRate)}/s), ${timedCommits} commits, median batch ${median(timedBatches)} messages`,
);

// ---- what banya wrote, read back ------------------------------------------------------------------
interface Op {
  kind: 0 | 1 | 2 | 3 | 4; // 0 insert chat, 1 mark low wrote, 2 mark high wrote, 3 insert message, 4 its event
  a: (number | string)[];
}
const msgs = sqliteA
  .prepare(
    'select m.id, m.chat_id, m.from_id, m.text, m.sent_at, c.peer_low, c.peer_high, c.created_at from messages m join chats c on c.id = m.chat_id where m.id >= ? and m.id <= ? order by m.id',
  )
  .all(firstId, lastId) as {
  id: number;
  chat_id: number;
  from_id: number;
  text: string;
  sent_at: number;
  peer_low: number;
  peer_high: number;
  created_at: number;
}[];
const walBytes = fs.existsSync(path.join(dirA, `${DB_FILE}-wal`)) ? fs.statSync(path.join(dirA, `${DB_FILE}-wal`)).size : 0;
await app.close();
if (msgs.length !== lastId - firstId + 1) throw new Error('messages read back do not match');
/** The event row banya writes with a chat's creation and with a side's first message (same shape). */
function eventOp(type: string, m: { chat_id: number; from_id: number; peer_low: number; peer_high: number; sent_at: number }): Op {
  const other = m.from_id === m.peer_low ? m.peer_high : m.peer_low;
  return { kind: 4, a: [m.sent_at, type, 'account', `u${m.from_id}`, m.from_id, JSON.stringify({ chatId: m.chat_id, by: m.from_id, other })] };
}
const batches: Op[][] = [];
const wrote = new Map<number, number>(); // chat → bits: 1 low wrote, 2 high wrote
let batch: Op[] = [];
let b = boundaries.findIndex((x) => x >= firstId);
let chatsInserted = 0;
let marks = 0;
for (const m of msgs) {
  while (m.id > boundaries[b]!) {
    batches.push(batch);
    batch = [];
    b++;
  }
  const bit = m.from_id === m.peer_low ? 1 : 2;
  const bits = wrote.get(m.chat_id);
  if (bits === undefined) {
    wrote.set(m.chat_id, bit);
    batch.push({ kind: 0, a: [m.chat_id, m.peer_low, m.peer_high, m.from_id, bit === 1 ? 1 : 0, bit === 2 ? 1 : 0, m.created_at] });
    batch.push(eventOp('chat_started', m));
    chatsInserted++;
  } else if (!(bits & bit)) {
    wrote.set(m.chat_id, bits | bit);
    batch.push({ kind: bit === 1 ? 1 : 2, a: [m.chat_id] });
    batch.push(eventOp('chat_written', m));
    marks++;
  }
  batch.push({ kind: 3, a: [m.id, m.chat_id, m.from_id, m.text, m.sent_at] });
}
if (batch.length) batches.push(batch);
const timedFrom = batches.findIndex((ops) => ops.some((o) => o.kind === 3 && (o.a[0] as number) >= timedFirstId));

// ---- baseline: raw better-sqlite3, same schema, same batches ----------------------------------------------
await (await SqliteStore.open(dirB, { durability: 'process' })).close();
const raw = new BetterSqlite3(path.join(dirB, DB_FILE));
raw.pragma('journal_mode = WAL');
raw.pragma('synchronous = NORMAL');
raw.pragma('foreign_keys = OFF');
const stmts = [
  raw.prepare(
    `insert into chats (id, kind, title, public, owner_id, peer_low, peer_high, started_by, low_wrote, high_wrote, created_at) values (?, 'private', null, 0, null, ?, ?, ?, ?, ?, ?)`,
  ),
  raw.prepare('update chats set low_wrote = 1 where id = ?'),
  raw.prepare('update chats set high_wrote = 1 where id = ?'),
  raw.prepare('insert into messages (id, chat_id, from_id, text, buttons, sent_at) values (?, ?, ?, ?, null, ?)'),
  raw.prepare('insert into events (at, type, actor_kind, actor_id, account_id, payload) values (?, ?, ?, ?, ?, ?)'),
];
function replay(ops: Op[][]): number {
  const t = performance.now();
  for (const ops1 of ops) {
    raw.exec('BEGIN IMMEDIATE');
    for (const o of ops1) stmts[o.kind]!.run(...o.a);
    raw.exec('COMMIT');
  }
  return performance.now() - t;
}
replay(batches.slice(0, timedFrom)); // the warm-up's rows, untimed
gc();
const rawCpu0 = process.cpuUsage();
const rawMs = replay(batches.slice(timedFrom));
const rawCpu = process.cpuUsage(rawCpu0);
raw.close();
const rawRate = SENDS / (rawMs / 1000);
const cpuSec = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const banyaCpuRate = SENDS / cpuSec(cpu);
const rawCpuRate = SENDS / cpuSec(rawCpu);
const batchSizes = `batches: ${timedCommits} commits, messages per commit median ${median(timedBatches)}, max ${Math.max(...timedBatches)}, mean ${(SENDS / timedCommits).toFixed(0)}`;

const common =
  `${SENDS.toLocaleString('en')} sends after ${WARMUP.toLocaleString('en')} warm-up, ${CONCURRENCY} in flight, ${ACCOUNTS} accounts with ${DEGREE * 2} mutual contacts each, ${((100 * colds) / total).toFixed(1)}% cold; ` +
  `${batchSizes}; rows: ${chatsInserted} chats inserted, ${marks} has-written updates, as many events, ${msgs.length} messages (warm-up included); ` +
  `banya's WAL file at the end ${(walBytes / 2 ** 20).toFixed(1)} MB (its checkpoints run on a worker thread, whose CPU counts in banya's figure); ` +
  `baseline: raw better-sqlite3 prepared statements writing the same rows in the same batches, same schema and pragmas (SQLite's own checkpoints, inside COMMIT)`;
result({
  name: 'send path: sendMessage persisted (messages per CPU-second)',
  value: banyaCpuRate,
  unit: 'messages/s',
  baseline: rawCpuRate,
  ratio: banyaCpuRate / rawCpuRate,
  target: `≥ ${TARGET.toLocaleString('en')} messages/s`,
  pass: banyaCpuRate >= TARGET,
  note: `CPU time of this process (so that other work on a shared machine does not count); ${common}`,
});
result({
  name: 'send path: sendMessage persisted (messages/s, wall clock)',
  value: banyaRate,
  unit: 'messages/s',
  baseline: rawRate,
  ratio: banyaRate / rawRate,
  target: '',
  pass: true,
  note: `wall clock from the first send to the last acknowledgement (includes waiting on I/O, and any other load on the machine: load average ${os.loadavg()[0]!.toFixed(2)}); ${common}`,
});
table('Send path (in-process, persisted, group commit) vs raw better-sqlite3 batched inserts', [
  batchSizes,
  `banya ${banyaMs.toFixed(0)} ms wall / ${(cpuSec(cpu) * 1000).toFixed(0)} ms CPU, raw ${rawMs.toFixed(0)} ms wall / ${(cpuSec(rawCpu) * 1000).toFixed(0)} ms CPU for ${SENDS.toLocaleString('en')} messages; total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
]);
