import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { parseId } from '../src/store/ids.js';
import { Client, World, type TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';
import { startServer, type TestServer } from './helpers/server.js';
import { expectError } from './helpers/expect.js';

/** RULES.md §2: every row of the send gate over HTTP, against a real server and SQLite file. */

const ctx = serverPerFile();

const DAY = 24 * 3600_000;

function send(from: TestAccount, to: TestAccount | Record<string, string>, text = 'hello') {
  const target = 'token' in to ? { accountId: (to as TestAccount).id } : to;
  return from.api.post('/v1/messages', { to: target, text });
}

async function limit(a: TestAccount, until: number | null, kind = 'report') {
  await restrictAccount(ctx.server.app.platform, parseId('account', a.id), { state: 'limited', kind, until }, { kind: 'system' });
}
async function freeze(a: TestAccount) {
  const now = ctx.server.app.platform.clock.now();
  await restrictAccount(ctx.server.app.platform, parseId('account', a.id), { state: 'frozen', kind: 'scam', deleteAt: now + 14 * DAY }, { kind: 'system' });
}
async function ban(a: TestAccount) {
  await restrictAccount(ctx.server.app.platform, parseId('account', a.id), { state: 'banned', kind: 'child_abuse' }, { kind: 'system' });
}

describe('row 1: a banned sender', () => {
  it('answers 401 USER_DEACTIVATED_BAN on every call, before the recipient is resolved', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    expect((await send(a, b)).status).toBe(201);
    await ban(a);
    expectError(await send(a, b), 401, 'USER_DEACTIVATED_BAN');
    expectError(await send(a, { phone: '+19999999999' }), 401, 'USER_DEACTIVATED_BAN');
    expectError(await a.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
  });
});

describe('row 2: a frozen sender', () => {
  it('may write only to SpamBot', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await ctx.world.mutual(a, b);
    expect((await send(a, b)).status).toBe(201);
    await freeze(a);
    const denied = await send(a, b);
    expectError(denied, 403, 'FROZEN_METHOD_INVALID');
    expect(denied.body.error.details.appeal).toBe('spambot');
    expect(typeof denied.body.error.details.deleteAt).toBe('string');
    // Rows 1–2 come before resolution: an unknown number still answers FROZEN_METHOD_INVALID.
    expectError(await send(a, { phone: '+19999999998' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await send(a, { username: 'support' }), 403, 'FROZEN_METHOD_INVALID');
    expect((await send(a, { username: 'spambot' })).status).toBe(201);
    // It can still read.
    expect((await a.api.get('/v1/chats')).status).toBe(200);
    // And every other write is refused.
    expectError(await a.api.post('/v1/contacts/import', { contacts: [{ phone: b.phone }] }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/blocks', { accountId: b.id }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.put('/v1/privacy', { newChats: 'contacts' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/groups', { title: 'x', kind: 'group' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.delete('/v1/me'), 403, 'FROZEN_METHOD_INVALID');
  });
});

describe('recipient resolution', () => {
  it('answers PHONE_NOT_OCCUPIED, USERNAME_NOT_OCCUPIED and PEER_ID_INVALID with 404', async () => {
    const a = await ctx.world.account();
    expectError(await send(a, { phone: '+15550000001' }), 404, 'PHONE_NOT_OCCUPIED');
    expectError(await send(a, { username: 'nobody_here' }), 404, 'USERNAME_NOT_OCCUPIED');
    expectError(await send(a, { accountId: 'u999999' }), 404, 'PEER_ID_INVALID');
    expectError(await send(a, { accountId: 'garbage' }), 404, 'PEER_ID_INVALID');
  });

  it('finds usernames case-insensitively, with or without @', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account({ username: 'MixedCase_Name' });
    expect((await send(a, { username: '@mixedcase_name' })).status).toBe(201);
    expect((await send(a, { username: 'MIXEDCASE_NAME' })).status).toBe(201);
    void b;
  });

  it('finds a number in any common notation', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account({ phone: '+447700912345' });
    const res = await send(a, { phone: '+44 (7700) 912-345' });
    expect(res.status).toBe(201);
    expect(res.body.message.chatId).toMatch(/^c/);
    void b;
  });
});

describe('row 3: a deactivated recipient', () => {
  it.each([
    ['banned', ban],
    ['frozen', freeze],
  ] as const)('refuses a %s recipient with 410 INPUT_USER_DEACTIVATED', async (_name, apply) => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await ctx.world.mutual(a, b);
    expect((await send(a, b)).status).toBe(201);
    await apply(b);
    expectError(await send(a, b), 410, 'INPUT_USER_DEACTIVATED');
  });

  it('refuses a deleted recipient', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    expect((await send(a, b)).status).toBe(201);
    expect((await b.api.delete('/v1/me')).status).toBe(204);
    expectError(await send(a, b), 410, 'INPUT_USER_DEACTIVATED');
    // The deleted account's token no longer works.
    expectError(await b.api.get('/v1/me'), 401, 'UNAUTHORIZED');
  });
});

describe('rows 4–5: blocks', () => {
  it('answers YOU_BLOCKED_USER to the blocker and USER_IS_BLOCKED to the blocked', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await ctx.world.mutual(a, b);
    expect((await send(a, b)).status).toBe(201);
    expect((await a.api.post('/v1/blocks', { accountId: b.id })).status).toBe(204);
    expectError(await send(a, b), 403, 'YOU_BLOCKED_USER');
    expectError(await send(b, a), 403, 'USER_IS_BLOCKED');
    expect((await a.api.delete(`/v1/blocks/${b.id}`)).status).toBe(204);
    expect((await send(a, b)).status).toBe(201);
    expect((await send(b, a)).status).toBe(201);
  });
});

describe('row 6: a limited sender', () => {
  it('may message mutual contacts and reply to whoever wrote first, and nobody else', async () => {
    const a = await ctx.world.account();
    const mutual = await ctx.world.account();
    const oneWay = await ctx.world.account();
    const wroteFirst = await ctx.world.account();
    const stranger = await ctx.world.account();
    await ctx.world.mutual(a, mutual);
    await ctx.world.save(a, oneWay); // a saved them; they did not save a
    expect((await send(wroteFirst, a, 'hi, are you selling the bike?')).status).toBe(201);
    const now = ctx.server.app.platform.clock.now();
    await limit(a, now + DAY);

    expect((await send(a, mutual)).status).toBe(201);
    expect((await send(a, wroteFirst)).status).toBe(201);
    const denied = await send(a, stranger);
    expectError(denied, 403, 'PEER_FLOOD');
    expect(denied.body.error.details.until).toBe(new Date(now + DAY).toISOString());
    expect(denied.body.error.details.appeal).toBe('spambot');
    expectError(await send(a, oneWay), 403, 'PEER_FLOOD');
    // SpamBot and support stay reachable.
    expect((await send(a, { username: 'spambot' })).status).toBe(201);
    expect((await send(a, { username: 'support' })).status).toBe(201);
  });

  it('is free again once the limit ends', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await limit(a, ctx.server.app.platform.clock.now() + 3600_000);
    expectError(await send(a, b), 403, 'PEER_FLOOD');
    await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 3600 });
    expect((await send(a, b)).status).toBe(201);
  });

  it('writes the PEER_FLOOD message in the account language, or Accept-Language', async () => {
    const ru = await ctx.world.account({ language: 'ru' });
    const en = await ctx.world.account();
    const b = await ctx.world.account();
    await limit(ru, null, 'permanent');
    await limit(en, null, 'permanent');
    const r1 = await send(ru, b);
    expectError(r1, 403, 'PEER_FLOOD');
    expect(r1.body.error.message).toMatch(/взаимным контактам/);
    expect(r1.body.error.details.until).toBeNull();
    const r2 = await send(en, b);
    expect(r2.body.error.message).toMatch(/mutual contacts/);
    const r3 = await en.api.as(en.token, { 'accept-language': 'ru-RU,ru;q=0.9' }).post('/v1/messages', { to: { accountId: b.id }, text: 'x' });
    expect(r3.body.error.message).toMatch(/взаимным контактам/);
  });
});

describe('row 7: new chats from contacts only', () => {
  it('refuses a non-contact with no chat, but not a contact or an existing chat', async () => {
    const a = await ctx.world.account();
    const contact = await ctx.world.account();
    const b = await ctx.world.account();
    const earlier = await ctx.world.account();
    expect((await send(earlier, b)).status).toBe(201); // a chat exists before the setting
    expect((await b.api.put('/v1/privacy', { newChats: 'contacts' })).status).toBe(200);
    await ctx.world.save(b, contact);
    expectError(await send(a, b), 403, 'USER_PRIVACY_RESTRICTED');
    expect((await send(contact, b)).status).toBe(201);
    expect((await send(earlier, b)).status).toBe(201);
  });

  it("counts a chat the recipient deleted with a report as existing: deletion hides it from that side's list only", async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const first = await send(a, b, 'a first word');
    expect(first.status).toBe(201);
    const chatId = first.body.message.chatId as string;
    expect((await b.api.put('/v1/privacy', { newChats: 'contacts' })).status).toBe(200);
    expect((await b.api.post('/v1/reports', { chatId, deleteChat: true })).status).toBe(201);
    const listed = async (who: TestAccount) => ((await who.api.get('/v1/chats')).body.chats as { id: string }[]).map((c) => c.id);
    expect(await listed(b)).not.toContain(chatId);
    expect(await listed(a)).toContain(chatId);
    // The chat and its messages remain (the sender still has them), so row 7 lets the message
    // through; it brings the chat back to the recipient's list, in the same chat.
    const again = await send(a, b, 'still there?');
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.message.chatId).toBe(chatId);
    expect(await listed(b)).toContain(chatId);
    // A stranger with no chat at all is still refused.
    expectError(await send(await ctx.world.account(), b), 403, 'USER_PRIVACY_RESTRICTED');
  });
});

describe('row 8: rate limits', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startServer({
      rateLimits: { messages: { perSecond: 0.001, burst: 3 }, requests: { perSecond: 1000, burst: 1000 }, reports: { perSecond: 1, burst: 10 }, enabled: true },
    });
  });
  afterAll(() => limited.stop());

  it('answers 429 FLOOD_WAIT with Retry-After once the burst is spent, but never for SpamBot', async () => {
    const w = new World(limited.url);
    const a = await w.account();
    const b = await w.account();
    for (let i = 0; i < 3; i++) expect((await send(a, b)).status).toBe(201);
    const res = await send(a, b);
    expectError(res, 429, 'FLOOD_WAIT');
    expect(res.body.error.details.retryAfter).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('retry-after')).toBe(String(res.body.error.details.retryAfter));
    expect((await send(a, { username: 'spambot' })).status).toBe(201);
  });

  it('comes after the other rows: a denied message spends no token', async () => {
    const w = new World(limited.url);
    const a = await w.account();
    const blocker = await w.account();
    const b = await w.account();
    await blocker.api.post('/v1/blocks', { accountId: a.id });
    for (let i = 0; i < 5; i++) expectError(await send(a, blocker), 403, 'USER_IS_BLOCKED');
    for (let i = 0; i < 3; i++) expect((await send(a, b)).status).toBe(201);
  });
});

describe('idempotency', () => {
  it('answers a repeated key with the original message, and a reused key with 409', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const body = { to: { accountId: b.id }, text: 'once', idempotencyKey: 'k-1' };
    const first = await a.api.post('/v1/messages', body);
    const again = await a.api.post('/v1/messages', body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const list = await b.api.get(`/v1/chats/${first.body.message.chatId}/messages`);
    expect(list.body.messages).toHaveLength(1);
    expectError(await a.api.post('/v1/messages', { ...body, text: 'different' }), 409, 'IDEMPOTENCY_CONFLICT');
  });
});

describe('messages', () => {
  it('are listed oldest first, paged with after', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await send(a, b, `m${i}`)).body.message.id);
    const chatId = (await send(b, a, 'reply')).body.message.chatId;
    const all = await a.api.get(`/v1/chats/${chatId}/messages`);
    expect(all.body.messages.map((m: any) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'reply']);
    const after = await a.api.get(`/v1/chats/${chatId}/messages?after=${ids[2]}&limit=2`);
    expect(after.body.messages.map((m: any) => m.text)).toEqual(['m3', 'm4']);
    expectError(await a.api.get(`/v1/chats/${chatId}/messages?after=m99999999`), 404, 'NOT_FOUND');
    const outsider = await ctx.world.account();
    expectError(await outsider.api.get(`/v1/chats/${chatId}/messages`), 404, 'NOT_FOUND');
    expectError(await send(outsider, { chatId }), 404, 'PEER_ID_INVALID');
    // A participant may write by chat id.
    expect((await send(b, { chatId }, 'by chat id')).status).toBe(201);
  });

  it('needs a token', async () => {
    const anon = new Client(ctx.server.url);
    expectError(await anon.post('/v1/messages', { to: { username: 'spambot' }, text: 'x' }), 401, 'UNAUTHORIZED');
    expectError(await anon.as('not-a-real-token-at-all').get('/v1/me'), 401, 'UNAUTHORIZED');
  });
});
