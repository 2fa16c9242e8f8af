/**
 * Shared helpers for the benchmarks (not a benchmark itself: bench/run.ts skips files starting
 * with `_`). RESULT lines, the human table, statistics, scratch folders, and setting up an app
 * with accounts and mutual contacts through the platform's own use cases.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { App } from '../src/app.js';
import type { ConfigInput } from '../src/config.js';
import type { Platform } from '../src/platform/context.js';
import type { Job, Reply } from './_load.js';
import { mulberry32 } from '../src/robots/generate.js';

/**
 * The app under test: from the sources through tsx (the default), or with BENCH_FROM_DIST=1 from
 * the tsc build in dist/ (`npm run build` first), which has no tsx helpers around its functions.
 */
const root = process.env.BENCH_FROM_DIST === '1' ? '../dist' : '../src';
const { createApp } = (await import(`${root}/app.js`)) as typeof import('../src/app.js');
const { configFrom } = (await import(`${root}/config.js`)) as typeof import('../src/config.js');
const { createAccount } = (await import(`${root}/platform/accounts.js`)) as typeof import('../src/platform/accounts.js');
const { addContact } = (await import(`${root}/platform/contacts.js`)) as typeof import('../src/platform/contacts.js');

export interface Metric {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  /** e.g. "≥ 0.7× baseline", "≤ 5 ms"; "" when the figure is informational. */
  target: string;
  pass: boolean;
  note: string;
}

const printed: Metric[] = [];

/** Prints one `RESULT {json}` line (bench/run.ts collects them) and keeps it for the table. */
export function result(m: Metric): void {
  const clean: Metric = {
    ...m,
    value: round(m.value),
    baseline: m.baseline === null ? null : round(m.baseline),
    ratio: m.ratio === null ? null : round(m.ratio, 3),
  };
  printed.push(clean);
  console.log(`RESULT ${JSON.stringify(clean)}`);
}

/** The human table of every metric printed so far. */
export function table(title: string, extra: string[] = []): void {
  const rows = printed.map((m) => [
    m.name,
    `${fmt(m.value)} ${m.unit}`,
    m.baseline === null ? '' : `${fmt(m.baseline)} ${m.unit}`,
    m.ratio === null ? '' : `${m.ratio.toFixed(2)}×`,
    m.target,
    m.target ? (m.pass ? 'pass' : 'MISS') : '',
  ]);
  const head = ['metric', 'value', 'baseline', 'ratio', 'target', ''];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '  ' + r.map((c, i) => (i === 0 || i >= 4 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  console.log(`\n${title}`);
  for (const e of extra) console.log(`  ${e}`);
  console.log(line(head));
  console.log('  ' + w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('');
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** (Math.abs(x) >= 100 ? 0 : digits);
  return Math.round(x * f) / f;
}

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100) of an unsorted list. */
export function percentile(xs: ArrayLike<number>, p: number): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

export function log(bench: string, msg: string): void {
  process.stderr.write(`[${bench}] ${msg}\n`);
}

export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

/** A scratch folder under the OS temp dir, removed at exit. */
export function scratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `banya-bench-${prefix}-`));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Deterministic stream in [0, 1): the trace generator's. */
export const rng = mulberry32;

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

/** The app on a fresh folder: manual clock, no rate limits, silent logs, a fixed admin token. */
export async function benchApp(dataDir: string, overrides: Partial<ConfigInput> = {}): Promise<App> {
  const config = configFrom({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    adminToken: ADMIN_TOKEN,
    clock: 'manual',
    logLevel: 'silent',
    rateLimits: {
      requests: { perSecond: 50, burst: 500 },
      messages: { perSecond: 20, burst: 200 },
      reports: { perSecond: 0.2, burst: 30 },
      enabled: false,
    },
    ...overrides,
  });
  return createApp(config, { logger: pino({ level: 'silent' }) });
}

export interface Population {
  /** Internal ids of the created accounts, in creation order. */
  ids: number[];
  /** Their bearer tokens. */
  tokens: string[];
  /** Mutual contacts of each account (by index into `ids`). */
  mutual: number[][];
}

/**
 * Creates `n` accounts through the platform (createAccount) and saves each account's `degree`
 * neighbours on a ring both ways (addContact), so every account has `2 * degree` mutual contacts.
 */
export async function populate(p: Platform, n: number, degree: number): Promise<Population> {
  const ids: number[] = [];
  const tokens: string[] = [];
  const CHUNK = 500;
  for (let at = 0; at < n; at += CHUNK) {
    const made = await Promise.all(
      Array.from({ length: Math.min(CHUNK, n - at) }, (_, k) =>
        createAccount(p, { phone: `+4477${String(10_000_000 + at + k)}`, name: `bench ${at + k}` }, { kind: 'admin' }),
      ),
    );
    for (const m of made) {
      ids.push(Number(m.account.id.slice(1)));
      tokens.push(m.token);
    }
  }
  const mutual: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const saves: Promise<void>[] = [];
    for (let d = 1; d <= degree; d++) {
      const j = (i + d) % n;
      saves.push(addContact(p, ids[i]!, ids[j]!, null), addContact(p, ids[j]!, ids[i]!, null));
      mutual[i]!.push(j);
      mutual[j]!.push(i);
    }
    await Promise.all(saves);
  }
  return { ids, tokens, mutual };
}

// ---- the load generator child (bench/_load.ts) --------------------------------------------------

export interface LoadChild {
  /** Runs a job; `onWindow` is called when the child's measured window starts and ends. */
  run<R>(job: Job, onWindow?: (phase: 'start' | 'end') => void): Promise<R>;
  close(): void;
}

/** Forks bench/_load.ts (with tsx), so that the load has its own process and core. */
export function startLoad(): LoadChild {
  const child = fork(fileURLToPath(new URL('./_load.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let pending: { resolve: (r: unknown) => void; reject: (e: Error) => void; onWindow?: (phase: 'start' | 'end') => void } | null = null;
  child.on('message', (m: Reply) => {
    if (!pending) return;
    if (m.event === 'window') pending.onWindow?.(m.phase);
    else if (m.event === 'done') {
      const p = pending;
      pending = null;
      p.resolve(m.result);
    } else {
      const p = pending;
      pending = null;
      p.reject(new Error(`load generator: ${m.message}`));
    }
  });
  child.on('exit', (code) => {
    if (pending) pending.reject(new Error(`load generator exited (${code})`));
    pending = null;
  });
  return {
    run<R>(job: Job, onWindow?: (phase: 'start' | 'end') => void): Promise<R> {
      if (pending) throw new Error('one job at a time');
      return new Promise<R>((resolve, reject) => {
        pending = { resolve: resolve as (r: unknown) => void, reject, ...(onWindow ? { onWindow } : {}) };
        child.send(job);
      });
    },
    close() {
      child.kill();
    },
  };
}

/** A keep-alive HTTP/1.1 request, as bytes. */
export function httpRequest(method: string, path: string, body: string | null, headers: Record<string, string> = {}): Uint8Array {
  const b = body === null ? Buffer.alloc(0) : Buffer.from(body);
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body !== null) lines.push('Content-Type: application/json', `Content-Length: ${b.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), b]);
}

/**
 * The bare baseline server: node:http answering every request, once its body is read, with a
 * constant JSON of `status` (keep-alive as node:http does by default).
 */
export async function bareServer(status: number, body: string): Promise<{ port: number; close: () => Promise<void> }> {
  const payload = Buffer.from(body);
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': payload.length });
      res.end(payload);
    });
  });
  server.keepAliveTimeout = 72_000; // as Fastify's default: idle keep-alive connections stay open
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** CPU time of this process (ms). */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const SEND_TEXTS = ['Hi! How are you?', 'See you tomorrow', 'Did you get the photos?', 'Call me when you can', 'On my way', 'What time is dinner?'];

/** `count` POST /v1/messages requests, each from an account (in turn) to one of its mutual contacts. */
export function sendRequests(pop: Population, count: number, seed: number): Uint8Array[] {
  const rand = rng(seed);
  const out: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const i = k % pop.ids.length;
    const m = pop.mutual[i]!;
    const j = m[Math.floor(rand() * m.length)]!;
    const body = JSON.stringify({ to: { accountId: `u${pop.ids[j]}` }, text: SEND_TEXTS[Math.floor(rand() * SEND_TEXTS.length)] });
    out.push(httpRequest('POST', '/v1/messages', body, { Authorization: `Bearer ${pop.tokens[i]}` }));
  }
  return out;
}

/** One send through fetch: it must answer 201; its body is what the bare baseline answers. */
export async function probeSend(url: string, pop: Population): Promise<string> {
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pop.tokens[0]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to: { accountId: `u${pop.ids[pop.mutual[0]![0]!]}` }, text: 'Hi! How are you?' }),
  });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`probe send answered ${res.status}: ${body}`);
  return body;
}

/** Busy and steal time of the whole machine so far (ms, all cores), from /proc/stat (Linux). */
export function machineCpuMs(): { busy: number; steal: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const tick = 1000 / 100; // USER_HZ is 100 on Linux
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return { busy: (user + nice + system + irq + softirq) * tick, steal: steal * tick };
  } catch {
    return { busy: NaN, steal: NaN };
  }
}

/**
 * A second reference: a minimal Fastify app (the version banya uses, default options, no logger,
 * no hooks, no schemas) whose POST route answers a constant JSON — what the framework alone costs.
 */
export async function fastifyConstant(status: number, body: string): Promise<{ port: number; close: () => Promise<void> }> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  const payload = JSON.parse(body) as unknown;
  app.post('/v1/messages', async (_req, reply) => reply.code(status).send(payload));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}
