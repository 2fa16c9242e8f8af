import { describe, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { robotOpenCase, robotSanction } from '../src/enforcement/robots-door.js';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { decideCase } from '../src/enforcement/cases.js';
import { fileReport } from '../src/platform/reports.js';
import { parseId } from '../src/store/ids.js';
import { expectError } from './helpers/expect.js';
import { Client, World, type TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';
import { ADMIN_TOKEN, startServer } from './helpers/server.js';

/**
 * RULES.md §3–§4 and API.md where they changed: a report needs something to review, one open
 * report per reporter, subject and place, preview for every staff role, a child_abuse ban lifted
 * by an admin only, and the staff timeline paged, newest first, without texts it must not show.
 */

const ctx = serverPerFile({ staff: ['moderator', 'triage', 'support'], checkProjections: true });

async function sent(from: TestAccount, to: TestAccount | { chatId: string }, text = 'hello'): Promise<{ id: string; chatId: string }> {
  const r = await from.api.post('/v1/messages', { to: 'token' in to ? { accountId: to.id } : to, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message;
}

async function group(owner: TestAccount, isPublic = true, kind: 'group' | 'channel' = 'group'): Promise<string> {
  const r = await owner.api.post('/v1/groups', { title: 'Square', kind, public: isPublic });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.chat.id;
}

async function join(a: TestAccount, chatId: string): Promise<void> {
  expect((await a.api.post(`/v1/chats/${chatId}/join`)).status).toBe(204);
}

async function casesOf(subject: TestAccount): Promise<any[]> {
  const r = await ctx.moderator.get('/v1/moderation/cases?limit=1000');
  return r.body.cases.filter((c: any) => c.subject.accountId === subject.id);
}

async function me(a: TestAccount): Promise<any> {
  return (await a.api.get('/v1/me')).body.restriction;
}

/** The whole timeline as `staff` sees it, page by page (newest first). */
async function timeline(staff: Client, a: TestAccount, limit = 1000): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const r = await staff.get(`/v1/moderation/accounts/${a.id}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    out.push(...r.body.events);
    cursor = r.body.nextCursor;
    if (!cursor) break;
  }
  return out;
}

const reportFiled = async (a: TestAccount) => (await timeline(ctx.moderator, a)).filter((e) => e.type === 'report_filed');

describe('a report needs something to review (RULES.md §3)', () => {
  it('refuses a private report when the other side has sent nothing, and applies no block with it', async () => {
    const silent = await ctx.world.account();
    const writer = await ctx.world.account();
    const { chatId } = await sent(writer, silent, 'hi');
    expectError(await writer.api.post('/v1/reports', { chatId, block: true, deleteChat: true }), 400, 'NOTHING_TO_REPORT');
    expect(ctx.server.app.platform.index.hasBlocked(parseId('account', writer.id), parseId('account', silent.id))).toBe(false);
    expect(await casesOf(silent)).toEqual([]);
    expect(await reportFiled(silent)).toEqual([]);
    // The chat was not deleted either, and the other side can still answer.
    expect((await writer.api.get('/v1/chats?limit=1000')).body.chats.map((c: any) => c.id)).toContain(chatId);
    await sent(silent, writer, 'who is this?');
  });

  it('six accounts that each wrote "hi" to someone who never answered do not get them limited', async () => {
    const silent = await ctx.world.account();
    for (let i = 0; i < 6; i++) {
      const w = await ctx.world.account();
      const { chatId } = await sent(w, silent, 'hi');
      expectError(await w.api.post('/v1/reports', { chatId, reason: 'spam' }), 400, 'NOTHING_TO_REPORT');
    }
    expect(await me(silent)).toMatchObject({ state: 'free' });
    expect(await casesOf(silent)).toEqual([]);
  });

  it("refuses group reports naming messages that are not the subject's in that chat", async () => {
    const owner = await ctx.world.account();
    const [subject, other, reporter] = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    const g = await group(owner);
    const g2 = await group(owner);
    for (const a of [subject, other, reporter]) await join(a, g);
    await join(subject, g2);
    const mine = await sent(subject, { chatId: g }, 'ad');
    const theirs = await sent(other, { chatId: g }, 'hello all');
    const elsewhere = await sent(subject, { chatId: g2 }, 'ad elsewhere');
    // By someone else than the subject named.
    expectError(await reporter.api.post('/v1/reports', { chatId: g, accountId: subject.id, messageIds: [theirs.id] }), 400, 'NOTHING_TO_REPORT');
    expectError(await reporter.api.post('/v1/reports', { chatId: g, accountId: subject.id, messageIds: [mine.id, theirs.id] }), 400, 'NOTHING_TO_REPORT');
    // Unknown, or in another chat.
    expectError(await reporter.api.post('/v1/reports', { chatId: g, messageIds: ['m99999999'] }), 400, 'NOTHING_TO_REPORT');
    expectError(await reporter.api.post('/v1/reports', { chatId: g, messageIds: [elsewhere.id] }), 400, 'NOTHING_TO_REPORT');
    expect(await reportFiled(subject)).toEqual([]);
    expect(await reportFiled(other)).toEqual([]);
    // The subject's own message is fine.
    expect((await reporter.api.post('/v1/reports', { chatId: g, accountId: subject.id, messageIds: [mine.id] })).status).toBe(201);
  });

  it('refuses a report of a message already taken down', async () => {
    const owner = await ctx.world.account();
    const [poster, member] = [await ctx.world.account(), await ctx.world.account()];
    const g = await group(owner);
    await join(poster, g);
    await join(member, g);
    const m = await sent(poster, { chatId: g }, 'gore');
    const r = await owner.api.post('/v1/reports', { chatId: g, messageIds: [m.id], reason: 'violence' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const d = await ctx.moderator.post(`/v1/moderation/cases/${r.body.report.caseId}/decision`, { action: 'confirm', policy: 'violence' });
    expect(d.body.sanction).toMatchObject({ takedown: true });
    expectError(await member.api.post('/v1/reports', { chatId: g, messageIds: [m.id], reason: 'violence' }), 400, 'NOTHING_TO_REPORT');
  });

  it('refuses a report about an account with no messages there: group owners cannot report any account', async () => {
    const innocent = await ctx.world.account();
    await ctx.world.advance(2 * 24 * 3600);
    for (let i = 0; i < 3; i++) {
      const owner = await ctx.world.account();
      const g = await group(owner, false);
      expectError(await owner.api.post('/v1/reports', { chatId: g, accountId: innocent.id, reason: 'spam' }), 400, 'NOTHING_TO_REPORT');
    }
    expect(await casesOf(innocent)).toEqual([]);
    expect(await me(innocent)).toMatchObject({ state: 'free' });
  });

  it('refuses a public-content report on a chat with no messages', async () => {
    const owner = await ctx.world.account();
    const reporter = await ctx.world.account();
    const ch = await group(owner, true, 'channel');
    expectError(await reporter.api.post('/v1/reports', { chatId: ch, reason: 'violence' }), 400, 'NOTHING_TO_REPORT');
    expect(await casesOf(owner)).toEqual([]);
  });
});

describe('nothing to report, with an idempotency key', () => {
  it('is remembered as the answer for that key, and a new key is decided afresh', async () => {
    const silent = await ctx.world.account();
    const writer = await ctx.world.account();
    const { chatId } = await sent(writer, silent, 'hi');
    expectError(await writer.api.post('/v1/reports', { chatId, idempotencyKey: 'rep-1' }), 400, 'NOTHING_TO_REPORT');
    await sent(silent, writer, 'buy my course');
    // The same key, the same body: the same answer, although there is something now.
    expectError(await writer.api.post('/v1/reports', { chatId, idempotencyKey: 'rep-1' }), 400, 'NOTHING_TO_REPORT');
    expect(await reportFiled(silent)).toEqual([]);
    expect((await writer.api.post('/v1/reports', { chatId, idempotencyKey: 'rep-2' })).status).toBe(201);
  });
});

describe('a report refused by its rate limit changes nothing', () => {
  it('does not apply its block', async () => {
    const limited = await startServer({
      rateLimits: {
        requests: { perSecond: 1000, burst: 100_000 },
        messages: { perSecond: 1000, burst: 100_000 },
        reports: { perSecond: 0.0001, burst: 1 },
        enabled: true,
      },
    });
    try {
      const w = new World(limited.url);
      const reporter = await w.account();
      const [s1, s2] = [await w.account(), await w.account()];
      const c1 = await sent(s1, reporter, 'promo one');
      const c2 = await sent(s2, reporter, 'promo two');
      expect((await reporter.api.post('/v1/reports', { chatId: c1.chatId })).status).toBe(201);
      const refused = await reporter.api.post('/v1/reports', { chatId: c2.chatId, block: true });
      expect(refused.status).toBe(429);
      expect(limited.app.platform.index.hasBlocked(parseId('account', reporter.id), parseId('account', s2.id))).toBe(false);
      expect(await checkProjections(limited.app.platform.store)).toEqual([]);
    } finally {
      await limited.stop();
    }
  });
});

describe('one open report per reporter, subject and place', () => {
  it("files a group report while the reporter's private report on the same person is open", async () => {
    const owner = await ctx.world.account();
    const [spammer, reporter] = [await ctx.world.account(), await ctx.world.account()];
    const { chatId } = await sent(spammer, reporter, 'private ad');
    const priv = await reporter.api.post('/v1/reports', { chatId });
    expect(priv.status).toBe(201);
    const g = await group(owner);
    await join(spammer, g);
    await join(reporter, g);
    const m = await sent(spammer, { chatId: g }, 'group ad');
    const grp = await reporter.api.post('/v1/reports', { chatId: g, messageIds: [m.id] });
    expect(grp.status, JSON.stringify(grp.body)).toBe(201);
    expect(grp.body.report.id).not.toBe(priv.body.report.id);
    // The public content of the same group is a place of its own too.
    const pub = await reporter.api.post('/v1/reports', { chatId: g, reason: 'violence' });
    expect(pub.status, JSON.stringify(pub.body)).toBe(201);
    expect(new Set([priv.body.report.id, grp.body.report.id, pub.body.report.id]).size).toBe(3);
    // Each repeated in its place answers its own report.
    expect((await reporter.api.post('/v1/reports', { chatId: g, messageIds: [m.id] })).body).toEqual(grp.body);
    expect((await reporter.api.post('/v1/reports', { chatId })).body).toEqual(priv.body);
  });
});

describe('preview (API.md)', () => {
  it('is for any staff role and any action', async () => {
    const spammer = await ctx.world.account();
    const victim = await ctx.world.account();
    const { chatId } = await sent(spammer, victim, 'cheap watches');
    const caseId = (await victim.api.post('/v1/reports', { chatId })).body.report.caseId;
    for (const staff of [ctx.triage, ctx.support, ctx.moderator]) {
      const r = await staff.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'confirm', policy: 'spam' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.sanction).toMatchObject({ state: 'limited', kind: 'report' });
      expect((await staff.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'dismiss' })).status).toBe(200);
    }
    // Nothing changed.
    expect((await casesOf(spammer))[0]).toMatchObject({ id: caseId, state: 'open' });
    expect(await me(spammer)).toMatchObject({ state: 'free' });
  });
});

describe('a private case has no chat', () => {
  it("shows no chatId for a private or a robot's case, anywhere", async () => {
    const spammer = await ctx.world.account();
    const victim = await ctx.world.account();
    const { chatId } = await sent(spammer, victim, 'cheap watches');
    const caseId = (await victim.api.post('/v1/reports', { chatId })).body.report.caseId;
    const robots = await ctx.world.account();
    const robotCase = await robotOpenCase(ctx.server.app.platform, parseId('account', robots.id), 'some_rule', 5);
    for (const [who, id] of [
      [spammer, caseId],
      [robots, `k${robotCase}`],
    ] as const) {
      const opened = (await timeline(ctx.moderator, who)).filter((e) => e.type === 'case_opened');
      expect(opened).toHaveLength(1);
      expect(opened[0]).not.toHaveProperty('chatId');
      expect(opened[0].caseId).toBe(id);
      const view = await ctx.moderator.get(`/v1/moderation/cases/${id}`);
      expect(view.body.case.subject).toEqual({ accountId: who.id, name: expect.any(String) });
      expect(JSON.stringify(view.body)).not.toMatch(/"chatId":("c?0"|0)/);
    }
  });
});

describe('lifting a child_abuse ban (RULES.md §4)', () => {
  it('is for an admin only', async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    const { chatId } = await sent(x, v, 'abuse');
    const caseId = (await v.api.post('/v1/reports', { chatId, reason: 'child_abuse' })).body.report.caseId;
    expect((await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy: 'child_abuse' })).body.sanction).toMatchObject({
      state: 'banned',
    });
    expectError(await ctx.support.post(`/v1/moderation/accounts/${x.id}/lift`, { reason: 'mistake' }), 403, 'FORBIDDEN');
    expect((await timeline(ctx.moderator, x)).filter((e) => e.type === 'restriction_lifted')).toEqual([]);
    const lifted = await new Client(ctx.server.url, ADMIN_TOKEN).post(`/v1/moderation/accounts/${x.id}/lift`, { reason: 'mistake' });
    expect(lifted.status).toBe(200);
    expect(lifted.body.restriction).toMatchObject({ state: 'free' });
  });
});

describe('the staff timeline (API.md)', () => {
  const BOT = ['/start', 'This is a mistake', 'I did not send anything like that'];

  it('is paged, newest first, with ids, and no text but for support and admin', async () => {
    const a = await ctx.world.account();
    const victim = await ctx.world.account();
    const { chatId } = await sent(a, victim, 'EVIDENCE-TEXT-41');
    expect((await victim.api.post('/v1/reports', { chatId, comment: 'COMMENT-TEXT-42' })).status).toBe(201);
    await restrictAccount(
      ctx.server.app.platform,
      parseId('account', a.id),
      { state: 'limited', kind: 'report', until: ctx.server.app.platform.clock.now() + 86_400_000 },
      { kind: 'system' },
    );
    for (const text of [...BOT, 'APPEAL-TEXT-43']) expect((await a.api.post('/v1/messages', { to: { username: 'spambot' }, text })).status).toBe(201);

    const all = await timeline(ctx.support, a);
    expect(all.length).toBeGreaterThan(4);
    const ids = all.map((e) => Number(String(e.id).slice(1)));
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeLessThan(ids[i - 1]!);
    for (let i = 1; i < all.length; i++) expect(Date.parse(all[i].at)).toBeLessThanOrEqual(Date.parse(all[i - 1].at));
    expect(all[0].type).toBe('appeal_filed');
    // Two at a time: the same events, nothing out of reach.
    expect(await timeline(ctx.support, a, 2)).toEqual(all);
    const first = await ctx.support.get(`/v1/moderation/accounts/${a.id}?limit=2`);
    expect(first.body.events).toHaveLength(2);
    expect(typeof first.body.nextCursor).toBe('string');
    expectError(await ctx.support.get(`/v1/moderation/accounts/${a.id}?cursor=nonsense`), 400, 'BAD_REQUEST');

    // Never message texts nor report comments; the appeal's text for support and admin only.
    for (const [staff, seesAppeal] of [
      [ctx.support, true],
      [new Client(ctx.server.url, ADMIN_TOKEN), true],
      [ctx.moderator, false],
      [ctx.triage, false],
    ] as const) {
      const events = await timeline(staff, a);
      const text = JSON.stringify(events);
      expect(text).not.toContain('EVIDENCE-TEXT-41');
      expect(text).not.toContain('COMMENT-TEXT-42');
      expect(text.includes('APPEAL-TEXT-43')).toBe(seesAppeal);
      const appeal = events.find((e) => e.type === 'appeal_filed');
      expect(appeal).toMatchObject({ appealId: expect.stringMatching(/^a/), restriction: { state: 'limited' }, robot: false });
      // A person's decision, no rule: the field is absent.
      expect(appeal).not.toHaveProperty('rule');
      if (!seesAppeal) expect(appeal).not.toHaveProperty('text');
    }
    const filed = all.find((e) => e.type === 'report_filed');
    expect(filed.evidence).toEqual([expect.stringMatching(/^m/)]);
  });
});

describe("check-then-write under the subject's key", () => {
  // Called in-process, all at once: their awaits interleave, as with an asynchronous driver.
  it('files one report when the same report arrives five times at once', async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    const { chatId } = await sent(x, v, 'promo');
    const p = ctx.server.app.platform;
    const all = await Promise.all(Array.from({ length: 5 }, () => fileReport(p, parseId('account', v.id), { chatId })));
    expect(all.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(all.map((r) => r.body.report.id)).size).toBe(1);
    expect(await reportFiled(x)).toHaveLength(1);
    expect((await casesOf(x))[0]).toMatchObject({ reportCount: 1 });
  });

  it('decides a case once, and counts one strike, when two confirmations race', async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    const { chatId } = await sent(x, v, 'promo');
    const caseId = (await v.api.post('/v1/reports', { chatId })).body.report.caseId;
    const p = ctx.server.app.platform;
    const decide = (ref: string) => decideCase(p, parseId('case', caseId), { action: 'confirm', policy: 'spam' }, { ref, role: 'moderator' }, p.clock.now());
    const results = await Promise.allSettled([decide('s901'), decide('s902')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as { code: string }).code).toBe('CASE_CLOSED');
    expect((await ctx.moderator.get(`/v1/moderation/accounts/${x.id}`)).body.strikes).toHaveLength(1);
  });

  it('climbs the ladder one step per sanction when two arrive at once', async () => {
    const x = await ctx.world.account();
    const p = ctx.server.app.platform;
    const [a, b] = await Promise.all([robotSanction(p, parseId('account', x.id), 'r1', 'spam'), robotSanction(p, parseId('account', x.id), 'r2', 'spam')]);
    const now = p.clock.now();
    // The second counts the first: 24 h, then 72 h (the default spam ladder).
    expect([a.until, b.until].sort()).toEqual([new Date(now + 24 * 3600_000).toISOString(), new Date(now + 72 * 3600_000).toISOString()]);
    expect((await ctx.moderator.get(`/v1/moderation/accounts/${x.id}`)).body.strikes).toHaveLength(2);
  });
});
