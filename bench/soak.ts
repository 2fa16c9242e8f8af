/**
 * The soak: banya held at BENCH_RATE (5,000) requests a second for `--minutes` (10), over real
 * HTTP on loopback, and watched for what changes over time: throughput, latency, memory.
 *
 * The app serves from this process (manual clock, rate limits off, accounts and mutual contacts
 * set up in-process through the platform); a separate load process (bench/_load.ts, `soak` job)
 * sends on a fixed schedule, open loop: 99% messages between mutual contacts, 1% reports of
 * spam (victims of 100 spammers reporting their chats), and beside them a moderator loop that
 * reads the open cases every 200 ms and decides them (every 10th confirmed, the others
 * dismissed). The run is bounded by count: rate × seconds requests, then it ends.
 *
 * Baseline: the same schedule and generator against bare node:http in this process answering
 * banya's 201 body, for `--bare-minutes` (2), before banya's run.
 *
 * Every second this process samples its memory (RSS, heap used, external) and CPU; per bucket
 * (a minute, or 10 s for runs under 5 minutes) the load process reports offered and answered
 * requests, statuses and latency percentiles from the scheduled time. Memory is judged on the
 * floor of heap used in each bucket (the lowest sample: what survives collections) and on RSS;
 * a full collection before the first and after the last bucket gives the retained heap.
 *
 *   node --expose-gc --import tsx bench/soak.ts [--minutes 10] [--bare-minutes 2]
 *   npm run bench -- soak --minutes 10
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { sendMessage } from '../src/platform/messages.js';
import { createAccount } from '../src/platform/accounts.js';
import type { SoakJob, SoakResult } from './_load.js';
import {
  ADMIN_TOKEN,
  bareServer,
  benchApp,
  cpuMs,
  envInt,
  gc,
  httpRequest,
  log,
  populate,
  probeSend,
  result,
  rng,
  scratchDir,
  sendRequests,
  startLoad,
  table,
} from './_lib.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : Number(process.env[`BENCH_SOAK_${name.replace('-', '_').toUpperCase()}`] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};
const MINUTES = arg('minutes', 10);
const BARE_MINUTES = arg('bare-minutes', Math.min(2, MINUTES));
const RATE = envInt('BENCH_RATE', 5_000);
const ACCOUNTS = envInt('BENCH_ACCOUNTS', 2_000);
const SPAMMERS = 100;
const VICTIMS_EACH = 10;
const REPORT_EVERY = 100; // one request in 100 is a report
const BUCKET_SECONDS = MINUTES >= 5 ? 60 : 10;
/** Heap floor growth over the run, after its first bucket, that still counts as flat. */
const FLAT_MB_PER_MINUTE = 1;

const t0 = performance.now();
const dir = scratchDir('soak');
const app = await benchApp(dir);
const p = app.platform;
const pop = await populate(p, ACCOUNTS, 3);
const url = await app.listen();
const port = Number(new URL(url).port);

// Spammers, each with a message in a new chat with VICTIMS_EACH accounts of the population.
const rand = rng(7);
const reports: Uint8Array[] = [];
for (let s = 0; s < SPAMMERS; s++) {
  const made = await createAccount(p, { phone: `+4479${String(10_000_000 + s)}`, name: `spammer ${s}` }, { kind: 'admin' });
  const spammer = Number(made.account.id.slice(1));
  for (let v = 0; v < VICTIMS_EACH; v++) {
    const i = Math.floor(rand() * ACCOUNTS);
    // The robots may limit a spammer on its way (cold messages to strangers): it has its chats so far.
    const sent = await sendMessage(p, spammer, { accountId: `u${pop.ids[i]}` }, `Cheap followers at example.test/${s}`).catch(() => null);
    if (!sent) break;
    reports.push(
      httpRequest('POST', '/v1/reports', JSON.stringify({ chatId: sent.body.message.chatId, reason: 'spam' }), { Authorization: `Bearer ${pop.tokens[i]}` }),
    );
  }
}
const sends = sendRequests(pop, 20 * ACCOUNTS, 31);
const requests: Uint8Array[] = [];
const kinds: number[] = [];
for (let k = 0, r = 0; k < sends.length; k++) {
  if (k % REPORT_EVERY === REPORT_EVERY - 1) {
    requests.push(reports[r++ % reports.length]!);
    kinds.push(1);
  } else {
    requests.push(sends[k]!);
    kinds.push(0);
  }
}
const bare = await bareServer(201, await probeSend(url, pop));
const load = startLoad();
log(
  'soak',
  `${ACCOUNTS} accounts, ${SPAMMERS} spammers; banya on ${url} (setup ${((performance.now() - t0) / 1000).toFixed(1)} s); ${RATE}/s for ${MINUTES} min, bare ${BARE_MINUTES} min`,
);

interface Sample {
  t: number;
  rss: number;
  heap: number;
  external: number;
  cpuMs: number;
  elu: number;
  /** Event-loop delay over the second (ms): its 99th percentile and maximum. */
  delayP99: number;
  delayMax: number;
  /** Group commits in the second, their total and longest time on the event loop (ms). */
  commits: number;
  commitMs: number;
  commitMaxMs: number;
  /** Size of the WAL file and of the database file at the sample (bytes). */
  wal: number;
  db: number;
}

// Every group commit timed on the event loop (SQLite's own checkpoints run inside COMMIT).
const store = p.store as unknown as { commitWhole(batch: unknown[]): boolean };
const commitWhole = store.commitWhole.bind(store);
let commits = 0;
let commitMs = 0;
let commitMaxMs = 0;
store.commitWhole = (batch) => {
  const s = performance.now();
  try {
    return commitWhole(batch);
  } finally {
    const d = performance.now() - s;
    commits++;
    commitMs += d;
    if (d > commitMaxMs) commitMaxMs = d;
  }
};
const walFile = path.join(dir, 'banya.sqlite-wal');
const fileSize = (f: string) => {
  try {
    return fs.statSync(f).size;
  } catch {
    return 0;
  }
};

/** Runs one soak job while sampling this process every second. */
async function soakRun(targetPort: number, minutes: number, decide: boolean): Promise<{ r: SoakResult; samples: Sample[]; cpu: number; heapBefore: number }> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const samples: Sample[] = [];
  let start = 0;
  let c0 = 0;
  let c1 = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastCpu = 0;
  let lastElu = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const job: SoakJob = {
    kind: 'soak',
    port: targetPort,
    requests,
    kinds: Uint8Array.from(kinds),
    rate: RATE,
    seconds: Math.round(minutes * 60),
    bucketSeconds: BUCKET_SECONDS,
    connections: 16,
    maxConnections: 512,
    decide: decide ? { token: ADMIN_TOKEN, everyMs: 200, confirmEvery: 10 } : null,
  };
  const r = await load.run<SoakResult>(job, (phase) => {
    if (phase === 'start') {
      start = performance.now();
      c0 = lastCpu = cpuMs();
      lastElu = performance.eventLoopUtilization();
      delay.enable();
      commits = commitMs = commitMaxMs = 0;
      timer = setInterval(() => {
        const m = process.memoryUsage();
        const c = cpuMs();
        const e = performance.eventLoopUtilization(lastElu);
        lastElu = performance.eventLoopUtilization();
        samples.push({
          t: (performance.now() - start) / 1000,
          rss: m.rss,
          heap: m.heapUsed,
          external: m.external,
          cpuMs: c - lastCpu,
          elu: e.utilization,
          delayP99: delay.percentile(99) / 1e6,
          delayMax: delay.max / 1e6,
          commits,
          commitMs,
          commitMaxMs,
          wal: fileSize(walFile),
          db: fileSize(path.join(dir, 'banya.sqlite')),
        });
        delay.reset();
        commits = commitMs = commitMaxMs = 0;
        lastCpu = c;
      }, 1000);
    } else {
      c1 = cpuMs();
      clearInterval(timer);
      delay.disable();
    }
  });
  return { r, samples, cpu: c1 - c0, heapBefore };
}

const MB = 2 ** 20;
const inBucket = (s: Sample[], at: number) => s.filter((x) => x.t > at && x.t <= at + BUCKET_SECONDS);
/** Least-squares slope (per minute) of ys over bucket starts xs (seconds). */
function slopePerMinute(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60;
}

const sizes = () => ({
  idempotency: p.idempotency.size,
  figureSeries: app.figures.series.names().length,
  openCases: p.enforcement.openCases.size,
  openReports: p.enforcement.openReports.size,
  reporters: p.enforcement.reporters.size,
  strikes: p.enforcement.strikes.size,
});

const bareRun = await soakRun(bare.port, BARE_MINUTES, false);
log('soak', `bare: p99 ${bareRun.r.p99.toFixed(2)} ms over ${bareRun.r.offered} requests`);
const sizesBefore = sizes();
const banyaRun = await soakRun(port, MINUTES, true);
gc();
const heapAfter = process.memoryUsage().heapUsed;
const sizesAfter = sizes();
log(
  'soak',
  `banya: p99 ${banyaRun.r.p99.toFixed(2)} ms over ${banyaRun.r.offered} requests; heap after GC ${(banyaRun.heapBefore / MB).toFixed(1)} → ${(heapAfter / MB).toFixed(1)} MB`,
);
load.close();
await bare.close();
await app.close();

// ---- figures ----------------------------------------------------------------------------------
const r = banyaRun.r;
const messageStatuses = r.statuses.message ?? {};
const messagesOk = messageStatuses['201'] ?? 0;
const reportStatuses = r.statuses.report ?? {};
const rows = r.buckets.map((b) => {
  const s = inBucket(banyaRun.samples, b.at);
  const floor = s.length ? Math.min(...s.map((x) => x.heap)) : NaN;
  const rss = s.length ? Math.max(...s.map((x) => x.rss)) : NaN;
  const cpu = s.reduce((a, x) => a + x.cpuMs, 0) / Math.max(1, s.length) / 1000;
  const elu = s.reduce((a, x) => a + x.elu, 0) / Math.max(1, s.length);
  return { b, floor, rss, cpu, elu, answeredPerSecond: b.completed / BUCKET_SECONDS, dbMb: s.length ? Math.max(...s.map((x) => x.db)) / MB : NaN };
});
const later = rows.slice(1);
const heapSlope = slopePerMinute(
  later.map((x) => x.b.at),
  later.map((x) => x.floor / MB),
);
const rssSlope = slopePerMinute(
  later.map((x) => x.b.at),
  later.map((x) => x.rss / MB),
);
const worstP99 = Math.max(...r.buckets.map((b) => b.p99));
const loadNote = `load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores (a machine shared with other work)`;
const answered = r.completed / r.offered;

result({
  name: `soak: messages answered 201 at ${RATE}/s offered, ${MINUTES} min`,
  value: messagesOk / (MINUTES * 60),
  unit: 'msg/s',
  baseline: null,
  ratio: null,
  target: `≥ ${(0.99 * RATE * (1 - 1 / REPORT_EVERY)).toFixed(0)} msg/s`,
  pass: messagesOk / (MINUTES * 60) >= 0.99 * RATE * (1 - 1 / REPORT_EVERY),
  note:
    `open loop from a separate load process, ${r.offered.toLocaleString('en')} requests scheduled (bounded by count), ${(100 * answered).toFixed(2)}% answered, ` +
    `${r.connectionsUsed} connections; messages ${JSON.stringify(messageStatuses)}, reports ${JSON.stringify(reportStatuses)}, ` +
    `decisions ${r.decisions} ${JSON.stringify(r.decisionStatuses)}; server CPU ${((banyaRun.cpu / (r.seconds * 1000)) * 100).toFixed(0)}% of a core; ${loadNote}`,
});
result({
  name: 'soak: messages p99 latency (from the scheduled time)',
  value: r.p99,
  unit: 'ms',
  baseline: bareRun.r.p99,
  ratio: r.p99 / bareRun.r.p99,
  target: '',
  pass: true,
  note: `p50 ${r.p50.toFixed(2)} ms, p99.9 ${r.p999.toFixed(2)} ms, max ${r.max.toFixed(1)} ms, worst bucket p99 ${worstP99.toFixed(2)} ms; baseline: bare node:http answering banya's 201 body on the same schedule for ${BARE_MINUTES} min before (p50 ${bareRun.r.p50.toFixed(2)} ms, p99.9 ${bareRun.r.p999.toFixed(2)} ms, max ${bareRun.r.max.toFixed(1)} ms)`,
});
result({
  name: 'soak: heap floor growth after the first bucket',
  value: heapSlope,
  unit: 'MB/min',
  baseline: null,
  ratio: null,
  target: `≤ ${FLAT_MB_PER_MINUTE} MB/min`,
  pass: heapSlope <= FLAT_MB_PER_MINUTE,
  note:
    `least-squares slope of the lowest heap-used sample of each ${BUCKET_SECONDS} s bucket; retained heap after a full GC ${(banyaRun.heapBefore / MB).toFixed(1)} MB before, ${(heapAfter / MB).toFixed(1)} MB after; ` +
    `RSS slope ${rssSlope.toFixed(2)} MB/min, RSS at the end ${(rows.at(-1)!.rss / MB).toFixed(0)} MB; in memory before → after: ${JSON.stringify(sizesBefore)} → ${JSON.stringify(sizesAfter)}`,
});

console.log(
  `\n| minute | answered/s | p50 ms | p99 ms | p99.9 ms | max ms | bare p99 ms | reports p99 ms | decisions | heap floor MB | RSS MB | server CPU | loop busy |`,
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [i, x] of rows.entries()) {
  const bareBucket = bareRun.r.buckets[i];
  console.log(
    `| ${((x.b.at + BUCKET_SECONDS) / 60).toFixed(BUCKET_SECONDS < 60 ? 2 : 0)} | ${x.answeredPerSecond.toFixed(0)} | ${x.b.p50.toFixed(2)} | ${x.b.p99.toFixed(2)} | ${x.b.p999.toFixed(2)} | ${x.b.max.toFixed(1)} | ${bareBucket ? bareBucket.p99.toFixed(2) : ''} | ${x.b.reportP99.toFixed(2)} | ${x.b.decisions} | ${(x.floor / MB).toFixed(1)} | ${(x.rss / MB).toFixed(0)} | ${(100 * x.cpu).toFixed(0)}% | ${(100 * x.elu).toFixed(0)}% |`,
  );
}
console.log(
  `\n| minute | commits/s | commit ms on the loop per s | longest commit ms | loop delay p99 ms (worst second) | loop delay max ms | WAL MB (max) | database MB |`,
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const x of rows) {
  const s = inBucket(banyaRun.samples, x.b.at);
  const n = Math.max(1, s.length);
  console.log(
    `| ${((x.b.at + BUCKET_SECONDS) / 60).toFixed(BUCKET_SECONDS < 60 ? 2 : 0)} | ${(s.reduce((a, y) => a + y.commits, 0) / n).toFixed(0)} | ${(s.reduce((a, y) => a + y.commitMs, 0) / n).toFixed(1)} | ${Math.max(0, ...s.map((y) => y.commitMaxMs)).toFixed(1)} | ${Math.max(0, ...s.map((y) => y.delayP99)).toFixed(1)} | ${Math.max(0, ...s.map((y) => y.delayMax)).toFixed(1)} | ${(Math.max(0, ...s.map((y) => y.wal)) / MB).toFixed(1)} | ${x.dbMb.toFixed(0)} |`,
  );
}
table(`Soak: ${RATE.toLocaleString('en')} requests/s for ${MINUTES} min (open loop, HTTP on loopback)`, [
  `${loadNote}; total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
]);
