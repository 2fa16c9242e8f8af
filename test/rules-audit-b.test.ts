import { describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import { expectError } from './helpers/expect.js';
import type { Client, TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * RULES.md §3–§5 read sentence by sentence, black-box over HTTP against a real server (SQLite,
 * manual clock): repeats of reports, reporters' rate limit and accuracy, what an overturn and a
 * lift undo, which limit is in force, and who may decide what.
 */

// Reports are rate-limited tightly here (a burst of 3, no refill to speak of), so that the rate
// limit itself can be probed; every test below files at most two new reports per reporter.
const ctx = serverPerFile({
  config: {
    rateLimits: {
      requests: { perSecond: 1000, burst: 100_000 },
      messages: { perSecond: 1000, burst: 100_000 },
      reports: { perSecond: 0.0001, burst: 3 },
      enabled: true,
    },
  },
  staff: ['moderator', 'triage', 'support'],
  checkProjections: true,
});

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;
const EN = BUTTONS.en;
const advance = (seconds: number) => ctx.world.advance(seconds);
const now = () => advance(0);
const iso = (ms: number) => new Date(ms).toISOString();

async function sent(from: TestAccount, to: TestAccount | { chatId: string }, text = 'hello'): Promise<{ id: string; chatId: string }> {
  const r = await from.api.post('/v1/messages', { to: 'token' in to ? { accountId: to.id } : to, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message;
}

async function me(a: TestAccount): Promise<any> {
  const r = await a.api.get('/v1/me');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.restriction;
}

async function account(staff: Client, a: TestAccount): Promise<any> {
  const r = await staff.get(`/v1/moderation/accounts/${a.id}?limit=1000`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

async function group(owner: TestAccount, kind: 'group' | 'channel' = 'group', isPublic = true): Promise<string> {
  const r = await owner.api.post('/v1/groups', { title: 'Garden club', kind, public: isPublic });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.chat.id;
}

async function join(a: TestAccount, chatId: string): Promise<void> {
  expect((await a.api.post(`/v1/chats/${chatId}/join`)).status).toBe(204);
}

/** `spammer` writes to a fresh stranger who reports it; returns the reporter and the case. */
async function reported(spammer: TestAccount, reason = 'spam', victimWroteFirst = false): Promise<{ victim: TestAccount; caseId: string; reportId: string }> {
  const victim = await ctx.world.account();
  // A limited spammer can still answer whoever wrote first, and spam them.
  if (victimWroteFirst) await sent(victim, spammer, 'is the offer still on?');
  const { chatId } = await sent(spammer, victim, 'cheap watches, only today');
  const r = await victim.api.post('/v1/reports', { chatId, reason });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect(r.body.report.caseId).toMatch(/^k/);
  return { victim, caseId: r.body.report.caseId, reportId: r.body.report.id };
}

async function confirm(caseId: string, policy = 'spam'): Promise<any> {
  const d = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  return d.body.sanction;
}

/** Writes to SpamBot and returns its one answer. */
async function bot(a: TestAccount, text: string): Promise<{ text: string; buttons: string[][] }> {
  const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const after = await a.api.get(`/v1/chats/${r.body.message.chatId}/messages?after=${r.body.message.id}`);
  expect(after.body.messages).toHaveLength(1);
  return after.body.messages[0];
}

async function appeal(a: TestAccount, text: string): Promise<any> {
  await bot(a, EN.mistake);
  await bot(a, EN.didNot);
  const filed = await bot(a, text);
  expect(filed.text).toMatch(/appeal is filed/);
  const list = await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000');
  const mine = list.body.appeals.filter((x: any) => x.accountId === a.id);
  expect(mine).toHaveLength(1);
  return mine[0];
}

describe('a repeated report while the first is open (RULES.md §3)', () => {
  it('answers 200 with the same report, even once the reporter has used up its report rate limit', async () => {
    const reporter = await ctx.world.account();
    const [s1, s2, s3, s4] = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    const c1 = await sent(s1, reporter, 'promo one');
    const first = await reporter.api.post('/v1/reports', { chatId: c1.chatId });
    expect(first.status).toBe(201);
    // Repeats create nothing: they are answered with the open report, and use up no report.
    for (let i = 0; i < 5; i++) {
      const again = await reporter.api.post('/v1/reports', { chatId: c1.chatId, reason: 'spam' });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body).toEqual(first.body);
    }
    const c2 = await sent(s2, reporter, 'promo two');
    const c3 = await sent(s3, reporter, 'promo three');
    expect((await reporter.api.post('/v1/reports', { chatId: c2.chatId })).status).toBe(201);
    expect((await reporter.api.post('/v1/reports', { chatId: c3.chatId })).status).toBe(201);
    // The fourth new report passes the limit (burst 3): FLOOD_WAIT with Retry-After, nothing filed.
    const c4 = await sent(s4, reporter, 'promo four');
    const refused = await reporter.api.post('/v1/reports', { chatId: c4.chatId, block: true });
    expectError(refused, 429, 'FLOOD_WAIT');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.error.details.retryAfter).toBeGreaterThan(0);
    expect((await account(ctx.moderator, s4)).events.map((e: any) => e.type)).not.toContain('report_filed');
    // A repeat is still answered with its report.
    const again = await reporter.api.post('/v1/reports', { chatId: c1.chatId });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it('answers a repeat of a group report waiting below the threshold with it, and with its case once one opens', async () => {
    const owner = await ctx.world.account();
    const g = await group(owner);
    const [subject, r1, r2, r3] = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    for (const a of [subject, r1, r2, r3]) await join(a, g);
    const m = await sent(subject, { chatId: g }, 'join my casino');
    const first = await r1.api.post('/v1/reports', { chatId: g, messageIds: [m.id] });
    expect(first.status).toBe(201);
    expect(first.body.report.caseId).toBeUndefined();
    const again = await r1.api.post('/v1/reports', { chatId: g, messageIds: [m.id] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await r2.api.post('/v1/reports', { chatId: g, messageIds: [m.id] })).status).toBe(201);
    const third = await r3.api.post('/v1/reports', { chatId: g, messageIds: [m.id] });
    expect(third.status).toBe(201);
    const caseId = third.body.report.caseId;
    expect(caseId).toMatch(/^k/);
    const later = await r1.api.post('/v1/reports', { chatId: g, accountId: subject.id });
    expect(later.status).toBe(200);
    expect(later.body).toEqual({ report: { id: first.body.report.id, caseId } });
    const c = await ctx.moderator.get(`/v1/moderation/cases/${caseId}`);
    expect(c.body.case.reportCount).toBe(3);
  });
});

describe('one case per subject and chat for group and public-content reports (RULES.md §3)', () => {
  it('takes the group reports waiting below the threshold into the case a public-content report opens', async () => {
    const owner = await ctx.world.account();
    const g = await group(owner);
    const [r1, r2, x] = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    for (const a of [r1, r2, x]) await join(a, g);
    const m = await sent(owner, { chatId: g }, 'buy my course, link in bio');
    const waiting = await r1.api.post('/v1/reports', { chatId: g, messageIds: [m.id], reason: 'spam' });
    expect(waiting.status).toBe(201);
    expect(waiting.body.report.caseId).toBeUndefined();
    const pub = await x.api.post('/v1/reports', { chatId: g, reason: 'pornography' });
    expect(pub.status, JSON.stringify(pub.body)).toBe(201);
    const caseId = pub.body.report.caseId;
    expect(caseId).toMatch(/^k/);
    // The waiting report is in that one case now, and a repeat of it says so.
    const detail = (await ctx.moderator.get(`/v1/moderation/cases/${caseId}`)).body.case;
    expect(detail.subject).toEqual({ accountId: owner.id, chatId: g, name: expect.any(String) });
    expect(detail.reports.map((r: any) => r.id).sort()).toEqual([waiting.body.report.id, pub.body.report.id].sort());
    expect(detail.reportCount).toBe(2);
    const again = await r1.api.post('/v1/reports', { chatId: g, messageIds: [m.id] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ report: { id: waiting.body.report.id, caseId } });
    // A later member's report joins it too; dismissing it decides them all.
    const later = await r2.api.post('/v1/reports', { chatId: g, messageIds: [m.id] });
    expect(later.body.report.caseId).toBe(caseId);
    expect((await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' })).status).toBe(200);
    expect((await account(ctx.moderator, r1)).reporter).toMatchObject({ dismissed: 1 });
    // Decided, it is no longer open: reporting again files a new report.
    const next = await r1.api.post('/v1/reports', { chatId: g, messageIds: [m.id] });
    expect(next.status).toBe(201);
    expect(next.body.report.id).not.toBe(waiting.body.report.id);
  });
});

describe('a limited account (RULES.md §1, §3)', () => {
  it('may still report spam it receives', async () => {
    const spammer = await ctx.world.account();
    const { caseId } = await reported(spammer);
    await confirm(caseId);
    expect(await me(spammer)).toMatchObject({ state: 'limited', kind: 'report' });
    const other = await ctx.world.account();
    const { chatId } = await sent(other, spammer, 'buy followers');
    const r = await spammer.api.post('/v1/reports', { chatId, reason: 'spam' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.report.caseId).toMatch(/^k/);
  });
});

describe('an overturned appeal (RULES.md §5)', () => {
  it('removes only its own strike: the next offence is the strike after the one that stands', async () => {
    const spammer = await ctx.world.account();
    const t0 = await now();
    const first = await reported(spammer);
    expect(await confirm(first.caseId)).toMatchObject({ state: 'limited', until: iso(t0 + DAY * 1000) });
    await advance(DAY);
    expect(await me(spammer)).toMatchObject({ state: 'free' });
    const second = await reported(spammer);
    const t1 = await now();
    expect(await confirm(second.caseId)).toMatchObject({ state: 'limited', until: iso(t1 + 3 * DAY * 1000) });
    const ap = await appeal(spammer, 'The second one was a customer of mine.');
    expect(ap).toMatchObject({ dueAt: iso(t1 + 48 * HOUR * 1000), overdue: false, restriction: { state: 'limited', kind: 'report' } });
    const d = await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'overturn' });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    expect(await me(spammer)).toEqual({ state: 'free', publicGroupsBan: false });
    const strikes = (await account(ctx.support, spammer)).strikes;
    expect(strikes.filter((s: any) => !s.removed)).toHaveLength(1);
    // The next offence is a second strike again (72 h), not a third (7 days).
    const third = await reported(spammer);
    const t2 = await now();
    expect(await confirm(third.caseId)).toMatchObject({ state: 'limited', until: iso(t2 + 3 * DAY * 1000) });
    // The overturned case's reporter lost accuracy; the standing one's did not.
    expect((await account(ctx.moderator, second.victim)).reporter).toMatchObject({ confirmed: 0, dismissed: 1 });
    expect((await account(ctx.moderator, first.victim)).reporter).toMatchObject({ confirmed: 1, dismissed: 0 });
  });

  it('counts against every reporter of the overturned case, and their next reports weigh less', async () => {
    const spammer = await ctx.world.account();
    const peer = await ctx.world.account();
    const [a, b] = [await ctx.world.account(), await ctx.world.account()];
    await advance(2 * DAY); // nobody is a fresh account any more
    const ca = await sent(spammer, a, 'offer');
    const cb = await sent(spammer, b, 'offer');
    const ra = await a.api.post('/v1/reports', { chatId: ca.chatId });
    const rb = await b.api.post('/v1/reports', { chatId: cb.chatId });
    expect(rb.body.report.caseId).toBe(ra.body.report.caseId);
    await confirm(ra.body.report.caseId);
    const ap = await appeal(spammer, 'Both are my clients.');
    expect((await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'overturn' })).status).toBe(200);
    for (const r of [a, b]) expect((await account(ctx.moderator, r)).reporter).toMatchObject({ confirmed: 0, dismissed: 1 });
    // a's next report weighs less than that of a reporter with no history.
    const [s1, s2] = [await ctx.world.account(), await ctx.world.account()];
    const r1 = await a.api.post('/v1/reports', { chatId: (await sent(s1, a, 'promo')).chatId });
    const r2 = await peer.api.post('/v1/reports', { chatId: (await sent(s2, peer, 'promo')).chatId });
    const p1 = (await ctx.moderator.get(`/v1/moderation/cases/${r1.body.report.caseId}`)).body.case.priority;
    const p2 = (await ctx.moderator.get(`/v1/moderation/cases/${r2.body.report.caseId}`)).body.case.priority;
    expect(p1).toBeLessThan(p2);
  });

  it('is told by SpamBot, and a frozen account is freed with its deletion date gone', async () => {
    const scammer = await ctx.world.account();
    const { caseId } = await reported(scammer, 'scam');
    const t = await now();
    expect(await confirm(caseId, 'scam')).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: iso(t + 14 * DAY * 1000) });
    expect(await me(scammer)).toEqual({ state: 'frozen', kind: 'scam', deleteAt: iso(t + 14 * DAY * 1000), publicGroupsBan: false });
    const status = await bot(scammer, '/start');
    expect(status.text).toMatch(/frozen/);
    await bot(scammer, EN.mistake);
    await bot(scammer, EN.didNot);
    const ask = await bot(scammer, 'I sell real goods.');
    expect(ask.text).toMatch(/e-mail address/);
    const filed = await bot(scammer, `owner-${scammer.id}@example.com`);
    expect(filed.text).toMatch(/appeal is filed/);
    const list = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals;
    const ap = list.find((x: any) => x.accountId === scammer.id);
    expect(ap).toMatchObject({ restriction: { state: 'frozen', kind: 'scam' } });
    expect((await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'overturn' })).status).toBe(200);
    expect(await me(scammer)).toEqual({ state: 'free', publicGroupsBan: false });
    await advance(15 * DAY);
    expect(await me(scammer)).toEqual({ state: 'free', publicGroupsBan: false });
    const chat = (await scammer.api.get('/v1/chats?limit=1000')).body.chats.find((c: any) => c.peer?.username === 'spambot');
    const msgs = (await scammer.api.get(`/v1/chats/${chat.id}/messages?limit=1000`)).body.messages;
    expect(msgs.at(-1).text).toMatch(/lifted/);
  });
});

describe('the ladder counts the strikes of the last 365 days (RULES.md §4)', () => {
  it('after the oldest of two strikes expires, the next offence is a second strike again', async () => {
    const a = await ctx.world.account();
    const t0 = await now();
    await confirm((await reported(a)).caseId); // strike 1 at t0: 24 h
    await advance(200 * DAY);
    const t1 = await now();
    expect(await confirm((await reported(a)).caseId)).toMatchObject({ until: iso(t1 + 3 * DAY * 1000) }); // strike 2: 72 h
    await advance(165 * DAY - 1);
    expect((await now()) - t0).toBe(365 * DAY * 1000 - 1000);
    // Strike 1 still counts one second before its 365 days: a third strike (7 days)…
    const c3 = (await reported(a)).caseId;
    const pre = await ctx.moderator.post(`/v1/moderation/cases/${c3}/preview`, { action: 'confirm', policy: 'spam' });
    expect(pre.body.sanction).toMatchObject({ state: 'limited', until: iso(t0 + 365 * DAY * 1000 - 1000 + 7 * DAY * 1000) });
    // …and at 365 days it no longer does: a second strike (72 h).
    await advance(1);
    const t3 = await now();
    expect(await confirm(c3)).toMatchObject({ state: 'limited', kind: 'report', until: iso(t3 + 3 * DAY * 1000) });
    expect(await me(a)).toMatchObject({ state: 'limited', until: iso(t3 + 3 * DAY * 1000) });
  });
});

describe('which limit is in force (RULES.md §4)', () => {
  it('a shorter report limit does not shorten a longer robot limit; a longer one replaces it', async () => {
    const a = await ctx.world.account();
    const { robotLimit } = await import('../src/enforcement/robots-door.js');
    const { parseId } = await import('../src/store/ids.js');
    const t = await now();
    await robotLimit(ctx.server.app.platform, parseId('account', a.id), 'cold_fanout', 48);
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'robot', until: iso(t + 48 * HOUR * 1000) });
    const first = await reported(a, 'spam', true);
    await confirm(first.caseId);
    // 24 h from now ends before the robot's 48 h: the robot's limit stays in force.
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'robot', until: iso(t + 48 * HOUR * 1000) });
    await advance(24 * HOUR);
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'robot', until: iso(t + 48 * HOUR * 1000) });
    const second = await reported(a, 'spam', true);
    const t2 = await now();
    await confirm(second.caseId);
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'report', until: iso(t2 + 72 * HOUR * 1000) });
    await advance(72 * HOUR - 1);
    expect((await me(a)).state).toBe('limited');
    await advance(1);
    expect(await me(a)).toEqual({ state: 'free', publicGroupsBan: false });
  });
});

describe('staff roles on these routes (RULES.md §4, API.md)', () => {
  it('refuses lifting to triage and moderators, and lets support lift with a reason', async () => {
    const spammer = await ctx.world.account();
    const { caseId } = await reported(spammer);
    await confirm(caseId);
    for (const staff of [ctx.triage, ctx.moderator]) {
      expectError(await staff.post(`/v1/moderation/accounts/${spammer.id}/lift`, { reason: 'mistake' }), 403, 'FORBIDDEN');
      expect((await me(spammer)).state).toBe('limited');
    }
    const lifted = await ctx.support.post(`/v1/moderation/accounts/${spammer.id}/lift`, { reason: 'mistake' });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    expect(lifted.body.restriction).toMatchObject({ state: 'free' });
    expect(await me(spammer)).toEqual({ state: 'free', publicGroupsBan: false });
  });

  it('refuses case decisions to support, and confirmation of an escalated case to triage', async () => {
    const spammer = await ctx.world.account();
    const { caseId } = await reported(spammer);
    expectError(await ctx.support.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' }), 403, 'FORBIDDEN');
    expect((await ctx.triage.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'escalate' })).body.case.state).toBe('escalated');
    expectError(await ctx.triage.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy: 'spam' }), 403, 'FORBIDDEN');
    expect((await me(spammer)).state).toBe('free');
    expect(await confirm(caseId)).toMatchObject({ state: 'limited' });
    expectError(await ctx.triage.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' }), 409, 'CASE_CLOSED');
    expectError(await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'escalate' }), 409, 'CASE_CLOSED');
  });

  it('keeps appeals to support and admin', async () => {
    const spammer = await ctx.world.account();
    const { caseId } = await reported(spammer);
    await confirm(caseId);
    const ap = await appeal(spammer, 'Mistake.');
    for (const staff of [ctx.triage, ctx.moderator]) {
      expectError(await staff.get('/v1/moderation/appeals'), 403, 'FORBIDDEN');
      expectError(await staff.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'overturn' }), 403, 'FORBIDDEN');
    }
    expect((await me(spammer)).state).toBe('limited');
    expect((await ctx.world.admin.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'uphold' })).status).toBe(200);
    expectError(await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'overturn' }), 409, 'APPEAL_ALREADY_DECIDED');
    const decided = (await ctx.support.get('/v1/moderation/appeals?state=decided&limit=1000')).body.appeals.find((x: any) => x.id === ap.id);
    expect(decided).toMatchObject({ state: 'decided', outcome: 'uphold' });
    expect((await me(spammer)).state).toBe('limited');
  });
});

describe('SpamBot states why and until when (RULES.md §5)', () => {
  it('for a report limit: the date rounded up, mutual contacts, replies, repeats last longer', async () => {
    const spammer = await ctx.world.account();
    await advance(17); // off the minute
    const { caseId } = await reported(spammer);
    const t = await now();
    await confirm(caseId);
    const status = await bot(spammer, '/start');
    const end = t + DAY * 1000;
    const up = new Date(Math.ceil(end / 60_000) * 60_000);
    const hhmm = `${String(up.getUTCHours()).padStart(2, '0')}:${String(up.getUTCMinutes()).padStart(2, '0')}`;
    expect(status.text).toContain(hhmm);
    expect(status.text).toMatch(/UTC/);
    expect(status.text).toMatch(/reported/);
    expect(status.text).toMatch(/mutual contacts/);
    expect(status.text).toMatch(/reply/);
    expect(status.text).toMatch(/longer/);
    expect(status.buttons.flat().length).toBeGreaterThanOrEqual(1);
    await advance(MIN);
  });
});

describe('sanctions in combination (RULES.md §4)', () => {
  it('lifting a frozen account frees it and removes its strike', async () => {
    const a = await ctx.world.account();
    const scam = await reported(a, 'scam');
    const t = await now();
    await confirm(scam.caseId, 'scam');
    expect(await me(a)).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: iso(t + 14 * DAY * 1000) });
    const lifted = await ctx.support.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'reviewed' });
    expect(lifted.status).toBe(200);
    expect(await me(a)).toEqual({ state: 'free', publicGroupsBan: false });
    expect((await account(ctx.support, a)).strikes.every((s: any) => s.removed)).toBe(true);
  });

  it('a spam limit confirmed after a freeze leaves the account frozen, with its deletion date', async () => {
    const a = await ctx.world.account();
    const early = await ctx.world.account();
    const { chatId } = await sent(a, early, 'cheap watches');
    const scam = await reported(a, 'scam');
    const t = await now();
    await confirm(scam.caseId, 'scam');
    // The spam received before the freeze is reported after it: a new case, confirmed under spam.
    const r = await early.api.post('/v1/reports', { chatId, reason: 'spam' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.report.caseId).not.toBe(scam.caseId);
    await confirm(r.body.report.caseId, 'spam');
    expect(await me(a)).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: iso(t + 14 * DAY * 1000) });
    expectError(await a.api.post('/v1/messages', { to: { accountId: early.id }, text: 'hi' }), 403, 'FROZEN_METHOD_INVALID');
  });

  it('confirms a group case into a limit, with the chat on the case', async () => {
    const owner = await ctx.world.account();
    const g = await group(owner);
    const [subject, r1, r2, r3] = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    for (const x of [subject, r1, r2, r3]) await join(x, g);
    await sent(subject, { chatId: g }, 'free crypto, dm me');
    let caseId: string | undefined;
    for (const x of [r1, r2, r3]) {
      const r = await x.api.post('/v1/reports', { chatId: g, accountId: subject.id, reason: 'spam' });
      expect([200, 201]).toContain(r.status);
      caseId = r.body.report.caseId;
    }
    expect(caseId).toMatch(/^k/);
    const c = (await ctx.moderator.get(`/v1/moderation/cases/${caseId}`)).body.case;
    expect(c.subject).toEqual({ accountId: subject.id, chatId: g, name: expect.any(String) });
    expect(c.evidence.map((m: any) => m.text)).toEqual(['free crypto, dm me']);
    const t = await now();
    expect(await confirm(caseId!)).toMatchObject({ state: 'limited', kind: 'report', until: iso(t + DAY * 1000) });
    // Limited accounts may still post where they are members.
    await sent(subject, { chatId: g }, 'sorry everyone');
    expect(await me(subject)).toMatchObject({ state: 'limited', until: iso(t + DAY * 1000) });
  });
});

describe('bad report input (RULES.md §3, API.md)', () => {
  it('answers clear errors and files nothing', async () => {
    const [x, v] = [await ctx.world.account(), await ctx.world.account()];
    const { chatId } = await sent(x, v, 'promo');
    expectError(await v.api.post('/v1/reports', { chatId, reason: 'boring' }), 400, 'BAD_REQUEST');
    expectError(await v.api.post('/v1/reports', { chatId: 'c99999999' }), 404, 'NOT_FOUND');
    expectError(await v.api.post('/v1/reports', {}), 400, 'BAD_REQUEST');
    const stranger = await ctx.world.account();
    expectError(await stranger.api.post('/v1/reports', { chatId }), 404, 'NOT_FOUND');
    // A private group is not there for someone outside it, whatever they name.
    const owner = await ctx.world.account();
    const priv = await group(owner, 'group', false);
    const inGroup = await sent(owner, { chatId: priv }, 'members only');
    expectError(await stranger.api.post('/v1/reports', { chatId: priv, messageIds: [inGroup.id] }), 404, 'NOT_FOUND');
    expectError(await stranger.api.post('/v1/reports', { chatId: priv, accountId: owner.id }), 404, 'NOT_FOUND');
    expect((await account(ctx.moderator, x)).events.map((e: any) => e.type)).not.toContain('report_filed');
    expect((await account(ctx.moderator, owner)).events.map((e: any) => e.type)).not.toContain('report_filed');
    expectError(await ctx.support.post(`/v1/moderation/accounts/${x.id}/lift`, { reason: '' }), 400, 'BAD_REQUEST');
    // Blanks alone are no reason either.
    expectError(await ctx.support.post(`/v1/moderation/accounts/${x.id}/lift`, { reason: '  \n\t ' }), 400, 'BAD_REQUEST');
  });
});

describe("a policy is one of the ladder's keys (RULES.md §4)", () => {
  it('refuses names an object has by inheritance with 400, on preview and decision, and decides nothing', async () => {
    const spammer = await ctx.world.account();
    const { caseId } = await reported(spammer);
    for (const policy of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf']) {
      expectError(await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy }), 400, 'BAD_REQUEST');
      expectError(await ctx.triage.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'confirm', policy }), 400, 'BAD_REQUEST');
    }
    expectError(await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'toString' }), 400, 'BAD_REQUEST');
    for (const q of ['policy=toString', 'reason=constructor', 'state=__proto__']) {
      const r = await ctx.moderator.get(`/v1/moderation/cases?${q}`);
      expect([200, 400], JSON.stringify(r.body)).toContain(r.status);
    }
    expect((await ctx.moderator.get(`/v1/moderation/cases/${caseId}`)).body.case.state).toBe('open');
    expect(await me(spammer)).toEqual({ state: 'free', publicGroupsBan: false });
    expect(await confirm(caseId)).toMatchObject({ state: 'limited' });
  });
});

describe('report brigading (RULES.md §3)', () => {
  it('fresh accounts that write first and report the replies do not get the one who replied limited', async () => {
    const innocent = await ctx.world.account();
    for (let i = 0; i < 8; i++) {
      const b = await ctx.world.account();
      const { chatId } = await sent(b, innocent, 'hi, are you selling the bike?');
      await sent(innocent, b, 'yes, still available');
      const r = await b.api.post('/v1/reports', { chatId, reason: 'spam', block: true });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    expect(await me(innocent)).toMatchObject({ state: 'free' });
    const friend = await ctx.world.account();
    await sent(innocent, friend, 'hello');
  });
});

describe('report brigading in groups and channels (RULES.md §3)', () => {
  it('a crowd of fresh members reporting one ordinary post, a channel post, or a group as public content limits nobody', async () => {
    const innocent = await ctx.world.account();
    await advance(2 * DAY); // an established account
    const owner = await ctx.world.account();
    const g = await group(owner);
    const ch = await group(innocent, 'channel');
    const pub = await group(innocent);
    await join(innocent, g);
    const post = await sent(innocent, { chatId: g }, 'hello all, nice to be here');
    const cpost = await sent(innocent, { chatId: ch }, 'our opening hours change on Monday');
    await sent(innocent, { chatId: pub }, 'welcome to the bakery group');
    for (let i = 0; i < 8; i++) {
      const b = await ctx.world.account();
      for (const c of [g, ch, pub]) await join(b, c);
      expect((await b.api.post('/v1/reports', { chatId: g, messageIds: [post.id], reason: 'spam' })).status).toBe(201);
      expect((await b.api.post('/v1/reports', { chatId: ch, messageIds: [cpost.id], reason: 'scam' })).status).toBe(201);
      // Their third report is refused by this server's tight report limit, or filed: either way no sanction.
      const third = await b.api.post('/v1/reports', { chatId: pub, reason: 'violence' });
      expect([201, 429]).toContain(third.status);
    }
    expect(await me(innocent)).toEqual({ state: 'free', publicGroupsBan: false });
    await sent(innocent, { chatId: pub }, 'still here');
    await sent(innocent, { chatId: ch }, 'still open');
  });
});

describe('support tickets (RULES.md §5, API.md)', () => {
  it('keeps one open ticket per person whichever way they write, each entry kept, the answer in the app', async () => {
    const a = await ctx.world.account();
    const first = await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'My code never arrives.' });
    expect(first.status).toBe(201);
    const viaApp = await a.api.post('/v1/support/tickets', { text: 'I tried twice.' });
    expect(viaApp.status, JSON.stringify(viaApp.body)).toBe(201);
    const list = (await ctx.support.get('/v1/moderation/tickets?state=open&limit=1000')).body.tickets.filter((t: any) => t.accountId === a.id);
    expect(list).toHaveLength(1);
    expect(list[0].id).toBe(viaApp.body.ticket.id);
    expect(list[0].entries.map((e: any) => [e.from, e.text, e.via])).toEqual([
      ['user', 'My code never arrives.', 'app'],
      ['user', 'I tried twice.', 'app'],
    ]);
    const answered = await ctx.support.post(`/v1/moderation/tickets/${list[0].id}/answer`, { text: 'Fixed on our side, please retry.' });
    expect(answered.status).toBe(200);
    expect(answered.body.ticket).toMatchObject({ state: 'answered' });
    expect(answered.body.ticket.entries.map((e: any) => e.from)).toEqual(['user', 'user', 'support']);
    const chat = (await a.api.get(`/v1/chats/${first.body.message.chatId}/messages?limit=1000`)).body.messages;
    expect(chat.at(-1)).toMatchObject({ text: 'Fixed on our side, please retry.' });
    expect(chat.at(-1).from).not.toBe(a.id);
    for (const staff of [ctx.triage, ctx.moderator]) expectError(await staff.get('/v1/moderation/tickets'), 403, 'FORBIDDEN');
  });
});

describe('SpamBot and a retried message (RULES.md §5, API.md idempotencyKey)', () => {
  it('answers a message once: a retry with the same key gets the original answer and no second reply', async () => {
    const a = await ctx.world.account();
    const body = { to: { username: 'spambot' }, text: '/start', idempotencyKey: 'bot-1' };
    const first = await a.api.post('/v1/messages', body);
    expect(first.status).toBe(201);
    const again = await a.api.post('/v1/messages', body);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const msgs = (await a.api.get(`/v1/chats/${first.body.message.chatId}/messages`)).body.messages;
    expect(msgs).toHaveLength(2);
    expect(msgs[0].text).toBe('/start');
    expect(msgs[1].from).not.toBe(a.id);
  });
});

describe('a frozen account changes nothing (RULES.md §2)', () => {
  it('is refused joining, leaving, adding, barring, posting and reporting, and can still read', async () => {
    const a = await ctx.world.account();
    const friend = await ctx.world.account();
    await ctx.world.mutual(a, friend);
    const owned = await group(a);
    const other = await group(friend);
    const joined = await group(friend);
    await join(a, joined);
    await join(friend, owned);
    const inbound = await sent(friend, a, 'hi there');
    const { restrictAccount } = await import('../src/enforcement/restrictions.js');
    const { parseId } = await import('../src/store/ids.js');
    const t = await now();
    await restrictAccount(
      ctx.server.app.platform,
      parseId('account', a.id),
      { state: 'frozen', kind: 'scam', deleteAt: t + 14 * DAY * 1000 },
      { kind: 'system' },
    );
    const refused = [
      await a.api.post(`/v1/chats/${other}/join`),
      await a.api.post(`/v1/chats/${joined}/leave`),
      await a.api.post(`/v1/chats/${owned}/members`, { accountIds: [friend.id] }),
      await a.api.post(`/v1/chats/${owned}/bans`, { accountId: friend.id }),
      await a.api.post('/v1/messages', { to: { chatId: owned }, text: 'hello group' }),
      await a.api.post('/v1/reports', { chatId: inbound.chatId }),
      await a.api.put('/v1/me', { language: 'ru' }),
    ];
    for (const r of refused) expectError(r, 403, 'FROZEN_METHOD_INVALID');
    expect((await a.api.get(`/v1/chats/${owned}/messages`)).status).toBe(200);
    expect((await a.api.get(`/v1/chats/${inbound.chatId}/messages`)).body.messages.map((m: any) => m.text)).toEqual(['hi there']);
    // Nothing changed: still a member where it was, the friend still in its group.
    expect((await friend.api.post('/v1/messages', { to: { chatId: owned }, text: 'still here' })).status).toBe(201);
  });
});

describe('SpamBot tells each state (RULES.md §5)', () => {
  it('permanent, number and frozen: no end / the number / the deletion date; release is always refused', async () => {
    const perm = await ctx.world.account();
    const { restrictAccount } = await import('../src/enforcement/restrictions.js');
    const { parseId } = await import('../src/store/ids.js');
    await restrictAccount(ctx.server.app.platform, parseId('account', perm.id), { state: 'limited', kind: 'permanent', until: null }, { kind: 'system' });
    expect((await bot(perm, '/start')).text).toMatch(/no end date/);
    for (let i = 0; i < 2; i++) expect((await bot(perm, EN.release)).text).toMatch(/not possible/);
    expect((await me(perm)).state).toBe('limited');

    const voip = await ctx.world.account({ numberKind: 'voip' });
    const s = await bot(voip, '/start');
    expect(s.text).toMatch(/phone number/);
    expect(s.buttons.flat()).toContain(EN.story);

    const frozen = await ctx.world.account();
    const t = await now();
    await restrictAccount(
      ctx.server.app.platform,
      parseId('account', frozen.id),
      { state: 'frozen', kind: 'scam', deleteAt: t + 14 * DAY * 1000 },
      { kind: 'system' },
    );
    const f = await bot(frozen, '/start');
    expect(f.text).toMatch(/frozen/);
    const d = new Date(Math.ceil((t + 14 * DAY * 1000) / 60_000) * 60_000);
    expect(f.text).toContain(`${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`);
    // Asking for an early release, even typed without the button, is refused; nothing changes.
    const release = await bot(frozen, EN.release);
    expect(release.text).toMatch(/not possible/);
    expect(release.buttons.flat().length).toBeGreaterThanOrEqual(1);
    expect(await me(frozen)).toMatchObject({ state: 'frozen', kind: 'scam' });
  });
});
