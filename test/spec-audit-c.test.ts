import { describe, expect, it } from 'vitest';
import { Client, type TestAccount, World } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { serverPerFile } from './helpers/per-file.js';
import { ADMIN_TOKEN, startServer } from './helpers/server.js';

/**
 * RULES.md §7 (time and the manual clock) and the clock row of API.md, read sentence by
 * sentence and checked over HTTP against a real server: who may move the clock, what it takes,
 * that nothing but the endpoint moves it, that it survives a restart, that everything due is
 * applied at its own time before the call answers, and that the real-time exceptions stay real.
 */

const DAY = 24 * 3600;

const ctx = serverPerFile({
  config: {
    // Tight message bucket on real time: two messages, then almost no refill.
    rateLimits: { messages: { perSecond: 0.001, burst: 2 }, requests: { perSecond: 50, burst: 500 }, reports: { perSecond: 1, burst: 50 }, enabled: true },
  },
  staff: ['moderator'],
});

async function now(): Promise<number> {
  const r = await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 0 });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return Date.parse(r.body.now);
}

async function sent(from: TestAccount, to: { accountId: string } | { chatId: string }, text: string) {
  const r = await from.api.post('/v1/messages', { to, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message as { id: string; chatId: string; sentAt: string };
}

/** A confirmed report under `policy` against `x`, as staff make it. */
async function sanction(x: TestAccount, policy: 'spam' | 'scam') {
  const victim = await ctx.world.account();
  const m = await sent(victim, { accountId: x.id }, 'is the flat still available?');
  await sent(x, { chatId: m.chatId }, 'buy cheap followers now');
  const rep = await victim.api.post('/v1/reports', { chatId: m.chatId, reason: policy });
  expect(rep.status, JSON.stringify(rep.body)).toBe(201);
  const d = await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  return d.body.sanction;
}

describe('the manual clock (RULES.md §7)', () => {
  it('starts at the real time on a fresh data folder and answers an ISO-8601 UTC time', async () => {
    const r = await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 0 });
    expect(r.status).toBe(200);
    expect(r.body.now).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    // This test runs first in the file: the clock has not been moved yet.
    expect(Math.abs(Date.parse(r.body.now) - Date.now())).toBeLessThan(120_000);
  });

  it('takes advances sent at once one after the other: each answers, and the clock moves by their sum', async () => {
    const t0 = await now();
    const answers = await Promise.all([3600, 60, 86_400, 1].map((advanceSeconds) => ctx.world.admin.post('/v1/admin/clock', { advanceSeconds })));
    for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(await now()).toBe(t0 + (3600 + 60 + 86_400 + 1) * 1000);
    // Each answer is the time its own advance reached: four different times, the last the sum.
    const reached = answers.map((a) => Date.parse(a.body.now) - t0).sort((x, y) => x - y);
    expect(new Set(reached).size).toBe(4);
    expect(reached[3]).toBe((3600 + 60 + 86_400 + 1) * 1000);
  });

  it('only the endpoint moves it: real seconds passing leave it where it is, and it stamps what happens', async () => {
    const t0 = await now();
    await new Promise((r) => setTimeout(r, 1100));
    expect(await now()).toBe(t0);
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await ctx.world.mutual(a, b);
    const m = await sent(b, { accountId: a.id }, 'stamped by the manual clock');
    expect(Date.parse(m.sentAt)).toBe(t0);
  });

  it('moves by exactly the seconds asked, fractions included, and 0 only reads', async () => {
    const t0 = await now();
    const r = await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 0.25 });
    expect(r.status).toBe(200);
    expect(Date.parse(r.body.now)).toBe(t0 + 250);
    const r2 = await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 3600 });
    expect(Date.parse(r2.body.now)).toBe(t0 + 250 + 3_600_000);
    expect(await now()).toBe(t0 + 250 + 3_600_000);
  });

  it('refuses other value types with 400 naming the field, and moves nothing', async () => {
    const t0 = await now();
    const bad: [string, string][] = [
      ['{"advanceSeconds": true}', 'a boolean'],
      ['{"advanceSeconds": [5]}', 'an array'],
      ['{"advanceSeconds": "1e3"}', 'a numeric string'],
      ['{"advanceSeconds": 10000000000.5}', 'just beyond 10^10'],
      ['[]', 'an array body'],
      ['"advanceSeconds"', 'a string body'],
    ];
    for (const [raw, what] of bad) {
      const r = await ctx.world.admin.request('POST', '/v1/admin/clock', undefined, raw);
      expect(r.status, what).toBe(400);
      expectError(r, 400, 'BAD_REQUEST');
      expect(typeof r.body.error.details, what).toBe('object');
    }
    // Malformed JSON and no body at all are 400 too, never 500.
    expectError(await ctx.world.admin.request('POST', '/v1/admin/clock', undefined, '{"advanceSeconds": '), 400, 'BAD_REQUEST');
    expectError(await ctx.world.admin.request('POST', '/v1/admin/clock'), 400, 'BAD_REQUEST');
    expect(await now()).toBe(t0);
  });

  it('is for the admin token and admin staff only: other staff and accounts 403, no or a wrong token 401', async () => {
    const t0 = await now();
    const adminStaff = await ctx.world.staff('admin');
    const r = await adminStaff.post('/v1/admin/clock', { advanceSeconds: 1 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(Date.parse(r.body.now)).toBe(t0 + 1000);
    for (const role of ['triage', 'moderator', 'support'] as const) {
      expectError(await (await ctx.world.staff(role)).post('/v1/admin/clock', { advanceSeconds: 1 }), 403, 'FORBIDDEN');
    }
    const a = await ctx.world.account();
    expectError(await a.api.post('/v1/admin/clock', { advanceSeconds: 1 }), 403, 'FORBIDDEN');
    expectError(await new Client(ctx.server.url).post('/v1/admin/clock', { advanceSeconds: 1 }), 401, 'UNAUTHORIZED');
    expectError(await new Client(ctx.server.url, `${ADMIN_TOKEN}x`).post('/v1/admin/clock', { advanceSeconds: 1 }), 401, 'UNAUTHORIZED');
    expect(await now()).toBe(t0 + 1000);
  });

  it("keeps banya's own Date header on real time, far ahead as the clock may be", async () => {
    await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 400 * DAY });
    const r = await fetch(`${ctx.server.url}/healthz`);
    const date = Date.parse(r.headers.get('date') ?? '');
    expect(Math.abs(date - Date.now())).toBeLessThan(60_000);
  });

  it('neither refills nor drains the message rate-limit window (real time)', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await ctx.world.mutual(a, b);
    await sent(a, { accountId: b.id }, 'one');
    await sent(a, { accountId: b.id }, 'two');
    const third = await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'three' });
    expectError(third, 429, 'FLOOD_WAIT');
    expect(third.body.error.details.retryAfter).toBeGreaterThan(0);
    expect(third.headers.get('retry-after')).toBe(String(third.body.error.details.retryAfter));
    await ctx.world.advance(2 * DAY);
    expectError(await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'three again' }), 429, 'FLOOD_WAIT');
    // SpamBot is not limited.
    expect((await a.api.post('/v1/messages', { to: { username: 'spambot' }, text: '/start' })).status).toBe(201);
    // A fresh account on the same clock still has its whole burst.
    const c = await ctx.world.account();
    await ctx.world.mutual(c, b);
    await sent(c, { accountId: b.id }, 'one');
    await sent(c, { accountId: b.id }, 'two');
  });
});

describe('everything due is applied before the clock call answers, in time order (RULES.md §7)', () => {
  it('one long advance ends a limit, bans a frozen account at its deletion date and expires a strike, each at its own time', async () => {
    const limited = await ctx.world.account();
    const frozen = await ctx.world.account();
    const s1 = await sanction(limited, 'spam');
    const s2 = await sanction(frozen, 'scam');
    const until = Date.parse(s1.until);
    const deleteAt = Date.parse(s2.deleteAt);
    expect(s1.state).toBe('limited');
    expect(s2.state).toBe('frozen');
    const t0 = await now();
    // One call across the limit's end, the deletion date and the strikes' 365 days.
    const t1 = await ctx.world.advance(400 * DAY);
    expect(t1).toBe(t0 + 400 * DAY * 1000);
    // The next request sees a consistent world, without waiting.
    expect((await limited.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'free' });
    expectError(await frozen.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    const view = await ctx.moderator.get(`/v1/moderation/accounts/${limited.id}`);
    expect(view.status).toBe(200);
    expect(view.body.restriction).toMatchObject({ state: 'free' });
    // Its one strike is past 365 days: it no longer counts.
    expect(view.body.strikes.map((s: any) => s.counting)).toEqual([false]);
    // The timeline records each due change at its due time, not at the time of the call, newest first.
    const events = view.body.events as { type: string; at: string }[];
    const ats = events.map((e) => Date.parse(e.at));
    expect([...ats].sort((x, y) => y - x)).toEqual(ats);
    const at = (type: string) => events.filter((e) => e.type === type).map((e) => e.at);
    expect(at('restriction_expired')).toEqual([new Date(until).toISOString()]);
    expect(at('strike_expired')).toEqual([view.body.strikes[0].expiresAt]);
    expect(ats.every((t) => t <= t1)).toBe(true);
    const fview = await ctx.moderator.get(`/v1/moderation/accounts/${frozen.id}`);
    expect(fview.body.restriction).toMatchObject({ state: 'banned' });
    const fats = (fview.body.events as { at: string }[]).map((e) => Date.parse(e.at));
    expect(
      fats.some((t) => t === deleteAt),
      JSON.stringify(fview.body.events),
    ).toBe(true);
    // And a second confirmed spam case is a first strike again (24 h), the old one having expired.
    const again = await sanction(limited, 'spam');
    expect(Date.parse(again.until) - t1).toBe(DAY * 1000);
  });
});

describe('time order across kinds of due change (RULES.md §7)', () => {
  it('a strike that expires before a limit ends is applied first, though both come due in one call', async () => {
    const a = await ctx.world.account();
    await sanction(a, 'spam'); // strike 1: 24 h
    await ctx.world.advance(364 * DAY);
    const second = await sanction(a, 'spam'); // strike 2: 72 h, ends after strike 1 expires
    const end = Date.parse(second.until);
    await ctx.world.advance(40 * DAY);
    const view = await ctx.moderator.get(`/v1/moderation/accounts/${a.id}?limit=1000`);
    const events = view.body.events as { id: string; type: string; at: string }[];
    const due = events.filter((e) => e.type === 'strike_expired' || e.type === 'restriction_expired').reverse();
    // Oldest first: strike 1 expired (365 d), limit 2 ended (364 d + 72 h), then strike 2 (729 d) is not due yet.
    expect(due.map((e) => e.type)).toEqual(['restriction_expired', 'strike_expired', 'restriction_expired']);
    expect(Date.parse(due[2]!.at)).toBe(end);
    const ats = due.map((e) => Date.parse(e.at));
    expect([...ats].sort((x, y) => x - y)).toEqual(ats);
    // Ids follow the time order too: the log was written in the order things happened.
    const ids = due.map((e) => Number(e.id.slice(1)));
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  });
});

describe('the clock across a restart (RULES.md §7)', () => {
  it('is stored: a restart goes on from the moved time, not from the real one', async () => {
    const t0 = await ctx.world.advance(12_345.5);
    ctx.server = await ctx.server.restart();
    ctx.world = new World(ctx.server.url);
    ctx.moderator = await ctx.world.staff('moderator');
    expect(await now()).toBe(t0);
    expect(await ctx.world.advance(10)).toBe(t0 + 10_000);
  });
});

describe('without BANYA_CLOCK=manual (RULES.md §7)', () => {
  it('the clock endpoint does not exist: 404 for the admin token, absent from the OpenAPI document', async () => {
    const sys = await startServer({ clock: 'system' });
    try {
      const admin = new Client(sys.url, ADMIN_TOKEN);
      for (const method of ['POST', 'GET']) {
        const r = await admin.request(method, '/v1/admin/clock', method === 'POST' ? { advanceSeconds: 0 } : undefined);
        expectError(r, 404, 'NOT_FOUND');
      }
      const doc = (await new Client(sys.url).get('/openapi.json')).body;
      expect(doc.paths['/v1/admin/clock']).toBeUndefined();
      // The system clock is the real time.
      const a = await new World(sys.url).account();
      const b = await new World(sys.url).account();
      await new World(sys.url).mutual(a, b);
      const m = await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'on real time' });
      expect(Math.abs(Date.parse(m.body.message.sentAt) - Date.now())).toBeLessThan(60_000);
    } finally {
      await sys.stop();
    }
  });
});

describe('idempotencyKey under concurrency (API.md)', () => {
  it('the same send several times at once: one message, every answer the original', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const body = { to: { accountId: b.id }, text: 'sent once, retried by a nervous client', idempotencyKey: 'nervous-1' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => a.api.post('/v1/messages', body)));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(201));
    for (const r of answers) expect(r.body).toEqual(answers[0]!.body);
    const msgs = await b.api.get(`/v1/chats/${answers[0]!.body.message.chatId}/messages`);
    expect(msgs.body.messages).toHaveLength(1);
  });

  it('the same key with two bodies at once: one of them wins, the other is 409, one message', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => a.api.post('/v1/messages', { to: { accountId: b.id }, text: i % 2 ? 'odd' : 'even', idempotencyKey: 'race-1' })),
    );
    const ok = answers.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.body).toEqual(ok[0]!.body);
    for (const r of answers.filter((x) => x.status !== 201)) expectError(r, 409, 'IDEMPOTENCY_CONFLICT');
    const winner = ok[0]!.body.message.text;
    for (let i = 0; i < 6; i++) expect(answers[i]!.status).toBe((i % 2 ? 'odd' : 'even') === winner ? 201 : 409);
    const msgs = await b.api.get(`/v1/chats/${ok[0]!.body.message.chatId}/messages`);
    expect(msgs.body.messages).toHaveLength(1);
  });

  it('the same report several times at once: one report, every answer the original 201', async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    const m = await sent(x, { accountId: v.id }, 'cheap watches, write back');
    const body = { chatId: m.chatId, reason: 'spam', idempotencyKey: 'rep-race-1' };
    const answers = await Promise.all(Array.from({ length: 6 }, () => v.api.post('/v1/reports', body)));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(201));
    for (const r of answers) expect(r.body).toEqual(answers[0]!.body);
    const c = await ctx.moderator.get(`/v1/moderation/cases/${answers[0]!.body.report.caseId}`);
    expect(c.body.case.reportCount).toBe(1);
    expect(c.body.case.reports).toHaveLength(1);
    // Without the key, a repeat while open is 200 with the same report; with the key, the original 201.
    const plain = await v.api.post('/v1/reports', { chatId: m.chatId, reason: 'spam' });
    expect(plain.status).toBe(200);
    expect(plain.body.report.id).toBe(answers[0]!.body.report.id);
    expect((await v.api.post('/v1/reports', body)).status).toBe(201);
  });

  it('keys are per account: the same key from two accounts is two messages', async () => {
    const a = await ctx.world.account();
    const c = await ctx.world.account();
    const b = await ctx.world.account();
    const r1 = await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'same key', idempotencyKey: 'shared-key' });
    const r2 = await c.api.post('/v1/messages', { to: { accountId: b.id }, text: 'same key', idempotencyKey: 'shared-key' });
    expect([r1.status, r2.status]).toEqual([201, 201]);
    expect(r1.body.message.id).not.toBe(r2.body.message.id);
  });
});

describe('ids are opaque strings (API.md "Conventions")', () => {
  /** Every `id`, `…Id` and `…Ids` field anywhere in `v`, with where it was found. */
  function idFields(v: unknown, at = ''): [string, unknown][] {
    if (Array.isArray(v)) return v.flatMap((x, i) => idFields(x, `${at}[${i}]`));
    if (typeof v !== 'object' || v === null) return [];
    return Object.entries(v).flatMap(([k, x]) => [
      ...(k === 'id' || /Ids?$/.test(k) ? ([[`${at}.${k}`, x]] as [string, unknown][]) : []),
      ...idFields(x, `${at}.${k}`),
    ]);
  }
  const notStrings = (v: unknown) => idFields(v).filter(([, x]) => !(typeof x === 'string' || (Array.isArray(x) && x.every((y) => typeof y === 'string'))));

  // A restriction's id (in `restriction_*`, `strike_added` and appeal events) was a bare number.
  it('in the timeline, the case view and the appeals list, a restriction included', async () => {
    const a = await ctx.world.account();
    await sanction(a, 'spam');
    const support = await ctx.world.staff('support');
    // The account appeals through SpamBot, then support lifts the limit.
    for (const text of ['/start', 'This is a mistake']) await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
    expect((await support.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'a mistake' })).status).toBe(200);
    const view = await support.get(`/v1/moderation/accounts/${a.id}`);
    expect(view.status).toBe(200);
    expect(view.body.events.some((e: any) => 'restrictionId' in e)).toBe(true);
    expect(notStrings(view.body)).toEqual([]);
    const cases = await ctx.moderator.get('/v1/moderation/cases?state=closed');
    expect(notStrings(cases.body)).toEqual([]);
    const one = await ctx.moderator.get(`/v1/moderation/cases/${cases.body.cases[0].id}`);
    expect(notStrings(one.body)).toEqual([]);
    const appeals = await support.get('/v1/moderation/appeals');
    expect(notStrings(appeals.body)).toEqual([]);
    expect(notStrings((await a.api.get('/v1/me')).body)).toEqual([]);
  });
});

describe('advanceSeconds at its bounds (API.md: 0 to 10^10)', () => {
  it('takes JSON numbers in any notation, -0 as 0, and exactly 10^10', async () => {
    const t0 = await now();
    const r = await ctx.world.admin.request('POST', '/v1/admin/clock', undefined, '{"advanceSeconds": 1e3}');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(Date.parse(r.body.now)).toBe(t0 + 1_000_000);
    const z = await ctx.world.admin.request('POST', '/v1/admin/clock', undefined, '{"advanceSeconds": -0}');
    expect(z.status, JSON.stringify(z.body)).toBe(200);
    expect(Date.parse(z.body.now)).toBe(t0 + 1_000_000);
    const max = await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 1e10 });
    expect(max.status, JSON.stringify(max.body)).toBe(200);
    expect(Date.parse(max.body.now)).toBe(t0 + 1_000_000 + 1e13);
    // The world still answers after ~317 years.
    const a = await ctx.world.account();
    expect((await a.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'free' });
  });
});

describe('the one error shape (API.md: {"error": {"code", "message", "details"}})', () => {
  it('has a details object on every kind of error', async () => {
    const a = await ctx.world.account();
    const answers = [
      await new Client(ctx.server.url).get('/v1/no-such-route'),
      await new Client(ctx.server.url).get('/v1/me'),
      await a.api.post('/v1/admin/clock', { advanceSeconds: 0 }),
      await ctx.world.admin.request('POST', '/v1/admin/clock', undefined, '{'),
      await a.api.post('/v1/messages', { to: { accountId: 'u999999' }, text: 'hi' }),
      await a.api.request('POST', '/v1/messages', undefined, JSON.stringify({ to: { accountId: a.id }, text: 'x'.repeat(2_000_000) })),
    ];
    expect(answers.map((r) => r.status)).toEqual([404, 401, 403, 400, 404, 413]);
    for (const r of answers) {
      expect(Object.keys(r.body)).toEqual(['error']);
      expect(r.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect(typeof r.body.error.details, r.body.error.code).toBe('object');
      expect(r.body.error.details).not.toBeNull();
    }
  });
});
