import { describe, expect, it } from 'vitest';
import type { TestAccount } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * API.md, rate limits: "Messages to SpamBot and support, and the admin token, are not limited."
 * An account that flooded its way into FLOOD_WAIT can still ask SpamBot and support, whichever
 * bucket it emptied. Real server, tiny buckets that barely refill (they run on real time).
 */

const REQUESTS = 6;
const MESSAGES = 2;

const ctx = serverPerFile({
  config: {
    rateLimits: {
      requests: { perSecond: 0.001, burst: REQUESTS },
      messages: { perSecond: 0.001, burst: MESSAGES },
      reports: { perSecond: 0.001, burst: 5 },
      enabled: true,
    },
  },
});

function send(from: TestAccount, to: Record<string, string>, text = 'hello') {
  return from.api.post('/v1/messages', { to, text });
}

describe('an account out of requests', () => {
  it('still writes to SpamBot and support, by username, id or chat; everything else waits', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const bot = await send(a, { username: 'spambot' }, '/start');
    expect(bot.status).toBe(201);
    const botChat = bot.body.message.chatId;
    let spent = 1;
    for (; spent < REQUESTS; spent++) expect((await a.api.get('/v1/me')).status).toBe(200);
    const flooded = await a.api.get('/v1/me');
    expectError(flooded, 429, 'FLOOD_WAIT');
    expect(flooded.headers.get('retry-after')).toBe(String(flooded.body.error.details.retryAfter));
    expectError(await send(a, { accountId: b.id }), 429, 'FLOOD_WAIT');

    for (const to of [{ username: 'spambot' }, { username: '@SpamBot' }, { chatId: botChat }, { username: 'support' }] as Record<string, string>[]) {
      const r = await send(a, to, '/start');
      expect(r.status, `${JSON.stringify(to)} → ${JSON.stringify(r.body)}`).toBe(201);
    }
    const supportId = (await send(a, { username: 'support' }, 'one more question')).body.message.chatId;
    expect(typeof supportId).toBe('string');
    // "Ask a question" is a message to support too.
    expect((await a.api.post('/v1/support/tickets', { text: 'Why can I not write?' })).status).toBe(201);
    // Everything else still waits, the refusals above included.
    expectError(await a.api.get('/v1/chats'), 429, 'FLOOD_WAIT');
    expectError(await send(a, { accountId: b.id }), 429, 'FLOOD_WAIT');
  });

  it('is refused what is not plainly a message to SpamBot or support, unreadable bodies included', async () => {
    const a = await ctx.world.account();
    for (let i = 0; i < REQUESTS; i++) expect((await a.api.get('/v1/me')).status).toBe(200);
    expectError(await a.api.request('POST', '/v1/messages', undefined, '{"to": {"username": "spambot"}, "text": '), 429, 'FLOOD_WAIT');
    expectError(await a.api.request('POST', '/v1/support/tickets', undefined, '{"text": '), 429, 'FLOOD_WAIT');
    expectError(await a.api.post('/v1/messages', { to: { username: 'spambot', accountId: a.id }, text: 'x' }), 429, 'FLOOD_WAIT');
    expectError(await a.api.post('/v1/messages', { to: { username: 'nobody_here' }, text: 'x' }), 429, 'FLOOD_WAIT');
    expectError(await a.api.post('/v1/messages', { to: { phone: '+447700900999' }, text: 'x' }), 429, 'FLOOD_WAIT');
    // A message to SpamBot the schema refuses is bad input, not a flood.
    expectError(await a.api.post('/v1/messages', { to: { username: 'spambot' }, text: 'x', idempotencyKey: 5 }), 400, 'BAD_REQUEST');
    expect((await a.api.post('/v1/messages', { to: { username: 'spambot' }, text: '/start' })).status).toBe(201);
  });
});

describe('an account out of messages', () => {
  it('still writes to SpamBot and support', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    for (let i = 0; i < MESSAGES; i++) expect((await send(a, { accountId: b.id })).status).toBe(201);
    expectError(await send(a, { accountId: b.id }), 429, 'FLOOD_WAIT');
    expect((await send(a, { username: 'spambot' }, '/start')).status).toBe(201);
    expect((await send(a, { username: 'support' }, 'help')).status).toBe(201);
  });
});

describe('the admin token', () => {
  it('is never limited', async () => {
    for (let i = 0; i < REQUESTS * 3; i++) expect((await ctx.world.admin.get('/v1/moderation/cases?limit=1')).status).toBe(200);
  });
});
