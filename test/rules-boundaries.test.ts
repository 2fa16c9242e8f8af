import { describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import { expectError } from './helpers/expect.js';
import { nextPhone, type TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * RULES.md checked at its edges: the exact moment a limit, a strike, a freeze or a claim ends,
 * the order of the gate's rows when several deny at once, appeals meeting freezes and lifts, and
 * jumps of the manual clock. Real server over HTTP, SQLite or PostgreSQL, manual clock.
 */

const ctx = serverPerFile({ staff: ['moderator', 'support'], checkProjections: true });

const HOUR = 3600;
const DAY = 24 * HOUR;
const EN = BUTTONS.en;
const advance = (s: number) => ctx.world.advance(s);

const send = (from: TestAccount, to: TestAccount, text = 'hello') => from.api.post('/v1/messages', { to: { accountId: to.id }, text });
async function sent(from: TestAccount, to: TestAccount, text = 'hello') {
  const r = await send(from, to, text);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message;
}
async function me(a: TestAccount) {
  const r = await a.api.get('/v1/me');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.restriction;
}
async function offence(spammer: TestAccount, policy = 'spam') {
  const victim = await ctx.world.account();
  const m = await sent(victim, spammer, 'anything new?');
  await sent(spammer, victim, 'buy now');
  const rep = await victim.api.post('/v1/reports', { chatId: m.chatId, reason: policy === 'scam' ? 'scam' : 'spam' });
  expect(rep.status, JSON.stringify(rep.body)).toBe(201);
  const d = await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  return d.body.sanction;
}
async function botSay(a: TestAccount, text: string) {
  const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const after = await a.api.get(`/v1/chats/${r.body.message.chatId}/messages?after=${r.body.message.id}`);
  expect(after.body.messages).toHaveLength(1);
  return after.body.messages[0];
}

/** "This is a mistake" to the end: confirm, describe, and (a frozen account) leave a contact address. */
async function appeal(a: TestAccount, text: string) {
  await botSay(a, EN.mistake);
  await botSay(a, EN.didNot);
  const reply = await botSay(a, text);
  if (/e-mail address/.test(reply.text)) return botSay(a, `owner-${a.id}@example.com`);
  return reply;
}

describe('RULES.md at its boundaries and in combination', () => {
  it('a limited sender who is also blocked gets the block rows first, and PEER_FLOOD before privacy', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await offence(a);
    expect((await me(a)).state).toBe('limited');
    await b.api.post('/v1/blocks', { accountId: a.id });
    expectError(await send(a, b), 403, 'USER_IS_BLOCKED');
    const c = await ctx.world.account();
    await a.api.post('/v1/blocks', { accountId: c.id });
    expectError(await send(a, c), 403, 'YOU_BLOCKED_USER');
    const d = await ctx.world.account();
    await d.api.put('/v1/privacy', { newChats: 'contacts' });
    expectError(await send(a, d), 403, 'PEER_FLOOD');
  });
  it('ends a limit exactly at its until, not a second before', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const s = await offence(a);
    const until = Date.parse(s.until);
    const now = await advance(0);
    await advance((until - now) / 1000 - 1);
    expect((await me(a)).state).toBe('limited');
    expectError(await send(a, b), 403, 'PEER_FLOOD');
    await advance(1);
    expect((await me(a)).state).toBe('free');
    expect((await send(a, b)).status).toBe(201);
  });
  it('counts a strike for 365 days less a second, and no longer at 365 days', async () => {
    const a = await ctx.world.account();
    await offence(a);
    await advance(365 * DAY - 1);
    const s2 = await offence(a);
    const t = await advance(0);
    expect(Date.parse(s2.until) - t).toBe(72 * HOUR * 1000);
    const b = await ctx.world.account();
    await offence(b);
    await advance(365 * DAY);
    const s3 = await offence(b);
    const t2 = await advance(0);
    expect(Date.parse(s3.until) - t2).toBe(24 * HOUR * 1000);
  });
  it('refuses every write of a frozen account but to SpamBot, and shows it deleted to others', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await offence(a, 'scam');
    const r = await me(a);
    expect(r).toMatchObject({ state: 'frozen', kind: 'scam' });
    expectError(await a.api.put('/v1/me', { name: 'X Y' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.put('/v1/privacy', { newChats: 'contacts' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/contacts', { accountId: b.id }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/contacts/import', { contacts: [{ phone: b.phone }] }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.delete(`/v1/contacts/${b.id}`), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/blocks', { accountId: b.id }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.delete(`/v1/blocks/${b.id}`), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/groups', { title: 'g', kind: 'group' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.delete('/v1/me'), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/support/tickets', { text: 'help me please' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'help' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await send(a, b), 403, 'FROZEN_METHOD_INVALID');
    expect((await a.api.get('/v1/chats')).status).toBe(200);
    // others see it deleted
    expectError(await send(b, a), 410, 'INPUT_USER_DEACTIVATED');
    await b.api.post('/v1/blocks', { accountId: a.id });
    expectError(await send(b, a), 410, 'INPUT_USER_DEACTIVATED');
    const reply = await botSay(a, '/start');
    expect(reply.text).toMatch(/frozen/i);
  });
  it('bans a frozen account exactly at deleteAt, and its number with it', async () => {
    const a = await ctx.world.account();
    const s = await offence(a, 'scam');
    const t = await advance(0);
    expect(Date.parse(s.deleteAt) - t).toBe(14 * DAY * 1000);
    await advance(14 * DAY - 1);
    expect((await me(a)).state).toBe('frozen');
    await advance(1);
    expectError(await a.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    expectError(await a.api.get('/v1/chats'), 401, 'USER_DEACTIVATED_BAN');
    expectError(await a.api.post('/v1/messages', { to: { username: 'spambot' }, text: '/start' }), 401, 'USER_DEACTIVATED_BAN');
    expectError(await ctx.world.admin.post('/v1/accounts', { phone: a.phone, name: 'Again Me' }), 403, 'PHONE_NUMBER_BANNED');
  });
  it('climbs to a permanent limit that shows no end and says so in PEER_FLOOD', async () => {
    const a = await ctx.world.account();
    for (let i = 0; i < 4; i++) await offence(a);
    const r = await me(a);
    const t = await advance(0);
    expect(Date.parse(r.until) - t).toBe(30 * DAY * 1000);
    const v = await ctx.world.account();
    const m = await sent(v, a, 'do you sell watches?');
    await sent(a, v, 'yes, cheap');
    const rep = await v.api.post('/v1/reports', { chatId: m.chatId, reason: 'spam' });
    const s5 = (await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' })).body.sanction;
    expect(s5).toMatchObject({ state: 'limited', kind: 'permanent' });
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'permanent', until: null });
    const b = await ctx.world.account();
    const e = await send(a, b);
    expectError(e, 403, 'PEER_FLOOD');
    expect(e.body.error.details).toMatchObject({ until: null, appeal: 'spambot' });
  });
  it('refuses a limited creator USER_RESTRICTED before a public-groups check, and a limited inviter PEER_FLOOD before blocks', async () => {
    const a = await ctx.world.account();
    const friend = await ctx.world.account();
    await ctx.world.mutual(a, friend);
    const g = await a.api.post('/v1/groups', { title: 'g', kind: 'group', members: [] });
    const chatId = g.body.chat.id;
    await offence(a);
    expectError(await a.api.post('/v1/groups', { title: 'g2', kind: 'group' }), 403, 'USER_RESTRICTED');
    expectError(await a.api.post('/v1/groups', { title: 'g2', kind: 'channel', public: true }), 403, 'USER_RESTRICTED');
    const stranger = await ctx.world.account();
    const blocker = await ctx.world.account();
    await blocker.api.post('/v1/blocks', { accountId: a.id });
    const r = await a.api.post(`/v1/chats/${chatId}/members`, { accountIds: [friend.id, stranger.id, blocker.id] });
    expect(r.status).toBe(200);
    expect(r.body.added).toEqual([friend.id]);
    expect(r.body.missingInvitees).toEqual(
      expect.arrayContaining([
        { accountId: stranger.id, code: 'PEER_FLOOD' },
        { accountId: blocker.id, code: 'PEER_FLOOD' },
      ]),
    );
    expect((await a.api.post('/v1/messages', { to: { chatId }, text: 'hi all' })).status).toBe(201);
  });
  it('checks left-before, chatInvites and admin rights when adding', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const g = await a.api.post('/v1/groups', { title: 'g', kind: 'group', members: [b.id] });
    expect(g.body.missingInvitees).toEqual([]);
    const chatId = g.body.chat.id;
    expect((await b.api.post(`/v1/chats/${chatId}/leave`)).status).toBe(204);
    let r = await a.api.post(`/v1/chats/${chatId}/members`, { accountIds: [b.id] });
    expect(r.body.missingInvitees).toEqual([{ accountId: b.id, code: 'USER_NOT_MUTUAL_CONTACT' }]);
    await ctx.world.mutual(a, b);
    r = await a.api.post(`/v1/chats/${chatId}/members`, { accountIds: [b.id] });
    expect(r.body.added).toEqual([b.id]);
    const c = await ctx.world.account();
    await c.api.put('/v1/privacy', { chatInvites: 'contacts' });
    r = await a.api.post(`/v1/chats/${chatId}/members`, { accountIds: [c.id] });
    expect(r.body.missingInvitees).toEqual([{ accountId: c.id, code: 'USER_PRIVACY_RESTRICTED' }]);
    await ctx.world.save(c, a);
    r = await a.api.post(`/v1/chats/${chatId}/members`, { accountIds: [c.id] });
    expect(r.body.added).toEqual([c.id]);
    const d = await ctx.world.account();
    await d.api.put('/v1/privacy', { chatInvites: 'nobody' });
    await ctx.world.mutual(a, d);
    r = await a.api.post(`/v1/chats/${chatId}/members`, { accountIds: [d.id] });
    expect(r.body.missingInvitees).toEqual([{ accountId: d.id, code: 'USER_PRIVACY_RESTRICTED' }]);
    expectError(await b.api.post(`/v1/chats/${chatId}/members`, { accountIds: [d.id] }), 403, 'CHAT_ADMIN_REQUIRED');
  });
  it('keeps an appeal open after its limit ended, and an overturn then removes only the strike', async () => {
    const a = await ctx.world.account();
    await offence(a);
    await botSay(a, '/start');
    await botSay(a, EN.mistake);
    await botSay(a, EN.didNot);
    const filed = await botSay(a, 'I only wrote to my customers who asked');
    const ap = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.filter((x: any) => x.accountId === a.id);
    expect(ap).toHaveLength(1);
    const t = await advance(0);
    expect(Date.parse(ap[0].dueAt) - Date.parse(ap[0].createdAt)).toBe(48 * HOUR * 1000);
    await advance(2 * DAY);
    expect((await me(a)).state).toBe('free');
    const again = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.filter((x: any) => x.accountId === a.id);
    expect(again).toHaveLength(1);
    const d = await ctx.support.post(`/v1/moderation/appeals/${ap[0].id}/decision`, { outcome: 'overturn' });
    expect(d.status).toBe(200);
    const s = await offence(a);
    const t2 = await advance(0);
    expect(Date.parse(s.until) - t2).toBe(24 * HOUR * 1000);
    void filed;
    void t;
  });
  it('rounds SpamBot dates up to the minute', async () => {
    const a = await ctx.world.account();
    await advance(30);
    await offence(a);
    const r = await me(a);
    const status = await botSay(a, '/start');
    const up = new Date(Math.ceil(Date.parse(r.until) / 60000) * 60000);
    expect(status.text).toContain(`${String(up.getUTCHours()).padStart(2, '0')}:${String(up.getUTCMinutes()).padStart(2, '0')} UTC`);
  });
  it('moves the manual clock from 0 to 10^10 s and refuses anything else', async () => {
    expect((await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 0 })).status).toBe(200);
    expect((await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: -1 })).status).toBe(400);
    expect((await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 1e10 + 1 })).status).toBe(400);
    expect((await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: '5' })).status).toBe(400);
    expect((await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 0.5 })).status).toBe(200);
  });
  it('refuses names and usernames that pass for a system account, and invisible-only messages', async () => {
    for (const name of ['SpamBot', 'Spam Bot', 'ЅpamBot', 'spam\u200bbot', 'ＳｐａｍＢｏｔ', 'support', 'Sup\u202eport', 'Alice\u202e']) {
      const r = await ctx.world.admin.post('/v1/accounts', { phone: nextPhone(), name });
      expect(r.status, name).toBe(400);
      expect(r.body.error.code, name).toBe('NAME_INVALID');
    }
    const a = await ctx.world.account();
    expectError(await a.api.put('/v1/me', { username: 'spam_bot' }), 400, 'NAME_INVALID');
    const b = await ctx.world.account();
    expectError(await a.api.post('/v1/messages', { to: { accountId: b.id }, text: '\u200b \u2060' }), 400, 'MESSAGE_EMPTY');
  });

  it('keeps a number limit in force over a shorter report limit', async () => {
    const a = await ctx.world.account({ numberKind: 'voip' });
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'number', until: null });
    const v = await ctx.world.account();
    const m = await sent(v, a, 'hi?');
    await sent(a, v, 'buy');
    const rep = await v.api.post('/v1/reports', { chatId: m.chatId, reason: 'spam' });
    expect(rep.status).toBe(201);
    const d = await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expect(d.status).toBe(200);
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'number', until: null });
    await advance(DAY + 1);
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'number', until: null });
  });
  it('lets anyone join a public group but not a private one', async () => {
    const owner = await ctx.world.account();
    const g = await owner.api.post('/v1/groups', { title: 'pub', kind: 'group', public: true });
    const pub = g.body.chat.id;
    const pg = await owner.api.post('/v1/groups', { title: 'priv', kind: 'group', public: false });
    const priv = pg.body.chat.id;
    const a = await ctx.world.account();
    expect((await a.api.post(`/v1/chats/${pub}/join`)).status).toBe(204);
    expectError(await a.api.post(`/v1/chats/${priv}/join`), 403, 'CHAT_NOT_PUBLIC');
  });
  it('gives a public-groups ban, then a freeze, under violence', async () => {
    const a = await ctx.world.account();
    const s1 = await offence(a, 'violence');
    expect(s1).toMatchObject({ publicGroupsBan: true });
    expect(await me(a)).toMatchObject({ state: 'free', publicGroupsBan: true });
    expectError(await a.api.post('/v1/groups', { title: 'p', kind: 'channel', public: true }), 403, 'USER_BANNED_IN_CHANNEL');
    expect((await a.api.post('/v1/groups', { title: 'p', kind: 'channel', public: false })).status).toBe(201);
    const s2 = await offence(a, 'violence');
    expect(s2).toMatchObject({ state: 'frozen' });
    expect(await me(a)).toMatchObject({ state: 'frozen', kind: 'violence', publicGroupsBan: true });
  });
  it('freezes for industrial_spam and bans for child_abuse', async () => {
    const a = await ctx.world.account();
    expect(await offence(a, 'industrial_spam')).toMatchObject({ state: 'frozen' });
    const b = await ctx.world.account();
    expect(await offence(b, 'child_abuse')).toMatchObject({ state: 'banned' });
    expectError(await b.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
  });
  it('answers a deleted account 401, shows it deleted, and frees its number', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await sent(a, b);
    expect((await a.api.delete('/v1/me')).status).toBe(204);
    expectError(await a.api.get('/v1/me'), 401, 'UNAUTHORIZED');
    expectError(await send(b, a), 410, 'INPUT_USER_DEACTIVATED');
    const again = await ctx.world.account({ phone: a.phone });
    expect(await me(again)).toMatchObject({ state: 'free' });
  });
  it('holds a claim for 15 minutes exactly, then a closed case answers CASE_CLOSED', async () => {
    const a = await ctx.world.account();
    const v = await ctx.world.account();
    const m = await sent(a, v, 'spam');
    const rep = await v.api.post('/v1/reports', { chatId: m.chatId, reason: 'spam' });
    const caseId = rep.body.report.caseId;
    const other = await ctx.world.staff('moderator');
    expect((await ctx.moderator.post(`/v1/moderation/cases/${caseId}/claim`)).status).toBe(200);
    await advance(15 * 60 - 1);
    expectError(await other.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' }), 409, 'CASE_CLAIMED');
    await advance(1);
    expect((await other.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' })).status).toBe(200);
    expectError(await other.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' }), 409, 'CASE_CLOSED');
  });
  it("frees a deleted staff member's claims at once: the others need not wait out its 15 minutes", async () => {
    const a = await ctx.world.account();
    const v = await ctx.world.account();
    const m = await sent(a, v, 'spam');
    const rep = await v.api.post('/v1/reports', { chatId: m.chatId, reason: 'spam' });
    const caseId = rep.body.report.caseId;
    const leaving = await ctx.world.admin.post('/v1/admin/staff', { name: 'Leaving moderator', role: 'moderator' });
    const gone = ctx.moderator.as(leaving.body.token);
    const other = await ctx.world.staff('moderator');
    expect((await gone.post(`/v1/moderation/cases/${caseId}/claim`)).body.case.claimedBy).toBe(leaving.body.staff.id);
    expectError(await other.post(`/v1/moderation/cases/${caseId}/claim`), 409, 'CASE_CLAIMED');
    expect((await ctx.world.admin.delete(`/v1/admin/staff/${leaving.body.staff.id}`)).status).toBe(204);
    const seen = await other.get(`/v1/moderation/cases/${caseId}`);
    expect(seen.body.case.claimedBy).toBeUndefined();
    expect((await other.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' })).status).toBe(200);
  });
  it('appeals the restriction in force when filed: a later freeze stays after the overturn', async () => {
    const a = await ctx.world.account();
    await offence(a);
    await appeal(a, 'not me');
    const ap = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.find((x: any) => x.accountId === a.id);
    expect(ap.restriction).toMatchObject({ state: 'limited', kind: 'report' });
    // now also frozen for scam
    const v = await ctx.world.account();
    const m = await sent(v, a, 'hi?');
    await sent(a, v, 'send usdt');
    const rep = await v.api.post('/v1/reports', { chatId: m.chatId, reason: 'scam' });
    await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy: 'scam' });
    expect((await me(a)).state).toBe('frozen');
    const again = await botSay(a, EN.mistake);
    expect(again.text).toMatch(/already/i);
    const d = await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'overturn' });
    expect(d.status).toBe(200);
    expect((await me(a)).state).toBe('frozen');
  });
  it('joins a second reporter into the open case and answers a repeat with the same report', async () => {
    const s = await ctx.world.account();
    const v1 = await ctx.world.account();
    const v2 = await ctx.world.account();
    const m1 = await sent(s, v1, 'ad');
    const m2 = await sent(s, v2, 'ad');
    const r1 = await v1.api.post('/v1/reports', { chatId: m1.chatId, reason: 'spam' });
    const r2 = await v2.api.post('/v1/reports', { chatId: m2.chatId, reason: 'spam' });
    expect(r2.body.report.caseId).toBe(r1.body.report.caseId);
    const r1b = await v1.api.post('/v1/reports', { chatId: m1.chatId, reason: 'scam' });
    expect(r1b.status).toBe(200);
    expect(r1b.body.report.id).toBe(r1.body.report.id);
  });
  it('tells where a number-limited and a report-limited account stand, and hints at the buttons', async () => {
    const a = await ctx.world.account({ numberKind: 'voip' });
    const st = await botSay(a, '/start');
    expect(st.text).toMatch(/number/i);
    const b = await ctx.world.account();
    await offence(b);
    const t = await botSay(b, 'hello there');
    expect(t.text).toMatch(/limited/i);
    expect(t.text).toMatch(/mutual contacts/i);
    await botSay(b, EN.mistake);
    const hint = await botSay(b, 'whatever');
    expect(hint.buttons.flat()).toContain(EN.didNot);
    const rel = await botSay(b, EN.release);
    expect((await me(b)).state).toBe('limited');
    void rel;
  });

  it('answers INPUT_USER_DEACTIVATED for a frozen or banned recipient however addressed', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account({ username: `frz${Date.now() % 100000}` });
    await offence(b, 'scam');
    for (const to of [{ phone: b.phone }, { username: (await b.api.get('/v1/me')).body.account.username }, { accountId: b.id }]) {
      const r = await a.api.post('/v1/messages', { to, text: 'hi' });
      expectError(r, 410, 'INPUT_USER_DEACTIVATED');
    }
    const cu = `ban${Date.now() % 100000}`;
    const c = await ctx.world.account({ username: cu });
    await offence(c, 'child_abuse');
    for (const to of [{ phone: c.phone }, { username: cu }, { accountId: c.id }]) {
      const r = await a.api.post('/v1/messages', { to, text: 'hi' });
      expectError(r, 410, 'INPUT_USER_DEACTIVATED');
    }
  });
  it('lets a frozen account read, but not report or add an address', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const m = await sent(b, a, 'hi');
    await offence(a, 'scam');
    expect((await a.api.get(`/v1/chats/${m.chatId}/messages`)).status).toBe(200);
    expectError(await a.api.post('/v1/reports', { chatId: m.chatId, reason: 'spam' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/me/emails', { address: 'a@example.com' }), 403, 'FROZEN_METHOD_INVALID');
    const chats = await b.api.get('/v1/chats');
    const c = chats.body.chats.find((x: any) => x.id === m.chatId);
    expect(c.peer.name).toMatch(/deleted/i);
  });
  it('lifts a frozen account with an open appeal; upholding that appeal later changes nothing', async () => {
    const a = await ctx.world.account();
    await offence(a, 'scam');
    await appeal(a, 'not me');
    const ap = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.find((x: any) => x.accountId === a.id);
    const l = await ctx.support.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'checked' });
    expect(l.status).toBe(200);
    expect((await me(a)).state).toBe('free');
    const ap2 = (await ctx.support.get('/v1/moderation/appeals?limit=1000&state=open')).body.appeals.find((x: any) => x.id === ap.id);
    expect(ap2).toMatchObject({ state: 'open' });
    // Upholding an appeal whose restriction was lifted meanwhile changes nothing: no deletion comes back.
    expect((await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'uphold' })).status).toBe(200);
    await advance(15 * DAY);
    expect(await me(a)).toMatchObject({ state: 'free' });
  });

  it('never bans after an overturn, and bans at deleteAt after an early uphold', async () => {
    const a = await ctx.world.account();
    await offence(a, 'scam');
    await appeal(a, 'not me');
    let ap = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.find((x: any) => x.accountId === a.id);
    expect((await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'overturn' })).status).toBe(200);
    await advance(15 * DAY);
    expect((await me(a)).state).toBe('free');
    const b = await ctx.world.account();
    const s = await offence(b, 'scam');
    await appeal(b, 'not me');
    ap = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.find((x: any) => x.accountId === b.id);
    await advance(DAY);
    expect((await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'uphold' })).status).toBe(200);
    expect(await me(b)).toMatchObject({ state: 'frozen', deleteAt: s.deleteAt });
    const t = await advance(0);
    await advance((Date.parse(s.deleteAt) - t) / 1000 - 1);
    expect((await me(b)).state).toBe('frozen');
    await advance(1);
    expectError(await b.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
  });
  it('has nothing to appeal when free, and files one appeal at a time', async () => {
    const a = await ctx.world.account();
    const st = await botSay(a, EN.mistake);
    expect(st.text).toMatch(/nothing to appeal/i);
    await offence(a);
    await appeal(a, 'not me');
    await botSay(a, EN.mistake);
    await botSay(a, EN.didNot);
    await botSay(a, 'again');
    const list = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.filter((y: any) => y.accountId === a.id);
    expect(list).toHaveLength(1);
  });

  it('applies everything due in a jump of 10^10 s', async () => {
    const a = await ctx.world.account();
    await offence(a, 'scam');
    const b = await ctx.world.account();
    await offence(b);
    await appeal(b, 'not me');
    const r = await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 1e10 });
    expect(r.status).toBe(200);
    const at = Date.parse(r.body.now);
    expectError(await a.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    expect(await me(b)).toMatchObject({ state: 'free' });
    const ap = (await ctx.support.get('/v1/moderation/appeals?limit=1000')).body.appeals.find((x: any) => x.accountId === b.id);
    expect(ap).toMatchObject({ state: 'open', overdue: true });
    const c = await ctx.world.account();
    const s = await offence(c);
    expect(s).toMatchObject({ state: 'limited', until: new Date(at + DAY * 1000).toISOString() });
    const st = await botSay(c, '/start');
    expect(st.text).toContain(String(new Date(at + DAY * 1000).getUTCFullYear()));
  });

  it('joins reports into an escalated case; after a dismissal a report opens a new one', async () => {
    const sp = await ctx.world.account();
    const v1 = await ctx.world.account();
    const v2 = await ctx.world.account();
    const m1 = await sent(sp, v1, 'ad');
    const m2 = await sent(sp, v2, 'ad');
    const r1 = await v1.api.post('/v1/reports', { chatId: m1.chatId, reason: 'spam' });
    const caseId = r1.body.report.caseId;
    expect((await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'escalate' })).status).toBe(200);
    const r2 = await v2.api.post('/v1/reports', { chatId: m2.chatId, reason: 'spam' });
    expect(r2.status).toBe(201);
    expect(r2.body.report.caseId).toBe(caseId);
    const r1b = await v1.api.post('/v1/reports', { chatId: m1.chatId, reason: 'spam' });
    expect(r1b.status).toBe(200);
    const c = await ctx.moderator.get(`/v1/moderation/cases/${caseId}`);
    expect(c.body.case).toMatchObject({ state: 'escalated', reportCount: 2 });
    expect((await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'dismiss' })).status).toBe(200);
    expect((await me(sp)).state).toBe('free');
    const r1c = await v1.api.post('/v1/reports', { chatId: m1.chatId, reason: 'spam' });
    expect(r1c.status).toBe(201);
    expect(r1c.body.report.caseId).not.toBe(caseId);
    const esc = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expectError(esc, 409, 'CASE_CLOSED');
  });

  it('lets an account write to SpamBot even after blocking it', async () => {
    const a = await ctx.world.account();
    const st = await botSay(a, '/start');
    const bot = st.from;
    const bl = await a.api.post('/v1/blocks', { accountId: bot });
    expect(bl.status).toBe(204);
    const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text: '/start' });
    // SpamBot is exempt from rows 4–8: blocking it does not stop the account from writing to it.
    expect(r.status).toBe(201);
    expect((await a.api.post('/v1/reports', { chatId: r.body.message.chatId, reason: 'spam' })).status).toBe(400);
  });

  it('admin adds to a public group and reports at once: not an admin report', async () => {
    const owner = await ctx.world.account();
    const g = await owner.api.post('/v1/groups', { title: 'Open square', kind: 'group', public: true });
    const chatId = g.body.chat.id;
    const innocent = await ctx.world.account();
    await ctx.world.mutual(owner, innocent);
    expect((await owner.api.post(`/v1/chats/${chatId}/members`, { accountIds: [innocent.id] })).body.added).toEqual([innocent.id]);
    const msg = await innocent.api.post('/v1/messages', { to: { chatId }, text: 'hi all' });
    const r = await owner.api.post('/v1/reports', { chatId, messageIds: [msg.body.message.id] });
    expect(r.status).toBe(201);
    expect(r.body.report.caseId).toBeUndefined();
    const joiner = await ctx.world.account();
    expect((await joiner.api.post(`/v1/chats/${chatId}/join`)).status).toBe(204);
    const m2 = await joiner.api.post('/v1/messages', { to: { chatId }, text: 'buy followers' });
    const r2 = await owner.api.post('/v1/reports', { chatId, messageIds: [m2.body.message.id] });
    expect(r2.status).toBe(201);
    expect(r2.body.report.caseId).toMatch(/^k/);
  });

  it('tells a frozen account kept past its deletion date by an appeal that it is on hold, not a date in the past', async () => {
    const a = await ctx.world.account();
    const s = await offence(a, 'scam');
    expect((await appeal(a, 'Someone else used my phone.')).text).toMatch(/appeal is filed/);
    const before = await botSay(a, '/start');
    expect(before.text).toMatch(/will be deleted on/);
    const t = await advance(0);
    await advance((Date.parse(s.deleteAt) - t) / 1000 + HOUR);
    expect((await me(a)).state).toBe('frozen');
    const after = await botSay(a, '/start');
    expect(after.text).toMatch(/frozen/);
    expect(after.text).not.toMatch(/will be deleted on/);
    expect(after.text).toMatch(/will not be deleted while your appeal is under review/);
  });

  it("lifting a ban that a freeze became removes that freeze's strike: the next offence is a first again", async () => {
    const a = await ctx.world.account();
    expect(await offence(a, 'violence')).toMatchObject({ state: 'free', publicGroupsBan: true });
    const frozen = await offence(a, 'violence');
    expect(frozen).toMatchObject({ state: 'frozen', kind: 'violence' });
    const t = await advance(0);
    await advance((Date.parse(frozen.deleteAt) - t) / 1000);
    expectError(await a.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    const admin = await ctx.world.staff('admin');
    const lifted = await admin.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'the reports were a campaign' });
    expect(lifted.status).toBe(200);
    expect(lifted.body.restriction).toMatchObject({ state: 'free', publicGroupsBan: false });
    const strikes = (await admin.get(`/v1/moderation/accounts/${a.id}`)).body.strikes;
    expect(strikes.map((x: any) => x.removed)).toEqual([true, true]);
    expect(await offence(a, 'violence')).toMatchObject({ state: 'free', publicGroupsBan: true });
  });
});
