import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, World, type TestAccount } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * Robots' evidence survives a restart (src/robots/memory.ts): what they heard is kept in the store
 * for BANYA_ROBOT_MEMORY_DAYS and replayed at start with effects off, so an account halfway to a
 * rule's threshold is still halfway after a restart, the day's caps carry on, nothing is applied
 * twice, and rows older than the memory's days go.
 */

const HOUR = 3600;
const DAY = 24 * HOUR;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-robot-memory-'));
const servers: TestServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** cold_fanout alone, pinned: young accounts' plain texts limited past 8 strangers an hour, on volume alone. */
function robotsFile(name: string, extra: Record<string, unknown> = {}, rule: Record<string, unknown> = {}): string {
  const file = path.join(tmp, `${name}.json`);
  const only = { hourly: 20, daily: 50, youngPlainHourly: 8, youngPlainDaily: 15, hardFactor: 1 };
  fs.writeFileSync(file, JSON.stringify({ ...extra, rules: { cold_fanout: { ...rule, settings: only } } }));
  return file;
}

async function start(overrides: Parameters<typeof startServer>[0], dataDir?: string): Promise<TestServer> {
  const s = await startServer(overrides, dataDir);
  servers.push(s);
  return s;
}

async function restart(s: TestServer): Promise<TestServer> {
  servers.splice(servers.indexOf(s), 1);
  const next = await s.restart();
  servers.push(next);
  return next;
}

/** The same account, spoken for on the restarted server. */
function on(s: TestServer, a: TestAccount): TestAccount {
  return { ...a, api: new Client(s.url, a.token) };
}

function greeting(i: number): string {
  return `Hello ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}ra, are you coming to the fair on Sunday?`;
}

async function greet(from: TestAccount, to: TestAccount[], first: number): Promise<void> {
  for (const [i, t] of to.entries()) {
    const r = await from.api.post('/v1/messages', { to: { accountId: t.id }, text: greeting(first + i) });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
}

async function state(a: TestAccount): Promise<string> {
  const r = await a.api.get('/v1/me');
  expect(r.status).toBe(200);
  return r.body.restriction.state;
}

async function robotEvents(w: World, a: TestAccount): Promise<any[]> {
  const r = await w.admin.get(`/v1/moderation/accounts/${a.id}?limit=1000`);
  expect(r.status).toBe(200);
  return r.body.events.filter((e: any) => e.actor?.kind === 'robot');
}

/** How many events (and actions) the store remembers. */
async function rows(s: TestServer): Promise<number> {
  const store = s.app.platform.store;
  const all = await store.all<{ events: string }>(store.db.selectFrom('robot_events').select('events'));
  return all.reduce((n, r) => n + (JSON.parse(r.events) as unknown[]).length, 0);
}

/** Moves the clock forward to the next moment `seconds` past a UTC midnight. */
async function toTimeOfDay(w: World, seconds: number): Promise<void> {
  const now = (await w.advance(0)) / 1000;
  await w.advance(Math.ceil((((seconds - (now % DAY)) % DAY) + DAY) % DAY));
}

async function strangers(w: World, n: number): Promise<TestAccount[]> {
  const out: TestAccount[] = [];
  for (let i = 0; i < n; i++) out.push(await w.account());
  return out;
}

describe('robots across a restart', () => {
  it('an account five strangers into a fan-out is limited on its 9th stranger of the hour, restart in between', async () => {
    let s = await start({ robotsFile: robotsFile('fanout') });
    let w = new World(s.url);
    let a = await w.account();
    let others = await strangers(w, 9);
    await greet(a, others.slice(0, 5), 0);
    s = await restart(s);
    w = new World(s.url);
    a = on(s, a);
    others = others.map((o) => on(s, o));
    await greet(a, others.slice(5, 8), 5);
    expect(await state(a)).toBe('free');
    await greet(a, others.slice(8, 9), 8);
    expect(await state(a)).toBe('limited');
    expect((await robotEvents(w, a)).filter((e) => e.type === 'restriction_applied')).toHaveLength(1);
  });

  it('without the memory (BANYA_ROBOT_MEMORY_DAYS=0) they begin empty: the same account is not limited', async () => {
    let s = await start({ robotsFile: robotsFile('fanout-off'), robotMemoryDays: 0 });
    let w = new World(s.url);
    let a = await w.account();
    const others = await strangers(w, 9);
    await greet(a, others.slice(0, 5), 0);
    expect(await rows(s)).toBe(0);
    s = await restart(s);
    w = new World(s.url);
    a = on(s, a);
    await greet(
      a,
      others.slice(5, 9).map((o) => on(s, o)),
      5,
    );
    expect(await state(a)).toBe('free');
  });

  it('a limit robots applied before the restart is not applied again by the replay, and runs out as set', async () => {
    let s = await start({ robotsFile: robotsFile('once') });
    let w = new World(s.url);
    let a = await w.account();
    await greet(a, await strangers(w, 9), 0);
    expect(await state(a)).toBe('limited');
    s = await restart(s);
    w = new World(s.url);
    a = on(s, a);
    expect(await state(a)).toBe('limited');
    const mine = await robotEvents(w, a);
    expect(mine.filter((e) => e.type === 'restriction_applied')).toHaveLength(1);
    expect(mine.filter((e) => e.type === 'robot_shadow')).toHaveLength(0);
    // The robots' figures count from this start: the replayed action is not counted again.
    expect(s.app.robots.stats.get('cold_fanout')).toMatchObject({ actions: 0, hits: 0 });
    await w.advance(DAY);
    expect(await state(a)).toBe('free');
  });

  it("the day's cap carries on: with a cap of one, the second account of the day is only shadowed after a restart", async () => {
    let s = await start({ robotsFile: robotsFile('cap', { dailyActionCap: 1 }) });
    let w = new World(s.url);
    // Midday, so the whole test is one day whenever it runs.
    await toTimeOfDay(w, 12 * HOUR);
    const first = await w.account();
    let second = await w.account();
    let others = await strangers(w, 9);
    await greet(first, others, 0);
    expect(await state(first)).toBe('limited');
    s = await restart(s);
    w = new World(s.url);
    second = on(s, second);
    others = others.map((o) => on(s, o));
    await greet(second, others, 20);
    expect(await state(second)).toBe('free');
    const shadows = (await robotEvents(w, second)).filter((e) => e.type === 'robot_shadow');
    expect(shadows).toHaveLength(1);
    expect(JSON.stringify(shadows[0])).toContain('daily_cap');
  });

  it('forgets what is older than its days: old rows are deleted, and are not replayed', async () => {
    let s = await start({ robotsFile: robotsFile('forget'), robotMemoryDays: 1 });
    const w = new World(s.url);
    const a = await w.account();
    const others = await strangers(w, 9);
    await greet(a, others.slice(0, 5), 0);
    // Written before the clock moves (on PostgreSQL a batch gathers for 20 ms).
    await s.app.robotMemory.flush();
    const before = await rows(s);
    expect(before).toBeGreaterThan(5);
    // Two days on, the next events' write deletes the rows from before the last day.
    await w.advance(2 * DAY);
    const b = await w.account();
    await greet(
      b,
      others.slice(0, 1).map((o) => on(s, o)),
      40,
    );
    // The memory's writes (and the deletion) are durable once its flush resolves.
    await s.app.robotMemory.flush();
    const kept = await rows(s);
    expect(kept).toBeLessThan(before);
    expect(kept).toBeGreaterThan(0);
    s = await restart(s);
    // Only the last day's rows were replayed, and /metrics says so.
    expect(s.app.robotMemory.lastReplay).toMatchObject({ events: kept, skipped: 0 });
    const metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(new RegExp(`^banya_robot_memory_replayed_events ${kept}$`, 'm'));
  });

  it('a rule tried in shadow mode, then enforced with a restart, acts on the accounts it only shadowed', async () => {
    const file = robotsFile('trial', {}, { shadow: true });
    let s = await start({ robotsFile: file });
    let w = new World(s.url);
    let a = await w.account();
    let others = await strangers(w, 10);
    await greet(a, others.slice(0, 9), 0);
    expect(await state(a)).toBe('free');
    expect((await robotEvents(w, a)).filter((e) => e.type === 'robot_shadow')).toHaveLength(1);
    // The operator turns the rule on: the same file, enforced, read at the restart.
    robotsFile('trial');
    s = await restart(s);
    w = new World(s.url);
    a = on(s, a);
    others = others.map((o) => on(s, o));
    // Its tenth stranger within the hour: the replay held nothing back.
    await greet(a, others.slice(9, 10), 9);
    expect(await state(a)).toBe('limited');
  });

  it("an account only shadowed by yesterday's cap is acted on today, across a restart", async () => {
    let s = await start({ robotsFile: robotsFile('cap-tomorrow', { dailyActionCap: 1 }) });
    let w = new World(s.url);
    // Late in the day (young accounts, made after the clock moved): the first takes the day's
    // one action, the second is shadowed by the cap.
    await toTimeOfDay(w, DAY - 20 * 60);
    const first = await w.account();
    let second = await w.account();
    let others = await strangers(w, 18);
    await greet(first, others.slice(0, 9), 0);
    await greet(second, others.slice(0, 9), 20);
    expect(await state(first)).toBe('limited');
    expect(await state(second)).toBe('free');
    // Half an hour later it is the next day, with a new cap; the restart replays yesterday
    // acting on nothing, so nothing holds robots off the second (a replay that "applied" what
    // the cap stopped would hold it for the limit's day).
    await w.advance(30 * 60);
    s = await restart(s);
    w = new World(s.url);
    second = on(s, second);
    others = others.map((o) => on(s, o));
    await greet(second, others.slice(9, 18), 40);
    expect(await state(second)).toBe('limited');
  });

  it('turned off, it forgets what it kept', async () => {
    let s = await start({ robotsFile: robotsFile('off-later') });
    const w = new World(s.url);
    await greet(await w.account(), await strangers(w, 3), 0);
    await s.app.robotMemory.flush();
    expect(await rows(s)).toBeGreaterThan(0);
    servers.splice(servers.indexOf(s), 1);
    await s.stop();
    s = await start({ robotsFile: robotsFile('off-later'), robotMemoryDays: 0 }, s.dataDir);
    expect(await rows(s)).toBe(0);
  });
});
