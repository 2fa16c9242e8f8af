import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import { type TestAccount, World } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { send, sent } from './helpers/messages.js';
import { serverPerFile } from './helpers/per-file.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * RULES.md and API.md read once more, sentence by sentence, by an examiner who did not write
 * banya: the claims earlier audits left unchecked, each over HTTP against a real server (manual
 * clock): remembered denials and forgotten keys, the shapes of /v1/me and of sanctions, what a
 * frozen account may not do, evidence, group report weights at their 24 h boundary, staff rights,
 * paging bounds on every list.
 */

const ctx = serverPerFile({ staff: ['moderator', 'triage', 'support'], checkProjections: true });

const HOUR = 3600;
const DAY = 24 * HOUR;
const EN = BUTTONS.en;
const advance = (seconds: number) => ctx.world.advance(seconds);
const now = () => advance(0);
const iso = (ms: number) => new Date(ms).toISOString();

async function me(a: TestAccount) {
  const r = await a.api.get('/v1/me');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.restriction;
}

/** `x` writes to a fresh stranger who reports it; the case id. */
async function reportedCase(x: TestAccount, reason = 'spam'): Promise<string> {
  const victim = await ctx.world.account();
  const m = await sent(victim, x, 'is the flat still available?');
  await sent(x, { chatId: m.chatId }, 'buy cheap followers now');
  const rep = await victim.api.post('/v1/reports', { chatId: m.chatId, reason });
  expect(rep.status, JSON.stringify(rep.body)).toBe(201);
  return rep.body.report.caseId;
}
async function sanction(x: TestAccount, policy: string, reason = policy === 'industrial_spam' ? 'spam' : policy) {
  const caseId = await reportedCase(x, reason);
  const d = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  return d.body.sanction;
}

async function group(owner: TestAccount, fields: { kind?: 'group' | 'channel'; public?: boolean; members?: string[] } = {}) {
  const r = await owner.api.post('/v1/groups', { title: 'Neighbours', kind: fields.kind ?? 'group', ...fields });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.chat.id as string;
}
async function casesOf(a: TestAccount): Promise<any[]> {
  const r = await ctx.moderator.get('/v1/moderation/cases?limit=1000');
  expect(r.status).toBe(200);
  return r.body.cases.filter((c: any) => c.subject.accountId === a.id);
}
async function bot(a: TestAccount, text: string): Promise<{ text: string; buttons: string[][] }> {
  const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const after = await a.api.get(`/v1/chats/${r.body.message.chatId}/messages?after=${r.body.message.id}`);
  expect(after.body.messages).toHaveLength(1);
  return after.body.messages[0];
}

describe('idempotency keys remember the denials the rules decided (API.md)', () => {
  it('answers PHONE_NOT_OCCUPIED and USERNAME_NOT_OCCUPIED again after the number and username are taken', async () => {
    const a = await ctx.world.account();
    const phone = '+447700988001';
    expectError(await send(a, { phone }, 'hi', { idempotencyKey: 'np-1' }), 404, 'PHONE_NOT_OCCUPIED');
    expectError(await send(a, { username: 'lateComer77' }, 'hi', { idempotencyKey: 'nu-1' }), 404, 'USERNAME_NOT_OCCUPIED');
    expectError(await send(a, { accountId: 'a999999999' }, 'hi', { idempotencyKey: 'ni-1' }), 404, 'PEER_ID_INVALID');
    await ctx.world.account({ phone, username: 'lateComer77' });
    expectError(await send(a, { phone }, 'hi', { idempotencyKey: 'np-1' }), 404, 'PHONE_NOT_OCCUPIED');
    expectError(await send(a, { username: 'lateComer77' }, 'hi', { idempotencyKey: 'nu-1' }), 404, 'USERNAME_NOT_OCCUPIED');
    expectError(await send(a, { accountId: 'a999999999' }, 'hi', { idempotencyKey: 'ni-1' }), 404, 'PEER_ID_INVALID');
    // A new key is decided afresh.
    expect((await send(a, { phone }, 'hi', { idempotencyKey: 'np-2' })).status).toBe(201);
  });

  it('remembers MESSAGE_EMPTY, in a private chat and a group: the same key with a visible text is a conflict, not a send', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    expectError(await send(a, b, '\u200b', { idempotencyKey: 'me-1' }), 400, 'MESSAGE_EMPTY');
    expectError(await send(a, b, '\u200b', { idempotencyKey: 'me-1' }), 400, 'MESSAGE_EMPTY');
    expectError(await send(a, b, 'now with words', { idempotencyKey: 'me-1' }), 409, 'IDEMPOTENCY_CONFLICT');
    const group = await a.api.post('/v1/groups', { title: 'Empty posts', kind: 'group' });
    expect(group.status).toBe(201);
    const post = (text: string) => a.api.post('/v1/messages', { to: { chatId: group.body.chat.id }, text, idempotencyKey: 'me-2' });
    expectError(await post('\u2060\ufeff'), 400, 'MESSAGE_EMPTY');
    expectError(await post('real words'), 409, 'IDEMPOTENCY_CONFLICT');
    const chats = await b.api.get('/v1/chats');
    expect(chats.body.chats.filter((c: any) => c.peer?.accountId === a.id)).toEqual([]);
  });

  it('answers a remembered denial with a different body 409 IDEMPOTENCY_CONFLICT', async () => {
    const a = await ctx.world.account();
    expectError(await send(a, { phone: '+447700988002' }, 'hi', { idempotencyKey: 'c-1' }), 404, 'PHONE_NOT_OCCUPIED');
    expectError(await send(a, { phone: '+447700988002' }, 'hello', { idempotencyKey: 'c-1' }), 409, 'IDEMPOTENCY_CONFLICT');
  });

  it('holds a key for 24 h less a second; at 24 h a different body is a new request, not a conflict', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const first = await send(a, b, 'one', { idempotencyKey: 'day-1' });
    expect(first.status).toBe(201);
    await advance(DAY - 1);
    expectError(await send(a, b, 'two', { idempotencyKey: 'day-1' }), 409, 'IDEMPOTENCY_CONFLICT');
    const same = await send(a, b, 'one', { idempotencyKey: 'day-1' });
    expect(same.body.message.id).toBe(first.body.message.id);
    await advance(1);
    const fresh = await send(a, b, 'two', { idempotencyKey: 'day-1' });
    expect(fresh.status).toBe(201);
    expect(fresh.body.message.id).not.toBe(first.body.message.id);
  });

  it('remembers NOTHING_TO_REPORT for its key even once the other side has written', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    // Only a has written: a has nothing of b's to report.
    const { chatId } = await sent(a, b, 'hi');
    expectError(await a.api.post('/v1/reports', { chatId, idempotencyKey: 'r-1' }), 400, 'NOTHING_TO_REPORT');
    await sent(b, { chatId }, 'buy now');
    expectError(await a.api.post('/v1/reports', { chatId, idempotencyKey: 'r-1' }), 400, 'NOTHING_TO_REPORT');
    expect((await a.api.post('/v1/reports', { chatId, idempotencyKey: 'r-2' })).status).toBe(201);
  });
});

describe('what /v1/me and a decision show (RULES.md §4, API.md)', () => {
  it('free: state free, no kind, no until, no deleteAt', async () => {
    const a = await ctx.world.account();
    const r = await me(a);
    expect(r.state).toBe('free');
    expect(r.kind).toBeUndefined();
    expect(r.deleteAt ?? undefined).toBeUndefined();
  });

  it('a spam confirmation: limited, kind report, until 24 h after the decision, in the sanction and in /v1/me', async () => {
    const x = await ctx.world.account();
    const t = await now();
    const s = await sanction(x, 'spam');
    expect(s).toMatchObject({ state: 'limited', kind: 'report', until: iso(t + DAY * 1000) });
    expect(await me(x)).toMatchObject({ state: 'limited', kind: 'report', until: iso(t + DAY * 1000) });
  });

  it('a scam confirmation: frozen, kind scam, deleteAt 14 days on', async () => {
    const x = await ctx.world.account();
    const t = await now();
    const s = await sanction(x, 'scam');
    expect(s).toMatchObject({ state: 'frozen', deleteAt: iso(t + 14 * DAY * 1000) });
    expect(await me(x)).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: iso(t + 14 * DAY * 1000) });
  });

  it('industrial_spam confirmed by a moderator freezes with that kind, whatever the report said', async () => {
    const x = await ctx.world.account();
    const s = await sanction(x, 'industrial_spam', 'spam');
    expect(s.state).toBe('frozen');
    expect(await me(x)).toMatchObject({ state: 'frozen', kind: 'industrial_spam' });
  });

  it("the report's reason is a hint: a spam report confirmed as scam freezes", async () => {
    const x = await ctx.world.account();
    const s = await sanction(x, 'scam', 'spam');
    expect(s.state).toBe('frozen');
  });

  it('child_abuse: the sanction says banned, and the token answers USER_DEACTIVATED_BAN', async () => {
    const x = await ctx.world.account();
    const s = await sanction(x, 'child_abuse');
    expect(s.state).toBe('banned');
    expectError(await x.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
  });

  it('the preview of a confirmation says what the decision then does', async () => {
    const x = await ctx.world.account();
    const caseId = await reportedCase(x);
    const p = await ctx.triage.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'confirm', policy: 'spam' });
    expect(p.status).toBe(200);
    expect(p.body.sanction).toMatchObject({ state: 'limited', kind: 'report' });
    const d = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expect(d.body.sanction).toEqual(p.body.sanction);
    const dismiss = await ctx.triage.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'dismiss' });
    expect([200, 409]).toContain(dismiss.status);
  });

  it('a lift answers 200 with the restriction now in force: free', async () => {
    const x = await ctx.world.account();
    await sanction(x, 'spam');
    const r = await ctx.support.post(`/v1/moderation/accounts/${x.id}/lift`, { reason: 'checked' });
    expect(r.status).toBe(200);
    expect(r.body.restriction.state).toBe('free');
  });
});

describe('a frozen account changes nothing (RULES.md §1, §4)', () => {
  it('cannot delete itself, open a ticket, or write to support; SpamBot still answers', async () => {
    const x = await ctx.world.account();
    await sanction(x, 'scam');
    expectError(await x.api.delete('/v1/me'), 403, 'FROZEN_METHOD_INVALID');
    expect((await x.api.get('/v1/me')).status).toBe(200);
    expectError(await x.api.post('/v1/support/tickets', { text: 'please help' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await send(x, { username: 'support' }, 'please help'), 403, 'FROZEN_METHOD_INVALID');
    expectError(await send(x, { username: 'nobody_here_x1' }), 403, 'FROZEN_METHOD_INVALID');
    const answer = await bot(x, '/start');
    expect(answer.buttons.flat().length).toBeGreaterThan(0);
  });

  it("a frozen account's appeal asks for a contact email", async () => {
    const x = await ctx.world.account();
    await sanction(x, 'scam');
    await bot(x, EN.mistake);
    const asked = await bot(x, EN.didNot);
    const next = await bot(x, 'I sell furniture, these were my customers.');
    expect(`${asked.text}\n${next.text}`).toMatch(/e-?mail/i);
  });
});

describe('send gate precedence (RULES.md §2)', () => {
  it('row 3 before row 6: a limited sender to a frozen stranger is INPUT_USER_DEACTIVATED', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account({ username: 'frozenpeer_d1' });
    await sanction(a, 'spam');
    await sanction(b, 'scam');
    expectError(await send(a, b), 410, 'INPUT_USER_DEACTIVATED');
    expectError(await send(a, { username: '@FrozenPeer_D1' }), 410, 'INPUT_USER_DEACTIVATED');
  });

  it('row 6 details: until and appeal spambot', async () => {
    const a = await ctx.world.account();
    const s = await sanction(a, 'spam');
    const r = await send(a, await ctx.world.account());
    expectError(r, 403, 'PEER_FLOOD');
    expect(r.body.error.details).toMatchObject({ until: s.until, appeal: 'spambot' });
  });

  it('row 6 without an end: the message says the limit lasts indefinitely, and asks SpamBot', async () => {
    const a = await ctx.world.account({ numberKind: 'voip' });
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'number', until: null });
    const r = await send(a, await ctx.world.account());
    expectError(r, 403, 'PEER_FLOOD');
    expect(r.body.error.details).toMatchObject({ until: null, appeal: 'spambot' });
    expect(r.body.error.message).toMatch(/mutual contacts/);
    expect(r.body.error.message).toMatch(/indefinitely/);
    expect(r.body.error.message).toMatch(/spambot/i);
  });

  it('a message of invisible characters only is MESSAGE_EMPTY, in a group too', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    expectError(await send(a, b, '\u200b\u2060\ufeff'), 400, 'MESSAGE_EMPTY');
    const g = await group(a);
    expectError(await send(a, { chatId: g }, '\u200b\u200d'), 400, 'MESSAGE_EMPTY');
  });
});

describe('names that pass for a system account (RULES.md §1)', () => {
  it.each(['ＳｐａｍＢｏｔ', 'Spam Info Bot', 'spam info bot', 'S\u200bupport', 'Ѕupport', 'SUPPORT', 'spam\u00a0bot', 'Alice\u202eevil'])(
    'refuses %j as a name, at registration and on PUT /v1/me',
    async (name) => {
      const a = await ctx.world.account();
      expectError(await a.api.put('/v1/me', { name }), 400, 'NAME_INVALID');
      expectError(await ctx.world.admin.post('/v1/accounts', { phone: '+447700988100', name }), 400, 'NAME_INVALID');
    },
  );
});

describe('evidence (RULES.md §3)', () => {
  it("captures the other side's 10 most recent messages, nobody else's, with ids, texts, times and the chat", async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const all: { id: string; chatId: string; sentAt: string }[] = [];
    for (let i = 1; i <= 12; i++) {
      all.push(await sent(a, b, `offer ${i}`));
      if (i % 4 === 0) await sent(b, a, `stop ${i}`);
    }
    const chatId = all[0]!.chatId;
    const rep = await b.api.post('/v1/reports', { chatId, reason: 'spam' });
    expect(rep.status).toBe(201);
    const view = await ctx.moderator.get(`/v1/moderation/cases/${rep.body.report.caseId}`);
    expect(view.status).toBe(200);
    const ev = view.body.case.evidence;
    expect(ev.map((e: any) => e.text).sort()).toEqual(
      all
        .slice(2)
        .map((_, i) => `offer ${i + 3}`)
        .sort(),
    );
    expect(ev.find((e: any) => e.messageId === all[11]!.id)).toEqual({ messageId: all[11]!.id, text: 'offer 12', sentAt: all[11]!.sentAt, chatId });
    expect(view.body.case.subject).toEqual({ accountId: a.id, name: expect.any(String) });
  });
});

describe('group reports and their weight (RULES.md §3)', () => {
  it("an admin's report about someone added 24 h less a second ago waits; a second later it counts as an admin's", async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const g = await group(owner);
    await ctx.world.mutual(owner, x);
    expect((await owner.api.post(`/v1/chats/${g}/members`, { accountIds: [x.id] })).status).toBe(200);
    await advance(DAY - 1);
    const m1 = await sent(x, { chatId: g }, 'buy followers');
    const r1 = await owner.api.post('/v1/reports', { chatId: g, messageIds: [m1.id], reason: 'spam' });
    expect(r1.status).toBe(201);
    expect(r1.body.report.caseId).toBeUndefined();
    expect(await casesOf(x)).toEqual([]);

    const owner2 = await ctx.world.account();
    const y = await ctx.world.account();
    const g2 = await group(owner2);
    await ctx.world.mutual(owner2, y);
    expect((await owner2.api.post(`/v1/chats/${g2}/members`, { accountIds: [y.id] })).status).toBe(200);
    await advance(DAY);
    const m2 = await sent(y, { chatId: g2 }, 'buy followers');
    const r2 = await owner2.api.post('/v1/reports', { chatId: g2, messageIds: [m2.id], reason: 'spam' });
    expect(r2.status).toBe(201);
    expect(r2.body.report.caseId).toMatch(/./);
  });

  it("an admin's report about a member who joined by themselves opens a case at once, with the chat on it", async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const g = await group(owner, { public: true });
    expect((await x.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
    const m = await sent(x, { chatId: g }, 'buy followers');
    const r = await owner.api.post('/v1/reports', { chatId: g, messageIds: [m.id], reason: 'spam' });
    expect(r.status).toBe(201);
    expect(r.body.report.caseId).toMatch(/./);
    const [c] = await casesOf(x);
    expect(c.subject).toEqual({ accountId: x.id, chatId: g });
  });

  it("an admin's report weighs as an admin's about one who joined, posted and left, or whom the admin barred first", async () => {
    for (const after of ['leave', 'bar'] as const) {
      const owner = await ctx.world.account();
      const x = await ctx.world.account();
      const g = await group(owner, { public: true });
      expect((await x.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
      const m = await sent(x, { chatId: g }, 'buy followers');
      if (after === 'leave') expect((await x.api.post(`/v1/chats/${g}/leave`)).status).toBe(204);
      else expect((await owner.api.post(`/v1/chats/${g}/bans`, { accountId: x.id })).status).toBe(204);
      const r = await owner.api.post('/v1/reports', { chatId: g, messageIds: [m.id], reason: 'spam' });
      expect(r.status, after).toBe(201);
      expect(r.body.report.caseId, after).toMatch(/./);
      expect((await casesOf(x)).map((c) => c.subject)).toEqual([{ accountId: x.id, chatId: g }]);
    }
  });

  it("barring someone the admin just added does not make the admin's report weigh as an admin's", async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const g = await group(owner);
    await ctx.world.mutual(owner, x);
    expect((await owner.api.post(`/v1/chats/${g}/members`, { accountIds: [x.id] })).status).toBe(200);
    const m = await sent(x, { chatId: g }, 'hi');
    expect((await owner.api.post(`/v1/chats/${g}/bans`, { accountId: x.id })).status).toBe(204);
    const r = await owner.api.post('/v1/reports', { chatId: g, messageIds: [m.id], reason: 'spam' });
    expect(r.status).toBe(201);
    expect(r.body.report.caseId).toBeUndefined();
    expect(await casesOf(x)).toEqual([]);
  });

  it('three distinct members open the case with all three reports; a repeat by one of them is the same report', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const g = await group(owner, { public: true });
    expect((await x.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
    const m = await sent(x, { chatId: g }, 'buy followers');
    const members = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    const ids: string[] = [];
    for (const [i, p] of members.entries()) {
      expect((await p.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
      const r = await p.api.post('/v1/reports', { chatId: g, messageIds: [m.id], reason: 'spam' });
      expect(r.status).toBe(201);
      ids.push(r.body.report.id);
      if (i < 2) {
        expect(r.body.report.caseId).toBeUndefined();
        const again = await p.api.post('/v1/reports', { chatId: g, messageIds: [m.id], reason: 'spam' });
        expect(again.status).toBe(200);
        expect(again.body.report.id).toBe(r.body.report.id);
      } else expect(r.body.report.caseId).toMatch(/./);
    }
    const [c] = await casesOf(x);
    expect(c.reportCount).toBe(3);
    const view = await ctx.moderator.get(`/v1/moderation/cases/${c.id}`);
    expect(view.body.case.reports.map((r: any) => r.id).sort()).toEqual([...ids].sort());
  });

  it('a channel post reported by three subscribers: a case about its author, with the channel', async () => {
    const owner = await ctx.world.account();
    const ch = await group(owner, { kind: 'channel', public: true });
    const post = await sent(owner, { chatId: ch }, 'win a phone, click here');
    let caseId: string | undefined;
    for (let i = 0; i < 3; i++) {
      const p = await ctx.world.account();
      expect((await p.api.post(`/v1/chats/${ch}/join`)).status).toBe(204);
      const r = await p.api.post('/v1/reports', { chatId: ch, messageIds: [post.id], reason: 'scam' });
      expect(r.status).toBe(201);
      caseId = r.body.report.caseId;
    }
    const view = await ctx.moderator.get(`/v1/moderation/cases/${caseId}`);
    expect(view.body.case.subject).toEqual({ accountId: owner.id, chatId: ch, name: expect.any(String) });
    expect(view.body.case.evidence.map((e: any) => e.messageId)).toEqual([post.id]);
  });

  it('a public-content report on a public group names its owner as the subject, with the chat', async () => {
    const owner = await ctx.world.account();
    const g = await group(owner, { public: true });
    await sent(owner, { chatId: g }, 'gore pictures here');
    const reader = await ctx.world.account();
    const r = await reader.api.post('/v1/reports', { chatId: g, reason: 'violence' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const view = await ctx.moderator.get(`/v1/moderation/cases/${r.body.report.caseId}`);
    expect(view.body.case.subject).toEqual({ accountId: owner.id, chatId: g, name: expect.any(String) });
  });
});

describe('reporting with block and deleteChat (RULES.md §3)', () => {
  it('blocks the subject and deletes the chat on the reporter side only', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const { chatId } = await sent(a, b, 'buy now');
    const r = await b.api.post('/v1/reports', { chatId, reason: 'spam', block: true, deleteChat: true });
    expect(r.status).toBe(201);
    expectError(await send(a, b, 'again'), 403, 'USER_IS_BLOCKED');
    expect((await b.api.get('/v1/chats')).body.chats.map((c: any) => c.id)).not.toContain(chatId);
    expect((await a.api.get('/v1/chats')).body.chats.map((c: any) => c.id)).toContain(chatId);
  });
});

describe('claims (RULES.md §4, API.md)', () => {
  it('a claimed case: claim answers claimedBy; another claim is 409 CASE_CLAIMED; release clears it', async () => {
    const x = await ctx.world.account();
    const caseId = await reportedCase(x);
    const c = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/claim`);
    expect(c.status).toBe(200);
    expect(c.body.case.claimedBy).toMatch(/./);
    expectError(await ctx.triage.post(`/v1/moderation/cases/${caseId}/claim`), 409, 'CASE_CLAIMED');
    expectError(await ctx.triage.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' }), 409, 'CASE_CLAIMED');
    const rel = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/release`);
    expect(rel.status).toBe(200);
    expect(rel.body.case.claimedBy).toBeUndefined();
    expect((await ctx.triage.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' })).status).toBe(200);
    expectError(await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' }), 409, 'CASE_CLOSED');
  });

  it('unknown cases, appeals, accounts and tickets answer 404', async () => {
    for (const r of [
      await ctx.moderator.get('/v1/moderation/cases/k999999'),
      await ctx.moderator.post('/v1/moderation/cases/k999999/decision', { action: 'dismiss' }),
      await ctx.moderator.post('/v1/moderation/cases/k999999/claim'),
      await ctx.support.post('/v1/moderation/appeals/p999999/decision', { outcome: 'uphold' }),
      await ctx.moderator.get('/v1/moderation/accounts/a999999'),
      await ctx.support.get('/v1/moderation/tickets/t999999'),
    ])
      expect(r.status, JSON.stringify(r.body)).toBe(404);
  });
});

describe('the case list by state (API.md)', () => {
  it('without state: open and escalated; state=closed the decided; a bad state 400', async () => {
    const [x, y, z] = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    const open = await reportedCase(x);
    const esc = await reportedCase(y);
    const closed = await reportedCase(z);
    expect((await ctx.triage.post(`/v1/moderation/cases/${esc}/decision`, { action: 'escalate' })).status).toBe(200);
    expect((await ctx.triage.post(`/v1/moderation/cases/${closed}/decision`, { action: 'dismiss' })).status).toBe(200);
    const all = (await ctx.moderator.get('/v1/moderation/cases?limit=1000')).body.cases.map((c: any) => c.id);
    expect(all).toEqual(expect.arrayContaining([open, esc]));
    expect(all).not.toContain(closed);
    const cl = (await ctx.moderator.get('/v1/moderation/cases?state=closed&limit=1000')).body.cases;
    expect(cl.map((c: any) => c.id)).toContain(closed);
    expect(cl.every((c: any) => c.state === 'closed')).toBe(true);
    const es = (await ctx.moderator.get('/v1/moderation/cases?state=escalated&limit=1000')).body.cases;
    expect(es.map((c: any) => c.id)).toEqual([esc]);
    expect((await ctx.moderator.get('/v1/moderation/cases?state=bogus')).status).toBe(400);
  });
});

describe('paging bounds on account lists (API.md)', () => {
  it('GET /v1/chats: limit 1–1000, else 400; a bad cursor 400', async () => {
    const a = await ctx.world.account();
    for (const l of ['0', '1001', '-1', 'abc', '1.5']) expectError(await a.api.get(`/v1/chats?limit=${l}`), 400, 'BAD_REQUEST');
    expect((await a.api.get('/v1/chats?limit=1000')).status).toBe(200);
    expect((await a.api.get('/v1/chats?limit=1')).status).toBe(200);
    expectError(await a.api.get('/v1/chats?cursor=zzz'), 400, 'BAD_REQUEST');
  });

  it('messages: limit 1–1000, else 400; after an unknown id 404', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const { chatId } = await sent(a, b);
    for (const l of ['0', '1001', 'x']) expectError(await a.api.get(`/v1/chats/${chatId}/messages?limit=${l}`), 400, 'BAD_REQUEST');
    expect((await a.api.get(`/v1/chats/${chatId}/messages?limit=1000`)).status).toBe(200);
    expect((await a.api.get(`/v1/chats/${chatId}/messages?after=m99999999`)).status).toBe(404);
  });

  it('the timeline: 50 a page by default, newest first, and the cursor reaches the rest', async () => {
    const x = await ctx.world.account();
    for (let i = 0; i < 60; i++) expect((await ctx.world.admin.post(`/v1/accounts/${x.id}/tokens`)).status).toBe(201);
    const p1 = await ctx.moderator.get(`/v1/moderation/accounts/${x.id}`);
    expect(p1.status).toBe(200);
    expect(p1.body.events).toHaveLength(50);
    expect(p1.body.nextCursor).toBeTruthy();
    const ats = p1.body.events.map((e: any) => Date.parse(e.at));
    expect([...ats].sort((p: number, q: number) => q - p)).toEqual(ats);
    const p2 = await ctx.moderator.get(`/v1/moderation/accounts/${x.id}?cursor=${encodeURIComponent(p1.body.nextCursor)}`);
    expect(p2.body.events.length).toBeGreaterThanOrEqual(11);
    expect(p2.body.nextCursor).toBeUndefined();
  });
});

describe('tokens and staff (API.md)', () => {
  it('each issued token is an event in the timeline; SpamBot and support never get one', async () => {
    const x = await ctx.world.account();
    const before = (await ctx.moderator.get(`/v1/moderation/accounts/${x.id}?limit=1000`)).body.events.length;
    expect((await ctx.world.admin.post(`/v1/accounts/${x.id}/tokens`)).status).toBe(201);
    const after = (await ctx.moderator.get(`/v1/moderation/accounts/${x.id}?limit=1000`)).body.events.length;
    expect(after).toBe(before + 1);
    const spam = await sent(x, { username: 'spambot' }, '/start');
    const chats = (await x.api.get('/v1/chats')).body.chats;
    const botId = chats.find((c: any) => c.id === spam.chatId).peer.accountId;
    expectError(await ctx.world.admin.post(`/v1/accounts/${botId}/tokens`), 403, 'FORBIDDEN');
    const sup = await sent(x, { username: 'support' }, 'hello');
    const supId = (await x.api.get('/v1/chats')).body.chats.find((c: any) => c.id === sup.chatId).peer.accountId;
    expectError(await ctx.world.admin.post(`/v1/accounts/${supId}/tokens`), 403, 'FORBIDDEN');
  });

  it('an admin staff member creates staff; a deleted staff member’s token stops working', async () => {
    const admin = await ctx.world.staff('admin');
    const made = await admin.post('/v1/admin/staff', { name: 'New triage', role: 'triage' });
    expect(made.status).toBe(201);
    expect(made.body.staff.role).toBe('triage');
    expectError(await ctx.moderator.post('/v1/admin/staff', { name: 'x', role: 'triage' }), 403, 'FORBIDDEN');
    const t = ctx.world.admin.as(made.body.token);
    expect((await t.get('/v1/moderation/cases')).status).toBe(200);
    expect((await admin.delete(`/v1/admin/staff/${made.body.staff.id}`)).status).toBe(204);
    expectError(await t.get('/v1/moderation/cases'), 401, 'UNAUTHORIZED');
    expect((await admin.post('/v1/admin/staff', { name: 'x', role: 'boss' })).status).toBe(400);
  });
});

describe('groups with a public-groups ban (RULES.md §1–2)', () => {
  it('may create a private group, not a public one; its public channel refuses its posts', async () => {
    const x = await ctx.world.account();
    const ch = await group(x, { kind: 'channel', public: true });
    await sent(x, { chatId: ch }, 'hello');
    await sanction(x, 'violence');
    expect((await me(x)).publicGroupsBan).toBe(true);
    expectError(await x.api.post('/v1/groups', { title: 'Open', kind: 'group', public: true }), 403, 'USER_BANNED_IN_CHANNEL');
    expectError(await x.api.post('/v1/groups', { title: 'Open', kind: 'channel', public: true }), 403, 'USER_BANNED_IN_CHANNEL');
    expect((await x.api.post('/v1/groups', { title: 'Closed', kind: 'group' })).status).toBe(201);
    expectError(await send(x, { chatId: ch }, 'more'), 403, 'USER_BANNED_IN_CHANNEL');
  });

  it('only admins bar members: CHAT_ADMIN_REQUIRED for a member', async () => {
    const owner = await ctx.world.account();
    const [m1, m2] = [await ctx.world.account(), await ctx.world.account()];
    const g = await group(owner, { public: true });
    for (const m of [m1, m2]) expect((await m.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
    expectError(await m1.api.post(`/v1/chats/${g}/bans`, { accountId: m2.id }), 403, 'CHAT_ADMIN_REQUIRED');
  });
});

describe('profile edits (API.md PUT /v1/me)', () => {
  it('refuses a language outside en/ru with 400, and null unsets it', async () => {
    const a = await ctx.world.account({ language: 'ru' });
    expect((await a.api.put('/v1/me', { language: 'de' })).status).toBe(400);
    const r = await a.api.put('/v1/me', { language: null });
    expect(r.status).toBe(200);
    expect((await a.api.get('/v1/me')).body.account.language).toBeUndefined();
  });

  it('refuses a taken username with 409 USERNAME_TAKEN, any case', async () => {
    await ctx.world.account({ username: 'takenName_d' });
    const a = await ctx.world.account();
    expectError(await a.api.put('/v1/me', { username: 'TAKENNAME_D' }), 409, 'USERNAME_TAKEN');
  });
});

describe('appeals list shape (API.md)', () => {
  it('an open appeal has no outcome; it carries the restriction it is against', async () => {
    const x = await ctx.world.account();
    await sanction(x, 'spam');
    await bot(x, EN.mistake);
    await bot(x, EN.didNot);
    await bot(x, 'I only wrote to my clients.');
    const list = await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000');
    const ap = list.body.appeals.find((p: any) => p.accountId === x.id);
    expect(ap.state).toBe('open');
    expect(ap.outcome).toBeUndefined();
    expect(ap.text).toBe('I only wrote to my clients.');
    expect(ap.restriction).toMatchObject({ state: 'limited', kind: 'report' });
    const d = await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'overturn' });
    expect(d.body.appeal).toMatchObject({ id: ap.id, state: 'decided', outcome: 'overturn' });
    expect((await me(x)).state).toBe('free');
    expectError(await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'uphold' }), 409, 'APPEAL_ALREADY_DECIDED');
    expect((await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'maybe' })).status).toBe(400);
  });
});

describe('a report refused by the rate limit changes nothing (RULES.md §3, API.md)', () => {
  let tight: TestServer;
  let w: World;
  beforeAll(async () => {
    tight = await startServer({
      rateLimits: {
        requests: { perSecond: 0.0001, burst: 40 },
        messages: { perSecond: 1000, burst: 100_000 },
        reports: { perSecond: 0.0001, burst: 1 },
        enabled: true,
      },
    });
    w = new World(tight.url);
  });
  afterAll(() => tight.stop());

  it('applies neither its block nor its deleteChat, answers Retry-After, and files nothing', async () => {
    const reporter = await w.account();
    const [s1, s2] = [await w.account(), await w.account()];
    const c1 = (await s1.api.post('/v1/messages', { to: { accountId: reporter.id }, text: 'buy now' })).body.message.chatId;
    const c2 = (await s2.api.post('/v1/messages', { to: { accountId: reporter.id }, text: 'buy now' })).body.message.chatId;
    expect((await reporter.api.post('/v1/reports', { chatId: c1, reason: 'spam' })).status).toBe(201);
    const r = await reporter.api.post('/v1/reports', { chatId: c2, reason: 'spam', block: true, deleteChat: true, idempotencyKey: 'k-fw' });
    expectError(r, 429, 'FLOOD_WAIT');
    expect(r.body.error.details.retryAfter).toBeGreaterThan(0);
    expect(r.headers.get('retry-after')).toBe(String(r.body.error.details.retryAfter));
    expect((await s2.api.post('/v1/messages', { to: { accountId: reporter.id }, text: 'still here' })).status).toBe(201);
    expect((await reporter.api.get('/v1/chats')).body.chats.map((c: any) => c.id)).toContain(c2);
    const staff = await w.staff('moderator');
    const cases = (await staff.get('/v1/moderation/cases?limit=1000')).body.cases;
    expect(cases.filter((c: any) => c.subject.accountId === s2.id)).toEqual([]);
    // Not remembered: the same key with another body is no conflict, only the limit again.
    expectError(await reporter.api.post('/v1/reports', { chatId: c2, reason: 'scam', idempotencyKey: 'k-fw' }), 429, 'FLOOD_WAIT');
  });

  it('limits requests per account: one account out of requests does not hold back another from the same address', async () => {
    const a = await w.account();
    const b = await w.account();
    let last = 0;
    for (let i = 0; i < 60 && last !== 429; i++) last = (await a.api.get('/v1/me')).status;
    expect(last).toBe(429);
    const limited = await a.api.get('/v1/me');
    expectError(limited, 429, 'FLOOD_WAIT');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await b.api.get('/v1/me')).status).toBe(200);
    // The admin token is never limited.
    for (let i = 0; i < 50; i++) expect((await w.admin.get('/v1/moderation/cases?limit=1')).status).toBe(200);
  });
});

describe('reports refused for bad input apply nothing (RULES.md §3)', () => {
  it('a 400 report with block and deleteChat neither blocks nor hides the chat', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const { chatId } = await sent(a, b, 'buy');
    expectError(await b.api.post('/v1/reports', { chatId, reason: 'rude', block: true, deleteChat: true }), 400, 'BAD_REQUEST');
    expectError(await b.api.post('/v1/reports', { chatId, messageIds: ['m99999999'], block: true, deleteChat: true }), 400, 'NOTHING_TO_REPORT');
    expect((await send(a, b, 'again')).status).toBe(201);
    expect((await b.api.get('/v1/chats')).body.chats.map((c: any) => c.id)).toContain(chatId);
    expect(await casesOf(a)).toEqual([]);
  });
});

describe('a group case and the reports after it (RULES.md §3)', () => {
  async function crowd(g: string, m: { id: string }, n: number) {
    const out: any[] = [];
    for (let i = 0; i < n; i++) {
      const p = await ctx.world.account();
      expect((await p.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
      out.push({ ...(await p.api.post('/v1/reports', { chatId: g, messageIds: [m.id], reason: 'spam' })).body.report, by: p });
    }
    return out;
  }

  it('a fourth member joins the open case; a repeat while it is escalated is the same report; after a dismissal one member waits again', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const g = await group(owner, { public: true });
    expect((await x.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
    const m = await sent(x, { chatId: g }, 'buy followers');
    const three = await crowd(g, m, 3);
    const caseId = three[2].caseId;
    expect(caseId).toMatch(/./);
    const [fourth] = await crowd(g, m, 1);
    expect(fourth.caseId).toBe(caseId);
    expect((await casesOf(x))[0].reportCount).toBe(4);
    expect((await ctx.triage.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'escalate' })).status).toBe(200);
    const m2 = await sent(x, { chatId: g }, 'more followers');
    const repeat = await three[0].by.api.post('/v1/reports', { chatId: g, messageIds: [m2.id], reason: 'spam' });
    expect(repeat.status).toBe(200);
    expect(repeat.body.report).toEqual({ id: three[0].id, caseId });
    expect((await casesOf(x)).map((c) => c.state)).toEqual(['escalated']);
    expect((await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' })).status).toBe(200);
    const [after] = await crowd(g, m2, 1);
    expect(after.caseId).toBeUndefined();
    expect(await casesOf(x)).toEqual([]);
  });
});

describe('the look-up cap is a rolling 24 h on the injected clock (API.md)', () => {
  let capped: TestServer;
  let w: World;
  beforeAll(async () => {
    capped = await startServer({ lookupsPerDay: 1, rateLimits: { enabled: false } });
    w = new World(capped.url);
  });
  afterAll(() => capped.stop());

  it('refuses a new number 24 h less a second after the last, telling how long to wait, and takes it at 24 h', async () => {
    const a = await w.account();
    const lookUp = (phone: string) => a.api.post('/v1/contacts/import', { contacts: [{ phone }] });
    expect((await lookUp('+447700955001')).status).toBe(200);
    await w.advance(DAY - 1);
    const over = await lookUp('+447700955002');
    expectError(over, 429, 'FLOOD_WAIT');
    expect(over.body.error.details.retryAfter).toBe(1);
    expect(over.headers.get('retry-after')).toBe('1');
    await w.advance(1);
    expect((await lookUp('+447700955002')).status).toBe(200);
  });
});
