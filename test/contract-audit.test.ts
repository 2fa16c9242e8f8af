import { describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import { robotLimit } from '../src/enforcement/robots-door.js';
import { parseId } from '../src/store/ids.js';
import { Client, type TestAccount } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { sent } from './helpers/messages.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * API.md and RULES.md statements checked over HTTP only: who a banned or a deleted account's
 * token still reaches, the paging of every list (defaults, cursors, the last page), the queue's
 * filters, and a language set back to none. Real server, manual clock.
 */

const ctx = serverPerFile({ staff: ['moderator', 'support'] });

const EN = BUTTONS.en;
const CYRILLIC = /[а-яё]/i;

/** `subject` writes to a fresh stranger, who reports the chat with `reason`; the report's case id. */
async function reported(subject: TestAccount, reason = 'spam'): Promise<string> {
  const victim = await ctx.world.account();
  const { chatId } = await sent(subject, victim, 'cheap watches, today only');
  const r = await victim.api.post('/v1/reports', { chatId, reason });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.report.caseId;
}

async function decide(caseId: string, body: Record<string, unknown>) {
  const r = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** Every item of a list, page by page with `limit`, checking that only the last page lacks a cursor. */
async function walk(staff: Client, path: string, field: string, limit: number): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await staff.get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const items = r.body[field] as any[];
    expect(items.length).toBeLessThanOrEqual(limit);
    out.push(...items);
    cursor = r.body.nextCursor;
    if (cursor === undefined) return out;
    expect(items).toHaveLength(limit);
  }
  throw new Error('the cursor never ended');
}

/** Account routes as a client calls them, with bodies that would otherwise be accepted. */
function accountCalls(a: TestAccount, other: TestAccount, chatId: string): [string, () => Promise<{ status: number; body: any }>][] {
  return [
    ['GET /v1/me', () => a.api.get('/v1/me')],
    ['PUT /v1/me', () => a.api.put('/v1/me', { name: 'New Name' })],
    ['DELETE /v1/me', () => a.api.delete('/v1/me')],
    ['GET /v1/chats', () => a.api.get('/v1/chats')],
    ['GET /v1/chats/{id}/messages', () => a.api.get(`/v1/chats/${chatId}/messages`)],
    ['POST /v1/messages (a person)', () => a.api.post('/v1/messages', { to: { accountId: other.id }, text: 'hi' })],
    ['POST /v1/messages (SpamBot)', () => a.api.post('/v1/messages', { to: { username: 'spambot' }, text: '/start' })],
    ['POST /v1/messages (support)', () => a.api.post('/v1/messages', { to: { username: 'support' }, text: 'help' })],
    ['POST /v1/contacts/import', () => a.api.post('/v1/contacts/import', { contacts: [{ phone: other.phone }] })],
    ['POST /v1/contacts', () => a.api.post('/v1/contacts', { accountId: other.id })],
    ['DELETE /v1/contacts/{id}', () => a.api.delete(`/v1/contacts/${other.id}`)],
    ['POST /v1/blocks', () => a.api.post('/v1/blocks', { accountId: other.id })],
    ['DELETE /v1/blocks/{id}', () => a.api.delete(`/v1/blocks/${other.id}`)],
    ['PUT /v1/privacy', () => a.api.put('/v1/privacy', { newChats: 'contacts' })],
    ['POST /v1/groups', () => a.api.post('/v1/groups', { title: 'Club', kind: 'group' })],
    ['POST /v1/reports', () => a.api.post('/v1/reports', { chatId, reason: 'spam' })],
    ['POST /v1/support/tickets', () => a.api.post('/v1/support/tickets', { text: 'why?' })],
    ['POST /v1/me/emails', () => a.api.post('/v1/me/emails', { address: 'me@example.com' })],
    ['GET /v1/accounts/resolve', () => a.api.get(`/v1/accounts/resolve?phone=${encodeURIComponent(other.phone)}`)],
  ];
}

describe('a banned account (RULES.md §1)', () => {
  it('answers every call with its token 401 USER_DEACTIVATED_BAN', async () => {
    const a = await ctx.world.account();
    const other = await ctx.world.account();
    await ctx.world.mutual(a, other);
    const { chatId } = await sent(other, a, 'hi there');
    await sent(a, other, 'hello');
    const sanction = (await decide(await reported(a, 'child_abuse'), { action: 'confirm', policy: 'child_abuse' })).sanction;
    expect(sanction).toMatchObject({ state: 'banned' });
    for (const [name, call] of accountCalls(a, other, chatId)) {
      const r = await call();
      expect({ name, status: r.status, code: r.body?.error?.code }).toEqual({ name, status: 401, code: 'USER_DEACTIVATED_BAN' });
    }
    // A new session of it is no way out.
    const token = await ctx.world.admin.post(`/v1/accounts/${a.id}/tokens`);
    if (token.status === 201) expectError(await new Client(ctx.server.url, token.body.token).get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    else expect(token.status).toBeGreaterThanOrEqual(400);
  });
});

describe('a deleted account (RULES.md §4)', () => {
  it('answers every call with its token 401 UNAUTHORIZED, and a new account on its number starts with none of its chats', async () => {
    const a = await ctx.world.account();
    const other = await ctx.world.account();
    const { chatId } = await sent(other, a, 'hi there');
    await sent(a, other, 'hello');
    expect((await a.api.delete('/v1/me')).status).toBe(204);
    for (const [name, call] of accountCalls(a, other, chatId)) {
      const r = await call();
      expect({ name, status: r.status, code: r.body?.error?.code }).toEqual({ name, status: 401, code: 'UNAUTHORIZED' });
    }
    expectError(await ctx.world.admin.post(`/v1/accounts/${a.id}/tokens`), 404, 'NOT_FOUND');
    const again = await ctx.world.account({ phone: a.phone });
    expect(again.id).not.toBe(a.id);
    expect((await again.api.get('/v1/chats')).body.chats).toEqual([]);
    expectError(await again.api.get(`/v1/chats/${chatId}/messages`), 404, 'NOT_FOUND');
    // The other side still sees the old chat with a deleted account, and a message to the number is a new chat.
    const chats = (await other.api.get('/v1/chats')).body.chats;
    expect(chats.find((c: any) => c.id === chatId).peer).toEqual({ accountId: a.id, name: 'Deleted Account' });
    const fresh = await sent(other, { phone: a.phone }, 'is this you?');
    expect(fresh.chatId).not.toBe(chatId);
    expect((await again.api.get(`/v1/chats/${fresh.chatId}/messages`)).body.messages.map((m: any) => m.text)).toEqual(['is this you?']);
  });
});

describe('paging defaults (API.md: lists 50, messages 100)', () => {
  it('gives 50 chats and a cursor to the 51st, and no cursor on the last page', async () => {
    const a = await ctx.world.account();
    for (let i = 0; i < 51; i++) await sent(await ctx.world.account(), a, `hello ${i}`);
    const first = await a.api.get('/v1/chats');
    expect(first.status).toBe(200);
    expect(first.body.chats).toHaveLength(50);
    expect(typeof first.body.nextCursor).toBe('string');
    const second = await a.api.get(`/v1/chats?cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.chats).toHaveLength(1);
    expect(second.body).not.toHaveProperty('nextCursor');
    const ids = [...first.body.chats, ...second.body.chats].map((c: any) => c.id);
    expect(new Set(ids).size).toBe(51);
  });

  it('gives the first 100 messages of a chat, and the rest after the 100th', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    let chatId = '';
    for (let i = 0; i < 101; i++) chatId = (await sent(a, b, `m${i}`)).chatId;
    const first = await b.api.get(`/v1/chats/${chatId}/messages`);
    expect(first.body.messages.map((m: any) => m.text)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    const rest = await b.api.get(`/v1/chats/${chatId}/messages?after=${first.body.messages[99].id}`);
    expect(rest.body.messages.map((m: any) => m.text)).toEqual(['m100']);
    const none = await b.api.get(`/v1/chats/${chatId}/messages?after=${rest.body.messages[0].id}`);
    expect(none.body.messages).toEqual([]);
  });

  it('gives 50 tickets and a cursor; walking the tickets gives each once, oldest first', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 51; i++) {
      const r = await (await ctx.world.account()).api.post('/v1/support/tickets', { text: `question ${i}` });
      expect(r.status).toBe(201);
      mine.push(r.body.ticket.id);
    }
    const first = await ctx.support.get('/v1/moderation/tickets');
    expect(first.status).toBe(200);
    expect(first.body.tickets).toHaveLength(50);
    expect(typeof first.body.nextCursor).toBe('string');
    const all = await walk(ctx.support, '/v1/moderation/tickets', 'tickets', 7);
    const ids = all.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => mine.includes(id))).toEqual(mine);
    const open = await walk(ctx.support, '/v1/moderation/tickets?state=open', 'tickets', 10);
    expect(open.every((t) => t.state === 'open')).toBe(true);
    expect(open.map((t) => t.id).filter((id) => mine.includes(id))).toEqual(mine);
  });
});

describe('the staff lists refuse a limit outside 1–1000 (API.md)', () => {
  it.each(['/v1/moderation/cases', '/v1/moderation/appeals', '/v1/moderation/tickets'])('%s', async (path) => {
    for (const limit of ['0', '1001', 'x', '-5']) expectError(await ctx.world.admin.get(`${path}?limit=${limit}`), 400, 'BAD_REQUEST');
    for (const limit of ['1', '1000']) expect((await ctx.world.admin.get(`${path}?limit=${limit}`)).status).toBe(200);
    expectError(await ctx.world.admin.get(`${path}?cursor=not-ours`), 400, 'BAD_REQUEST');
  });

  it('and so does the timeline', async () => {
    const a = await ctx.world.account();
    for (const limit of ['0', '1001']) expectError(await ctx.support.get(`/v1/moderation/accounts/${a.id}?limit=${limit}`), 400, 'BAD_REQUEST');
  });
});

describe('the review queue (API.md)', () => {
  it('pages through every case once, highest priority first, then oldest', async () => {
    for (const reason of ['spam', 'scam', 'spam', 'child_abuse', 'spam', 'violence']) await reported(await ctx.world.account(), reason);
    const whole = await ctx.moderator.get('/v1/moderation/cases?limit=1000');
    expect(whole.body).not.toHaveProperty('nextCursor');
    const cases = whole.body.cases as any[];
    expect(cases.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < cases.length; i++) {
      const [x, y] = [cases[i - 1], cases[i]];
      expect(x.priority > y.priority || (x.priority === y.priority && x.createdAt <= y.createdAt), `${JSON.stringify(x)} before ${JSON.stringify(y)}`).toBe(
        true,
      );
    }
    expect(cases[0].reasons).toContain('child_abuse');
    for (const limit of [1, 2, 5]) expect((await walk(ctx.moderator, '/v1/moderation/cases', 'cases', limit)).map((c) => c.id)).toEqual(cases.map((c) => c.id));
  });

  it('filters by state, reason and policy', async () => {
    const scam = await reported(await ctx.world.account(), 'scam');
    const dismissed = await reported(await ctx.world.account(), 'spam');
    const escalated = await reported(await ctx.world.account(), 'spam');
    const open = await reported(await ctx.world.account(), 'scam');
    await decide(scam, { action: 'confirm', policy: 'scam' });
    await decide(dismissed, { action: 'dismiss' });
    await decide(escalated, { action: 'escalate' });
    const list = async (query: string) => {
      const r = await ctx.moderator.get(`/v1/moderation/cases?limit=1000${query}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.cases as any[];
    };
    const ids = (cases: any[]) => cases.map((c) => c.id);

    const live = await list('');
    expect(ids(live)).toEqual(expect.arrayContaining([escalated, open]));
    expect(ids(live)).not.toContain(scam);
    expect(ids(live)).not.toContain(dismissed);
    expect(live.every((c) => c.state === 'open' || c.state === 'escalated')).toBe(true);

    const closed = await list('&state=closed');
    expect(ids(closed)).toEqual(expect.arrayContaining([scam, dismissed]));
    expect(closed.every((c) => c.state === 'closed')).toBe(true);
    const esc = await list('&state=escalated');
    expect(ids(esc)).toContain(escalated);
    expect(esc.every((c) => c.state === 'escalated')).toBe(true);
    const opened = await list('&state=open');
    expect(ids(opened)).toContain(open);
    expect(ids(opened)).not.toContain(escalated);

    const scamLive = await list('&reason=scam');
    expect(ids(scamLive)).toContain(open);
    expect(scamLive.every((c) => c.reasons.includes('scam'))).toBe(true);
    const scamClosed = await list('&state=closed&reason=scam');
    expect(ids(scamClosed)).toContain(scam);
    expect(ids(scamClosed)).not.toContain(dismissed);

    const byPolicy = await list('&state=closed&policy=scam');
    expect(ids(byPolicy)).toContain(scam);
    expect(ids(byPolicy)).not.toContain(dismissed);
    expect(byPolicy.every((c) => c.policy === 'scam')).toBe(true);

    expectError(await ctx.moderator.get('/v1/moderation/cases?state=pending'), 400, 'BAD_REQUEST');
    expectError(await ctx.moderator.get('/v1/moderation/cases?reason=ads'), 400, 'BAD_REQUEST');
    // A policy no ladder has is refused, naming the field, as a decision with it would be.
    for (const policy of ['ads', 'toString', '__proto__']) {
      const r = await ctx.moderator.get(`/v1/moderation/cases?state=closed&policy=${policy}`);
      expectError(r, 400, 'BAD_REQUEST');
      expect(JSON.stringify(r.body.error.details)).toContain('querystring.policy');
    }
  });
});

describe('the appeals queue (API.md)', () => {
  async function bot(a: TestAccount, text: string): Promise<void> {
    expect((await a.api.post('/v1/messages', { to: { username: 'spambot' }, text })).status).toBe(201);
  }
  async function appeal(a: TestAccount, text: string): Promise<void> {
    await bot(a, EN.mistake);
    await bot(a, EN.didNot);
    await bot(a, text);
  }

  it('pages robot-made first, then oldest, each once; state filters', async () => {
    const made: TestAccount[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await ctx.world.account();
      await decide(await reported(a), { action: 'confirm', policy: 'spam' });
      await appeal(a, `report appeal ${i}`);
      made.push(a);
      await ctx.world.advance(60);
    }
    const robotMade = await ctx.world.account();
    await robotLimit(ctx.server.app.platform, parseId('account', robotMade.id), 'cold_fanout', 24);
    await appeal(robotMade, 'robot appeal');

    const all = await walk(ctx.support, '/v1/moderation/appeals?state=open', 'appeals', 1);
    const ids = all.map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    const mine = all.filter((x) => [...made, robotMade].some((a) => a.id === x.accountId));
    expect(mine.map((x) => x.text)).toEqual(['robot appeal', 'report appeal 0', 'report appeal 1', 'report appeal 2']);
    const robots = all.map((x) => x.robot);
    expect(robots).toEqual([...robots].sort((x, y) => Number(y) - Number(x)));
    for (let i = 1; i < all.length; i++) if (all[i - 1].robot === all[i].robot) expect(all[i - 1].createdAt <= all[i].createdAt).toBe(true);
    for (const x of mine) expect(Date.parse(x.dueAt) - Date.parse(x.createdAt)).toBe(48 * 3600_000);

    const decided = mine[1]!;
    expect((await ctx.support.post(`/v1/moderation/appeals/${decided.id}/decision`, { outcome: 'uphold' })).status).toBe(200);
    const open = await walk(ctx.support, '/v1/moderation/appeals?state=open', 'appeals', 2);
    expect(open.map((x) => x.id)).not.toContain(decided.id);
    expect(open.every((x) => x.state === 'open')).toBe(true);
    const closed = await walk(ctx.support, '/v1/moderation/appeals?state=decided', 'appeals', 2);
    expect(closed.find((x) => x.id === decided.id)).toMatchObject({ state: 'decided', outcome: 'uphold' });
    expect(closed.every((x) => x.state === 'decided')).toBe(true);
    const every = await walk(ctx.support, '/v1/moderation/appeals', 'appeals', 3);
    expect(every.map((x) => x.id)).toEqual(expect.arrayContaining([...open, ...closed].map((x) => x.id)));
    expect(every).toHaveLength(open.length + closed.length);
  });
});

describe('a language set back to none (RULES.md §1)', () => {
  it('lets texts follow Accept-Language again, else English', async () => {
    const a = await ctx.world.account({ language: 'ru' });
    expect((await a.api.get('/v1/me')).body.account.language).toBe('ru');
    const ru = await a.api.post('/v1/messages', { to: { username: 'nobody_by_that_name' }, text: 'hi' });
    expectError(ru, 404, 'USERNAME_NOT_OCCUPIED');
    expect(ru.body.error.message).toMatch(CYRILLIC);

    const put = await a.api.put('/v1/me', { language: null });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(JSON.stringify(put.body)).not.toMatch(/"language"/);
    const me = await a.api.get('/v1/me');
    expect(me.body.account).not.toHaveProperty('language');

    const en = await a.api.post('/v1/messages', { to: { username: 'nobody_by_that_name' }, text: 'hi' });
    expectError(en, 404, 'USERNAME_NOT_OCCUPIED');
    expect(en.body.error.message).not.toMatch(CYRILLIC);
    const asked = await a.api
      .as(a.token, { 'accept-language': 'ru-RU,ru;q=0.9' })
      .post('/v1/messages', { to: { username: 'nobody_by_that_name' }, text: 'hi' });
    expect(asked.body.error.message).toMatch(CYRILLIC);
  });
});

describe('a frozen account kept past its deletion date by an appeal (RULES.md §5)', () => {
  /** Writes to SpamBot and returns its one answer. */
  async function botSay(a: TestAccount, text: string): Promise<string> {
    const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const after = await a.api.get(`/v1/chats/${r.body.message.chatId}/messages?after=${r.body.message.id}`);
    expect(after.body.messages).toHaveLength(1);
    return after.body.messages[0].text;
  }

  it('is refused its writes without a deletion date in the past: the deletion waits for the appeal', async () => {
    const a = await ctx.world.account();
    const other = await ctx.world.account();
    const { sanction } = await decide(await reported(a, 'scam'), { action: 'confirm', policy: 'scam' });
    expect(sanction).toMatchObject({ state: 'frozen' });
    const block = () => a.api.post('/v1/blocks', { accountId: other.id });
    const message = () => a.api.post('/v1/messages', { to: { accountId: other.id }, text: 'hi' });
    for (const call of [block, message]) {
      const r = await call();
      expectError(r, 403, 'FROZEN_METHOD_INVALID');
      expect(r.body.error.details).toMatchObject({ deleteAt: sanction.deleteAt, appeal: 'spambot' });
      expect(r.body.error.details).not.toHaveProperty('deletionOnHold');
      expect(r.body.error.message).toMatch(/will be deleted on/);
    }
    await botSay(a, EN.mistake);
    await botSay(a, EN.didNot);
    const asked = await botSay(a, 'Someone else used my phone.');
    if (/e-mail address/.test(asked)) expect(await botSay(a, 'owner@example.com')).toMatch(/appeal is filed/);
    else expect(asked).toMatch(/appeal is filed/);

    const t = await ctx.world.advance(0);
    await ctx.world.advance((Date.parse(sanction.deleteAt) - t) / 1000 + 3600);
    expect((await a.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'frozen' });
    for (const call of [block, message]) {
      const r = await call();
      expectError(r, 403, 'FROZEN_METHOD_INVALID');
      expect(r.body.error.details).toMatchObject({ deleteAt: sanction.deleteAt, appeal: 'spambot', deletionOnHold: true });
      expect(r.body.error.message).not.toMatch(/will be deleted on/);
      expect(r.body.error.message).toMatch(/will not be deleted while your appeal is under review/);
    }
    const ru = await a.api.as(a.token, { 'accept-language': 'ru' }).post('/v1/blocks', { accountId: other.id });
    expect(ru.body.error.message).toMatch(/пока ваша апелляция на рассмотрении/);
  });
});

describe('a group report without messageIds (RULES.md §3)', () => {
  it("takes the subject's last 10 messages there as evidence, and nobody else's", async () => {
    const owner = await ctx.world.account();
    const spammer = await ctx.world.account();
    const member = await ctx.world.account();
    const g = await owner.api.post('/v1/groups', { title: 'Neighbours', kind: 'group', public: true });
    expect(g.status).toBe(201);
    const chatId = g.body.chat.id;
    for (const a of [spammer, member]) expect((await a.api.post(`/v1/chats/${chatId}/join`)).status).toBe(204);
    // Elsewhere first: a private message is no evidence of the group.
    await sent(spammer, member, 'private ad');
    for (let i = 0; i < 12; i++) {
      await sent(spammer, { chatId }, `ad ${i}`);
      await sent(member, { chatId }, `reply ${i}`);
    }
    // The owner's report weighs as an admin's (the spammer joined by themselves): a case at once.
    const r = await owner.api.post('/v1/reports', { chatId, accountId: spammer.id, reason: 'spam' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await sent(spammer, { chatId }, 'after the report');
    const detail = await ctx.moderator.get(`/v1/moderation/cases/${r.body.report.caseId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.case.subject).toEqual({ accountId: spammer.id, chatId, name: expect.any(String) });
    expect(detail.body.case.evidence.map((m: any) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `ad ${i + 2}`));
    expect(detail.body.case.evidence.every((m: any) => m.chatId === chatId)).toBe(true);
  });
});
