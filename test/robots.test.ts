import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { parseId } from '../src/store/ids.js';
import { enforcementSink } from '../src/robots/sink.js';
import { Client, World, type Res, type TestAccount } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';
import { expectError } from './helpers/expect.js';

/**
 * Robots over HTTP (RULES.md §3–§4): a real server on SQLite and the manual clock. The platform
 * publishes what happened; robots limit through enforcement's door (kind `robot`), stay in their
 * guard rails (shadow mode, the hold after a person's decision), and are not fooled by a crowd
 * of fresh accounts reporting an innocent.
 */

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;

const servers: TestServer[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-robots-'));

afterEach(async () => {
  for (const s of servers) expect(await checkProjections(s.app.platform.store)).toEqual([]);
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A server (with a robots file when `robots` is given) and its world. */
/**
 * cold_fanout pinned to fixed thresholds — young accounts' texts without links 8 an hour and 15 a
 * day (defaults 30 and 80), established accounts 20 and 50 (defaults 40 and 150), and limiting on
 * volume alone (`hardFactor` 1; by default a person is asked first) — so that a fan-out of
 * greetings exercises the guard rails.
 */
const PINNED = { hourly: 20, daily: 50, youngPlainHourly: 8, youngPlainDaily: 15, hardFactor: 1 };

async function serverWith(given?: { rules?: Record<string, { settings?: Record<string, number> } & Record<string, unknown>> }): Promise<World> {
  const rules = { ...given?.rules };
  rules.cold_fanout = { ...rules.cold_fanout, settings: { ...PINNED, ...rules.cold_fanout?.settings } };
  const robots: unknown = { ...given, rules };
  let robotsFile: string | undefined;
  if (robots !== undefined) {
    robotsFile = path.join(tmp, `robots-${servers.length}.json`);
    fs.writeFileSync(robotsFile, JSON.stringify(robots));
  }
  const s = await startServer(robotsFile ? { robotsFile } : {});
  servers.push(s);
  return new World(s.url);
}

async function advance(w: World, seconds: number): Promise<number> {
  const r = await w.admin.post('/v1/admin/clock', { advanceSeconds: seconds });
  expect(r.status).toBe(200);
  return Date.parse(r.body.now);
}

async function me(a: TestAccount): Promise<any> {
  const r = await a.api.get('/v1/me');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.restriction;
}

async function send(from: TestAccount, to: TestAccount, text: string): Promise<Res> {
  return from.api.post('/v1/messages', { to: { accountId: to.id }, text });
}

/** Sends and expects it to go out; returns the chat id. */
async function sent(from: TestAccount, to: TestAccount, text: string): Promise<string> {
  const r = await send(from, to, text);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message.chatId;
}

/** The account's whole timeline, newest first, page by page. */
async function timeline(w: World, a: TestAccount): Promise<any[]> {
  const events: any[] = [];
  let cursor: string | undefined;
  do {
    const r = await w.admin.get(`/v1/moderation/accounts/${a.id}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    events.push(...r.body.events);
    cursor = r.body.nextCursor;
  } while (cursor);
  return events;
}

const byRobots = (events: any[], type: string) => events.filter((e) => e.type === type && e.actor?.kind === 'robot');

/** A different text for each i (different letters, not only digits: a template hashes digits away). */
function greeting(i: number): string {
  const name = String.fromCharCode(65 + (i % 26)) + String.fromCharCode(97 + Math.floor(i / 26)) + 'lex';
  return `Hi ${name}, I think we met at the fair last week?`;
}

/** `n` accounts that do not know `a`. */
async function strangers(w: World, n: number): Promise<TestAccount[]> {
  const out: TestAccount[] = [];
  for (let i = 0; i < n; i++) out.push(await w.account());
  return out;
}

/** A young account writes to 9 strangers at once: limited by cold_fanout on the 9th (young: more than 8 an hour). */
async function fanOut(w: World, a: TestAccount, n = 9): Promise<void> {
  for (const [i, s] of (await strangers(w, n)).entries()) await sent(a, s, greeting(i));
}

describe('a young account writing to many strangers', () => {
  let w: World;
  beforeAll(async () => {
    w = await serverWith();
  });

  it('is limited by cold_fanout (kind robot) on its 9th stranger in an hour, then gets PEER_FLOOD', async () => {
    const a = await w.account();
    const others = await strangers(w, 10);
    for (let i = 0; i < 8; i++) await sent(a, others[i]!, greeting(i));
    expect(await me(a)).toMatchObject({ state: 'free' });
    const t = await advance(w, 0);
    await sent(a, others[8]!, greeting(8));
    expect(await me(a)).toEqual({ state: 'limited', kind: 'robot', until: new Date(t + DAY * 1000).toISOString(), publicGroupsBan: false });
    expectError(await send(a, others[9]!, greeting(9)), 403, 'PEER_FLOOD');
    // Replies and mutual contacts still work.
    await sent(others[0]!, a, 'Who are you?');
    await sent(a, others[0]!, 'Sorry, wrong person');

    const applied = (await timeline(w, a)).filter((e) => e.type === 'restriction_applied');
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ actor: { kind: 'robot', id: 'cold_fanout' } });
    // Staff see which signals fired, with their values and thresholds, beside the limit.
    expect(applied[0].signals?.length).toBeGreaterThan(0);
    for (const sig of applied[0].signals ?? [])
      expect(sig).toMatchObject({ name: expect.any(String), value: expect.any(Number), threshold: expect.any(Number) });
    // It ends by itself after a day.
    await advance(w, DAY);
    expect(await me(a)).toMatchObject({ state: 'free' });
  });

  it('is left alone below the threshold, and when writing to people who saved it', async () => {
    const a = await w.account();
    for (const [i, s] of (await strangers(w, 8)).entries()) await sent(a, s, greeting(i));
    const friends = await strangers(w, 12);
    for (const f of friends) await w.save(f, a);
    for (const [i, f] of friends.entries()) await sent(a, f, greeting(i));
    expect(await me(a)).toMatchObject({ state: 'free' });
    const tl = await timeline(w, a);
    expect(byRobots(tl, 'restriction_applied')).toEqual([]);
    expect(byRobots(tl, 'robot_shadow')).toEqual([]);
  });
});

describe('reports and robots', () => {
  let w: World;
  beforeAll(async () => {
    w = await serverWith();
  });

  /** `sender` writes to each recipient once, 10 minutes apart (6 an hour: well below cold_fanout). */
  async function writeSlowly(sender: TestAccount, recipients: TestAccount[], text = greeting): Promise<string[]> {
    const chats: string[] = [];
    for (const [i, r] of recipients.entries()) {
      chats.push(await sent(sender, r, text(i)));
      await advance(w, 10 * MIN);
    }
    return chats;
  }

  it('30 fresh accounts reporting an established innocent do not get it limited (brigading)', async () => {
    const innocent = await w.account();
    await advance(w, 2 * DAY);
    const brigade = await strangers(w, 30);
    const chats = await writeSlowly(innocent, brigade);
    for (const [i, b] of brigade.entries()) {
      const r = await b.api.post('/v1/reports', { chatId: chats[i], reason: 'spam' });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    expect(await me(innocent)).toMatchObject({ state: 'free' });
    await sent(innocent, await w.account(), 'Hello, is the bike still for sale?');
    const tl = await timeline(w, innocent);
    expect(tl.filter((e) => e.type === 'report_filed')).toHaveLength(30);
    expect(byRobots(tl, 'restriction_applied')).toEqual([]);
    expect(byRobots(tl, 'robot_shadow')).toEqual([]);
    expect(tl.filter((e) => e.type === 'restriction_applied' || e.type === 'account_frozen')).toEqual([]);
  });

  it('an established spammer reported by 30 established recipients is limited, by stranger_feedback', async () => {
    const spammer = await w.account();
    const recipients = await strangers(w, 30);
    await advance(w, 2 * DAY);
    // A text of its own: the innocent above wrote the greetings, and complaints about a text two
    // accounts sent are the campaign rule's.
    const chats = await writeSlowly(spammer, recipients, (i) => `Cheap watches for you, number ${i}, write me today`);
    expect(await me(spammer)).toMatchObject({ state: 'free' });
    const states: string[] = [];
    for (const [i, r] of recipients.entries()) {
      const rep = await r.api.post('/v1/reports', { chatId: chats[i], reason: 'spam' });
      expect(rep.status, JSON.stringify(rep.body)).toBe(201);
      states.push((await me(spammer)).state);
    }
    // Three complaints of 30 strangers it reached: a smoothed rate of (3 + 0.2) / (30 + 10) = 8%,
    // past stranger_feedback's 7% (reports_per_stranger would need six).
    expect(states.indexOf('limited')).toBe(2);
    expect(await me(spammer)).toMatchObject({ state: 'limited', kind: 'robot' });
    expectError(await send(spammer, await w.account(), 'Cheap watches'), 403, 'PEER_FLOOD');
    const applied = byRobots(await timeline(w, spammer), 'restriction_applied');
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ actor: { kind: 'robot', id: 'stranger_feedback' } });
    expect(applied[0].signals?.length).toBeGreaterThan(0);
  });
});

describe('group reports below the leniency threshold', () => {
  it('reach no robot: a robot that acts on one report does not see them, and does see a private one', async () => {
    // reports_per_stranger made to act on a single report of any weight.
    const w = await serverWith({ rules: { reports_per_stranger: { settings: { minWeight: 0.0001, ratio: 0.0001, freshCap: 1 } } } });
    const owner = await w.account();
    const spammer = await w.account();
    const [m1, m2] = [await w.account(), await w.account()];
    const g = (await owner.api.post('/v1/groups', { title: 'Market', kind: 'group', public: true })).body.chat.id as string;
    for (const a of [spammer, m1, m2]) expect((await a.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
    const post = await spammer.api.post('/v1/messages', { to: { chatId: g }, text: 'Crypto signals, DM me' });
    expect(post.status).toBe(201);
    for (const m of [m1, m2]) {
      const r = await m.api.post('/v1/reports', { chatId: g, messageIds: [post.body.message.id] });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.report.caseId).toBeUndefined();
    }
    expect(await me(spammer)).toMatchObject({ state: 'free' });
    expect(byRobots(await timeline(w, spammer), 'restriction_applied')).toEqual([]);
    expect(byRobots(await timeline(w, spammer), 'robot_shadow')).toEqual([]);
    // The same robot on a private report, which always opens a case: it acts.
    const chat = await sent(spammer, m1, 'Crypto signals, write me');
    expect((await m1.api.post('/v1/reports', { chatId: chat })).status).toBe(201);
    expect(await me(spammer)).toMatchObject({ state: 'limited', kind: 'robot' });
    expect(byRobots(await timeline(w, spammer), 'restriction_applied')).toMatchObject([{ actor: { id: 'reports_per_stranger' } }]);
  });
});

describe('shadow mode', () => {
  it('records a robot_shadow event and does not limit', async () => {
    const w = await serverWith({ rules: { cold_fanout: { shadow: true } } });
    const a = await w.account();
    await fanOut(w, a, 12);
    expect(await me(a)).toMatchObject({ state: 'free' });
    await sent(a, await w.account(), 'One more, still going out');
    const tl = await timeline(w, a);
    expect(tl.filter((e) => e.type === 'restriction_applied')).toEqual([]);
    const shadows = byRobots(tl, 'robot_shadow');
    expect(shadows).toHaveLength(1);
    expect(shadows[0]).toMatchObject({
      actor: { kind: 'robot', id: 'cold_fanout' },
      rule: 'cold_fanout',
      effect: { action: 'limit', hours: 24 },
      why: 'shadow',
    });
  });

  it('refuses to start with a robots file naming an unknown rule or setting', async () => {
    for (const [i, bad] of [{ rules: { cold_fanot: { shadow: true } } }, { rules: { cold_fanout: { settings: { hourlyy: 1 } } } }].entries()) {
      const file = path.join(tmp, `bad-${i}.json`);
      fs.writeFileSync(file, JSON.stringify(bad));
      await expect(startServer({ robotsFile: file })).rejects.toThrow(/unknown rule|has no setting/);
    }
  });
});

describe('after a person decided', () => {
  let w: World;
  let support: Client;
  let moderator: Client;
  beforeAll(async () => {
    w = await serverWith();
    support = await w.staff('support');
    moderator = await w.staff('moderator');
  });

  /** Writes to SpamBot and expects its one answer. */
  async function bot(a: TestAccount, text: string): Promise<void> {
    const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }

  async function appealAsMistake(a: TestAccount, story: string): Promise<void> {
    await bot(a, '/start');
    await bot(a, 'This is a mistake');
    await bot(a, 'I did not send anything like that');
    await bot(a, story);
  }

  async function openAppeals(): Promise<any[]> {
    const r = await support.get('/v1/moderation/appeals?state=open&limit=1000');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.appeals;
  }

  it('a lift holds robots off for the hold time, then they limit again', async () => {
    const a = await w.account();
    await fanOut(w, a);
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'robot' });
    await advance(w, HOUR);
    const lift = await w.admin.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'a wedding invitation, not spam' });
    expect(lift.status, JSON.stringify(lift.body)).toBe(200);
    const liftedAt = await advance(w, 0);
    expect(await me(a)).toMatchObject({ state: 'free' });

    // The same behaviour again, at once and a day later: recorded, not limited.
    await fanOut(w, a, 12);
    await advance(w, DAY + HOUR);
    await fanOut(w, a, 25);
    expect(await me(a)).toMatchObject({ state: 'free' });
    let tl = await timeline(w, a);
    expect(byRobots(tl, 'restriction_applied')).toHaveLength(1);
    const held = byRobots(tl, 'robot_shadow');
    expect(held).toHaveLength(2);
    for (const s of held) expect(s).toMatchObject({ rule: 'cold_fanout', why: 'manual_decision' });

    // Past the hold (7 days from the lift) robots act again.
    const t = await advance(w, (liftedAt - (await advance(w, 0))) / 1000 + 7 * DAY + MIN);
    expect(t).toBeGreaterThan(liftedAt + 7 * DAY * 1000);
    await fanOut(w, a, 21);
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'robot' });
    tl = await timeline(w, a);
    expect(byRobots(tl, 'restriction_applied')).toHaveLength(2);
  });

  it('a robot-made limit is appealed through SpamBot, listed first, and its overturn records a false positive and holds robots off', async () => {
    // An older appeal against a limit a moderator made.
    const x = await w.account();
    const victim = await w.account();
    const chat = await sent(x, victim, 'Cheap watches, only today, write me!');
    const rep = await victim.api.post('/v1/reports', { chatId: chat, reason: 'spam' });
    expect(rep.status, JSON.stringify(rep.body)).toBe(201);
    const d = await moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    await appealAsMistake(x, 'I only wrote to a customer.');
    await advance(w, 5 * MIN);

    // A newer one against robots.
    const y = await w.account();
    await fanOut(w, y);
    expect(await me(y)).toMatchObject({ state: 'limited', kind: 'robot' });
    await appealAsMistake(y, 'I was inviting my classmates to a reunion.');

    const open = (await openAppeals()).filter((p) => p.accountId === x.id || p.accountId === y.id);
    expect(open.map((p) => [p.accountId, p.robot])).toEqual([
      [y.id, true],
      [x.id, false],
    ]);
    const all = await openAppeals();
    const firstHuman = all.findIndex((p) => !p.robot);
    const lastRobot = all.map((p) => p.robot).lastIndexOf(true);
    expect(firstHuman === -1 || lastRobot < firstHuman).toBe(true);
    expect(open[0]).toMatchObject({ text: 'I was inviting my classmates to a reunion.', restriction: { state: 'limited', kind: 'robot' } });

    await advance(w, HOUR);
    const decided = await support.post(`/v1/moderation/appeals/${open[0].id}/decision`, { outcome: 'overturn', note: 'a reunion' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(await me(y)).toMatchObject({ state: 'free' });
    let tl = await timeline(w, y);
    const fp = tl.filter((e) => e.type === 'robot_false_positive');
    expect(fp).toHaveLength(1);
    expect(fp[0]).toMatchObject({ rule: 'cold_fanout' });

    // The same again: held off, recorded.
    await fanOut(w, y, 12);
    expect(await me(y)).toMatchObject({ state: 'free' });
    tl = await timeline(w, y);
    expect(byRobots(tl, 'restriction_applied')).toHaveLength(1);
    expect(byRobots(tl, 'robot_shadow').map((e) => e.why)).toEqual(['manual_decision']);
    // The human-made appeal is still open and untouched.
    expect((await openAppeals()).filter((p) => p.accountId === x.id)).toHaveLength(1);
  });

  it('a dismissal holds robots off, also across a restart', async () => {
    const pinned = path.join(tmp, 'robots-pinned.json');
    fs.writeFileSync(pinned, JSON.stringify({ rules: { cold_fanout: { settings: PINNED } } }));
    const s = await startServer({ robotsFile: pinned });
    servers.push(s);
    let ww = new World(s.url);
    const mod = await ww.staff('moderator');
    const x = await ww.account();
    const victim = await ww.account();
    const chat = await sent(x, victim, 'Hello, we met at the fair?');
    const rep = await victim.api.post('/v1/reports', { chatId: chat, reason: 'spam' });
    expect(rep.status, JSON.stringify(rep.body)).toBe(201);
    expect((await mod.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'dismiss' })).status).toBe(200);
    await fanOut(ww, x);
    expect(await me(x)).toMatchObject({ state: 'free' });
    expect(byRobots(await timeline(ww, x), 'robot_shadow').map((e) => e.why)).toEqual(['manual_decision']);
    // A restart finds the dismissal in the log: still held.
    const restarted = await s.restart();
    servers[servers.indexOf(s)] = restarted;
    ww = new World(restarted.url);
    x.api = new Client(restarted.url, x.token);
    await fanOut(ww, x, 12);
    expect(await me(x)).toMatchObject({ state: 'free' });
    expect(byRobots(await timeline(ww, x), 'restriction_applied')).toEqual([]);
    expect(byRobots(await timeline(ww, x), 'robot_shadow').map((e) => e.why)).toEqual(['manual_decision', 'manual_decision']);
  });

  it("an appeal against a robot's freeze is marked robot, with its rule, and listed first", async () => {
    const p = servers.find((s) => s.url === w.url)!.app.platform;
    const a = await w.account();
    await enforcementSink(p).apply(parseId('account', a.id), 'industrial_scale', { action: 'freeze' }, p.clock.now());
    expect(await me(a)).toMatchObject({ state: 'frozen', kind: 'industrial_spam' });
    await appealAsMistake(a, 'I run a shop; those were my customers.');
    await bot(a, 'shop@example.com');
    const open = await openAppeals();
    const mine = open.find((x) => x.accountId === a.id);
    expect(mine).toMatchObject({ robot: true, rule: 'industrial_scale', restriction: { state: 'frozen', kind: 'industrial_spam' } });
    expect(open.findIndex((x) => !x.robot) === -1 || open.indexOf(mine) < open.findIndex((x) => !x.robot)).toBe(true);
  });
});
