import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { RobotsEngine, type EffectSink } from '../src/robots/engine.js';
import { textSignals } from '../src/robots/events.js';
import { BUILT_IN_RULES, robotsConfig } from '../src/robots/rules.js';
import { PostgresStore } from '../src/store/postgres.js';
import { type Running, serve } from './helpers/cli-server.js';
import { Client, type TestAccount } from './helpers/client.js';
import { expectError, within } from './helpers/expect.js';
import { databaseUrlFor, onPostgres, queryAt } from './helpers/pg.js';
import { redisAvailable, startRedis, type TestRedis } from './helpers/redis.js';

/**
 * The robots and the lookup cap with two nodes (real `banya serve` processes on one PostgreSQL
 * and one Redis): an account's events are counted once for the cluster whichever node they
 * reach, a daily cap is one count, the lookup cap is one record, and the robots keep acting —
 * each effect once — when the node running them is killed.
 */

const ADMIN = 'cluster-robots-admin-token-0123456789';
const LEASE_MS = 1500;
const LOOKUPS_PER_DAY = 6;
const TEXT = 'hello there, how are you today';

/** Only `cold_fanout`, with one low hourly threshold whatever the account's age and links, limiting on volume alone. */
const ROBOTS = {
  rules: Object.fromEntries(
    BUILT_IN_RULES.map((r) => [
      r.name,
      r.name === 'cold_fanout'
        ? { settings: { hourly: 4, youngHourly: 4, youngPlainHourly: 4, daily: 100, youngDaily: 100, youngPlainDaily: 100, hardFactor: 1 } }
        : { enabled: false },
    ]),
  ),
  dailyActionCap: 3,
};

/** How many cold new chats in a row one node's engine lets through before it limits (from the rules). */
function singleNodeThreshold(): number {
  const applied: number[] = [];
  const sink: EffectSink = {
    apply: (account) => void applied.push(account),
    shadow: () => {},
    manualDecisionAt: () => 0,
    restricted: (account) => applied.includes(account),
  };
  const engine = new RobotsEngine(robotsConfig(ROBOTS), sink);
  const at = Date.UTC(2026, 0, 1);
  engine.observe({ type: 'account', at, account: 1, voip: false });
  for (let i = 1; i <= 1000; i++) {
    engine.observe({ type: 'message', at: at + i, from: 1, to: 1000 + i, stranger: true, newChat: true, ...textSignals(TEXT) });
    if (applied.length > 0) return i;
  }
  throw new Error('the rules never limit');
}

const children: ChildProcess[] = [];
let redis: TestRedis;
let r: Redis;
let databaseUrl: string;
let dataRoot: string;
let robotsFile: string;
const nodes: Record<'A' | 'B', Running | null> = { A: null, B: null };
type N = 'A' | 'B';
const other = (n: N): N => (n === 'A' ? 'B' : 'A');

async function startNode(name: N): Promise<Running> {
  const dataDir = path.join(dataRoot, name);
  fs.mkdirSync(dataDir, { recursive: true });
  const run = await serve({
    dataDir,
    adminToken: ADMIN,
    children,
    env: {
      BANYA_DATABASE_URL: databaseUrl,
      BANYA_REDIS_URL: redis.url,
      BANYA_NODE_ID: `node-${name}`,
      BANYA_CLOCK: 'manual',
      BANYA_LEASE_MS: String(LEASE_MS),
      BANYA_FEED_POLL_MS: '200',
      BANYA_ROBOTS_FILE: robotsFile,
      BANYA_LOOKUPS_PER_DAY: String(LOOKUPS_PER_DAY),
      PGUSER: process.env.PGUSER || os.userInfo().username,
    },
  });
  nodes[name] = run;
  return run;
}

const admin = (n: N) => new Client(nodes[n]!.url, ADMIN);
const as = (n: N, a: TestAccount) => new Client(nodes[n]!.url, a.token);

let phoneSeq = 0;
const nextPhone = () => `+4477077${String(++phoneSeq).padStart(5, '0')}`;

async function account(n: N = 'A'): Promise<TestAccount> {
  const phone = nextPhone();
  const res = await admin(n).post('/v1/accounts', { name: `Person ${phone.slice(-4)}`, phone });
  if (res.status !== 201) throw new Error(`account: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.account.id, phone, token: res.body.token, api: as(n, res.body.token) };
}

const send = (n: N, from: TestAccount, to: TestAccount) => as(n, from).post('/v1/messages', { to: { accountId: to.id }, text: TEXT });

const sql = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => queryAt<T>(databaseUrl, text, values);

const num = (id: string) => Number(id.slice(1));

/** Robot-made restrictions of an account. */
async function robotLimits(a: TestAccount): Promise<number> {
  return Number((await sql<{ n: string }>(`select count(*) as n from restrictions where kind = 'robot' and account_id = $1`, [num(a.id)]))[0]!.n);
}

async function dailyCapShadows(a: TestAccount): Promise<number> {
  const rows = await sql<{ n: string }>(
    `select count(*) as n from events where type = 'robot_shadow' and account_id = $1 and payload::json->>'why' = 'daily_cap'`,
    [num(a.id)],
  );
  return Number(rows[0]!.n);
}

/** Waits until the robots' consumer has applied everything in the stream (and it stayed so for a moment). */
async function drained(ms = 1000): Promise<void> {
  let stable = 0;
  await within(ms, async () => {
    const last = (await r.xrevrange('banya:robots', '+', '-', 'COUNT', 1))[0]?.[0];
    const cursor = await r.get('banya:robots:cursor');
    if (last === undefined || last !== cursor) {
      stable = 0;
      throw new Error(`stream at ${last}, consumed to ${cursor}`);
    }
    if (++stable < 3) throw new Error('not yet stable');
  });
}

/** `spammer` opens `k` cold chats with fresh strangers, through A and B in turn (starting on `first`), or only through `first`. */
async function coldChats(spammer: TestAccount, k: number, first: N = 'A', only = false): Promise<void> {
  let n = first;
  for (let i = 0; i < k; i++) {
    const stranger = await account(n);
    const m = await send(n, spammer, stranger);
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    if (!only) n = other(n);
  }
}

async function leaseHolder(): Promise<N> {
  const row = (await sql<{ value: string }>(`select value from settings where key = 'lease:robots'`))[0];
  const owner = row?.value.slice(16);
  if (owner !== 'node-A' && owner !== 'node-B') throw new Error(`robots lease held by ${owner}`);
  return owner === 'node-A' ? 'A' : 'B';
}

/** Moves the cluster's clock into the next day (UTC): the daily caps start again. */
async function newDay(): Promise<void> {
  const nowMs = Date.parse((await admin('A').post('/v1/admin/clock', { advanceSeconds: 0 })).body.now);
  expect(Number.isFinite(nowMs)).toBe(true);
  const toNextDay = Math.ceil((86_400_000 - (nowMs % 86_400_000)) / 1000) + 60;
  expect((await admin('A').post('/v1/admin/clock', { advanceSeconds: toNextDay })).status).toBe(200);
}

const run = onPostgres() && redisAvailable();

describe.runIf(run)('robots and the lookup cap on two nodes', () => {
  const threshold = singleNodeThreshold();
  /** Accounts robots acted on, and the one the daily cap held off. */
  const acted: TestAccount[] = [];
  let capped: TestAccount | null = null;

  beforeAll(async () => {
    dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-cluster-robots-'));
    robotsFile = path.join(dataRoot, 'robots.json');
    fs.writeFileSync(robotsFile, JSON.stringify(ROBOTS));
    databaseUrl = await databaseUrlFor(dataRoot);
    redis = await startRedis();
    r = new Redis(redis.url);
    await startNode('A');
    await startNode('B');
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    r?.disconnect();
    await redis?.stop();
    if (dataRoot) fs.rmSync(dataRoot, { recursive: true, force: true });
  });

  it('cold chats spread over A and B are limited at the count one node limits at', async () => {
    expect(threshold).toBeGreaterThan(2); // enough messages to alternate
    const spammer = await account('A');
    await coldChats(spammer, threshold - 1);
    await drained();
    // One short of the threshold: free on both nodes (two per-node counts would be far below it too).
    for (const n of ['A', 'B'] as const) expect((await as(n, spammer).get('/v1/me')).body.restriction.state).toBe('free');
    expect(await robotLimits(spammer)).toBe(0);
    // The threshold-th cold chat, on either node: limited, and the other node enforces it.
    const last: N = threshold % 2 === 1 ? 'A' : 'B';
    const stranger = await account(last);
    expect((await send(last, spammer, stranger)).status).toBe(201);
    await within(1000, async () => expect((await as(other(last), spammer).get('/v1/me')).body.restriction.state).toBe('limited'));
    expectError(await send(other(last), spammer, await account('A')), 403, 'PEER_FLOOD');
    await drained();
    expect(await robotLimits(spammer)).toBe(1);
    acted.push(spammer);
  });

  it('the daily cap counts the actions of the whole cluster once', async () => {
    await newDay();
    const cap = ROBOTS.dailyActionCap;
    const spammers: TestAccount[] = [];
    for (let i = 0; i <= cap; i++) spammers.push(await account(i % 2 === 0 ? 'A' : 'B'));
    for (const [i, s] of spammers.entries()) {
      await coldChats(s, threshold, i % 2 === 0 ? 'A' : 'B');
      await drained();
    }
    const limited = await Promise.all(spammers.map(robotLimits));
    // Per-node caps would have let every one of them be limited (each node saw about half).
    expect(limited).toEqual([...Array(cap).fill(1), 0]);
    expect(await dailyCapShadows(spammers[cap]!)).toBe(1);
    acted.push(...spammers.slice(0, cap));
    capped = spammers[cap]!;
  }, 120_000);

  it('the lookup cap is one record for both nodes', async () => {
    const asker = await account('A');
    const looked: string[] = [];
    for (let i = 0; i < LOOKUPS_PER_DAY; i++) {
      const phone = nextPhone(); // nobody's: 404, and counted all the same
      looked.push(phone);
      const res = await as(i % 2 === 0 ? 'A' : 'B', asker).get(`/v1/accounts/resolve?phone=${encodeURIComponent(phone)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(404);
    }
    // One more new number on either node is refused; a number already looked up (on the other node) is not.
    for (const n of ['A', 'B'] as const) {
      const res = await as(n, asker).get(`/v1/accounts/resolve?phone=${encodeURIComponent(nextPhone())}`);
      expectError(res, 429, 'FLOOD_WAIT');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await as('B', asker).get(`/v1/accounts/resolve?phone=${encodeURIComponent(looked[0]!)}`)).status).toBe(404);
    // An import through A over the cap changes nothing either.
    const imp = await as('A', asker).post('/v1/contacts/import', { contacts: [{ phone: nextPhone(), name: 'One more' }] });
    expectError(imp, 429, 'FLOOD_WAIT');
  });

  it('the node running the robots killed: the other takes over from the stream, each effect once', async () => {
    await newDay(); // the last test spent the day's cap
    const holder = await leaseHolder();
    const survivor = other(holder);
    const spammer = await account(survivor);
    await coldChats(spammer, threshold - 1);
    await drained();
    expect(await robotLimits(spammer)).toBe(0);
    // As if the holder died after its effects were durable but before it moved the cursor past
    // them: the new holder applies the whole stream again, and each effect's once key stands.
    await r.set('banya:robots:cursor', '0-1');
    nodes[holder]!.child.kill('SIGKILL');
    await nodes[holder]!.exited;
    // The counts so far were the dead node's memory: the new holder rebuilds them from the stream.
    expect((await send(survivor, spammer, await account(survivor))).status).toBe(201);
    await within(LEASE_MS + 5000, async () => {
      const me = await as(survivor, spammer).get('/v1/me');
      expect(me.body.restriction?.state, JSON.stringify(me.body)).toBe('limited');
    });
    expect(await leaseHolder()).toBe(survivor);
    // And it keeps acting on what comes next.
    const next = await account(survivor);
    await coldChats(next, threshold, survivor, true);
    await within(1000, async () => expect((await as(survivor, next).get('/v1/me')).body.restriction.state).toBe('limited'));
    await drained();
    expect(await robotLimits(spammer)).toBe(1);
    expect(await robotLimits(next)).toBe(1);
    const twice = await sql(`select account_id from restrictions where kind = 'robot' group by 1 having count(*) > 1`);
    expect(twice).toEqual([]);
    // The earlier tests' effects, applied again from the start of the stream: none twice.
    expect(acted.length).toBeGreaterThan(0);
    for (const a of acted) expect(await robotLimits(a)).toBe(1);
    expect(await dailyCapShadows(capped!)).toBe(1);
    await startNode(holder);
  }, 120_000);

  it('banya check afterwards: the tables equal the replayed log', async () => {
    const store = await PostgresStore.open(databaseUrl);
    try {
      expect(await checkProjections(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
