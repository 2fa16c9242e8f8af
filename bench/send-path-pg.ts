/**
 * The persisted send path on PostgreSQL against the same on SQLite, in one run.
 *
 * The same world (createAccount, addContact through the platform), the same decided sends
 * (95% to a mutual contact, 5% cold) and the same concurrency as bench/send-path.ts, through
 * `sendMessage` on two apps: one on a fresh data folder (SQLite, the baseline), one on a fresh
 * PostgreSQL database (BANYA_DATABASE_URL's server). Timed per store: CPU time of this process
 * (banya's share), and for PostgreSQL also the CPU time of the server's processes (every child
 * of its postmaster: the writer's and readers' backends, WAL writer, checkpointer), read from
 * /proc, so the server must run on this machine. Ratio: banya's CPU per message on
 * PostgreSQL / on SQLite.
 *
 * Run: BENCH_DATABASE_URL='postgres:///postgres?host=/var/run/postgresql&port=5433' \
 *   node --expose-gc --import tsx bench/send-path-pg.ts
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { App } from '../src/app.js';
import { sendMessage } from '../src/platform/messages.js';
import { benchApp, envInt, fmt, gc, log, populate, result, rng, scratchDir, table } from './_lib.js';

const ACCOUNTS = envInt('BENCH_ACCOUNTS', 5_000);
const DEGREE = envInt('BENCH_DEGREE', 5);
const SENDS = envInt('BENCH_SENDS', 60_000);
const WARMUP = envInt('BENCH_WARMUP', 10_000);
const CONCURRENCY = envInt('BENCH_CONCURRENCY', 1_000);
const COLD_SHARE = 0.05;
const COLD_PER_SENDER = 4;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres:///postgres?host=/var/run/postgresql';
const DB = 'banya_bench_send';

function withDatabase(url: string, db: string): string {
  const m = /^(postgres(?:ql)?:\/\/[^/?#]*)(\/[^?#]*)?(.*)$/.exec(url);
  if (!m) throw new Error(`not a PostgreSQL URL: ${url}`);
  const auth = m[1]!.includes('@') ? m[1]! : m[1]!.replace('://', `://${process.env.PGUSER || 'root'}@`);
  return `${auth}/${db}${m[3] ?? ''}`;
}

async function admin(sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: withDatabase(ADMIN_URL, 'postgres') });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

/** CPU seconds of every process of the PostgreSQL server (children of its postmaster). */
let postmaster = 0;
function serverCpu(): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(f[1]);
    if (Number(pid) !== postmaster && ppid !== postmaster) continue;
    total += (Number(f[11]) + Number(f[12])) / tick;
  }
  return total;
}

const rand = rng(7);
const TEXTS = ['Hi! How are you?', 'See you tomorrow', 'Did you get the photos?', 'Call me when you can', 'Thanks!', 'On my way', 'What time is dinner?', 'ok'];

async function run(app: App, label: string, measureServer: boolean) {
  const p = app.platform;
  const t0 = performance.now();
  const pop = await populate(p, ACCOUNTS, DEGREE);
  log('send-path-pg', `${label}: ${ACCOUNTS} accounts set up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const total = WARMUP + SENDS;
  const from = new Int32Array(total);
  const to = new Int32Array(total);
  const coldSent = new Uint8Array(ACCOUNTS);
  for (let i = 0; i < total; i++) {
    const s = i % ACCOUNTS;
    let t: number;
    if (rand() < COLD_SHARE && coldSent[s]! < COLD_PER_SENDER) {
      t = (s + ACCOUNTS / 2 + Math.floor(rand() * (ACCOUNTS / 4))) % ACCOUNTS;
      coldSent[s]!++;
    } else {
      const m = pop.mutual[s]!;
      t = m[Math.floor(rand() * m.length)]!;
    }
    from[i] = pop.ids[s]!;
    to[i] = pop.ids[t]!;
  }
  let denied = 0;
  const sendRange = async (start: number, end: number) => {
    let next = start;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= end) return;
        try {
          await sendMessage(p, from[i]!, { accountId: `u${to[i]}` }, TEXTS[i % TEXTS.length]!);
        } catch {
          denied++;
        }
      }
    };
    const t = performance.now();
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, end - start) }, worker));
    return performance.now() - t;
  };
  await sendRange(0, WARMUP);
  gc();
  const s0 = measureServer ? serverCpu() : 0;
  const cpu0 = process.cpuUsage();
  const ms = await sendRange(WARMUP, total);
  const cpu = process.cpuUsage(cpu0);
  const server = measureServer ? serverCpu() - s0 : 0;
  if (denied > 0) throw new Error(`${label}: ${denied} sends were denied`);
  const banyaCpu = (cpu.user + cpu.system) / 1e6;
  log(
    'send-path-pg',
    `${label}: ${SENDS} sends in ${ms.toFixed(0)} ms wall, ${(banyaCpu * 1000).toFixed(0)} ms banya CPU, ${(server * 1000).toFixed(0)} ms server CPU`,
  );
  return { ms, banyaCpu, server };
}

// ---- SQLite: the baseline --------------------------------------------------------------------
const sqliteApp = await benchApp(scratchDir('send-sqlite'));
const lite = await run(sqliteApp, 'sqlite', false);
await sqliteApp.close();

// ---- PostgreSQL --------------------------------------------------------------------------------
const dataDir = (await admin('show data_directory')).rows[0].data_directory as string;
postmaster = Number(fs.readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
await admin(`drop database if exists ${DB} with (force)`);
await admin(`create database ${DB} template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
const pgApp = await benchApp(scratchDir('send-pg'), { databaseUrl: withDatabase(ADMIN_URL, DB) });
const post = await run(pgApp, 'postgres', true);
await pgApp.close();
await admin(`drop database if exists ${DB} with (force)`);

const perMsg = (s: number) => (s / SENDS) * 1e6; // µs
const common = `${SENDS.toLocaleString('en')} sends after ${WARMUP.toLocaleString('en')} warm-up, ${CONCURRENCY} in flight, ${ACCOUNTS} accounts with ${DEGREE * 2} mutual contacts each; PostgreSQL 15 on the same machine over its Unix socket, synchronous_commit on`;
result({
  name: 'send path on PostgreSQL: banya CPU per message (µs)',
  value: perMsg(post.banyaCpu),
  unit: 'µs/message',
  baseline: perMsg(lite.banyaCpu),
  ratio: post.banyaCpu / lite.banyaCpu,
  target: '',
  pass: true,
  note: `baseline: the same sends on SQLite (process durability) in the same run; ${common}`,
});
result({
  name: 'send path on PostgreSQL: server CPU per message (µs)',
  value: perMsg(post.server),
  unit: 'µs/message',
  baseline: perMsg(post.banyaCpu),
  ratio: post.server / post.banyaCpu,
  target: '',
  pass: true,
  note: `every process of the PostgreSQL server, from /proc; baseline: banya's own CPU on PostgreSQL; ${common}`,
});
result({
  name: 'send path on PostgreSQL: messages/s (wall clock)',
  value: SENDS / (post.ms / 1000),
  unit: 'messages/s',
  baseline: SENDS / (lite.ms / 1000),
  ratio: lite.ms / post.ms,
  target: '',
  pass: true,
  note: `baseline: SQLite in the same run; ${common}`,
});
table('Send path: PostgreSQL vs SQLite (in-process, persisted, group commit)', [
  `SQLite ${lite.ms.toFixed(0)} ms wall / ${(lite.banyaCpu * 1000).toFixed(0)} ms CPU; PostgreSQL ${post.ms.toFixed(0)} ms wall / ${(post.banyaCpu * 1000).toFixed(0)} ms banya CPU + ${(post.server * 1000).toFixed(0)} ms server CPU, for ${SENDS.toLocaleString('en')} messages (${fmt(SENDS / (post.ms / 1000))}/s on PostgreSQL)`,
]);
