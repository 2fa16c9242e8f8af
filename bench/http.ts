/**
 * banya over real HTTP on loopback.
 *
 * The app (createApp: Fastify, auth, validation, the send path, group commit into SQLite) serves
 * on 127.0.0.1 from this process; the load comes from a child process (bench/_load.ts) with its
 * own core, over raw keep-alive sockets. Accounts and mutual contacts are set up in-process
 * through the platform (createAccount, addContact) before serving; rate limits are off.
 *
 * (a) POST /v1/messages between mutual contacts, closed loop with BENCH_CONNECTIONS (64) requests
 *     in flight on as many keep-alive connections. Baseline: a bare node:http server in this same
 *     process answering every request (once its body is read) with a constant JSON — the very
 *     201 body banya gave for one send — driven by the same generator with the same connections.
 *     A second reference, informational: a minimal Fastify app answering the same constant.
 *     Rounds rotate the three; each is 1 s of warm-up then BENCH_SECONDS measured. Reported:
 *     medians of requests/s and the median of the rounds' ratios; also requests per CPU-second
 *     of the serving process over the same windows (robust to other load on the machine).
 *
 * (b) POST /v1/gate/check with the admin token, BENCH_PAIRS (50,000) pairs per request, two
 *     requests in flight. Decisions/s = pairs × answers / s. Baseline: the same decisions computed
 *     in-process by `checkBatch` (the function the route calls) on the same arrays: the ratio is
 *     what HTTP (JSON parsing, schema validation, serialisation, the wire) leaves of it.
 *
 * Run: node --expose-gc --import tsx bench/http.ts
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { block } from '../src/platform/blocks.js';
import { checkBatch } from '../src/platform/gate-batch.js';
import type { ClosedJob, ClosedResult } from './_load.js';
import {
  ADMIN_TOKEN,
  bareServer,
  benchApp,
  cpuMs,
  envInt,
  fastifyConstant,
  fmt,
  gc,
  httpRequest,
  log,
  machineCpuMs,
  median,
  populate,
  probeSend,
  result,
  rng,
  scratchDir,
  sendRequests,
  startLoad,
  table,
} from './_lib.js';

const ACCOUNTS = envInt('BENCH_ACCOUNTS', 2_000);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 64);
const SECONDS = envInt('BENCH_SECONDS', 3);
const ROUNDS = envInt('BENCH_ROUNDS', 5);
const PAIRS = envInt('BENCH_PAIRS', 50_000);
const RATIO_TARGET = 0.7;
const CPU_RATIO_TARGET = 1.3;
const DECISIONS_TARGET = 1_000_000;

const t0 = performance.now();
const dir = scratchDir('http');
const app = await benchApp(dir);
const p = app.platform;
const pop = await populate(p, ACCOUNTS, 3);
const url = await app.listen();
const port = Number(new URL(url).port);
log('http', `${ACCOUNTS} accounts with 6 mutual contacts each; banya on ${url} (setup ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

// ---- (a) messages ------------------------------------------------------------------------------
const rand = rng(11);
const sends = sendRequests(pop, 4 * ACCOUNTS, 12);
// One send through fetch: it must be a 201, and its body is what the bare server will answer.
const probeBody = await probeSend(url, pop);
const bare = await bareServer(201, probeBody);
const plainFastify = await fastifyConstant(201, probeBody);

const load = startLoad();

interface Run {
  rps: number;
  perCpuSecond: number;
  statuses: Record<string, number>;
  errors: number;
}

/** CPU used by other processes on the machine during measured windows (ms), and the windows' length. */
let otherMs = 0;
let windowsMs = 0;

async function closedRun(targetPort: number, requests: Uint8Array[], connections: number, seconds: number): Promise<ClosedResult & { serverCpuMs: number }> {
  gc();
  let c0 = 0;
  let c1 = 0;
  let m0 = machineCpuMs();
  let m1 = m0;
  const job: ClosedJob = { kind: 'closed', port: targetPort, requests, connections, warmupMs: 1000, durationMs: seconds * 1000 };
  const r = await load.run<ClosedResult>(job, (phase) => {
    if (phase === 'start') {
      c0 = cpuMs();
      m0 = machineCpuMs();
    } else {
      c1 = cpuMs();
      m1 = machineCpuMs();
    }
  });
  otherMs += Math.max(0, m1.busy - m0.busy - (c1 - c0) - r.cpuMs);
  windowsMs += r.seconds * 1000;
  return { ...r, serverCpuMs: c1 - c0 };
}

async function messagesRun(targetPort: number): Promise<Run> {
  const r = await closedRun(targetPort, sends, CONNECTIONS, SECONDS);
  return { rps: r.completed / r.seconds, perCpuSecond: r.completed / (r.serverCpuMs / 1000), statuses: r.statuses, errors: r.errors };
}

const banyaRuns: Run[] = [];
const bareRuns: Run[] = [];
const fastifyRuns: Run[] = [];
const servers = { bare: { port: bare.port, runs: bareRuns }, banya: { port, runs: banyaRuns }, fastify: { port: plainFastify.port, runs: fastifyRuns } };
for (let r = 0; r < ROUNDS; r++) {
  const order = (['bare', 'banya', 'fastify'] as const).map((_, i, xs) => xs[(i + r) % 3]!);
  for (const which of order) {
    const run = await messagesRun(servers[which].port);
    servers[which].runs.push(run);
    log(
      'http',
      `round ${r + 1}/${ROUNDS} ${which}: ${fmt(run.rps)} req/s, ${fmt(run.perCpuSecond)} req per server CPU-s, statuses ${JSON.stringify(run.statuses)}`,
    );
  }
}
await bare.close();
await plainFastify.close();
const bad = banyaRuns.reduce((n, x) => n + x.errors + Object.entries(x.statuses).reduce((m, [s, c]) => m + (s === '201' ? 0 : c), 0), 0);
if (bad > 0) throw new Error(`${bad} sends failed or were not 201: ${JSON.stringify(banyaRuns.map((x) => x.statuses))}`);
const banyaRps = median(banyaRuns.map((x) => x.rps));
const bareRps = median(bareRuns.map((x) => x.rps));
const ratios = banyaRuns.map((x, i) => x.rps / bareRuns[i]!.rps);
const ratio = median(ratios);
const banyaCpuRate = median(banyaRuns.map((x) => x.perCpuSecond));
const fastifyRps = median(fastifyRuns.map((x) => x.rps));
const fastifyCpuRate = median(fastifyRuns.map((x) => x.perCpuSecond));
const bareCpuRate = median(bareRuns.map((x) => x.perCpuSecond));
const messagesSent = banyaRuns.length * banyaRps * (SECONDS + 1);
const loadNote = () =>
  `other processes used ${(otherMs / windowsMs).toFixed(2)} cores on average during the measured windows (load average ${os.loadavg()[0]!.toFixed(2)}, ${os.cpus().length} cores)`;

result({
  name: 'HTTP POST /v1/messages, mutual contacts (requests/s)',
  value: banyaRps,
  unit: 'req/s',
  baseline: bareRps,
  ratio,
  target: `≥ ${RATIO_TARGET}× baseline`,
  pass: ratio >= RATIO_TARGET,
  note:
    `closed loop, ${CONNECTIONS} keep-alive connections from a separate load process; ${ROUNDS} alternating rounds of 1 s warm-up + ${SECONDS} s, medians (round ratios ${ratios.map((x) => x.toFixed(2)).join(', ')}); ` +
    `every send persisted (group commit) and answered 201; baseline: bare node:http in the same process answering banya's 201 body; ${loadNote()}`,
});
result({
  name: 'HTTP POST /v1/messages, requests per server CPU-second',
  value: banyaCpuRate,
  unit: 'req/CPU-s',
  baseline: bareCpuRate,
  ratio: banyaCpuRate / bareCpuRate,
  target: '',
  pass: true,
  note: `the same runs, divided by the serving process CPU time over the measured windows (includes SQLite commits and GC threads); less sensitive to other load on the machine; per request: banya ${(1e6 / banyaCpuRate).toFixed(0)} µs, bare ${(1e6 / bareCpuRate).toFixed(0)} µs, plain Fastify ${(1e6 / fastifyCpuRate).toFixed(0)} µs of CPU`,
});
// The send route's own cost against the framework's: server CPU per request, banya over the
// minimal Fastify app, round by round (each round's two runs minutes apart at most).
const cpuRatios = banyaRuns.map((x, i) => fastifyRuns[i]!.perCpuSecond / x.perCpuSecond);
const cpuRatio = median(cpuRatios);
result({
  name: 'HTTP POST /v1/messages, server CPU per request against plain Fastify',
  value: 1e6 / banyaCpuRate,
  unit: 'µs',
  baseline: 1e6 / fastifyCpuRate,
  ratio: cpuRatio,
  target: `≤ ${CPU_RATIO_TARGET}× plain Fastify`,
  pass: cpuRatio <= CPU_RATIO_TARGET,
  note: `server CPU time per request (process.cpuUsage, all threads) of banya and of the minimal Fastify app answering a constant, same generator and connections; median of the rounds' own ratios (${cpuRatios.map((x) => x.toFixed(2)).join(', ')}); value and baseline are medians of the rounds`,
});
result({
  name: 'HTTP POST constant answer, plain Fastify (requests/s)',
  value: fastifyRps,
  unit: 'req/s',
  baseline: bareRps,
  ratio: median(fastifyRuns.map((x, i) => x.rps / bareRuns[i]!.rps)),
  target: '',
  pass: true,
  note: `a reference for (a): a minimal Fastify app (no logger, hooks or schemas) answering banya's 201 body as a constant, same generator and rounds; what the framework alone leaves of the bare server; ${fmt(fastifyCpuRate)} req per server CPU-second`,
});

// ---- (b) batch gate check -------------------------------------------------------------------------------
// Some blocks (between accounts that are not contacts, so (a) was not affected), for denials.
const half = Math.floor(ACCOUNTS / 2);
const blocked: [number, number][] = [];
for (let i = 0; i < ACCOUNTS; i += 10) {
  const j = (i + half) % ACCOUNTS;
  await block(p, pop.ids[i]!, pop.ids[j]!);
  blocked.push([i, j]);
}
const bodies: { from: string[]; to: string[] }[] = [];
for (let v = 0; v < 3; v++) {
  const from: string[] = new Array(PAIRS);
  const to: string[] = new Array(PAIRS);
  for (let k = 0; k < PAIRS; k++) {
    const i = Math.floor(rand() * ACCOUNTS);
    let j: number;
    const r = rand();
    if (r < 0.05) {
      // a blocked pair, either way round
      const [x, y] = blocked[Math.floor(rand() * blocked.length)]!;
      from[k] = `u${pop.ids[rand() < 0.5 ? x : y]}`;
      to[k] = from[k] === `u${pop.ids[x]}` ? `u${pop.ids[y]}` : `u${pop.ids[x]}`;
      continue;
    }
    if (r < 0.6) {
      const m = pop.mutual[i]!;
      j = m[Math.floor(rand() * m.length)]!;
    } else {
      j = Math.floor(rand() * ACCOUNTS);
      if (j === i) j = (j + 1) % ACCOUNTS;
    }
    from[k] = `u${pop.ids[i]}`;
    to[k] = `u${pop.ids[j]}`;
  }
  bodies.push({ from, to });
}
const checks = bodies.map((b) => httpRequest('POST', '/v1/gate/check', JSON.stringify(b), { Authorization: `Bearer ${ADMIN_TOKEN}` }));
// The answers over HTTP must be checkBatch's.
for (const b of bodies) {
  const res = await fetch(`${url}/v1/gate/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(b),
  });
  const got = (await res.json()) as { results: (0 | string)[] };
  const want = checkBatch(p, b.from, b.to);
  if (res.status !== 200 || got.results.length !== PAIRS || got.results.some((x, i) => x !== want[i]))
    throw new Error(`gate/check answered differently from checkBatch (${res.status})`);
}
const denials = checkBatch(p, bodies[0]!.from, bodies[0]!.to).filter((x) => x !== 0).length;

const batch = await closedRun(port, checks, 2, SECONDS + 1);
if (batch.errors > 0 || Object.keys(batch.statuses).some((s) => s !== '200')) throw new Error(`gate/check failed: ${JSON.stringify(batch.statuses)}`);
const httpDecisions = (batch.completed * PAIRS) / batch.seconds;
const httpDecisionsCpu = (batch.completed * PAIRS) / (batch.serverCpuMs / 1000);

// Baseline: checkBatch in-process on the same arrays, for about as long.
gc();
let n = 0;
const tb = performance.now();
const cb = cpuMs();
while (performance.now() - tb < 2000) checkBatch(p, bodies[n++ % bodies.length]!.from, bodies[(n - 1) % bodies.length]!.to);
const inProcess = (n * PAIRS) / ((performance.now() - tb) / 1000);
const inProcessCpu = (n * PAIRS) / ((cpuMs() - cb) / 1000);
load.close();
await app.close();

result({
  name: 'HTTP POST /v1/gate/check (decisions/s)',
  value: httpDecisions,
  unit: 'decisions/s',
  baseline: inProcess,
  ratio: httpDecisions / inProcess,
  target: `≥ ${DECISIONS_TARGET.toLocaleString('en')} decisions/s`,
  pass: httpDecisions >= DECISIONS_TARGET,
  note:
    `${PAIRS.toLocaleString('en')} pairs per request (${(checks[0]!.length / 1e6).toFixed(2)} MB), 2 in flight, ${batch.completed} answers in ${batch.seconds.toFixed(1)} s after 1 s warm-up; ${((100 * denials) / PAIRS).toFixed(0)}% of pairs denied; ` +
    `per server CPU-second ${fmt(httpDecisionsCpu)} (in-process ${fmt(inProcessCpu)}); baseline: checkBatch in-process on the same arrays; ${loadNote()}`,
});
table('banya over HTTP on loopback (load from a separate process)', [
  `accounts ${ACCOUNTS}, ${CONNECTIONS} connections, ${ROUNDS} rounds × ${SECONDS} s; ~${Math.round(messagesSent).toLocaleString('en')} messages persisted; ${loadNote()}; total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
]);
