/**
 * Latency of POST /v1/messages under a steady offered load, over real HTTP on loopback.
 *
 * The app serves from this process (accounts and mutual contacts set up in-process through the
 * platform, rate limits off); a separate load process (bench/_load.ts) sends BENCH_RATE (5,000)
 * messages per second between mutual contacts on a fixed schedule — open loop: a request is sent
 * at its time whether or not earlier ones were answered, on an idle keep-alive connection or a
 * new one (the pool starts at 16 and may grow to 256). 1 s of warm-up, then BENCH_SECONDS (10) s
 * measured. Latency is taken from the request's scheduled time to the end of its answer, so a
 * stall is charged for every request it delayed (no coordinated omission); the same figures
 * from the moment the request was written, and the generator's own lateness, are in the notes.
 *
 * Baseline: the same schedule, generator and connections against a bare node:http server in
 * this process answering banya's 201 body as a constant.
 *
 * Run: node --expose-gc --import tsx bench/latency.ts
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { OpenJob, OpenResult } from './_load.js';
import {
  bareServer,
  benchApp,
  cpuMs,
  envInt,
  gc,
  log,
  machineCpuMs,
  percentile,
  populate,
  probeSend,
  result,
  scratchDir,
  sendRequests,
  startLoad,
  table,
} from './_lib.js';

const RATE = envInt('BENCH_RATE', 5_000);
const SECONDS = envInt('BENCH_SECONDS', 10);
const ACCOUNTS = envInt('BENCH_ACCOUNTS', 2_000);
const P99_TARGET_MS = 5;

const t0 = performance.now();
const dir = scratchDir('latency');
const app = await benchApp(dir);
const pop = await populate(app.platform, ACCOUNTS, 3);
const url = await app.listen();
const port = Number(new URL(url).port);
const requests = sendRequests(pop, 4 * ACCOUNTS, 21);
const bare = await bareServer(201, await probeSend(url, pop));
const load = startLoad();
log('latency', `${ACCOUNTS} accounts with 6 mutual contacts each; banya on ${url} (setup ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

interface Measured {
  r: OpenResult;
  /** CPU of this process (all its threads) per second of the window. */
  serverCpuShare: number;
  /** How busy the server's event loop was. */
  elu: number;
  /** CPU used on the machine by anything but this process and the generator, in cores. */
  otherCores: number;
  /** CPU time the hypervisor took from this machine (steal), in cores. */
  stealCores: number;
}

async function openRun(targetPort: number): Promise<Measured> {
  gc();
  let c0 = 0;
  let c1 = 0;
  let w0 = 0;
  let w1 = 0;
  let m0 = machineCpuMs();
  let m1 = m0;
  let e0 = performance.eventLoopUtilization();
  let elu = 0;
  const job: OpenJob = {
    kind: 'open',
    port: targetPort,
    requests,
    rate: RATE,
    connections: 16,
    maxConnections: 256,
    warmupMs: 1000,
    durationMs: SECONDS * 1000,
  };
  const r = await load.run<OpenResult>(job, (phase) => {
    if (phase === 'start') {
      c0 = cpuMs();
      w0 = performance.now();
      m0 = machineCpuMs();
      e0 = performance.eventLoopUtilization();
    } else {
      c1 = cpuMs();
      w1 = performance.now();
      m1 = machineCpuMs();
      elu = performance.eventLoopUtilization(e0).utilization;
    }
  });
  const other = (m1.busy - m0.busy - (c1 - c0) - r.cpuMs) / (w1 - w0);
  return { r, serverCpuShare: (c1 - c0) / (w1 - w0), elu, otherCores: Math.max(0, other), stealCores: (m1.steal - m0.steal) / (w1 - w0) };
}

const bareRun = await openRun(bare.port);
log('latency', `bare: p50 ${percentile(bareRun.r.fromSchedule, 50).toFixed(2)} ms, p99 ${percentile(bareRun.r.fromSchedule, 99).toFixed(2)} ms`);
const banyaRun = await openRun(port);
log('latency', `banya: p50 ${percentile(banyaRun.r.fromSchedule, 50).toFixed(2)} ms, p99 ${percentile(banyaRun.r.fromSchedule, 99).toFixed(2)} ms`);
load.close();
await bare.close();
await app.close();

for (const [name, m] of [
  ['banya', banyaRun],
  ['bare', bareRun],
] as const) {
  const bad = m.r.errors + (m.r.offered - m.r.completed) + Object.entries(m.r.statuses).reduce((n, [s, c]) => n + (s === '201' ? 0 : c), 0);
  if (bad > 0) throw new Error(`${name}: ${bad} requests failed, went unanswered or were not 201 (${JSON.stringify(m.r.statuses)}, ${m.r.errors} errors)`);
}

const q = (m: Measured, p: number, from: 'fromSchedule' | 'fromSend' | 'sendLag' = 'fromSchedule') => percentile(m.r[from], p);
const loadNote = `load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`;
const common =
  `open loop, ${RATE} msg/s for ${SECONDS} s after 1 s warm-up (${banyaRun.r.offered} measured sends, all persisted and answered 201), from a separate load process, ` +
  `${banyaRun.r.connectionsUsed} connections used (bare ${bareRun.r.connectionsUsed}); latency from each request's scheduled time; ` +
  `from the write instead: banya p50 ${q(banyaRun, 50, 'fromSend').toFixed(2)} / p99 ${q(banyaRun, 99, 'fromSend').toFixed(2)} ms, bare ${q(bareRun, 50, 'fromSend').toFixed(2)} / ${q(bareRun, 99, 'fromSend').toFixed(2)} ms; ` +
  `generator lateness p99 ${q(banyaRun, 99, 'sendLag').toFixed(2)} ms (bare run ${q(bareRun, 99, 'sendLag').toFixed(2)} ms); ` +
  `server: event loop busy ${(100 * banyaRun.elu).toFixed(0)}% (bare ${(100 * bareRun.elu).toFixed(0)}%), CPU of all its threads ${(100 * banyaRun.serverCpuShare).toFixed(0)}% of a core (bare ${(100 * bareRun.serverCpuShare).toFixed(0)}%); ` +
  `other processes on the machine during the windows: ${banyaRun.otherCores.toFixed(2)} cores (bare run ${bareRun.otherCores.toFixed(2)}), steal by the hypervisor ${banyaRun.stealCores.toFixed(2)} cores (bare run ${bareRun.stealCores.toFixed(2)}); baseline: the same schedule against bare node:http answering banya's 201 body; ${loadNote}`;

const p50 = q(banyaRun, 50);
const p99 = q(banyaRun, 99);
result({
  name: `HTTP POST /v1/messages p99 latency at ${RATE} msg/s`,
  value: p99,
  unit: 'ms',
  baseline: q(bareRun, 99),
  ratio: p99 / q(bareRun, 99),
  target: `≤ ${P99_TARGET_MS} ms`,
  pass: p99 <= P99_TARGET_MS,
  note: common,
});
result({
  name: `HTTP POST /v1/messages p50 latency at ${RATE} msg/s`,
  value: p50,
  unit: 'ms',
  baseline: q(bareRun, 50),
  ratio: p50 / q(bareRun, 50),
  target: '',
  pass: true,
  note: 'the same run',
});
result({
  name: `HTTP POST /v1/messages p99.9 latency at ${RATE} msg/s`,
  value: q(banyaRun, 99.9),
  unit: 'ms',
  baseline: q(bareRun, 99.9),
  ratio: q(banyaRun, 99.9) / q(bareRun, 99.9),
  target: '',
  pass: true,
  note: `the same run; max banya ${q(banyaRun, 100).toFixed(2)} ms, bare ${q(bareRun, 100).toFixed(2)} ms`,
});
table(`Latency at ${RATE.toLocaleString('en')} messages/s offered (open loop, HTTP on loopback)`, [
  `${banyaRun.r.offered} measured sends; ${loadNote}; other processes used ${banyaRun.otherCores.toFixed(2)} cores during banya's window, ${bareRun.otherCores.toFixed(2)} during the bare one (hypervisor steal ${banyaRun.stealCores.toFixed(2)}, ${bareRun.stealCores.toFixed(2)}); total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  `server event loop busy ${(100 * banyaRun.elu).toFixed(0)}% (bare ${(100 * bareRun.elu).toFixed(0)}%); from the write: banya p50 ${q(banyaRun, 50, 'fromSend').toFixed(2)} ms, p99 ${q(banyaRun, 99, 'fromSend').toFixed(2)} ms; generator lateness p99 ${q(banyaRun, 99, 'sendLag').toFixed(2)} ms`,
]);
