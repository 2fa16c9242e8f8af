import { describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import { formatUtc } from '../src/domain/texts.js';
import { decideAppeal } from '../src/enforcement/appeals.js';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { robotLimit } from '../src/enforcement/robots-door.js';
import { parseId } from '../src/store/ids.js';
import { expectError } from './helpers/expect.js';
import { Client, World, type TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * RULES.md §5 over HTTP: SpamBot answers every message with exactly one message and its buttons,
 * files appeals, and tells the outcome; support decides appeals. Real server, SQLite, manual clock.
 */

const ctx = serverPerFile({ staff: ['moderator', 'support'], checkProjections: true });

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;
const EN = BUTTONS.en;
const RU = BUTTONS.ru;

const advance = (seconds: number) => ctx.world.advance(seconds);
const now = () => advance(0);
const iso = (ms: number) => new Date(ms).toISOString();

interface BotMessage {
  id: string;
  from: string;
  text: string;
  buttons: string[][];
}

/** The messages stored in a chat after `after` (all when absent). */
async function messagesAfter(a: TestAccount, chatId: string, after?: string): Promise<BotMessage[]> {
  const r = await a.api.get(`/v1/chats/${chatId}/messages?limit=1000${after ? `&after=${after}` : ''}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.messages;
}

const chatWithBot = new Map<string, { chatId: string; last: string }>();

/** Writes to SpamBot; its one answer is already stored when the POST returns. */
async function bot(a: TestAccount, text: string, api: Client = a.api): Promise<BotMessage> {
  const r = await api.post('/v1/messages', { to: { username: 'spambot' }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const { chatId, id } = r.body.message;
  const after = await messagesAfter(a, chatId, id);
  expect(after, 'exactly one answer').toHaveLength(1);
  const reply = after[0]!;
  expect(reply.from).not.toBe(a.id);
  expect(reply.text.length).toBeGreaterThan(0);
  expect(Array.isArray(reply.buttons) && reply.buttons.flat().length).toBeGreaterThanOrEqual(1);
  chatWithBot.set(a.id, { chatId, last: reply.id });
  return reply;
}

/** What SpamBot wrote on its own (an appeal's outcome) since the last exchange. */
async function botNews(a: TestAccount): Promise<BotMessage[]> {
  const c = chatWithBot.get(a.id)!;
  const news = await messagesAfter(a, c.chatId, c.last);
  if (news.length > 0) chatWithBot.set(a.id, { chatId: c.chatId, last: news.at(-1)!.id });
  return news;
}

async function me(a: TestAccount): Promise<any> {
  const r = await a.api.get('/v1/me');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.restriction;
}

async function send(from: TestAccount, to: TestAccount, text = 'hello') {
  return from.api.post('/v1/messages', { to: { accountId: to.id }, text });
}

/** `spammer` writes to a stranger who reports it; a moderator confirms under `policy`. Returns the reporter and the sanction. */
async function reportedAndConfirmed(spammer: TestAccount, policy: 'spam' | 'scam' = 'spam'): Promise<{ victim: TestAccount; sanction: any }> {
  const victim = await ctx.world.account();
  const m = await send(spammer, victim, policy === 'scam' ? 'Send 100 USDT, get 200 back' : 'Cheap watches, only today!');
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const rep = await victim.api.post('/v1/reports', { chatId: m.body.message.chatId, reason: policy });
  expect(rep.status, JSON.stringify(rep.body)).toBe(201);
  const d = await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  return { victim, sanction: d.body.sanction };
}

async function openAppeals(): Promise<any[]> {
  const r = await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.appeals;
}

async function appealOf(a: TestAccount): Promise<any> {
  const list = (await openAppeals()).filter((x) => x.accountId === a.id);
  expect(list, 'one open appeal').toHaveLength(1);
  return list[0];
}

async function decide(appealId: string, outcome: 'overturn' | 'uphold', staff: Client = ctx.support) {
  return staff.post(`/v1/moderation/appeals/${appealId}/decision`, { outcome, note: 'checked' });
}

/** The whole "This is a mistake" path for a limited account; returns the filing reply. */
async function appealAsMistake(a: TestAccount, text: string, b = EN): Promise<BotMessage> {
  const confirm = await bot(a, b.mistake);
  expect(confirm.buttons).toEqual([[b.didNot], [b.did]]);
  await bot(a, b.didNot);
  const reply = await bot(a, text);
  // A frozen account's appeal also asks for a contact address (RULES.md §5).
  if (/e-mail address|адрес электронной почты/.test(reply.text)) return bot(a, `owner-${a.id}@example.com`);
  return reply;
}

async function timeline(a: TestAccount): Promise<any> {
  const r = await ctx.support.get(`/v1/moderation/accounts/${a.id}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function reporterStats(a: TestAccount): Promise<{ confirmed: number; dismissed: number } | undefined> {
  const store = ctx.server.app.platform.store;
  return store.first<{ confirmed: number; dismissed: number }>(
    store.db.selectFrom('reporter_stats').select(['confirmed', 'dismissed']).where('account_id', '=', parseId('account', a.id)),
  );
}

const CYRILLIC = /[а-яё]/i;

describe('a free account', () => {
  it('asks SpamBot and is told it is free, with a button', async () => {
    const a = await ctx.world.account();
    const status = await bot(a, '/start');
    expect(status.text).toMatch(/no limits/);
    expect(status.buttons).toEqual([[EN.spam]]);
    expect(status.text).not.toMatch(CYRILLIC);
    // Any text with no question pending is answered with the status too.
    expect((await bot(a, 'hello?')).text).toBe(status.text);
    const spam = await bot(a, EN.spam);
    expect(spam.text).toMatch(/advertising/);
    // Nothing to appeal.
    expect((await bot(a, EN.mistake)).text).toMatch(/nothing to appeal/);
    expect(await openAppeals().then((l) => l.filter((x) => x.accountId === a.id))).toEqual([]);
  });
});

describe('a reported and confirmed spammer appeals, and support overturns', () => {
  it('lifts the limit, removes the strike, counts against the reporter, and the next offence is a first again', async () => {
    const a = await ctx.world.account();
    const { victim, sanction } = await reportedAndConfirmed(a);
    const t0 = await now();
    expect(sanction).toMatchObject({ state: 'limited', kind: 'report', until: iso(t0 + DAY * 1000) });
    expect(await reporterStats(victim)).toMatchObject({ confirmed: 1, dismissed: 0 });

    const status = await bot(a, '/start');
    expect(status.text).toContain(formatUtc(t0 + DAY * 1000, 'en'));
    expect(status.text).toMatch(/mutual contacts/);
    expect(status.buttons).toEqual([[EN.mistake], [EN.release], [EN.spam]]);

    await advance(5 * MIN);
    const filedAt = await now();
    const filed = await appealAsMistake(a, 'I only answered my customers.');
    expect(filed.text).toMatch(/appeal is filed/);
    expect(filed.text).toContain(formatUtc(filedAt + 48 * HOUR * 1000, 'en'));

    // One open appeal per account.
    const again = await bot(a, EN.mistake);
    expect(again.text).toMatch(/already have an appeal under review/);
    expect((await bot(a, '/start')).text).toMatch(/under review/);

    const appeal = await appealOf(a);
    expect(appeal).toMatchObject({
      accountId: a.id,
      state: 'open',
      text: 'I only answered my customers.',
      createdAt: iso(filedAt),
      dueAt: iso(filedAt + 48 * HOUR * 1000),
      overdue: false,
      restriction: { state: 'limited', kind: 'report', until: iso(t0 + DAY * 1000) },
      robot: false,
    });
    expect(appeal.outcome).toBeUndefined();

    await advance(HOUR);
    const decided = await decide(appeal.id, 'overturn');
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body.appeal).toMatchObject({ id: appeal.id, state: 'decided', outcome: 'overturn', overdue: false });

    // SpamBot tells the person, on its own.
    const news = await botNews(a);
    expect(news).toHaveLength(1);
    expect(news[0]!.text).toMatch(/lifted the restriction/);
    expect(news[0]!.buttons.flat().length).toBeGreaterThanOrEqual(1);

    expect(await me(a)).toMatchObject({ state: 'free' });
    expect((await send(a, await ctx.world.account(), 'hi')).status).toBe(201);
    const tl = await timeline(a);
    expect(tl.strikes).toHaveLength(1);
    expect(tl.strikes[0]).toMatchObject({ policy: 'spam', removed: true, counting: false });
    expect(tl.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['appeal_filed', 'appeal_decided', 'strike_removed']));
    expect(await reporterStats(victim)).toMatchObject({ confirmed: 0, dismissed: 1 });
    expect(await openAppeals().then((l) => l.filter((x) => x.accountId === a.id))).toEqual([]);
    expect((await bot(a, '/start')).text).toMatch(/no limits/);

    // The removed strike no longer counts: the next confirmed case is a first one again.
    const t1 = await now();
    const next = await reportedAndConfirmed(a);
    expect(next.sanction).toMatchObject({ state: 'limited', kind: 'report', until: iso(t1 + DAY * 1000) });
  });
});

describe('"I was wrong, release me"', () => {
  it('is refused every time, and the limit stays', async () => {
    const a = await ctx.world.account();
    await reportedAndConfirmed(a);
    const before = await me(a);
    for (let i = 0; i < 3; i++) {
      const r = await bot(a, EN.release);
      expect(r.text).toMatch(/sorry.*not possible/);
      expect(r.text).toContain(formatUtc(Date.parse(before.until), 'en'));
    }
    expect(await me(a)).toEqual(before);
    expectError(await send(a, await ctx.world.account()), 403, 'PEER_FLOOD');
    expect(await openAppeals().then((l) => l.filter((x) => x.accountId === a.id))).toEqual([]);
  });
});

describe('a frozen account', () => {
  it('appeals (without a mail relay the address is kept unverified), is kept past its deletion date, and is freed by an overturn', async () => {
    const a = await ctx.world.account();
    const { sanction } = await reportedAndConfirmed(a, 'scam');
    const t0 = await now();
    expect(sanction).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: iso(t0 + 14 * DAY * 1000) });

    const status = await bot(a, '/start');
    expect(status.text).toMatch(/frozen/);
    expect(status.text).toContain(formatUtc(t0 + 14 * DAY * 1000, 'en'));
    await bot(a, EN.mistake);
    await bot(a, EN.didNot);
    // A frozen account's appeal asks for a contact address (RULES.md §5). Without mail no code can
    // verify it: it is kept as given, and binds no mail (test/emails.test.ts has the relay).
    const asked = await bot(a, 'Someone used my phone while I was away.');
    expect(asked.text).toMatch(/e-mail address/);
    expect(await openAppeals()).not.toContainEqual(expect.objectContaining({ accountId: a.id }));
    expect((await bot(a, 'not an address')).text).toMatch(/does not look like an e-mail/);
    const filed = await bot(a, 'Owner.Of.Phone@Example.com');
    expect(filed.text).toMatch(/appeal is filed/);

    const appeal = await appealOf(a);
    expect(appeal).toMatchObject({ text: 'Someone used my phone while I was away.', restriction: { state: 'frozen', kind: 'scam' } });
    expect(appeal.email).toBe('owner.of.phone@example.com');

    // Its deletion date passes while the appeal is open: it is not deleted.
    await advance(15 * DAY);
    expect(await me(a)).toMatchObject({ state: 'frozen' });

    expect((await decide(appeal.id, 'overturn')).status).toBe(200);
    await advance(0);
    expect(await me(a)).toMatchObject({ state: 'free' });
    expect((await botNews(a))[0]!.text).toMatch(/lifted/);
    expect((await send(a, await ctx.world.account())).status).toBe(201);
    expect((await timeline(a)).strikes[0]).toMatchObject({ policy: 'scam', removed: true });
  });

  it('with an open appeal is not banned at deleteAt, and is banned once the appeal is upheld', async () => {
    const a = await ctx.world.account();
    const { sanction } = await reportedAndConfirmed(a, 'scam');
    expect((await appealAsMistake(a, 'It was not me.')).text).toMatch(/appeal is filed/);
    const appeal = await appealOf(a);
    const deleteAt = Date.parse(sanction.deleteAt);
    const t = await now();
    await advance((deleteAt - t) / 1000 + MIN);
    expect(await me(a)).toMatchObject({ state: 'frozen', deleteAt: sanction.deleteAt });

    const upheld = await decide(appeal.id, 'uphold');
    expect(upheld.status).toBe(200);
    expect(upheld.body.appeal).toMatchObject({ state: 'decided', outcome: 'uphold' });
    await advance(0);
    expectError(await a.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    expectError(await a.api.post('/v1/messages', { to: { username: 'spambot' }, text: '/start' }), 401, 'USER_DEACTIVATED_BAN');
    expectError(await ctx.world.admin.post('/v1/accounts', { phone: a.phone, name: 'Again' }), 403, 'PHONE_NUMBER_BANNED');
  });
});

describe('a number-limited account', () => {
  it('tells its story and an overturn lifts the limit', async () => {
    const a = await ctx.world.account({ numberKind: 'voip' });
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'number', until: null });
    const status = await bot(a, '/start');
    expect(status.text).toMatch(/phone number/);
    expect(status.buttons[0]).toEqual([EN.story]);
    const ask = await bot(a, EN.story);
    expect(ask.text).toMatch(/tell your story/);
    const filed = await bot(a, 'I bought this number last week and have sent nothing.');
    expect(filed.text).toMatch(/appeal is filed/);
    const appeal = await appealOf(a);
    expect(appeal).toMatchObject({
      story: true,
      text: 'I bought this number last week and have sent nothing.',
      restriction: { state: 'limited', kind: 'number', until: null },
    });
    expect((await decide(appeal.id, 'overturn')).status).toBe(200);
    expect(await me(a)).toMatchObject({ state: 'free' });
    expect((await send(a, await ctx.world.account())).status).toBe(201);
  });
});

describe('a public-groups ban', () => {
  it('is shown by SpamBot, appealed, and lifted by an overturn', async () => {
    const owner = await ctx.world.account();
    const reader = await ctx.world.account();
    const created = await owner.api.post('/v1/groups', { title: 'Fight videos', kind: 'channel', public: true });
    expect(created.status).toBe(201);
    const channel = created.body.chat.id;
    expect((await owner.api.post('/v1/messages', { to: { chatId: channel }, text: 'watch this' })).status).toBe(201);
    expect((await reader.api.post(`/v1/chats/${channel}/join`)).status).toBe(204);
    const rep = await reader.api.post('/v1/reports', { chatId: channel, reason: 'violence' });
    expect(rep.status).toBe(201);
    const d = await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy: 'violence' });
    expect(d.body.sanction).toMatchObject({ publicGroupsBan: true });
    expect(await me(owner)).toMatchObject({ state: 'free', publicGroupsBan: true });

    const status = await bot(owner, '/start');
    expect(status.text).toMatch(/cannot post in public groups/);
    expect(status.buttons.flat()).toContain(EN.mistake);
    await appealAsMistake(owner, 'It was a news report, not propaganda.');
    const appeal = await appealOf(owner);
    expect(appeal.restriction).toMatchObject({ publicGroupsBan: true });
    expect((await decide(appeal.id, 'overturn')).status).toBe(200);
    expect(await me(owner)).toMatchObject({ state: 'free', publicGroupsBan: false });
    expect((await timeline(owner)).strikes[0]).toMatchObject({ policy: 'violence', removed: true });
    expect((await bot(owner, '/start')).text).toMatch(/no limits/);
  });
});

describe('an upheld appeal', () => {
  it('changes nothing; SpamBot says when the next appeal is allowed, and holds to it', async () => {
    const a = await ctx.world.account();
    const start = await now();
    await restrictAccount(
      ctx.server.app.platform,
      parseId('account', a.id),
      { state: 'limited', kind: 'report', until: start + 30 * DAY * 1000 },
      { kind: 'system' },
    );
    const before = await me(a);
    await appealAsMistake(a, 'Please check again.');
    const appeal = await appealOf(a);
    await advance(HOUR);
    const decidedAt = await now();
    const res = await decide(appeal.id, 'uphold');
    expect(res.status).toBe(200);
    expect(res.body.appeal).toMatchObject({ state: 'decided', outcome: 'uphold' });
    expect(await me(a)).toEqual(before);
    expectError(await send(a, await ctx.world.account()), 403, 'PEER_FLOOD');

    const nextAt = formatUtc(decidedAt + 7 * DAY * 1000, 'en');
    const news = await botNews(a);
    expect(news).toHaveLength(1);
    expect(news[0]!.text).toMatch(/restriction stays/);
    expect(news[0]!.text).toContain(nextAt);

    // Within 7 days: refused, with the date.
    await advance(7 * DAY - MIN);
    const refused = await bot(a, EN.mistake);
    expect(refused.text).toMatch(/appeal again after/);
    expect(refused.text).toContain(nextAt);
    expect((await bot(a, '/start')).text).toContain(nextAt);
    expect(await openAppeals().then((l) => l.filter((x) => x.accountId === a.id))).toEqual([]);

    // From then on: allowed.
    await advance(MIN);
    const filed = await appealAsMistake(a, 'Second try.');
    expect(filed.text).toMatch(/appeal is filed/);
    expect((await appealOf(a)).text).toBe('Second try.');
  });
});

describe('the appeals queue', () => {
  it('lists a robot-made limit first, before an older report-made one; an overturn records the false positive', async () => {
    const older = await ctx.world.account();
    await reportedAndConfirmed(older);
    await appealAsMistake(older, 'Reported by mistake.');
    await advance(MIN);
    const newer = await ctx.world.account();
    await robotLimit(ctx.server.app.platform, parseId('account', newer.id), 'cold_fanout', 24);
    const status = await bot(newer, '/start');
    expect(status.text).toMatch(/automated/);
    await appealAsMistake(newer, 'A robot got it wrong.');

    const list = await openAppeals();
    const iRobot = list.findIndex((x) => x.accountId === newer.id);
    const iReport = list.findIndex((x) => x.accountId === older.id);
    expect(iRobot).toBeGreaterThanOrEqual(0);
    expect(iReport).toBeGreaterThanOrEqual(0);
    expect(iRobot).toBeLessThan(iReport);
    expect(list[iRobot]).toMatchObject({ robot: true, rule: 'cold_fanout', restriction: { state: 'limited', kind: 'robot' } });
    expect(list[iReport]).toMatchObject({ robot: false });
    // Robot-made first, then oldest: every robot appeal precedes every other one.
    const flags = list.map((x) => x.robot);
    expect(flags).toEqual([...flags].sort((x, y) => Number(y) - Number(x)));

    expect((await decide(list[iRobot].id, 'overturn')).status).toBe(200);
    expect(await me(newer)).toMatchObject({ state: 'free' });
    const fp = (await timeline(newer)).events.find((e: any) => e.type === 'robot_false_positive');
    expect(fp).toMatchObject({ rule: 'cold_fanout' });
    expect((await decide(list[iReport].id, 'uphold')).status).toBe(200);
  });

  it('marks an appeal overdue 72 h after filing, not before', async () => {
    const a = await ctx.world.account();
    await reportedAndConfirmed(a);
    const filedAt = await now();
    await appealAsMistake(a, 'Slow support?');
    const appeal = await appealOf(a);
    expect(appeal.overdue).toBe(false);
    await advance(48 * HOUR);
    expect((await appealOf(a)).overdue).toBe(false);
    await advance(24 * HOUR - 1);
    expect((await appealOf(a)).overdue).toBe(false);
    expect((await timeline(a)).events.map((e: any) => e.type)).not.toContain('appeal_overdue');
    await advance(1);
    expect(await now()).toBe(filedAt + 72 * HOUR * 1000);
    expect((await appealOf(a)).overdue).toBe(true);
    expect((await timeline(a)).events.map((e: any) => e.type)).toContain('appeal_overdue');
    // The limit ended meanwhile (24 h): the appeal stays open; an overturn only removes the strike.
    expect(await me(a)).toMatchObject({ state: 'free' });
    const res = await decide(appeal.id, 'overturn');
    expect(res.status).toBe(200);
    expect(res.body.appeal.overdue).toBe(false);
    expect((await timeline(a)).strikes[0]).toMatchObject({ removed: true });
  });

  it('refuses a second decision with 409 APPEAL_ALREADY_DECIDED, also when both race', async () => {
    const a = await ctx.world.account();
    await reportedAndConfirmed(a);
    await appealAsMistake(a, 'Twice?');
    const appeal = await appealOf(a);
    expect((await decide(appeal.id, 'uphold')).status).toBe(200);
    expectError(await decide(appeal.id, 'overturn'), 409, 'APPEAL_ALREADY_DECIDED');
    expectError(await decide(appeal.id, 'uphold'), 409, 'APPEAL_ALREADY_DECIDED');
    expect(await me(a)).toMatchObject({ state: 'limited' });

    const b = await ctx.world.account();
    const { victim } = await reportedAndConfirmed(b);
    await appealAsMistake(b, 'Race?');
    const raced = await appealOf(b);
    const results = await Promise.all([decide(raced.id, 'overturn'), decide(raced.id, 'overturn'), decide(raced.id, 'uphold')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    // Decided once: one decision event, one outcome message, the reporter counted against once.
    expect((await timeline(b)).events.filter((e: any) => e.type === 'appeal_decided')).toHaveLength(1);
    expect(await botNews(b)).toHaveLength(1);
    const winner = results.find((r) => r.status === 200)!.body.appeal.outcome;
    if (winner === 'overturn') expect(await reporterStats(victim)).toMatchObject({ confirmed: 0, dismissed: 1 });
  });

  it('decides an appeal once even when two decisions run at the same moment (domain level)', async () => {
    const a = await ctx.world.account();
    const { victim } = await reportedAndConfirmed(a);
    await appealAsMistake(a, 'At once?');
    const appeal = await appealOf(a);
    const p = ctx.server.app.platform;
    const at = p.clock.now();
    const staff = { ref: 'admin', role: 'admin' } as const;
    const results = await Promise.allSettled([
      decideAppeal(p, parseId('appeal', appeal.id), 'overturn', null, staff, at),
      decideAppeal(p, parseId('appeal', appeal.id), 'overturn', null, staff, at),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.code).toBe('APPEAL_ALREADY_DECIDED');
    expect((await timeline(a)).events.filter((e: any) => e.type === 'appeal_decided')).toHaveLength(1);
    expect(await reporterStats(victim)).toMatchObject({ confirmed: 0, dismissed: 1 });
    expect(await me(a)).toMatchObject({ state: 'free' });
  });

  it('answers 404 for an unknown appeal and 400 for a bad outcome', async () => {
    expectError(await decide('a999999', 'overturn'), 404, 'NOT_FOUND');
    expectError(await ctx.support.post('/v1/moderation/appeals/garbage/decision', { outcome: 'overturn' }), 404, 'NOT_FOUND');
    const a = await ctx.world.account();
    await reportedAndConfirmed(a);
    await appealAsMistake(a, 'x');
    const appeal = await appealOf(a);
    expectError(await ctx.support.post(`/v1/moderation/appeals/${appeal.id}/decision`, { outcome: 'maybe' }), 400, 'BAD_REQUEST');
    expectError(await ctx.support.post(`/v1/moderation/appeals/${appeal.id}/decision`, {}), 400, 'BAD_REQUEST');
    expect((await appealOf(a)).state).toBe('open');
    expect((await decide(appeal.id, 'uphold')).status).toBe(200);
  });

  it('is for support and admin only', async () => {
    const a = await ctx.world.account();
    await reportedAndConfirmed(a);
    await appealAsMistake(a, 'Who decides?');
    const appeal = await appealOf(a);
    const triage = await ctx.world.staff('triage');
    for (const staff of [triage, ctx.moderator, a.api]) {
      expectError(await staff.get('/v1/moderation/appeals?state=open'), 403, 'FORBIDDEN');
      expectError(await staff.post(`/v1/moderation/appeals/${appeal.id}/decision`, { outcome: 'overturn' }), 403, 'FORBIDDEN');
    }
    expectError(await new Client(ctx.server.url).get('/v1/moderation/appeals'), 401, 'UNAUTHORIZED');
    expect((await appealOf(a)).state).toBe('open');
    expect(await me(a)).toMatchObject({ state: 'limited' });
    // The admin token may.
    expect((await ctx.world.admin.get('/v1/moderation/appeals?state=open')).status).toBe(200);
    expect((await decide(appeal.id, 'overturn', ctx.world.admin)).status).toBe(200);
  });
});

describe('SpamBot under concurrency', () => {
  it('files one appeal even when the description is sent twice at once', async () => {
    const a = await ctx.world.account();
    await reportedAndConfirmed(a);
    await bot(a, EN.mistake);
    await bot(a, EN.didNot);
    const sends = await Promise.all([1, 2, 3].map((i) => a.api.post('/v1/messages', { to: { username: 'spambot' }, text: `my case, copy ${i}` })));
    for (const s of sends) expect(s.status).toBe(201);
    const all = await ctx.support.get('/v1/moderation/appeals?limit=1000');
    expect(all.body.appeals.filter((x: any) => x.accountId === a.id)).toHaveLength(1);
    // Still one answer per message.
    const chat = await messagesAfter(a, sends[0]!.body.message.chatId);
    const mine = chat.filter((m) => m.from === a.id).length;
    expect(chat.length).toBe(2 * mine);
  });
});

describe('in Russian', () => {
  it('an account with language ru gets Russian texts all the way, the outcome included', async () => {
    const a = await ctx.world.account({ language: 'ru' });
    const { sanction } = await reportedAndConfirmed(a);
    const status = await bot(a, '/start');
    expect(status.text).toMatch(/ограничен до/);
    expect(status.text).toContain(formatUtc(Date.parse(sanction.until), 'ru'));
    expect(status.text).toMatch(/взаимным контактам/);
    expect(status.buttons).toEqual([[RU.mistake], [RU.release], [RU.spam]]);
    const replies = [status];
    replies.push(await bot(a, RU.spam));
    replies.push(await bot(a, RU.release));
    replies.push(await bot(a, RU.mistake));
    replies.push(await bot(a, 'что?'));
    expect(replies.at(-1)!.text).toMatch(/одной из кнопок/);
    replies.push(await bot(a, RU.didNot));
    replies.push(await bot(a, 'Я писал только своим клиентам.'));
    expect(replies.at(-1)!.text).toMatch(/Апелляция подана/);
    replies.push(await bot(a, RU.mistake));
    expect(replies.at(-1)!.text).toMatch(/уже есть апелляция/);
    // An English button is understood, and answered in Russian.
    replies.push(await bot(a, EN.spam));
    for (const r of replies) {
      expect(r.text).toMatch(CYRILLIC);
      for (const label of r.buttons.flat()) expect(Object.values(RU)).toContain(label);
    }
    expect((await decide((await appealOf(a)).id, 'overturn')).status).toBe(200);
    const news = await botNews(a);
    expect(news[0]!.text).toMatch(/сняла ограничение/);
  });

  it('without a language set, Accept-Language decides, and the later outcome follows the last conversation', async () => {
    const a = await ctx.world.account();
    const ru = new Client(ctx.server.url, a.token, { 'accept-language': 'ru-RU,ru;q=0.9' });
    expect((await bot(a, '/start', ru)).text).toMatch(/никаких ограничений/);
    expect((await bot(a, '/start')).text).toMatch(/no limits/);

    await reportedAndConfirmed(a);
    await bot(a, RU.mistake, ru);
    await bot(a, RU.didNot, ru);
    expect((await bot(a, 'Это ошибка, я писал только знакомым.', ru)).text).toMatch(/Апелляция подана/);
    expect((await decide((await appealOf(a)).id, 'uphold')).status).toBe(200);
    const news = await botNews(a);
    expect(news).toHaveLength(1);
    expect(news[0]!.text).toMatch(/ограничение остаётся/);
    for (const label of news[0]!.buttons.flat()) expect(Object.values(RU)).toContain(label);
  });
});

/** Restarts the server on the same data, and points the file's clients and `accounts` at it. */
async function restarted(...accounts: TestAccount[]): Promise<void> {
  ctx.server = await ctx.server.restart();
  ctx.world = new World(ctx.server.url);
  ctx.moderator = new Client(ctx.server.url, ctx.moderator.token);
  ctx.support = new Client(ctx.server.url, ctx.support.token);
  for (const a of accounts) a.api = new Client(ctx.server.url, a.token);
}

describe('across a restart', () => {
  it('tells an outcome decided just before a stop, once: the decision was written, SpamBot’s message was not', async () => {
    const a = await ctx.world.account();
    await reportedAndConfirmed(a);
    await appealAsMistake(a, 'Stopped in the middle?');
    const appeal = await appealOf(a);
    const told = await ctx.world.account();
    await reportedAndConfirmed(told);
    await appealAsMistake(told, 'Told as usual?');
    expect((await decide((await appealOf(told)).id, 'uphold')).status).toBe(200);
    expect(await botNews(told)).toHaveLength(1);
    // The decision's write alone, as when the process stops before SpamBot's.
    const p = ctx.server.app.platform;
    await decideAppeal(p, parseId('appeal', appeal.id), 'overturn', null, { ref: 'admin', role: 'admin' }, p.clock.now());
    expect(await botNews(a)).toEqual([]);
    for (let i = 0; i < 2; i++) {
      await restarted(a, told);
      // Told at the first start, and at the second nothing more; the appeal told before, never again.
      const news = await botNews(a);
      expect(news.map((m) => m.text.split('\n')[0])).toEqual(i === 0 ? [expect.stringMatching(/appeal/i)] : []);
      expect(await botNews(told)).toEqual([]);
    }
    expect(await me(a)).toMatchObject({ state: 'free' });
  });

  it('keeps a half-finished dialogue, an open appeal, and the hold on a frozen account past its deletion time', async () => {
    const frozen = await ctx.world.account();
    const { sanction } = await reportedAndConfirmed(frozen, 'scam');
    expect((await appealAsMistake(frozen, 'Please look again.')).text).toMatch(/appeal is filed/);
    const limited = await ctx.world.account();
    await reportedAndConfirmed(limited);
    await bot(limited, EN.mistake);
    await bot(limited, EN.didNot);

    // The deletion time passes while banya is down.
    const f = { ...frozen };
    const l = { ...limited };
    await restarted(f, l);
    // The dialogue continues where it stopped: this text is the description.
    expect((await bot(l, 'I wrote to my colleagues only.')).text).toMatch(/appeal is filed/);
    expect((await appealOf(l)).text).toBe('I wrote to my colleagues only.');
    const t = await now();
    await advance((Date.parse(sanction.deleteAt) - t) / 1000 + HOUR);
    await restarted(f, l);

    expect(await me(f)).toMatchObject({ state: 'frozen' });
    // The limit ended meanwhile; the appeal stays open and SpamBot still mentions it.
    expect(await me(l)).toMatchObject({ state: 'free' });
    expect((await bot(l, '/start')).text).toMatch(/under review/);

    const appeal = await appealOf(f);
    expect(appeal).toMatchObject({ text: 'Please look again.', overdue: true });
    expect((await decide(appeal.id, 'uphold')).status).toBe(200);
    await advance(0);
    expectError(await f.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    expect((await decide((await appealOf(l)).id, 'overturn')).status).toBe(200);
    expect(await me(l)).toMatchObject({ state: 'free' });
    expect((await timeline(l)).strikes[0]).toMatchObject({ removed: true });
  });
});
