/**
 * The capacity model's figures for several nodes (docs/SCALING.md): CPU-seconds per message of
 * a node, of PostgreSQL and of Redis, and what following the event feed costs another node.
 *
 * One PostgreSQL cluster of its own (BENCH_PG_URL: a URL to its `postgres` database, the role
 * being a superuser; BENCH_PG_PID: its postmaster's pid file, so that every backend's CPU time
 * can be read from /proc), one redis-server started here, and two real `banya serve` processes
 * on them. Phase 1: a closed loop of POST /v1/messages in existing chats through node A (rate
 * limits on, in Redis); node B only follows the feed. Phase 2: gate-affecting writes (block and
 * unblock, one event each) through A, while B follows; B's CPU per event is the feed's cost, and
 * the follower's lag after the last write is measured. Each phase also reports the robot events
 * streamed (every private message is one) and Redis's own time per XADD and XREAD (commandstats).
 *
 * Run:   BENCH_PG_URL='postgres:///postgres?host=/var/run/postgresql&port=54391' \
 *        BENCH_PG_PID=/var/lib/postgresql/15/cluster/postmaster.pid node --import tsx bench/cluster.ts
 * Size:  BENCH_SECONDS (5 per phase), BENCH_CONNECTIONS (32), BENCH_PAIRS (200).
 * The load generator runs on the same machine (its CPU is not counted, but it competes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../test/helpers/net.js';
import { withDatabase } from '../test/helpers/pg.js';

const ADMIN = 'bench-cluster-admin-token-0123456789';
const BIN = fileURLToPath(new URL('../bin/banya.js', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 200);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres:///postgres?host=/var/run/postgresql';
const PG_PID = process.env.BENCH_PG_PID;
const TICK = 100; // clock ticks a second on Linux
const user = process.env.PGUSER || os.userInfo().username;
process.env.PGUSER = user; // libpq's default, which the pg client reads from the environment

/** CPU seconds (user + system) of a process, from /proc. */
function cpuOf(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

/** CPU seconds of the PostgreSQL cluster: its postmaster and every child (backends, writer, WAL). */
function pgCpu(): number {
  if (!PG_PID) return Number.NaN;
  const master = Number(fs.readFileSync(PG_PID, 'utf8').split('\n')[0]);
  let total = cpuOf(master);
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === master) total += cpuOf(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function redisCpu(r: Redis): Promise<number> {
  const info = await r.info('cpu');
  const v = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return v('used_cpu_user') + v('used_cpu_sys');
}

/** Redis's own per-command figures: calls and microseconds spent, by command. */
async function commandStats(r: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const line of (await r.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return out;
}

/** Robot events the stream has taken so far. */
async function streamAdded(r: Redis): Promise<number> {
  const info = (await r.call('XINFO', 'STREAM', 'banya:robots').catch(() => null)) as unknown[] | null;
  if (!info) return 0;
  const i = info.indexOf('entries-added');
  return i >= 0 ? Number(info[i + 1]) : Number(info[info.indexOf('length') + 1]);
}

async function startNode(name: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `banya-bench-${name}-`));
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, ...env, PGUSER: user, BANYA_DATA_DIR: dataDir, BANYA_PORT: String(port), BANYA_HOST: '127.0.0.1', BANYA_NODE_ID: name },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 1200; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200) return { child, url };
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`node ${name} did not start`);
}

async function post(url: string, token: string, p: string, body: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url + p, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const t = await r.text();
  return { status: r.status, body: t ? JSON.parse(t) : null };
}

/** A closed loop of `CONNECTIONS` workers for `SECONDS`; returns the 2xx count. */
async function loop(work: (worker: number, i: number) => Promise<number>): Promise<{ ok: number; other: number }> {
  const until = Date.now() + SECONDS * 1000;
  let ok = 0;
  let other = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, w) => {
      for (let i = 0; Date.now() < until; i++) {
        const s = await work(w, i);
        if (s >= 200 && s < 300) ok++;
        else other++;
      }
    }),
  );
  return { ok, other };
}

async function main(): Promise<void> {
  const db = `banya_bench_cluster_${process.pid}`;
  const adminDb = new pg.Client({ connectionString: PG_URL, user });
  await adminDb.connect();
  await adminDb.query(`create database "${db}" template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
  const url = withDatabase(PG_URL, db);
  const redisPort = await freePort();
  const redisChild = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  const redis = new Redis(`redis://127.0.0.1:${redisPort}`);
  const env = {
    BANYA_DATABASE_URL: url,
    BANYA_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    BANYA_ADMIN_TOKEN: ADMIN,
    BANYA_LOG_LEVEL: 'silent',
    BANYA_RATE_REQUESTS_PER_SECOND: '100000',
    BANYA_RATE_REQUESTS_BURST: '100000',
    BANYA_RATE_MESSAGES_PER_SECOND: '100000',
    BANYA_RATE_MESSAGES_BURST: '100000',
  };
  const nodes: ChildProcess[] = [redisChild];
  try {
    const a = await startNode('bench-a', env);
    nodes.push(a.child);
    const b = await startNode('bench-b', env);
    nodes.push(b.child);
    // Pairs of mutual contacts with a chat each (the steady state: messages in existing chats).
    const pairs: { from: string; to: string }[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const made = [];
      for (const k of [0, 1]) {
        const r = await post(a.url, ADMIN, '/v1/accounts', { name: `P${i}-${k}`, phone: `+4477077${String(i * 2 + k).padStart(5, '0')}` });
        if (r.status !== 201) throw new Error(`account: ${r.status} ${JSON.stringify(r.body)}`);
        made.push({ id: r.body.account.id as string, token: r.body.token as string });
      }
      await post(a.url, made[0]!.token, '/v1/contacts', { accountId: made[1]!.id });
      await post(a.url, made[1]!.token, '/v1/contacts', { accountId: made[0]!.id });
      await post(a.url, made[0]!.token, '/v1/messages', { to: { accountId: made[1]!.id }, text: 'hi' });
      pairs.push({ from: made[0]!.token, to: made[1]!.id });
    }
    const figures: Record<string, string> = {};
    const measure = async (label: string, work: (w: number, i: number) => Promise<number>) => {
      const c0 = { a: cpuOf(a.child.pid!), b: cpuOf(b.child.pid!), pg: pgCpu(), redis: await redisCpu(redis) };
      const s0 = await commandStats(redis);
      const e0 = await streamAdded(redis);
      const t0 = performance.now();
      const n = await loop(work);
      const wall = (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 300)); // the robots' consumer finishes the tail
      const c1 = { a: cpuOf(a.child.pid!), b: cpuOf(b.child.pid!), pg: pgCpu(), redis: await redisCpu(redis) };
      const s1 = await commandStats(redis);
      const e1 = await streamAdded(redis);
      const robotEvents = e1 - e0;
      const cmd = (name: string) => {
        const x = s1.get(name) ?? { calls: 0, usec: 0 };
        const y = s0.get(name) ?? { calls: 0, usec: 0 };
        return { calls: x.calls - y.calls, usec: x.usec - y.usec };
      };
      const xadd = cmd('xadd');
      const xread = cmd('xread');
      const exec = cmd('evalsha');
      figures[`${label}: robot events streamed`] = `${robotEvents} (${(robotEvents / n.ok).toFixed(2)} per request)`;
      if (robotEvents > 0) {
        figures[`${label}: Redis XADD time per robot event (commandstats)`] = `${(xadd.usec / robotEvents).toFixed(2)} µs`;
        figures[`${label}: Redis XREAD time per robot event (commandstats, the consumer)`] =
          `${(xread.usec / robotEvents).toFixed(2)} µs (${xread.calls} reads)`;
      }
      figures[`${label}: Redis script time per request (buckets, commandstats)`] = `${(exec.usec / n.ok).toFixed(2)} µs (${exec.calls} calls)`;
      const per = (x: number) => `${((x / n.ok) * 1e6).toFixed(0)} µs`;
      figures[`${label}: answered 2xx /s`] = `${(n.ok / wall).toFixed(0)} (other answers: ${n.other})`;
      figures[`${label}: node A CPU per request`] = per(c1.a - c0.a);
      figures[`${label}: PostgreSQL CPU per request`] = per(c1.pg - c0.pg);
      figures[`${label}: Redis CPU per request`] = per(c1.redis - c0.redis);
      figures[`${label}: node B (following only) CPU per request`] = per(c1.b - c0.b);
      return n.ok;
    };
    await measure('messages in existing chats', (w, i) => {
      const p = pairs[(w * 7919 + i) % pairs.length]!;
      return post(a.url, p.from, '/v1/messages', { to: { accountId: p.to }, text: `m${i}` }).then((r) => r.status);
    });
    const feed = new pg.Client({ connectionString: url, user });
    await feed.connect();
    const before = Number((await feed.query('select coalesce(max(id), 0) as m from events')).rows[0].m);
    const blocked = new Set<number>();
    const events = await measure('block/unblock (one event each)', (w, i) => {
      const k = (w * 131 + i) % pairs.length;
      const p = pairs[k]!;
      const on = !blocked.has(k);
      if (on) blocked.add(k);
      else blocked.delete(k);
      return (
        on
          ? post(a.url, p.from, '/v1/blocks', { accountId: p.to })
          : fetch(`${a.url}/v1/blocks/${p.to}`, { method: 'DELETE', headers: { authorization: `Bearer ${p.from}` } })
      ).then((r) => r.status);
    });
    const after = Number((await feed.query('select coalesce(max(id), 0) as m from events')).rows[0].m);
    figures['block/unblock: events committed'] = `${after - before} (${events} writes)`;
    // The feed read as a node catching up reads it: pages of 1,000 rows, decoded.
    const t0 = performance.now();
    let cursor = 0;
    let read = 0;
    for (;;) {
      const r = await feed.query('select id, at, type, actor_kind, actor_id, account_id, payload from events where id > $1 order by id limit 1000', [cursor]);
      if (r.rows.length === 0) break;
      for (const row of r.rows) JSON.parse(row.payload);
      read += r.rows.length;
      cursor = Number(r.rows.at(-1).id);
    }
    figures['feed catch-up read (pages of 1,000, decoded), events/s'] = `${(read / ((performance.now() - t0) / 1000)).toFixed(0)} (${read} events)`;
    const lease = await feed.query(`select value from settings where key = 'lease:robots'`).catch(() => ({ rows: [] }));
    figures['robots run on'] = String((lease.rows[0] as { value?: string } | undefined)?.value?.slice(16) ?? 'none');
    await feed.end();
    console.log(`bench/cluster.ts ${new Date().toISOString()} · ${os.cpus()[0]?.model} ×${os.cpus().length} · load ${os.loadavg()[0]!.toFixed(2)}`);
    console.log(`connections ${CONNECTIONS} · ${SECONDS} s per phase · ${PAIRS} pairs`);
    for (const [k, v] of Object.entries(figures)) console.log(`| ${k} | ${v} |`);
  } finally {
    for (const c of nodes) c.kill('SIGKILL');
    redis.disconnect();
    await adminDb.query(`drop database if exists "${db}" with (force)`).catch(() => {});
    await adminDb.end();
  }
}

await main();
