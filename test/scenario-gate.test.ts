import { describe, expect, it } from 'vitest';
import { Client, type TestAccount, World } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { send, sent } from './helpers/messages.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * The send gate, reports and groups (RULES.md §2–3, API.md) as stories an independent checker
 * runs: several accounts, many steps, and at each step the exact status, code and fields. Every
 * restriction is made as staff make it (a report, a decision), every check is HTTP to a real
 * server on a manual clock.
 */

const ctx = serverPerFile({ staff: ['moderator', 'triage'], checkProjections: true });

const HOUR = 3600;
const DAY = 24 * HOUR;

type Bar = { reportSpam: boolean; block: boolean; addContact: boolean };

async function account(fields: { username?: string; numberKind?: 'voip' } = {}) {
  return ctx.world.account(fields);
}

/** `x` is reported by a fresh stranger it answered, and the case confirmed under `policy`. */
async function sanction(x: TestAccount, policy: 'spam' | 'scam' = 'spam') {
  const victim = await account();
  const m = await sent(victim, x, 'is the flat still available?');
  await sent(x, { chatId: m.chatId }, 'buy cheap followers now');
  const rep = await victim.api.post('/v1/reports', { chatId: m.chatId, reason: policy });
  expect(rep.status, JSON.stringify(rep.body)).toBe(201);
  const d = await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  return d.body.sanction as { state: string; kind?: string; until?: string | null };
}

async function privateChat(viewer: TestAccount, peer: TestAccount): Promise<any | undefined> {
  const r = await viewer.api.get('/v1/chats?limit=1000');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.chats.find((c: any) => c.type === 'private' && c.peer?.accountId === peer.id);
}
async function barOf(viewer: TestAccount, peer: TestAccount): Promise<Bar | undefined> {
  const chat = await privateChat(viewer, peer);
  expect(chat, 'the chat is listed').toBeDefined();
  return chat.actionBar;
}
async function texts(viewer: TestAccount, chatId: string): Promise<string[]> {
  const r = await viewer.api.get(`/v1/chats/${chatId}/messages`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.messages.map((m: any) => m.text);
}

function report(reporter: TestAccount, body: Record<string, unknown>) {
  return reporter.api.post('/v1/reports', body);
}
async function filed(reporter: TestAccount, body: Record<string, unknown>, status = 201): Promise<{ id: string; caseId?: string }> {
  const r = await report(reporter, body);
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body.report;
}
async function caseView(caseId: string) {
  const r = await ctx.moderator.get(`/v1/moderation/cases/${caseId}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.case;
}
async function casesAbout(x: TestAccount): Promise<any[]> {
  const r = await ctx.moderator.get('/v1/moderation/cases?limit=1000');
  expect(r.status).toBe(200);
  return r.body.cases.filter((c: any) => c.subject.accountId === x.id);
}
async function group(owner: TestAccount, fields: { kind?: 'group' | 'channel'; public?: boolean; members?: string[] } = {}) {
  const r = await owner.api.post('/v1/groups', { title: 'Street market', kind: fields.kind ?? 'group', ...fields });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { chat: { id: string; type: string; title: string; public: boolean }; missingInvitees: { accountId: string; code: string }[] };
}
function add(inviter: TestAccount, chatId: string, ...invitees: TestAccount[]) {
  return inviter.api.post(`/v1/chats/${chatId}/members`, { accountIds: invitees.map((i) => i.id) });
}
const block = (a: TestAccount, b: TestAccount) => a.api.post('/v1/blocks', { accountId: b.id });
const unblock = (a: TestAccount, b: TestAccount) => a.api.delete(`/v1/blocks/${b.id}`);

describe('a limited sender and every kind of recipient (RULES.md §1–2)', () => {
  it('mutual contact, one-sided contacts either way, a stranger, and one who wrote first', async () => {
    const a = await account();
    const mutual = await account();
    const aSaved = await account(); // A saved them, they did not save A
    const savedA = await account(); // they saved A, A did not save them
    const stranger = await account();
    const wroteFirst = await account();
    await ctx.world.mutual(a, mutual);
    await ctx.world.save(a, aSaved);
    await ctx.world.save(savedA, a);
    const first = await sent(wroteFirst, a, 'are you selling the bike?');
    const s = await sanction(a);
    expect(s).toMatchObject({ state: 'limited', kind: 'report' });
    expect(typeof s.until).toBe('string');

    await sent(a, mutual, 'see you tonight');
    for (const b of [aSaved, savedA, stranger]) {
      const r = await send(a, b, 'hi');
      expectError(r, 403, 'PEER_FLOOD');
      expect(r.body.error.details).toMatchObject({ until: s.until, appeal: 'spambot' });
    }
    // A reply, by account and by chat: the other side wrote in this chat.
    await sent(a, wroteFirst, 'yes, still for sale');
    await sent(a, { chatId: first.chatId }, 'come by at six');
    // Nothing was stored for the refused ones: no chat appeared on either side.
    expect(await privateChat(a, stranger)).toBeUndefined();
    expect(await privateChat(stranger, a)).toBeUndefined();
    // SpamBot and support are always reachable.
    expect((await send(a, { username: 'spambot' }, '/start')).status).toBe(201);
    expect((await send(a, { username: 'support' }, 'why am I limited?')).status).toBe(201);
  });

  it('a mutual contact removed afterwards: PEER_FLOOD, unless they had written; saved again, allowed', async () => {
    const a = await account();
    const b = await account();
    const c = await account();
    await ctx.world.mutual(a, b);
    await ctx.world.mutual(a, c);
    await sent(c, a, 'hi from c'); // c has written; b has not
    await sanction(a);
    await sent(a, b, 'hello b');
    await sent(a, c, 'hello c');
    expect((await b.api.delete(`/v1/contacts/${a.id}`)).status).toBe(204);
    expect((await c.api.delete(`/v1/contacts/${a.id}`)).status).toBe(204);
    // The chat A–B holds only A's messages: not a reply.
    expectError(await send(a, b, 'are we still on?'), 403, 'PEER_FLOOD');
    await sent(a, c, 'still here');
    // A removing B from its own contacts does not matter once B saves A again.
    await ctx.world.save(b, a);
    await sent(a, b, 'thanks for saving me again');
    expect((await a.api.delete(`/v1/contacts/${b.id}`)).status).toBe(204);
    expectError(await send(a, b, 'one more'), 403, 'PEER_FLOOD');
  });

  it('one who wrote first and was then blocked, either way; unblocked, the reply goes', async () => {
    const a = await account();
    const b = await account();
    const c = await account();
    await sent(b, a, 'hello a');
    await sent(c, a, 'hello a');
    await sanction(a);
    expect((await block(a, b)).status).toBe(204);
    expectError(await send(a, b), 403, 'YOU_BLOCKED_USER');
    expectError(await send(b, a), 403, 'USER_IS_BLOCKED');
    expect((await block(c, a)).status).toBe(204);
    expectError(await send(a, c), 403, 'USER_IS_BLOCKED');
    expectError(await send(c, a), 403, 'YOU_BLOCKED_USER');
    // Blocks both ways: each side is told its own block first (row 4 before row 5).
    expect((await block(b, a)).status).toBe(204);
    expectError(await send(a, b), 403, 'YOU_BLOCKED_USER');
    expectError(await send(b, a), 403, 'YOU_BLOCKED_USER');
    expect((await unblock(a, b)).status).toBe(204);
    expectError(await send(a, b), 403, 'USER_IS_BLOCKED');
    expect((await unblock(b, a)).status).toBe(204);
    expect((await unblock(c, a)).status).toBe(204);
    // The old messages still count as having written: replies allowed to a limited A.
    await sent(a, b, 'sorry about that');
    await sent(a, c, 'sorry about that');
    // Unblocking twice, or someone never blocked: still 204, nothing else changes.
    expect((await unblock(a, b)).status).toBe(204);
  });

  it('a stranger who is also blocked or deactivated is told that first (rows 3–5 before row 6)', async () => {
    const a = await account();
    const blockedByA = await account();
    const blocksA = await account();
    const gone = await account();
    await sanction(a);
    await block(a, blockedByA);
    await block(blocksA, a);
    expect((await gone.api.delete('/v1/me')).status).toBe(204);
    expectError(await send(a, blockedByA), 403, 'YOU_BLOCKED_USER');
    expectError(await send(a, blocksA), 403, 'USER_IS_BLOCKED');
    expectError(await send(a, gone), 410, 'INPUT_USER_DEACTIVATED');
    // Unknown recipients are resolved before rows 3–8: 404s, not PEER_FLOOD.
    expectError(await send(a, { phone: '+447700900999' }), 404, 'PHONE_NOT_OCCUPIED');
    expectError(await send(a, { username: 'nobody_here_at_all' }), 404, 'USERNAME_NOT_OCCUPIED');
    expectError(await send(a, { accountId: 'acc_doesnotexist' }), 404, 'PEER_ID_INVALID');
  });

  it("the recipient's privacy: row 6 before row 7, and a mutual contact or a reply passes both", async () => {
    const a = await account();
    const picky = await account();
    const pickyMutual = await account();
    const pickyWrote = await account();
    const hidden = await account();
    for (const x of [picky, pickyMutual, pickyWrote]) expect((await x.api.put('/v1/privacy', { newChats: 'contacts' })).status).toBe(200);
    expect((await hidden.api.put('/v1/privacy', { findByPhone: 'contacts' })).status).toBe(200);
    await ctx.world.mutual(a, pickyMutual);
    await sent(pickyWrote, a, 'hi');
    // Free, A meets row 7 only.
    expectError(await send(a, picky), 403, 'USER_PRIVACY_RESTRICTED');
    expectError(await send(a, { phone: hidden.phone }), 404, 'PHONE_NOT_OCCUPIED');
    await sanction(a);
    expectError(await send(a, picky), 403, 'PEER_FLOOD');
    await sent(a, pickyMutual, 'hello');
    await sent(a, pickyWrote, 'hello back');
    // Hidden from number look-ups: indistinguishable from no account, limited or not.
    expectError(await send(a, { phone: hidden.phone }), 404, 'PHONE_NOT_OCCUPIED');
    expectError(await send(a, hidden), 403, 'PEER_FLOOD');
  });

  it('a chat the limited sender deleted with a report still holds what the other side wrote', async () => {
    const a = await account();
    const b = await account();
    const m = await sent(b, a, 'cheap watches, write back');
    await filed(a, { chatId: m.chatId, deleteChat: true });
    expect(await privateChat(a, b)).toBeUndefined();
    await sanction(a);
    // "Has already written" is about the chat's messages; the deletion only hid them from A.
    const r = await sent(a, b, 'stop writing to me');
    expect(r.chatId).toBe(m.chatId);
    expect(await privateChat(a, b)).toBeDefined();
    expect(await texts(a, m.chatId)).toEqual(['stop writing to me']);
    expect(await texts(b, m.chatId)).toEqual(['cheap watches, write back', 'stop writing to me']);
  });

  it('a number-limited account (VoIP): replies yes, new chats no, with no end', async () => {
    const a = await account({ numberKind: 'voip' });
    const b = await account();
    const c = await account();
    const me = await a.api.get('/v1/me');
    expect(me.body.restriction).toMatchObject({ state: 'limited', kind: 'number', until: null });
    const r = await send(a, b);
    expectError(r, 403, 'PEER_FLOOD');
    expect(r.body.error.details).toMatchObject({ until: null, appeal: 'spambot' });
    await sent(c, a, 'hello');
    await sent(a, c, 'hello back');
    expectError(await a.api.post('/v1/groups', { title: 'x', kind: 'group' }), 403, 'USER_RESTRICTED');
  });

  it('the limit ends at until: a new chat is refused a second before, allowed at it', async () => {
    const a = await account();
    const b = await account();
    const s = await sanction(a);
    const now = await ctx.world.advance(0);
    const left = Math.round((Date.parse(s.until!) - now) / 1000);
    expect(left).toBe(DAY);
    await ctx.world.advance(left - 1);
    expectError(await send(a, b), 403, 'PEER_FLOOD');
    expectError(await a.api.post('/v1/groups', { title: 'x', kind: 'group' }), 403, 'USER_RESTRICTED');
    await ctx.world.advance(1);
    expect((await a.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'free' });
    await sent(a, b);
    await group(a);
  });
});

describe('replies and new chats for everyone (RULES.md §2)', () => {
  it('row 7: a chat that exists lets either side write; a new one from a non-contact does not', async () => {
    const a = await account();
    const b = await account();
    const c = await account();
    await b.api.put('/v1/privacy', { newChats: 'contacts' });
    // B wrote to A first: the chat exists, A may answer though B takes new chats from contacts only.
    await sent(b, a, 'hi a');
    await sent(a, b, 'hi b');
    expectError(await send(c, b), 403, 'USER_PRIVACY_RESTRICTED');
    // C saving B is not enough; B saving C is.
    await ctx.world.save(c, b);
    expectError(await send(c, b), 403, 'USER_PRIVACY_RESTRICTED');
    await ctx.world.save(b, c);
    await sent(c, b);
    // Once the chat exists, B removing C from contacts does not close it.
    await b.api.delete(`/v1/contacts/${c.id}`);
    await sent(c, b, 'still here');
  });
});

describe('groups while limited (RULES.md §1–2)', () => {
  it('creating is refused, posting where a member is allowed, adding only mutual contacts', async () => {
    const a = await account();
    const mutual = await account();
    const oneWay = await account();
    const wrote = await account();
    const stranger = await account();
    const member = await account();
    await ctx.world.mutual(a, mutual);
    await ctx.world.mutual(a, member);
    await ctx.world.save(a, oneWay);
    await sent(wrote, a, 'hi');
    const own = await group(a, { members: [member.id] });
    expect(own.missingInvitees).toEqual([]);
    const pub = await group(stranger, { public: true });
    expect((await a.api.post(`/v1/chats/${pub.chat.id}/join`)).status).toBe(204);
    const s = await sanction(a);

    for (const body of [
      { title: 'x', kind: 'group' },
      { title: 'x', kind: 'channel' },
      { title: 'x', kind: 'group', public: true },
      { title: 'x', kind: 'group', members: [mutual.id] },
    ]) {
      const r = await a.api.post('/v1/groups', body);
      expectError(r, 403, 'USER_RESTRICTED');
      expect(r.body.error.details).toMatchObject({ until: s.until });
    }
    await sent(a, { chatId: own.chat.id }, 'hello group');
    await sent(a, { chatId: pub.chat.id }, 'hello public group');
    // The group is not a private chat: a member of it is still a stranger to write to.
    expectError(await send(a, stranger), 403, 'PEER_FLOOD');

    const r = await add(a, own.chat.id, mutual, oneWay, wrote, stranger);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.added).toEqual([mutual.id]);
    expect(r.body.missingInvitees).toEqual([
      { accountId: oneWay.id, code: 'PEER_FLOOD' },
      { accountId: wrote.id, code: 'PEER_FLOOD' },
      { accountId: stranger.id, code: 'PEER_FLOOD' },
    ]);
    // A member who is not an admin cannot add anyone, limited or not.
    const other = await add(mutual, own.chat.id, member);
    expectError(other, 403, 'CHAT_ADMIN_REQUIRED');
    // A limited account is not a reason for others to refuse its posts or to leave: members read it.
    expect(await texts(member, own.chat.id)).toEqual(['hello group']);
  });
});

describe('the action bar (RULES.md §3)', () => {
  it('shows to the recipient of a new chat from a non-contact, until they reply or save the sender', async () => {
    const a = await account();
    const spammer = await account();
    const replied = await account();
    const saved = await account();
    const savedMe = await account();
    await sent(spammer, a, 'crypto signals, join now');
    await sent(replied, a, 'hi, we met at the fair');
    await sent(saved, a, 'hi, this is the plumber');
    await ctx.world.save(savedMe, a); // the sender saved A, A did not save them
    await sent(savedMe, a, 'hello from your neighbour');
    const full: Bar = { reportSpam: true, block: true, addContact: true };
    for (const x of [spammer, replied, saved, savedMe]) {
      expect(await barOf(a, x)).toEqual(full);
      // The one who started the chat sees no bar.
      expect(await barOf(x, a)).toBeUndefined();
    }
    await sent(a, replied, 'nice to meet you');
    expect(await barOf(a, replied)).toBeUndefined();
    expect((await a.api.post('/v1/contacts', { accountId: saved.id })).status).toBe(201);
    expect(await barOf(a, saved)).toBeUndefined();
    // Block from the bar: "block" goes off, the rest stays.
    expect((await block(a, spammer)).status).toBe(204);
    expect(await barOf(a, spammer)).toEqual({ reportSpam: true, block: false, addContact: true });
    // Report from the bar: "report spam" goes off while the report is open.
    const rep = await filed(a, { chatId: (await privateChat(a, spammer)).id });
    expect(typeof rep.caseId).toBe('string');
    expect(await barOf(a, spammer)).toEqual({ reportSpam: false, block: false, addContact: true });
    // Decided (dismissed): the report is closed, the bar offers reporting again.
    const d = await ctx.triage.post(`/v1/moderation/cases/${rep.caseId}/decision`, { action: 'dismiss' });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    expect(await barOf(a, spammer)).toEqual({ reportSpam: true, block: false, addContact: true });
    // Unblocked: block is offered again.
    await unblock(a, spammer);
    expect(await barOf(a, spammer)).toEqual(full);
  });

  it('SpamBot and support show no bar', async () => {
    const a = await account();
    await send(a, { username: 'spambot' }, '/start');
    const chats = (await a.api.get('/v1/chats')).body.chats;
    for (const c of chats) expect(c.actionBar).toBeUndefined();
  });
});

describe('report spam on a private chat (RULES.md §3)', () => {
  it('report-and-block: blocks the sender, every later message refused both ways, the case has the evidence', async () => {
    const a = await account();
    const x = await account();
    const m1 = await sent(x, a, 'win an iPhone');
    await sent(x, a, 'click the link');
    const r = await report(a, { chatId: m1.chatId, reason: 'spam', block: true, idempotencyKey: 'rb-1' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(Object.keys(r.body.report).sort()).toEqual(['caseId', 'id']);
    expectError(await send(x, a, 'hello?'), 403, 'USER_IS_BLOCKED');
    expectError(await send(a, x, 'go away'), 403, 'YOU_BLOCKED_USER');
    const c = await caseView(r.body.report.caseId);
    expect(c.subject).toMatchObject({ accountId: x.id });
    expect(c.state).toBe('open');
    expect(c.reportCount).toBe(1);
    expect(c.reports.map((p: any) => p.reporterId)).toEqual([a.id]);
    expect(c.evidence.map((e: any) => e.text)).toEqual(['win an iPhone', 'click the link']);
    expect(c.evidence.every((e: any) => e.chatId === m1.chatId)).toBe(true);
    // The same key and body again: the original 201; reporting again without a key: 200 the same report.
    const again = await report(a, { chatId: m1.chatId, reason: 'spam', block: true, idempotencyKey: 'rb-1' });
    expect({ status: again.status, body: again.body }).toEqual({ status: 201, body: r.body });
    const repeat = await report(a, { chatId: m1.chatId, reason: 'scam' });
    expect({ status: repeat.status, body: repeat.body }).toEqual({ status: 200, body: r.body });
    // The same key with a different body: a conflict, nothing else.
    expectError(await report(a, { chatId: m1.chatId, reason: 'scam', idempotencyKey: 'rb-1' }), 409, 'IDEMPOTENCY_CONFLICT');
    expect((await caseView(r.body.report.caseId)).reportCount).toBe(1);
  });

  it('nothing to report: a chat where the other side never wrote, with block asked for, changes nothing', async () => {
    const a = await account();
    const b = await account();
    const m = await sent(a, b, 'hello, is this the bakery?');
    const r = await report(a, { chatId: m.chatId, block: true, deleteChat: true, idempotencyKey: 'ntr-1' });
    expectError(r, 400, 'NOTHING_TO_REPORT');
    // Neither the block nor the deletion happened.
    await sent(a, b, 'hello again');
    await sent(b, a, 'yes it is');
    expect(await privateChat(a, b)).toBeDefined();
    expect(await casesAbout(b)).toEqual([]);
    // The key keeps the denial though B has now written; a new request files the report.
    expectError(await report(a, { chatId: m.chatId, block: true, deleteChat: true, idempotencyKey: 'ntr-1' }), 400, 'NOTHING_TO_REPORT');
    const rep = await filed(a, { chatId: m.chatId });
    expect((await caseView(rep.caseId!)).evidence.map((e: any) => e.text)).toEqual(['yes it is']);
  });

  it('reporting someone you wrote to first opens a case too; the reporter is no stranger to them', async () => {
    const a = await account();
    const b = await account();
    const m = await sent(a, b, 'hi, selling my sofa?');
    await sent(b, a, 'visit my-shady-site.example');
    const rep = await filed(a, { chatId: m.chatId });
    expect(typeof rep.caseId).toBe('string');
    const c = await caseView(rep.caseId!);
    expect(c.subject).toMatchObject({ accountId: b.id });
    expect(c.evidence.map((e: any) => e.text)).toEqual(['visit my-shady-site.example']);
    // B may report A back: A has written to B.
    const back = await filed(b, { chatId: m.chatId });
    expect(back.caseId).not.toBe(rep.caseId);
    expect((await caseView(back.caseId!)).subject).toMatchObject({ accountId: a.id });
  });

  it('only the two sides may report a private chat; anyone else gets 404 as if it did not exist', async () => {
    const a = await account();
    const b = await account();
    const outsider = await account();
    const m = await sent(b, a, 'spam spam');
    expectError(await report(outsider, { chatId: m.chatId }), 404, 'NOT_FOUND');
    expectError(await report(outsider, { chatId: 'chat_doesnotexist' }), 404, 'NOT_FOUND');
    expectError(await outsider.api.get(`/v1/chats/${m.chatId}/messages`), 404, 'NOT_FOUND');
    expect(await casesAbout(b)).toEqual([]);
  });

  it('evidence is the 10 latest messages of the other side, frozen at report time', async () => {
    const a = await account();
    const x = await account();
    let chatId = '';
    for (let i = 1; i <= 12; i++) chatId = (await sent(x, a, `offer ${i}`)).chatId;
    await sent(a, x, 'who are you?');
    const rep = await filed(a, { chatId });
    await sent(x, a, 'offer 13');
    const c = await caseView(rep.caseId!);
    expect(c.evidence.map((e: any) => e.text)).toEqual(Array.from({ length: 10 }, (_, i) => `offer ${i + 3}`));
    // Naming messages: only the other side's in this chat; A's own message is nothing to review.
    const own = (await a.api.get(`/v1/chats/${chatId}/messages`)).body.messages.find((m: any) => m.from === a.id);
    const other = await account();
    const elsewhere = await sent(x, other, 'offer elsewhere');
    const second = await account();
    const m2 = await sent(x, second, 'hello second');
    expectError(await report(second, { chatId: m2.chatId, messageIds: [own.id] }), 400, 'NOTHING_TO_REPORT');
    expectError(await report(second, { chatId: m2.chatId, messageIds: [elsewhere.id] }), 400, 'NOTHING_TO_REPORT');
    const named = await filed(second, { chatId: m2.chatId, messageIds: [m2.id] });
    // Both private reports joined the subject's one open case.
    expect(named.caseId).toBe(rep.caseId);
    expect((await caseView(rep.caseId!)).reportCount).toBe(2);
  });

  it('every private report opens or joins the one case, whatever the weight: fresh reporters included', async () => {
    const x = await account();
    const reporters = [await account(), await account(), await account()];
    const caseIds = new Set<string>();
    for (const r of reporters) {
      const m = await sent(x, r, 'best prices');
      caseIds.add((await filed(r, { chatId: m.chatId })).caseId!);
    }
    expect(caseIds.size).toBe(1);
    const list = await casesAbout(x);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ subject: { accountId: x.id }, state: 'open', reportCount: 3 });
    expect(list[0].reasons).toEqual(['spam']);
    // Fresh reporters do not get X limited by themselves (brigading): it stays free.
    expect((await x.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'free' });
  });

  it('after a case is decided, a new report by the same reporter is a new report and a new case', async () => {
    const a = await account();
    const x = await account();
    const m = await sent(x, a, 'hello');
    const first = await filed(a, { chatId: m.chatId });
    const d = await ctx.triage.post(`/v1/moderation/cases/${first.caseId}/decision`, { action: 'dismiss' });
    expect(d.status).toBe(200);
    await sent(x, a, 'hello again, buy now');
    const second = await filed(a, { chatId: m.chatId });
    expect(second.id).not.toBe(first.id);
    expect(second.caseId).not.toBe(first.caseId);
    expect((await caseView(second.caseId!)).evidence.map((e: any) => e.text)).toEqual(['hello', 'hello again, buy now']);
  });

  it('reporting after the chat was deleted by the reporter, and after the subject deleted their account', async () => {
    const a = await account();
    const x = await account();
    const m = await sent(x, a, 'promo');
    const first = await filed(a, { chatId: m.chatId, deleteChat: true });
    expect(await privateChat(a, x)).toBeUndefined();
    // Reporting again while open, though the chat is gone from A's list: the same report.
    const repeat = await report(a, { chatId: m.chatId });
    expect({ status: repeat.status, body: repeat.body }).toEqual({ status: 200, body: { report: first } });
    // The other side still sees the chat and its messages.
    expect(await texts(x, m.chatId)).toEqual(['promo']);
    // The subject deletes itself: the case stays, evidence kept.
    const b = await account();
    const m2 = await sent(x, b, 'promo 2');
    expect((await x.api.delete('/v1/me')).status).toBe(204);
    const late = await report(b, { chatId: m2.chatId });
    // Every private-chat report opens a case or joins the subject's open one, deleted or not.
    expect(late.status, JSON.stringify(late.body)).toBe(201);
    expect(late.body.report.caseId).toBe(first.caseId);
    const c = await caseView(first.caseId!);
    expect(c.evidence.map((e: any) => e.text)).toContain('promo');
  });

  it('a limited account may report spam it receives; report-and-block also refuses its own reply', async () => {
    const a = await account();
    const x = await account();
    await sanction(a);
    const m = await sent(x, a, 'loans in 5 minutes');
    const rep = await filed(a, { chatId: m.chatId, block: true });
    expect(typeof rep.caseId).toBe('string');
    expectError(await send(a, x), 403, 'YOU_BLOCKED_USER');
    await unblock(a, x);
    await sent(a, x, 'please stop'); // a reply: X wrote here
  });

  it('reports are writes: a frozen account may not report, and gets FROZEN_METHOD_INVALID first', async () => {
    const a = await account();
    const x = await account();
    const m = await sent(x, a, 'hello');
    await sanction(a, 'scam');
    expectError(await report(a, { chatId: m.chatId }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await report(a, { chatId: 'chat_doesnotexist' }), 403, 'FROZEN_METHOD_INVALID');
    expect(await casesAbout(x)).toEqual([]);
  });
});

describe('reports in groups (RULES.md §3)', () => {
  it('three distinct members open a case about the author; two do not; repeats and an outsider do not count', async () => {
    const owner = await account();
    const x = await account();
    const members = [await account(), await account(), await account()];
    const outsider = await account();
    const g = await group(owner, { public: true });
    for (const m of [x, ...members]) expect((await m.api.post(`/v1/chats/${g.chat.id}/join`)).status).toBe(204);
    const post = await sent(x, { chatId: g.chat.id }, 'free money here');
    await sent(members[0]!, { chatId: g.chat.id }, 'ordinary talk');

    const r1 = await filed(members[0]!, { chatId: g.chat.id, messageIds: [post.id], reason: 'spam' });
    expect(r1.caseId).toBeUndefined();
    // A repeat by the same member: 200, the same report, still below the threshold.
    const again = await report(members[0]!, { chatId: g.chat.id, accountId: x.id, reason: 'scam' });
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { report: r1 } });
    // Someone outside the public group can read and report it, but does not count.
    const out = await filed(outsider, { chatId: g.chat.id, messageIds: [post.id] });
    expect(out.caseId).toBeUndefined();
    const r2 = await filed(members[1]!, { chatId: g.chat.id, accountId: x.id });
    expect(r2.caseId).toBeUndefined();
    expect(await casesAbout(x)).toEqual([]);
    const r3 = await filed(members[2]!, { chatId: g.chat.id, messageIds: [post.id] });
    expect(typeof r3.caseId).toBe('string');
    const c = await caseView(r3.caseId!);
    expect(c.subject).toMatchObject({ accountId: x.id, chatId: g.chat.id });
    expect(c.reports.map((p: any) => p.reporterId).sort()).toEqual([members[0]!.id, members[1]!.id, members[2]!.id, outsider.id].sort());
    expect(c.evidence.map((e: any) => e.text)).toEqual(['free money here']);
    // The first reporter's repeat now answers with the case.
    const later = await report(members[0]!, { chatId: g.chat.id, messageIds: [post.id] });
    expect(later.status).toBe(200);
    expect(later.body.report).toEqual({ id: r1.id, caseId: r3.caseId });
    // X stays free: the case waits for a moderator.
    expect((await x.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'free' });
  });

  it('group and private reports on one subject are separate places and separate cases', async () => {
    const owner = await account();
    const x = await account();
    const g = await group(owner, { public: true });
    await x.api.post(`/v1/chats/${g.chat.id}/join`);
    const post = await sent(x, { chatId: g.chat.id }, 'buy followers');
    const dm = await sent(x, owner, 'buy followers, privately');
    const inGroup = await filed(owner, { chatId: g.chat.id, messageIds: [post.id] });
    const inPrivate = await filed(owner, { chatId: dm.chatId });
    expect(inGroup.id).not.toBe(inPrivate.id);
    expect(typeof inGroup.caseId).toBe('string'); // an admin (the owner) about one who joined
    expect(inPrivate.caseId).not.toBe(inGroup.caseId);
    const places = (await casesAbout(x)).map((c) => `${c.subject.accountId}/${c.subject.chatId ?? '-'}`).sort();
    expect(places).toEqual([`${x.id}/-`, `${x.id}/${g.chat.id}`].sort());
    // A second group is its own place.
    const g2 = await group(owner, { public: true });
    await x.api.post(`/v1/chats/${g2.chat.id}/join`);
    const post2 = await sent(x, { chatId: g2.chat.id }, 'buy followers again');
    const inG2 = await filed(owner, { chatId: g2.chat.id, messageIds: [post2.id] });
    expect(inG2.caseId).not.toBe(inGroup.caseId);
  });

  it('nothing to review in a group: messages of others, of another chat, unknown, or a member who never posted', async () => {
    const owner = await account();
    const x = await account();
    const y = await account();
    const quiet = await account();
    const g = await group(owner, { public: true });
    const other = await group(owner, { public: true });
    for (const m of [x, y, quiet]) {
      await m.api.post(`/v1/chats/${g.chat.id}/join`);
      await m.api.post(`/v1/chats/${other.chat.id}/join`);
    }
    const px = await sent(x, { chatId: g.chat.id }, 'x post');
    const py = await sent(y, { chatId: g.chat.id }, 'y post');
    const pOther = await sent(x, { chatId: other.chat.id }, 'x post elsewhere');
    const cases = [
      { chatId: g.chat.id, accountId: x.id, messageIds: [py.id] },
      { chatId: g.chat.id, messageIds: [px.id, py.id] },
      { chatId: g.chat.id, messageIds: [pOther.id] },
      { chatId: g.chat.id, messageIds: ['msg_doesnotexist'] },
      { chatId: g.chat.id, accountId: quiet.id },
      { chatId: g.chat.id, accountId: quiet.id, block: true },
    ];
    for (const body of cases) expectError(await report(owner, body), 400, 'NOTHING_TO_REPORT');
    expect(await casesAbout(x)).toEqual([]);
    expect(await casesAbout(y)).toEqual([]);
    expect(await casesAbout(quiet)).toEqual([]);
    // A group report's `block` is not a private block: ignored or applied, but never for a refused report.
    await sent(quiet, owner, 'still can write to the owner');
  });

  it("an admin adding someone and reporting them at once weighs as a member's; 24 h later as an admin's", async () => {
    const owner = await account();
    const x = await account();
    await ctx.world.mutual(owner, x);
    const g = await group(owner, { members: [x.id] });
    expect(g.missingInvitees).toEqual([]);
    const post = await sent(x, { chatId: g.chat.id }, 'join my other group');
    const first = await filed(owner, { chatId: g.chat.id, messageIds: [post.id] });
    expect(first.caseId).toBeUndefined();
    await ctx.world.advance(DAY);
    const later = await report(owner, { chatId: g.chat.id, messageIds: [post.id] });
    // Still the same open report (waiting below the threshold): 200.
    expect(later.status).toBe(200);
    expect(later.body.report.id).toBe(first.id);
  });
});

describe('idempotency keys across sends (API.md)', () => {
  it('a retried send stores one message; the key on another route or account is another request', async () => {
    const a = await account();
    const b = await account();
    const body = { to: { accountId: b.id }, text: 'invoice attached', idempotencyKey: 'send-1' };
    const first = await a.api.post('/v1/messages', body);
    expect(first.status).toBe(201);
    const retry = await a.api.post('/v1/messages', { idempotencyKey: 'send-1', text: 'invoice attached', to: { accountId: b.id } });
    expect({ status: retry.status, body: retry.body }).toEqual({ status: 201, body: first.body });
    expect(await texts(b, first.body.message.chatId)).toEqual(['invoice attached']);
    expectError(await a.api.post('/v1/messages', { ...body, text: 'other' }), 409, 'IDEMPOTENCY_CONFLICT');
    // B using the same key is B's own request.
    const bs = await b.api.post('/v1/messages', { to: { accountId: a.id }, text: 'thanks', idempotencyKey: 'send-1' });
    expect(bs.status).toBe(201);
    // A's report with the same key is another route.
    const rep = await report(b, { chatId: first.body.message.chatId, idempotencyKey: 'send-1' });
    expect(rep.status).toBe(201);
  });

  it('a remembered PEER_FLOOD stays once the other side writes; the reply then goes with a new key', async () => {
    const a = await account();
    const b = await account();
    await sanction(a);
    const body = { to: { accountId: b.id }, text: 'hello', idempotencyKey: 'pf-1' };
    const r = await a.api.post('/v1/messages', body);
    expectError(r, 403, 'PEER_FLOOD');
    await sent(b, a, 'hello? who is this');
    const again = await a.api.post('/v1/messages', body);
    expect({ status: again.status, body: again.body }).toEqual({ status: r.status, body: r.body });
    const other = await a.api.post('/v1/messages', { ...body, idempotencyKey: 'pf-2' });
    expect(other.status).toBe(201);
    // The same key to another recipient is another body: a conflict.
    expectError(await a.api.post('/v1/messages', { ...body, to: { phone: b.phone } }), 409, 'IDEMPOTENCY_CONFLICT');
  });
});

describe('more stories across the gate, groups and reports (RULES.md §2–3)', () => {
  it('the action bar after report-and-delete: the chat comes back with the next message, report spam still off', async () => {
    const a = await account();
    const x = await account();
    const m = await sent(x, a, 'hot deals');
    const rep = await filed(a, { chatId: m.chatId, deleteChat: true });
    expect(await privateChat(a, x)).toBeUndefined();
    await sent(x, a, 'are you there?');
    expect(await barOf(a, x)).toEqual({ reportSpam: false, block: true, addContact: true });
    expect(await texts(a, m.chatId)).toEqual(['are you there?']);
    // The repeat is the same open report; its evidence stays as it was at report time.
    const again = await report(a, { chatId: m.chatId });
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { report: rep } });
    expect((await caseView(rep.caseId!)).evidence.map((e: any) => e.text)).toEqual(['hot deals']);
  });

  it('a number the importer saved before its owner registered becomes a mutual contact: a limited sender may write', async () => {
    const a = await account();
    const phone = '+447700977001';
    const imp = await a.api.post('/v1/contacts/import', { contacts: [{ phone, name: 'Later' }] });
    expect(imp.status).toBe(200);
    expect(imp.body).toEqual({ imported: [], notFound: [phone], invalid: [] });
    await sanction(a);
    const b = await ctx.world.account({ phone });
    // A has B now (the remembered number); B has not saved A: not mutual.
    expectError(await send(a, b), 403, 'PEER_FLOOD');
    await ctx.world.save(b, a);
    await sent(a, b, 'welcome to the app');
  });

  it('a hidden number becomes resolvable, and a contact, once its owner saves the importer', async () => {
    const a = await account();
    const b = await account();
    await b.api.put('/v1/privacy', { findByPhone: 'contacts', newChats: 'contacts' });
    const imp = await a.api.post('/v1/contacts/import', { contacts: [{ phone: b.phone }] });
    expect(imp.body).toEqual({ imported: [], notFound: [b.phone], invalid: [] });
    expectError(await send(a, { phone: b.phone }), 404, 'PHONE_NOT_OCCUPIED');
    await ctx.world.save(b, a);
    // Now mutual: even a limited A may write, by number too.
    await sanction(a);
    const m = await sent(a, { phone: b.phone }, 'found you');
    expect(m.chatId).toBeDefined();
  });

  it('a private group cannot be reported from outside, nor after leaving it; a taken-down message is nothing to review', async () => {
    const owner = await account();
    const x = await account();
    const outsider = await account();
    const member = await account();
    await ctx.world.mutual(owner, x);
    await ctx.world.mutual(owner, member);
    const g = await group(owner, { members: [x.id, member.id] });
    const post = await sent(x, { chatId: g.chat.id }, 'nsfw link');
    expectError(await report(outsider, { chatId: g.chat.id, messageIds: [post.id] }), 404, 'NOT_FOUND');
    expect((await member.api.post(`/v1/chats/${g.chat.id}/leave`)).status).toBe(204);
    expectError(await report(member, { chatId: g.chat.id, messageIds: [post.id] }), 404, 'NOT_FOUND');
    expect(await casesAbout(x)).toEqual([]);

    // In a public group, a confirmed violence case takes the post down and bans X from public groups.
    const pub = await group(owner, { public: true });
    await x.api.post(`/v1/chats/${pub.chat.id}/join`);
    const bad = await sent(x, { chatId: pub.chat.id }, 'violent video');
    const rep = await filed(owner, { chatId: pub.chat.id, messageIds: [bad.id], reason: 'violence' });
    expect(typeof rep.caseId).toBe('string');
    const d = await ctx.moderator.post(`/v1/moderation/cases/${rep.caseId}/decision`, { action: 'confirm', policy: 'violence' });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    expect(d.body.sanction).toMatchObject({ publicGroupsBan: true, takedown: true });
    expect(await texts(owner, pub.chat.id)).toEqual([]);
    const second = await account();
    await second.api.post(`/v1/chats/${pub.chat.id}/join`);
    expectError(await report(second, { chatId: pub.chat.id, messageIds: [bad.id] }), 400, 'NOTHING_TO_REPORT');
    expectError(await report(second, { chatId: pub.chat.id, accountId: x.id }), 400, 'NOTHING_TO_REPORT');
    // X: public posting and creating refused, private allowed; not limited.
    expectError(await send(x, { chatId: pub.chat.id }, 'again'), 403, 'USER_BANNED_IN_CHANNEL');
    expectError(await x.api.post('/v1/groups', { title: 'x', kind: 'channel', public: true }), 403, 'USER_BANNED_IN_CHANNEL');
    await sent(x, { chatId: g.chat.id }, 'still fine in private groups');
    await group(x);
    // Limited as well: USER_RESTRICTED comes first for a public one.
    await sanction(x);
    expectError(await x.api.post('/v1/groups', { title: 'x', kind: 'group', public: true }), 403, 'USER_RESTRICTED');
    expect((await x.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'limited', kind: 'report', publicGroupsBan: true });
  });

  it("an appointed admin's report opens a group case at once; once demoted it weighs as a member's", async () => {
    const owner = await account();
    const adm = await account();
    const x = await account();
    const y = await account();
    const g = await group(owner, { public: true });
    for (const m of [adm, x, y]) await m.api.post(`/v1/chats/${g.chat.id}/join`);
    expect((await owner.api.post(`/v1/chats/${g.chat.id}/admins`, { accountId: adm.id })).status).toBe(204);
    const px = await sent(x, { chatId: g.chat.id }, 'spam from x');
    const py = await sent(y, { chatId: g.chat.id }, 'spam from y');
    const rx = await filed(adm, { chatId: g.chat.id, messageIds: [px.id] });
    expect(typeof rx.caseId).toBe('string');
    expect((await caseView(rx.caseId!)).subject).toMatchObject({ accountId: x.id, chatId: g.chat.id });
    expect((await owner.api.post(`/v1/chats/${g.chat.id}/admins`, { accountId: adm.id, admin: false })).status).toBe(204);
    const ry = await filed(adm, { chatId: g.chat.id, messageIds: [py.id] });
    expect(ry.caseId).toBeUndefined();
    // Demoted, it cannot add or bar either.
    expectError(await adm.api.post(`/v1/chats/${g.chat.id}/bans`, { accountId: y.id }), 403, 'CHAT_ADMIN_REQUIRED');
  });

  it('a limited inviter with a contact removed afterwards, and an invitee who takes invites from contacts only', async () => {
    const a = await account();
    const b = await account();
    const c = await account();
    await ctx.world.mutual(a, b);
    await ctx.world.mutual(a, c);
    await c.api.put('/v1/privacy', { chatInvites: 'contacts' });
    const g = await group(a);
    await sanction(a);
    await b.api.delete(`/v1/contacts/${a.id}`);
    const r = await add(a, g.chat.id, b, c);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ added: [c.id], missingInvitees: [{ accountId: b.id, code: 'PEER_FLOOD' }] });
    // Adding again someone already in: not an error, not missing.
    const again = await add(a, g.chat.id, c);
    expect(again.status).toBe(200);
    expect(again.body.missingInvitees).toEqual([]);
    // C can post there, C (a mutual contact) can be written to, B cannot.
    await sent(c, { chatId: g.chat.id }, 'hi all');
    await sent(a, c);
    expectError(await send(a, b), 403, 'PEER_FLOOD');
  });

  it('group report idempotency: a key answers its first answer, without the case opened later', async () => {
    const owner = await account();
    const x = await account();
    const members = [await account(), await account(), await account()];
    const g = await group(owner, { public: true });
    for (const m of [x, ...members]) await m.api.post(`/v1/chats/${g.chat.id}/join`);
    const post = await sent(x, { chatId: g.chat.id }, 'spam post');
    const body = { chatId: g.chat.id, messageIds: [post.id], idempotencyKey: 'grp-1' };
    const first = await report(members[0]!, body);
    expect(first.status).toBe(201);
    expect(first.body.report.caseId).toBeUndefined();
    await filed(members[1]!, { chatId: g.chat.id, messageIds: [post.id] });
    const third = await filed(members[2]!, { chatId: g.chat.id, messageIds: [post.id] });
    expect(typeof third.caseId).toBe('string');
    const replay = await report(members[0]!, body);
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 201, body: first.body });
    const fresh = await report(members[0]!, { ...body, idempotencyKey: 'grp-2' });
    expect({ status: fresh.status, body: fresh.body }).toEqual({ status: 200, body: { report: { id: first.body.report.id, caseId: third.caseId } } });
  });

  it('a deactivated subject: the old chat answers INPUT_USER_DEACTIVATED, a new account on the number is a stranger', async () => {
    const a = await account();
    const b = await account();
    const m = await sent(b, a, 'hello a');
    await sanction(a);
    await sent(a, b, 'hello b');
    expect((await b.api.delete('/v1/me')).status).toBe(204);
    expectError(await send(a, { chatId: m.chatId }), 410, 'INPUT_USER_DEACTIVATED');
    expectError(await send(a, b), 410, 'INPUT_USER_DEACTIVATED');
    const b2 = await ctx.world.account({ phone: b.phone });
    expect(b2.id).not.toBe(b.id);
    expectError(await send(a, { phone: b.phone }), 403, 'PEER_FLOOD');
    expectError(await send(a, b2), 403, 'PEER_FLOOD');
  });

  it('blocks: the blocked side cannot add the blocker to a group, nor the blocker them; reports still work', async () => {
    const a = await account();
    const b = await account();
    await ctx.world.mutual(a, b);
    const ga = await group(a);
    const gb = await group(b);
    const m = await sent(b, a, 'hello');
    await block(a, b);
    expect((await add(a, ga.chat.id, b)).body.missingInvitees).toEqual([{ accountId: b.id, code: 'YOU_BLOCKED_USER' }]);
    expect((await add(b, gb.chat.id, a)).body.missingInvitees).toEqual([{ accountId: a.id, code: 'USER_IS_BLOCKED' }]);
    // A blocked sender's earlier messages can still be reported, and the report is the one case.
    const rep = await filed(a, { chatId: m.chatId, block: true });
    expect(typeof rep.caseId).toBe('string');
    // Blocking twice is fine; the bar is not shown (A had saved B).
    expect((await block(a, b)).status).toBe(204);
    expect(await barOf(a, b)).toBeUndefined();
  });
});

describe('cases over time (RULES.md §3)', () => {
  it('an escalated case is still undecided: repeats answer the same report, new reports join it, the bar stays off', async () => {
    const a = await account();
    const b = await account();
    const x = await account();
    const ma = await sent(x, a, 'deal of the day');
    const mb = await sent(x, b, 'deal of the day');
    const ra = await filed(a, { chatId: ma.chatId });
    const e = await ctx.triage.post(`/v1/moderation/cases/${ra.caseId}/decision`, { action: 'escalate' });
    expect(e.status, JSON.stringify(e.body)).toBe(200);
    expect(e.body.case.state).toBe('escalated');
    const repeat = await report(a, { chatId: ma.chatId });
    expect({ status: repeat.status, body: repeat.body }).toEqual({ status: 200, body: { report: ra } });
    expect(await barOf(a, x)).toEqual({ reportSpam: false, block: true, addContact: true });
    const rb = await filed(b, { chatId: mb.chatId });
    expect(rb.caseId).toBe(ra.caseId);
    const c = await caseView(ra.caseId!);
    expect(c).toMatchObject({ state: 'escalated', reportCount: 2 });
    // Confirmed: both reports close; X is limited; a new report is a new case.
    const d = await ctx.moderator.post(`/v1/moderation/cases/${ra.caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    expect(await barOf(a, x)).toEqual({ reportSpam: true, block: true, addContact: true });
    expectError(await send(x, await account()), 403, 'PEER_FLOOD');
    // A never wrote back: X writing again is a new chat's message, not a reply.
    expectError(await send(x, a, 'one more deal'), 403, 'PEER_FLOOD');
  });

  it('after a group case is decided, the old reports no longer count toward the threshold', async () => {
    const owner = await account();
    const x = await account();
    const m = [await account(), await account(), await account(), await account()];
    const g = await group(owner, { public: true });
    for (const a of [x, ...m]) await a.api.post(`/v1/chats/${g.chat.id}/join`);
    const p1 = await sent(x, { chatId: g.chat.id }, 'first wave');
    for (const a of m.slice(0, 2)) expect((await filed(a, { chatId: g.chat.id, messageIds: [p1.id] })).caseId).toBeUndefined();
    const r3 = await filed(m[2]!, { chatId: g.chat.id, messageIds: [p1.id] });
    expect(typeof r3.caseId).toBe('string');
    const d = await ctx.triage.post(`/v1/moderation/cases/${r3.caseId}/decision`, { action: 'dismiss' });
    expect(d.status).toBe(200);
    const p2 = await sent(x, { chatId: g.chat.id }, 'second wave');
    // One new member and one earlier reporter: two distinct members of the new round, no case.
    const n1 = await filed(m[3]!, { chatId: g.chat.id, messageIds: [p2.id] });
    expect(n1.caseId).toBeUndefined();
    const n2 = await filed(m[0]!, { chatId: g.chat.id, messageIds: [p2.id] });
    expect(n2.caseId).toBeUndefined();
    expect((await casesAbout(x)).length).toBe(0);
    const n3 = await filed(m[1]!, { chatId: g.chat.id, messageIds: [p2.id] });
    expect(typeof n3.caseId).toBe('string');
    expect(n3.caseId).not.toBe(r3.caseId);
    expect((await caseView(n3.caseId!)).reportCount).toBe(3);
  });

  it("a muted reporter's private report still opens a case; it weighs nothing", async () => {
    const a = await account();
    const b = await account();
    const x = await account();
    const y = await account();
    const mute = await ctx.moderator.post(`/v1/moderation/reporters/${a.id}/mute`, { muted: true });
    expect(mute.status, JSON.stringify(mute.body)).toBe(200);
    const ma = await sent(x, a, 'spam to a');
    const ra = await filed(a, { chatId: ma.chatId });
    expect(typeof ra.caseId).toBe('string');
    const mb = await sent(y, b, 'spam to b');
    const rb = await filed(b, { chatId: mb.chatId });
    const list = (await ctx.moderator.get('/v1/moderation/cases?limit=1000')).body.cases;
    const ca = list.find((c: any) => c.id === ra.caseId);
    const cb = list.find((c: any) => c.id === rb.caseId);
    expect(ca.priority).toBe(0);
    expect(cb.priority).toBeGreaterThan(0);
  });
});

describe('the platform gate agrees with the sends (RULES.md §2, API.md POST /v1/gate/check)', () => {
  it('answers for each kind of recipient what a real message gets', async () => {
    const a = await account();
    const mutual = await account();
    const aSaved = await account();
    const savedA = await account();
    const stranger = await account();
    const wrote = await account();
    const blocked = await account();
    const blocks = await account();
    const picky = await account();
    const frozen = await account();
    const gone = await account();
    await ctx.world.mutual(a, mutual);
    await ctx.world.save(a, aSaved);
    await ctx.world.save(savedA, a);
    await sent(wrote, a, 'hi');
    await block(a, blocked);
    await block(blocks, a);
    await picky.api.put('/v1/privacy', { newChats: 'contacts' });
    await sanction(frozen, 'scam');
    await gone.api.delete('/v1/me');
    await send(a, { username: 'spambot' }, '/start');
    const bot = (await a.api.get('/v1/chats')).body.chats.find((c: any) => c.peer?.username === 'spambot').peer.accountId;
    const all = [mutual, aSaved, savedA, stranger, wrote, blocked, blocks, picky, frozen, gone];
    const check = async () => {
      const r = await ctx.world.admin.post('/v1/gate/check', { from: [...all.map(() => a.id), a.id], to: [...all.map((x) => x.id), bot] });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.results;
    };
    const D = 'INPUT_USER_DEACTIVATED';
    expect(await check()).toEqual([0, 0, 0, 0, 0, 'YOU_BLOCKED_USER', 'USER_IS_BLOCKED', 'USER_PRIVACY_RESTRICTED', D, D, 0]);
    await sanction(a);
    const F = 'PEER_FLOOD';
    const limited = [0, F, F, F, 0, 'YOU_BLOCKED_USER', 'USER_IS_BLOCKED', F, D, D, 0];
    expect(await check()).toEqual(limited);
    // Each real message gets the same answer (0: 201).
    for (const [i, x] of all.entries()) {
      const r = await send(a, x, 'checking');
      expect(r.status === 201 ? 0 : r.body.error.code, `recipient ${i}`).toBe(limited[i]);
    }
    expect((await send(a, { accountId: bot }, '/start')).status).toBe(201);
    // The sends changed nothing the gate reads: mutual and wrote were written to, nobody else.
    expect(await check()).toEqual(limited);
    // Oneself: a send is refused before the gate, and the check says so rather than "allowed".
    const self = await ctx.world.admin.post('/v1/gate/check', { from: [a.id, mutual.id], to: [a.id, mutual.id] });
    expect(self.body.results).toEqual(['BAD_REQUEST', 'BAD_REQUEST']);
    expect((await send(a, a, 'me')).body.error.code).toBe('BAD_REQUEST');
  });
});

describe('a limit shed by deleting the account (RULES.md §4 Numbers)', () => {
  it('the new account on the number starts limited by number, with none of the old contacts or replies', async () => {
    const a = await account();
    const b = await account();
    const c = await account();
    await ctx.world.mutual(a, b);
    await sent(c, a, 'hello a');
    await sanction(a);
    expect((await a.api.delete('/v1/me')).status).toBe(204);
    expectError(await a.api.get('/v1/me'), 401, 'UNAUTHORIZED');
    const a2 = await ctx.world.account({ phone: a.phone });
    expect((await a2.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'limited', kind: 'number', until: null });
    for (const x of [b, c]) {
      const r = await send(a2, x);
      expectError(r, 403, 'PEER_FLOOD');
      expect(r.body.error.details).toMatchObject({ until: null, appeal: 'spambot' });
    }
    // The old chats answer as with a deleted account.
    expectError(await send(b, a), 410, 'INPUT_USER_DEACTIVATED');
    expect(await privateChat(a2, c)).toBeUndefined();
  });
});

describe('brigading by aged accounts that write first (RULES.md §3)', () => {
  it('a dozen accounts days old that write first and report-and-block the answer do not get it limited', async () => {
    const x = await account();
    const crowd: TestAccount[] = [];
    for (let i = 0; i < 12; i++) crowd.push(await account());
    await ctx.world.advance(3 * DAY);
    const caseIds = new Set<string>();
    for (const c of crowd) {
      const m = await sent(c, x, 'hi, is the shop open?');
      await sent(x, c, 'yes, we open at 9');
      caseIds.add((await filed(c, { chatId: m.chatId, block: true })).caseId!);
    }
    // One case with every report, for a person to decide; no limit by itself.
    expect(caseIds.size).toBe(1);
    expect((await caseView([...caseIds][0]!)).reportCount).toBe(12);
    expect((await x.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'free' });
    await sent(x, await account(), 'a new customer');
  });

  it('a replayed report-and-block answers the first answer and does not block again', async () => {
    const k = await account();
    const x = await account();
    const m = await sent(k, x, 'hi');
    await sent(x, k, 'hello k');
    const body = { chatId: m.chatId, block: true, idempotencyKey: 'rbk' };
    const first = await report(k, body);
    expect(first.status).toBe(201);
    await unblock(k, x);
    const replay = await report(k, body);
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 201, body: first.body });
    await sent(x, k, 'still open?');
  });
});

describe('after a restart (RULES.md §3 from the stored world)', () => {
  it('keeps waiting group reports, open reports and their bar, a deleted chat, an escalated case and the keys', async () => {
    const owner = await account();
    const x = await account();
    const m = [await account(), await account(), await account()];
    const victim = await account();
    const other = await account();
    const g = await group(owner, { public: true });
    for (const a of [x, ...m]) await a.api.post(`/v1/chats/${g.chat.id}/join`);
    const post = await sent(x, { chatId: g.chat.id }, 'spam in the group');
    const g1 = await filed(m[0]!, { chatId: g.chat.id, messageIds: [post.id], idempotencyKey: 'g-1' });
    await filed(m[1]!, { chatId: g.chat.id, messageIds: [post.id] });
    const dm = await sent(x, victim, 'spam in private');
    const pv = await filed(victim, { chatId: dm.chatId, deleteChat: true });
    const e = await ctx.triage.post(`/v1/moderation/cases/${pv.caseId}/decision`, { action: 'escalate' });
    expect(e.status).toBe(200);
    const sendBody = { to: { accountId: x.id }, text: 'stop it', idempotencyKey: 's-1' };
    const firstSend = await victim.api.post('/v1/messages', sendBody);
    expect(firstSend.status).toBe(201);
    ctx.server = await ctx.server.restart();
    ctx.world = new World(ctx.server.url);
    ctx.moderator = new Client(ctx.server.url, ctx.moderator.token);
    ctx.triage = new Client(ctx.server.url, ctx.triage.token);
    const again = (a: TestAccount): TestAccount => ({ ...a, api: new Client(ctx.server.url, a.token) });
    const [x2, m0, m2, victim2, other2] = [x, m[0]!, m[2]!, victim, other].map(again) as [TestAccount, TestAccount, TestAccount, TestAccount, TestAccount];

    expect(await casesAbout(x2)).toHaveLength(1); // the escalated private case only
    const r3 = await filed(m2, { chatId: g.chat.id, messageIds: [post.id] });
    expect(typeof r3.caseId).toBe('string');
    expect((await caseView(r3.caseId!)).reportCount).toBe(3);
    const replay = await report(m0, { chatId: g.chat.id, messageIds: [post.id], idempotencyKey: 'g-1' });
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 201, body: { report: g1 } });
    const repeat = await report(victim2, { chatId: dm.chatId });
    expect({ status: repeat.status, body: repeat.body }).toEqual({ status: 200, body: { report: pv } });
    expect(await barOf(victim2, x2)).toBeUndefined(); // the victim replied ("stop it")
    const sendReplay = await victim2.api.post('/v1/messages', sendBody);
    expect({ status: sendReplay.status, body: sendReplay.body }).toEqual({ status: 201, body: firstSend.body });
    expect(await texts(victim2, dm.chatId)).toEqual(['stop it']);
    // A new private report about X joins the escalated case.
    const dm2 = await sent(x2, other2, 'spam again');
    expect(await barOf(other2, x2)).toEqual({ reportSpam: true, block: true, addContact: true });
    const pr2 = await filed(other2, { chatId: dm2.chatId });
    expect(pr2.caseId).toBe(pv.caseId);
    expect(await barOf(other2, x2)).toEqual({ reportSpam: false, block: true, addContact: true });
  });
});

describe('a frozen account on its way to a ban (RULES.md §1–2, §4)', () => {
  it('writes to SpamBot only, is refused as deactivated, and once banned its number cannot register', async () => {
    const a = await account({ username: 'soon_banned_e' });
    const b = await account();
    const mutual = await account();
    await ctx.world.mutual(a, mutual);
    const m = await sent(b, a, 'hello');
    await sent(a, b, 'send me the code from your SMS');
    const s = await sanction(a, 'scam');
    expect(s).toMatchObject({ state: 'frozen', kind: 'scam' });
    const r = await send(a, mutual);
    expectError(r, 403, 'FROZEN_METHOD_INVALID');
    expectError(await send(a, { chatId: m.chatId }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await send(a, { username: 'support' }, 'help'), 403, 'FROZEN_METHOD_INVALID');
    expect((await send(a, { username: 'spambot' }, '/start')).status).toBe(201);
    const targets: Record<string, string>[] = [{ accountId: a.id }, { username: 'soon_banned_e' }, { phone: a.phone }, { chatId: m.chatId }];
    for (const to of targets) {
      expectError(await send(b, to), 410, 'INPUT_USER_DEACTIVATED');
    }
    // Others may still report what it sent them: a new case, the first one being decided.
    const rep = await filed(b, { chatId: m.chatId, reason: 'scam' });
    expect((await caseView(rep.caseId!)).evidence.map((e: any) => e.text)).toEqual(['send me the code from your SMS']);
    const me = await a.api.get('/v1/me');
    const deleteAt = Date.parse(me.body.restriction.deleteAt);
    const now = await ctx.world.advance(0);
    await ctx.world.advance(Math.ceil((deleteAt - now) / 1000));
    expectError(await a.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    expectError(await send(a, { username: 'spambot' }, '/start'), 401, 'USER_DEACTIVATED_BAN');
    expectError(await send(b, a), 410, 'INPUT_USER_DEACTIVATED');
    const again = await ctx.world.admin.post('/v1/accounts', { phone: a.phone, name: 'Fresh start' });
    expectError(again, 403, 'PHONE_NUMBER_BANNED');
  });
});

describe('idempotency keys on reports and a freeze (API.md, RULES.md §2)', () => {
  it("answer a frozen reporter's denial again after the lift, as for sends; a new key is decided afresh", async () => {
    const a = await account();
    const x = await account();
    const m = await sent(x, a, 'cheap loans');
    await sanction(a, 'scam');
    const body = { chatId: m.chatId, idempotencyKey: 'frozen-report-1' };
    const first = await report(a, body);
    expectError(first, 403, 'FROZEN_METHOD_INVALID');
    const lift = await ctx.world.admin.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'wrongly frozen' });
    expect(lift.status, JSON.stringify(lift.body)).toBe(200);
    const again = await report(a, body);
    expectError(again, 403, 'FROZEN_METHOD_INVALID');
    expect(again.body.error.details).toEqual(first.body.error.details);
    expect(await casesAbout(x)).toEqual([]);
    await filed(a, { ...body, idempotencyKey: 'frozen-report-2' });
  });

  it('a report and a message made before a freeze are answered again with their keys', async () => {
    const a = await account();
    const x = await account();
    const m = await sent(x, a, 'cheap loans');
    const rep = await report(a, { chatId: m.chatId, idempotencyKey: 'before-freeze-r' });
    expect(rep.status).toBe(201);
    const msg = await a.api.post('/v1/messages', { to: { accountId: x.id }, text: 'no thanks', idempotencyKey: 'before-freeze-m' });
    expect(msg.status).toBe(201);
    await sanction(a, 'scam');
    const rep2 = await report(a, { chatId: m.chatId, idempotencyKey: 'before-freeze-r' });
    expect({ status: rep2.status, body: rep2.body }).toEqual({ status: 201, body: rep.body });
    const msg2 = await a.api.post('/v1/messages', { to: { accountId: x.id }, text: 'no thanks', idempotencyKey: 'before-freeze-m' });
    expect({ status: msg2.status, body: msg2.body }).toEqual({ status: 201, body: msg.body });
  });
});

describe('public content and messages of one public group (RULES.md §3)', () => {
  it("the chat's public content and the owner's posts are two places of one case; each repeat is its own report", async () => {
    const owner = await account();
    const r = await account();
    const g = await group(owner, { public: true });
    const post = await sent(owner, { chatId: g.chat.id }, 'shocking video');
    await r.api.post(`/v1/chats/${g.chat.id}/join`);
    const pub = await filed(r, { chatId: g.chat.id, reason: 'violence' });
    expect(typeof pub.caseId).toBe('string');
    const msg = await filed(r, { chatId: g.chat.id, messageIds: [post.id], reason: 'violence' });
    expect(msg.id).not.toBe(pub.id);
    expect(msg.caseId).toBe(pub.caseId);
    const c = await caseView(pub.caseId!);
    expect(c).toMatchObject({ subject: { accountId: owner.id, chatId: g.chat.id }, reportCount: 2, reasons: ['violence'] });
    const again1 = await report(r, { chatId: g.chat.id, reason: 'pornography' });
    expect({ status: again1.status, body: again1.body }).toEqual({ status: 200, body: { report: pub } });
    const again2 = await report(r, { chatId: g.chat.id, accountId: owner.id });
    expect({ status: again2.status, body: again2.body }).toEqual({ status: 200, body: { report: msg } });
    // A private report about the owner is a third place and another case.
    const dm = await sent(owner, r, 'watch my channel');
    const priv = await filed(r, { chatId: dm.chatId });
    expect(priv.caseId).not.toBe(pub.caseId);
    expect((await casesAbout(owner)).map((x) => x.reportCount).sort()).toEqual([1, 2]);
  });
});

describe('limits in combination, seen through the gate (RULES.md §4, §2)', () => {
  it('a VoIP account confirmed for spam stays limited without end; a lift frees it for new chats and groups', async () => {
    const a = await account({ numberKind: 'voip' });
    const b = await account();
    const s = await sanction(a);
    expect(s).toMatchObject({ state: 'limited' });
    expect((await a.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'limited', kind: 'number', until: null });
    const r = await send(a, b);
    expectError(r, 403, 'PEER_FLOOD');
    expect(r.body.error.details).toMatchObject({ until: null });
    // Past the report limit's end, the number limit still holds.
    await ctx.world.advance(DAY + 60);
    expectError(await send(a, b), 403, 'PEER_FLOOD');
    const lift = await ctx.world.admin.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'a real person' });
    expect(lift.status).toBe(200);
    expect(lift.body.restriction).toMatchObject({ state: 'free' });
    await sent(a, b);
    await group(a);
    const check = await ctx.world.admin.post('/v1/gate/check', { from: [a.id], to: [(await account()).id] });
    expect(check.body.results).toEqual([0]);
  });
});

describe('a limited channel owner (RULES.md §1–2)', () => {
  it('posts in its channel, adds only mutual contacts, cannot create another; readers join by themselves', async () => {
    const a = await account();
    const mutual = await account();
    const stranger = await account();
    await ctx.world.mutual(a, mutual);
    const ch = await group(a, { kind: 'channel', public: true });
    expect(ch.chat).toMatchObject({ type: 'channel', public: true });
    const s = await sanction(a);
    await sent(a, { chatId: ch.chat.id }, 'news of the day');
    const r = await add(a, ch.chat.id, mutual, stranger);
    expect(r.body).toEqual({ added: [mutual.id], missingInvitees: [{ accountId: stranger.id, code: 'PEER_FLOOD' }] });
    const again = await a.api.post('/v1/groups', { title: 'second', kind: 'channel', public: true });
    expectError(again, 403, 'USER_RESTRICTED');
    expect(again.body.error.details).toMatchObject({ until: s.until, appeal: 'spambot' });
    expect((await stranger.api.post(`/v1/chats/${ch.chat.id}/join`)).status).toBe(204);
    expect(await texts(stranger, ch.chat.id)).toEqual(['news of the day']);
    expectError(await send(stranger, { chatId: ch.chat.id }, 'first!'), 403, 'CHAT_WRITE_FORBIDDEN');
    expectError(await send(mutual, { chatId: ch.chat.id }, 'first!'), 403, 'CHAT_WRITE_FORBIDDEN');
    // Subscribing is not writing to A: still a stranger for A's private messages.
    expectError(await send(a, stranger), 403, 'PEER_FLOOD');
  });
});
