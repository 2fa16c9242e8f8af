import { describe, expect, it } from 'vitest';
import { expectError } from './helpers/expect.js';
import type { TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * Reports filed at the same moment (RULES.md §3: one open report per reporter, subject and
 * place; reporters are rate-limited). Whether a report repeats an open one, and so whether it
 * spends one of the reporter's reports, is decided where the report is filed and the case is
 * decided: concurrent identical reports file one report and spend one token, and a report that
 * comes with or after the decision of its case is a new one, rate-limited as such. Concurrent
 * HTTP requests against a real server, on the store the run is configured with.
 */

const BURST = 2;

const ctx = serverPerFile({
  config: {
    rateLimits: {
      requests: { perSecond: 1000, burst: 100_000 },
      messages: { perSecond: 1000, burst: 100_000 },
      // No refill to speak of: every token a test sees spent was spent by its own reports.
      reports: { perSecond: 0.0001, burst: BURST },
      enabled: true,
    },
  },
  staff: ['moderator'],
  checkProjections: true,
});

async function sent(from: TestAccount, to: TestAccount, text = 'cheap watches'): Promise<string> {
  const r = await from.api.post('/v1/messages', { to: { accountId: to.id }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message.chatId;
}

async function casesOf(subject: TestAccount, state = 'open'): Promise<any[]> {
  const r = await ctx.moderator.get(`/v1/moderation/cases?state=${state}&limit=1000`);
  return r.body.cases.filter((c: any) => c.subject.accountId === subject.id);
}

/**
 * Opens `n` connections to the server and leaves them idle, so that the next `n` concurrent
 * requests go out together on open connections instead of one after another's handshake.
 */
async function warm(a: TestAccount, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => a.api.get('/v1/me')));
}

describe('identical reports filed at the same moment', () => {
  it('file one report and spend one token', async () => {
    const reporter = await ctx.world.account();
    const spammer = await ctx.world.account();
    const chatId = await sent(spammer, reporter);
    await warm(reporter, 6);
    const answers = await Promise.all(Array.from({ length: 6 }, () => reporter.api.post('/v1/reports', { chatId })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.report.id)).size).toBe(1);
    const [open] = await casesOf(spammer);
    expect(open).toMatchObject({ reportCount: 1 });
    // One token spent: the reporter has BURST - 1 reports left, then the limit.
    const others = [await ctx.world.account(), await ctx.world.account()];
    const first = await reporter.api.post('/v1/reports', { chatId: await sent(others[0]!, reporter) });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expectError(await reporter.api.post('/v1/reports', { chatId: await sent(others[1]!, reporter) }), 429, 'FLOOD_WAIT');
  });

  it('file one report each when they come from different reporters, each spending its own token', async () => {
    const spammer = await ctx.world.account();
    const reporters = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    const chats = await Promise.all(reporters.map((r) => sent(spammer, r)));
    await warm(reporters[0]!, 6);
    const answers = await Promise.all(reporters.flatMap((r, i) => [0, 1].map(() => r.api.post('/v1/reports', { chatId: chats[i] }))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.report.id)).size).toBe(3);
    const cases = await casesOf(spammer);
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ reportCount: 3 });
  });
});

describe('a report and the decision of its case at the same moment', () => {
  it('is a repeat before the decision, and a new report, rate-limited, after it', async () => {
    // Each round: a reporter spends its whole burst, then repeats one report while the case is
    // dismissed. The repeat is answered with the open report (200), or, coming after the
    // decision, refused by the rate limit (429); it is never filed without a token.
    const rounds = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const reporter = await ctx.world.account();
        const spammers = await Promise.all(Array.from({ length: BURST }, () => ctx.world.account()));
        const chats: string[] = [];
        for (const s of spammers) chats.push(await sent(s, reporter));
        const filed = [];
        for (const chatId of chats) {
          const r = await reporter.api.post('/v1/reports', { chatId });
          expect(r.status, JSON.stringify(r.body)).toBe(201);
          filed.push(r.body.report);
        }
        const [decision, repeat] = await Promise.all([
          ctx.moderator.post(`/v1/moderation/cases/${filed[0].caseId}/decision`, { action: 'dismiss' }),
          reporter.api.post('/v1/reports', { chatId: chats[0] }),
        ]);
        expect(decision.status, JSON.stringify(decision.body)).toBe(200);
        if (repeat.status === 200) expect(repeat.body.report).toEqual(filed[0]);
        else expectError(repeat, 429, 'FLOOD_WAIT');
        // Whichever came first, the case is decided and nothing new was filed about its subject.
        expect(await casesOf(spammers[0]!)).toEqual([]);
        // After the decision the report is a new one: out of tokens, it is refused.
        expectError(await reporter.api.post('/v1/reports', { chatId: chats[0] }), 429, 'FLOOD_WAIT');
        // The other report stays open and is still answered as a repeat.
        expect((await reporter.api.post('/v1/reports', { chatId: chats[1] })).body.report).toEqual(filed[1]);
        return repeat.status;
      }),
    );
    expect(rounds.every((s) => s === 200 || s === 429)).toBe(true);
  });

  it('files a new report after the decision when a token is left', async () => {
    const reporter = await ctx.world.account();
    const spammer = await ctx.world.account();
    const chatId = await sent(spammer, reporter);
    const first = await reporter.api.post('/v1/reports', { chatId });
    expect(first.status).toBe(201);
    expect((await ctx.moderator.post(`/v1/moderation/cases/${first.body.report.caseId}/decision`, { action: 'dismiss' })).status).toBe(200);
    const again = await reporter.api.post('/v1/reports', { chatId });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.report.id).not.toBe(first.body.report.id);
    // Both reports spent a token: the burst is used up.
    expectError(await reporter.api.post('/v1/reports', { chatId: await sent(await ctx.world.account(), reporter) }), 429, 'FLOOD_WAIT');
  });
});
