/**
 * A CPU profile of the server answering POST /v1/messages (not a benchmark: bench/run.ts skips
 * files starting with `_`). The same set-up and load as bench/http.ts (a) — 2,000 accounts,
 * mutual contacts, 64 keep-alive connections in a closed loop from a separate load process —
 * with the V8 profiler of this process running over the measured window only. Prints the
 * serving process's CPU time per request, the functions with the most self time, and the share
 * of the window spent under each part of the send path (inclusive time, from the stacks).
 *
 *   node --expose-gc --import tsx bench/_profile-send.ts [--seconds 8] [--out FILE.cpuprofile] [--fastify] [--no-fast-path]
 *
 * `--fastify` profiles the minimal Fastify app of bench/http.ts instead, for comparison;
 * `--no-fast-path` runs banya with its send fast path off (`http.sendFastPath`), for an A/B.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { ClosedJob, ClosedResult } from './_load.js';
import { bareServer, benchApp, cpuMs, fastifyConstant, gc, populate, probeSend, scratchDir, sendRequests, startLoad } from './_lib.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const SECONDS = Number(opt('seconds', '8'));
const OUT = opt('out', '');
const FASTIFY = args.includes('--fastify');
const PROFILE = !args.includes('--no-profile');
const FAST_PATH = !args.includes('--no-fast-path');

const app = await benchApp(scratchDir('profile'), { http: { sendFastPath: FAST_PATH } });
const pop = await populate(app.platform, 2000, 3);
const url = await app.listen();
const sends = sendRequests(pop, 8000, 12);
const body = await probeSend(url, pop);
const plain = FASTIFY ? await fastifyConstant(201, body) : null;
const port = plain ? plain.port : Number(new URL(url).port);
const load = startLoad();

/** CPU time (ms) of each thread of this process, by name, from /proc (Linux). */
function threadsMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * 10;
      const key = tid === String(process.pid) ? 'main' : `${name}#${tid}`;
      out.set(key, (out.get(key) ?? 0) + ms);
    } catch {}
  }
  return out;
}
// Commits and units per commit over the window.
const store = app.platform.store as unknown as { commitWhole(batch: unknown[]): boolean };
const original = store.commitWhole.bind(store);
let commits = 0;
let units = 0;
store.commitWhole = (batch) => {
  commits++;
  units += batch.length;
  return original(batch);
};

const COMPARE = Number(opt('compare', '0'));
if (COMPARE > 0) {
  // Alternating rounds against the minimal Fastify app and bare node:http, no profiler: server
  // CPU per request (all threads of this process, process.cpuUsage).
  const other = plain ?? (await fastifyConstant(201, body));
  const bare = await bareServer(201, body);
  const banyaPort = Number(new URL(url).port);
  const ratios: number[] = [];
  const all: Record<string, number[]> = { banya: [], fastify: [], bare: [] };
  await load.run<ClosedResult>({ kind: 'closed', port: banyaPort, requests: sends, connections: 64, warmupMs: 1000, durationMs: 2000 });
  const servers: [string, number][] = [
    ['banya', banyaPort],
    ['fastify', other.port],
    ['bare', bare.port],
  ];
  for (let i = 0; i < COMPARE; i++) {
    const per: Record<string, number> = {};
    for (let k = 0; k < servers.length; k++) {
      const [name, at] = servers[(i + k) % servers.length]!;
      gc();
      let a = 0;
      let b = 0;
      const res = await load.run<ClosedResult>(
        { kind: 'closed', port: at, requests: sends, connections: 64, warmupMs: 500, durationMs: SECONDS * 1000 },
        (phase) => {
          if (phase === 'start') a = cpuMs();
          else b = cpuMs();
        },
      );
      if (name === 'banya' && (res.statuses['201'] ?? 0) !== res.completed) throw new Error(`banya answered ${JSON.stringify(res.statuses)}`);
      per[name] = (1000 * (b - a)) / res.completed;
      all[name]!.push(per[name]!);
    }
    ratios.push(per.banya! / per.fastify!);
    console.log(
      `round ${i + 1}: banya ${per.banya!.toFixed(1)} µs, fastify ${per.fastify!.toFixed(1)} µs, bare ${per.bare!.toFixed(1)} µs, banya/fastify ${(per.banya! / per.fastify!).toFixed(2)}`,
    );
  }
  const mid = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(`send fast path ${FAST_PATH ? 'on' : 'off'}: it took ${app.http.sendFastPath?.taken ?? 0} requests`);
  console.log(
    `medians: banya ${mid(all.banya!).toFixed(1)} µs, fastify ${mid(all.fastify!).toFixed(1)} µs, bare ${mid(all.bare!).toFixed(1)} µs; median ratio banya/fastify ${mid(ratios).toFixed(2)}`,
  );
  load.close();
  await other.close();
  await bare.close();
  await app.close();
  process.exit(0);
}

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });

// A warm-up run first, so that the profile sees optimised code.
const job: ClosedJob = { kind: 'closed', port, requests: sends, connections: 64, warmupMs: 1000, durationMs: 3000 };
await load.run<ClosedResult>(job);
gc();
let c0 = 0;
let c1 = 0;
let t0 = new Map<string, number>();
let t1 = t0;
let w = { commits: 0, units: 0 };
const r = await load.run<ClosedResult>({ ...job, durationMs: SECONDS * 1000 }, (phase) => {
  if (phase === 'start') {
    c0 = cpuMs();
    t0 = threadsMs();
    commits = 0;
    units = 0;
    if (PROFILE) void session.post('Profiler.start');
  } else {
    c1 = cpuMs();
    t1 = threadsMs();
    w = { commits, units };
  }
});
const { profile } = PROFILE ? await session.post('Profiler.stop') : { profile: { nodes: [] } };
load.close();
await plain?.close();
await app.close();
if (OUT) fs.writeFileSync(OUT, JSON.stringify(profile));

console.log(`${FASTIFY ? 'plain Fastify' : 'banya'}: ${r.completed} answers in ${r.seconds.toFixed(1)} s, statuses ${JSON.stringify(r.statuses)}`);
if (!FASTIFY) console.log(`send fast path ${FAST_PATH ? 'on' : 'off'}: it took ${app.http.sendFastPath?.taken ?? 0} requests`);
console.log(`server CPU per request ${((1000 * (c1 - c0)) / r.completed).toFixed(1)} µs (profiler on: ~10% more than without)`);

console.log(`commits ${w.commits}, units per commit ${(w.units / Math.max(1, w.commits)).toFixed(1)}`);
console.log(
  `threads (µs per request): ${[...t1]
    .map(([k, v]) => [k, v - (t0.get(k) ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${((1000 * v) / r.completed).toFixed(1)}`)
    .join(', ')}`,
);

if (!PROFILE) process.exit(0);

// ---- summary --------------------------------------------------------------------------------
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  hitCount?: number;
}
const nodes = profile.nodes as Node[];
const byId = new Map(nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const total = nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
const short = (u: string) => u.replace(/^.*\/node_modules\//, '~/').replace(/^.*\/(src|bench)\//, '$1/');
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
for (const n of nodes) self.set(label(n), (self.get(label(n)) ?? 0) + (n.hitCount ?? 0));
console.log(`\nself time, top 45 (of ${total} samples):`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);

/** Parts of the path, by a frame on the stack (the first that matches, from the leaf up, wins). */
const PARTS: [string, (n: Node) => boolean][] = [
  ['gc', (n) => n.callFrame.functionName === '(garbage collector)'],
  ['idle', (n) => n.callFrame.functionName === '(idle)' || n.callFrame.functionName === '(program)'],
  ['group commit (SqliteStore.commit)', (n) => n.callFrame.functionName === 'commit' && n.callFrame.url.includes('store/sqlite')],
  ['robots.observe', (n) => n.callFrame.functionName === 'observe' && /robots|app\.ts/.test(n.callFrame.url)],
  ['textSignals', (n) => n.callFrame.functionName === 'textSignals'],
  ['sendMessage (rest)', (n) => /^(send|sendMessage|writeMessage)$/.test(n.callFrame.functionName) && n.callFrame.url.includes('platform/messages')],
  ['auth hook', (n) => n.callFrame.functionName === 'authenticate'],
  ['onResponse figures', (n) => n.callFrame.url.includes('metrics/figures') || n.callFrame.url.includes('prom-client')],
  ['body parse (JSON + checks)', (n) => n.callFrame.url.includes('http/body.ts')],
  ['response serialisation', (n) => n.callFrame.url.includes('fast-json-stringify') || /serialize/i.test(n.callFrame.functionName)],
  ['validation (ajv)', (n) => /validate/i.test(n.callFrame.functionName) && !n.callFrame.url.includes('node:')],
  ['pino', (n) => n.callFrame.url.includes('/pino')],
  ['cookie', (n) => n.callFrame.url.includes('@fastify/cookie') || n.callFrame.url.includes('/cookie/')],
  ['send fast path (its own frames)', (n) => n.callFrame.url.includes('http/send-fast-path')],
  ['fastify', (n) => n.callFrame.url.includes('/fastify/') || n.callFrame.url.includes('find-my-way') || n.callFrame.url.includes('light-my-request')],
  ['node http/net', (n) => /^node:(_http|http|net|internal\/(http|stream|streams|net))/.test(n.callFrame.url) || n.callFrame.url.startsWith('node:_http')],
];
const part = new Map<string, number>();
for (const n of nodes) {
  const hits = n.hitCount ?? 0;
  if (hits === 0) continue;
  let found = 'other';
  for (let at: number | undefined = n.id; at !== undefined; at = parent.get(at)) {
    const f = byId.get(at)!;
    const hit = PARTS.find(([, m]) => m(f));
    if (hit) {
      found = hit[0];
      break;
    }
  }
  part.set(found, (part.get(found) ?? 0) + hits);
}
console.log('\nby part (inclusive, innermost matching part wins):');
for (const [k, v] of [...part].sort((a, b) => b[1] - a[1])) console.log(`  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
process.exit(0);
