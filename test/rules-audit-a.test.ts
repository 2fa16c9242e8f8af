import { describe, expect, it } from 'vitest';
import { Client, World, type TestAccount } from './helpers/client.js';
import { send, sent } from './helpers/messages.js';
import { serverPerFile } from './helpers/per-file.js';
import { expectError } from './helpers/expect.js';

/**
 * RULES.md §1–2 and API.md as a black-box tester reads them: every restriction is made the way
 * staff make it (a report, a decision), and every check is an HTTP request to a real server.
 */

const ctx = serverPerFile({ staff: ['moderator'] });

async function me(a: TestAccount) {
  const r = await a.api.get('/v1/me');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.restriction;
}

/** A confirmed report under `policy` against `x`, as staff make it: returns the sanction. */
async function sanction(x: TestAccount, policy: 'spam' | 'scam' | 'violence' | 'child_abuse') {
  const victim = await ctx.world.account();
  const m = await sent(victim, x, 'is the flat still available?');
  await sent(x, { chatId: m.chatId }, 'buy cheap followers now');
  const rep = await victim.api.post('/v1/reports', { chatId: m.chatId, reason: policy === 'child_abuse' ? 'child_abuse' : policy });
  expect(rep.status, JSON.stringify(rep.body)).toBe(201);
  const d = await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  return d.body.sanction;
}
const limit = (x: TestAccount) => sanction(x, 'spam');
const freeze = (x: TestAccount) => sanction(x, 'scam');

async function group(owner: TestAccount, fields: { kind?: 'group' | 'channel'; public?: boolean; members?: string[] } = {}) {
  const r = await owner.api.post('/v1/groups', { title: 'Neighbours', kind: fields.kind ?? 'group', ...fields });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.chat.id as string;
}
function add(inviter: TestAccount, chatId: string, ...invitees: TestAccount[]) {
  return inviter.api.post(`/v1/chats/${chatId}/members`, { accountIds: invitees.map((i) => i.id) });
}

describe('the send gate, rows in order (RULES.md §2)', () => {
  it('a limited sender: a chat it started where the other side never wrote does not count as a reply', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await sent(a, b, 'hi there');
    await limit(a);
    expectError(await send(a, b), 403, 'PEER_FLOOD');
    const chatId = (await a.api.get('/v1/chats')).body.chats.find((c: any) => c.peer?.accountId === b.id).id;
    expectError(await send(a, { chatId }), 403, 'PEER_FLOOD');
    // Once B writes, A may reply, by id or by chat.
    await sent(b, a, 'who is this?');
    await sent(a, { chatId }, 'sorry, wrong number');
    await sent(a, b, 'bye');
  });

  it('a limited sender: writing in a shared group is not writing in the private chat', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const g = await group(b, { public: true });
    expect((await a.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
    await sent(b, { chatId: g }, 'welcome everyone');
    await limit(a);
    await sent(a, { chatId: g }, 'thanks');
    expectError(await send(a, b), 403, 'PEER_FLOOD');
  });

  it('a limited sender by phone and by username gets PEER_FLOOD with until and appeal', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account({ username: 'bob_audit_a' });
    const s = await limit(a);
    const targets: Record<string, string>[] = [{ phone: b.phone }, { username: '@BOB_AUDIT_A' }];
    for (const to of targets) {
      const r = await send(a, to);
      expectError(r, 403, 'PEER_FLOOD');
      expect(r.body.error.details).toMatchObject({ until: s.until, appeal: 'spambot' });
    }
  });

  it('a limited sender may write to a mutual contact even when the contact takes new chats from contacts only', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await ctx.world.mutual(a, b);
    await b.api.put('/v1/privacy', { newChats: 'contacts' });
    await limit(a);
    await sent(a, b);
  });

  it('a limited sender may reply to someone who takes new chats from contacts only', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await sent(b, a, 'hello from b');
    await b.api.put('/v1/privacy', { newChats: 'contacts' });
    await limit(a);
    await sent(a, b, 'hello back');
  });

  it('row 3 before rows 4–5: a blocked recipient who is frozen is INPUT_USER_DEACTIVATED', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await a.api.post('/v1/blocks', { accountId: b.id });
    await freeze(b);
    expectError(await send(a, b), 410, 'INPUT_USER_DEACTIVATED');
  });

  it('row 5 before row 7: blocked by someone who takes new chats from contacts only is USER_IS_BLOCKED', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await b.api.put('/v1/privacy', { newChats: 'contacts' });
    await b.api.post('/v1/blocks', { accountId: a.id });
    expectError(await send(a, b), 403, 'USER_IS_BLOCKED');
  });

  it('row 7: having saved B is not B having saved A', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await ctx.world.save(a, b);
    await b.api.put('/v1/privacy', { newChats: 'contacts' });
    expectError(await send(a, b), 403, 'USER_PRIVACY_RESTRICTED');
    await ctx.world.save(b, a);
    await sent(a, b);
  });

  it('a deleted recipient is INPUT_USER_DEACTIVATED by chat id too', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const m = await sent(a, b);
    expect((await b.api.delete('/v1/me')).status).toBe(204);
    expectError(await send(a, { chatId: m.chatId }), 410, 'INPUT_USER_DEACTIVATED');
  });

  it('a banned sender gets 401 USER_DEACTIVATED_BAN even for SpamBot', async () => {
    const a = await ctx.world.account();
    await sanction(a, 'child_abuse');
    expectError(await send(a, { username: 'spambot' }, '/start'), 401, 'USER_DEACTIVATED_BAN');
    expectError(await a.api.get('/v1/chats'), 401, 'USER_DEACTIVATED_BAN');
  });

  it('an empty text is MESSAGE_EMPTY', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    expectError(await send(a, b, ''), 400, 'MESSAGE_EMPTY');
  });

  it('a repeated key answers the original denial, though the world changed', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await b.api.post('/v1/blocks', { accountId: a.id });
    const body = { to: { accountId: b.id }, text: 'let me in', idempotencyKey: 'deny-1' };
    expectError(await a.api.post('/v1/messages', body), 403, 'USER_IS_BLOCKED');
    await b.api.delete(`/v1/blocks/${a.id}`);
    expectError(await a.api.post('/v1/messages', body), 403, 'USER_IS_BLOCKED');
    await sent(a, b);
  });
});

describe('limited accounts (RULES.md §1)', () => {
  it('shows the limit in /v1/me and may talk to SpamBot and support', async () => {
    const a = await ctx.world.account();
    const s = await limit(a);
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'report', until: s.until });
    await sent(a, { username: 'spambot' }, '/start');
    await sent(a, { username: 'support' }, 'help please');
  });

  it('may join a public group and post there, and post in its own channel', async () => {
    const a = await ctx.world.account();
    const other = await ctx.world.account();
    const g = await group(other, { public: true });
    const ch = await group(a, { kind: 'channel' });
    await limit(a);
    expect((await a.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
    await sent(a, { chatId: g }, 'hello group');
    await sent(a, { chatId: ch }, 'hello channel');
  });

  it('may not create groups or channels: USER_RESTRICTED with until', async () => {
    const a = await ctx.world.account();
    const s = await limit(a);
    for (const kind of ['group', 'channel']) {
      const r = await a.api.post('/v1/groups', { title: 'x', kind });
      expectError(r, 403, 'USER_RESTRICTED');
      expect(r.body.error.details.until).toBe(s.until);
    }
  });

  it('adds mutual contacts to its groups, not those who only wrote to it, nor one-way contacts', async () => {
    const a = await ctx.world.account();
    const mutual = await ctx.world.account();
    const wrote = await ctx.world.account();
    const saved = await ctx.world.account();
    const savedMe = await ctx.world.account();
    await ctx.world.mutual(a, mutual);
    await sent(wrote, a, 'hi');
    await ctx.world.save(a, saved);
    await ctx.world.save(savedMe, a);
    const g = await group(a);
    await limit(a);
    const r = await add(a, g, mutual, wrote, saved, savedMe);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      added: [mutual.id],
      missingInvitees: [
        { accountId: wrote.id, code: 'PEER_FLOOD' },
        { accountId: saved.id, code: 'PEER_FLOOD' },
        { accountId: savedMe.id, code: 'PEER_FLOOD' },
      ],
    });
  });
});

describe('frozen accounts (RULES.md §1–2)', () => {
  it('reads, writes to SpamBot only, and others see it as deleted', async () => {
    const a = await ctx.world.account({ name: 'Frozen Fred' });
    const b = await ctx.world.account();
    await ctx.world.mutual(a, b);
    const m = await sent(b, a, 'hi fred');
    const s = await freeze(a);
    expect(await me(a)).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: s.deleteAt });
    expect((await a.api.get(`/v1/chats/${m.chatId}/messages`)).status).toBe(200);
    expect((await a.api.get('/v1/chats')).status).toBe(200);
    const denied = await send(a, { chatId: m.chatId });
    expectError(denied, 403, 'FROZEN_METHOD_INVALID');
    expect(denied.body.error.details).toMatchObject({ deleteAt: s.deleteAt, appeal: 'spambot' });
    await sent(a, { username: 'spambot' }, '/start');
    const peer = (await b.api.get('/v1/chats')).body.chats.find((c: any) => c.id === m.chatId).peer;
    expect(peer.name).not.toBe('Frozen Fred');
    expect(peer.phone).toBeUndefined();
  });

  it('changes nothing: contacts, blocks, privacy, profile, groups, joins, leaves', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const other = await ctx.world.account();
    const pub = await group(other, { public: true });
    const mine = await group(a);
    await ctx.world.save(a, b);
    await a.api.post('/v1/blocks', { accountId: other.id });
    await freeze(a);
    const writes = [
      a.api.post('/v1/contacts', { accountId: other.id }),
      a.api.delete(`/v1/contacts/${b.id}`),
      a.api.post('/v1/contacts/import', { contacts: [{ phone: other.phone }] }),
      a.api.delete(`/v1/blocks/${other.id}`),
      a.api.put('/v1/privacy', { newChats: 'contacts' }),
      a.api.put('/v1/me', { name: 'New name' }),
      a.api.post('/v1/groups', { title: 'x', kind: 'channel' }),
      a.api.post(`/v1/chats/${pub}/join`),
      a.api.post(`/v1/chats/${mine}/leave`),
      a.api.post(`/v1/chats/${mine}/members`, { accountIds: [b.id] }),
      a.api.post('/v1/messages', { to: { chatId: mine }, text: 'x' }),
      a.api.post('/v1/support/tickets', { text: 'help' }),
      a.api.post('/v1/messages', { to: { username: 'support' }, text: 'help' }),
    ];
    for (const r of await Promise.all(writes)) expectError(r, 403, 'FROZEN_METHOD_INVALID');
  });
  it('answers FROZEN_METHOD_INVALID before looking at the chat, as the send gate does before the recipient', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await freeze(a);
    for (const r of [
      await a.api.post('/v1/chats/c99999999/join'),
      await a.api.post('/v1/chats/c99999999/leave'),
      await a.api.post('/v1/chats/c99999999/members', { accountIds: [b.id] }),
      await a.api.post('/v1/chats/c99999999/bans', { accountId: b.id }),
      await a.api.post('/v1/messages', { to: { chatId: 'c99999999' }, text: 'x' }),
    ])
      expectError(r, 403, 'FROZEN_METHOD_INVALID');
  });
});

describe('adding members (RULES.md §2 "Groups and channels")', () => {
  it('refuses a deactivated invitee and keeps going with the others', async () => {
    const owner = await ctx.world.account();
    const frozen = await ctx.world.account();
    const fine = await ctx.world.account();
    await freeze(frozen);
    const g = await group(owner);
    const r = await add(owner, g, frozen, fine);
    expect(r.body.added).toEqual([fine.id]);
    expect(r.body.missingInvitees).toEqual([{ accountId: frozen.id, code: 'INPUT_USER_DEACTIVATED' }]);
  });

  it('blocks either way come before "left before", which comes before privacy', async () => {
    const owner = await ctx.world.account();
    const b = await ctx.world.account();
    const g = await group(owner, { members: [b.id] });
    expect((await b.api.post(`/v1/chats/${g}/leave`)).status).toBe(204);
    await b.api.put('/v1/privacy', { chatInvites: 'nobody' });
    expect((await add(owner, g, b)).body.missingInvitees).toEqual([{ accountId: b.id, code: 'USER_NOT_MUTUAL_CONTACT' }]);
    await b.api.post('/v1/blocks', { accountId: owner.id });
    expect((await add(owner, g, b)).body.missingInvitees).toEqual([{ accountId: b.id, code: 'USER_IS_BLOCKED' }]);
    await owner.api.post('/v1/blocks', { accountId: b.id });
    expect((await add(owner, g, b)).body.missingInvitees).toEqual([{ accountId: b.id, code: 'YOU_BLOCKED_USER' }]);
  });

  it('"contacts" means the invitee saved the inviter, not the other way round', async () => {
    const owner = await ctx.world.account();
    const b = await ctx.world.account();
    const c = await ctx.world.account();
    await b.api.put('/v1/privacy', { chatInvites: 'contacts' });
    await c.api.put('/v1/privacy', { chatInvites: 'contacts' });
    await ctx.world.save(owner, b);
    await ctx.world.save(c, owner);
    const g = await group(owner);
    const r = await add(owner, g, b, c);
    expect(r.body).toEqual({ added: [c.id], missingInvitees: [{ accountId: b.id, code: 'USER_PRIVACY_RESTRICTED' }] });
  });

  it('a member who is not an admin, and an outsider, get CHAT_ADMIN_REQUIRED', async () => {
    const owner = await ctx.world.account();
    const member = await ctx.world.account();
    const outsider = await ctx.world.account();
    const b = await ctx.world.account();
    const g = await group(owner, { members: [member.id] });
    expectError(await add(member, g, b), 403, 'CHAT_ADMIN_REQUIRED');
    expectError(await add(outsider, g, b), 403, 'CHAT_ADMIN_REQUIRED');
  });
});

describe('posting (RULES.md §2)', () => {
  it('a public-groups ban: USER_BANNED_IN_CHANNEL in public chats, shown in /v1/me, private ones allowed', async () => {
    const a = await ctx.world.account();
    const owner = await ctx.world.account();
    const pub = await group(owner, { public: true });
    const priv = await group(owner, { members: [a.id] });
    expect((await a.api.post(`/v1/chats/${pub}/join`)).status).toBe(204);
    const ownChannel = await group(a, { kind: 'channel', public: true });
    await sanction(a, 'violence');
    expect((await me(a)).publicGroupsBan).toBe(true);
    expectError(await send(a, { chatId: pub }), 403, 'USER_BANNED_IN_CHANNEL');
    expectError(await send(a, { chatId: ownChannel }), 403, 'USER_BANNED_IN_CHANNEL');
    await sent(a, { chatId: priv }, 'fine here');
    expectError(await a.api.post('/v1/groups', { title: 'x', kind: 'group', public: true }), 403, 'USER_BANNED_IN_CHANNEL');
    expect((await a.api.post('/v1/groups', { title: 'x', kind: 'group' })).status).toBe(201);
  });

  it('a reader of a public channel with a public-groups ban gets CHAT_WRITE_FORBIDDEN first', async () => {
    const a = await ctx.world.account();
    const owner = await ctx.world.account();
    const ch = await group(owner, { kind: 'channel', public: true });
    expect((await a.api.post(`/v1/chats/${ch}/join`)).status).toBe(204);
    await sanction(a, 'violence');
    expectError(await send(a, { chatId: ch }), 403, 'CHAT_WRITE_FORBIDDEN');
  });

  it('a member banned by the admins gets CHAT_WRITE_FORBIDDEN', async () => {
    const owner = await ctx.world.account();
    const a = await ctx.world.account();
    const g = await group(owner, { public: true, members: [a.id] });
    expect((await owner.api.post(`/v1/chats/${g}/bans`, { accountId: a.id })).status).toBe(204);
    expectError(await send(a, { chatId: g }), 403, 'CHAT_WRITE_FORBIDDEN');
  });
});

describe('privacy and contacts (RULES.md §1–2)', () => {
  it('starts from the defaults and refuses values the API does not list', async () => {
    const a = await ctx.world.account();
    expect((await a.api.get('/v1/privacy')).body).toEqual({
      findByPhone: 'everybody',
      phoneVisibility: 'contacts',
      chatInvites: 'everybody',
      newChats: 'everybody',
    });
    expectError(await a.api.put('/v1/privacy', { findByPhone: 'nobody' }), 400, 'BAD_REQUEST');
    expectError(await a.api.put('/v1/privacy', { newChats: 'nobody' }), 400, 'BAD_REQUEST');
  });

  it('hides a number from strangers but not from people the owner saved, in sends and imports', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await b.api.put('/v1/privacy', { findByPhone: 'contacts' });
    expectError(await send(a, { phone: b.phone }), 404, 'PHONE_NOT_OCCUPIED');
    const imp = await a.api.post('/v1/contacts/import', { contacts: [{ phone: b.phone }] });
    expect(imp.body).toMatchObject({ imported: [], notFound: [b.phone] });
    await ctx.world.save(b, a);
    await sent(a, { phone: b.phone });
    // The remembered import completed: A now has B, so they are mutual.
    await limit(a);
    await sent(a, b, 'still allowed: mutual');
  });
});

describe('idempotency keys (API.md)', () => {
  it('are per route: the same key on a send and a report are two requests', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const m = await sent(b, a, 'cheap watches, click here');
    const s = await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'stop it', idempotencyKey: 'same-key' });
    expect(s.status).toBe(201);
    const r = await a.api.post('/v1/reports', { chatId: m.chatId, reason: 'spam', idempotencyKey: 'same-key' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });

  it("answer a frozen sender's denial again after the lift, and a new key is decided afresh", async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await freeze(a);
    const body = { to: { accountId: b.id }, text: 'hello', idempotencyKey: 'frozen-1' };
    expectError(await a.api.post('/v1/messages', body), 403, 'FROZEN_METHOD_INVALID');
    const lift = await ctx.world.admin.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'wrongly frozen' });
    expect(lift.status, JSON.stringify(lift.body)).toBe(200);
    expect(lift.body.restriction.state).toBe('free');
    expectError(await a.api.post('/v1/messages', body), 403, 'FROZEN_METHOD_INVALID');
    expect((await a.api.post('/v1/messages', { ...body, idempotencyKey: 'frozen-2' })).status).toBe(201);
  });

  it('compare bodies as JSON whatever the key order, and forget a 400', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    expectError(await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 5, idempotencyKey: 'k-400' }), 400, 'BAD_REQUEST');
    const first = await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'now right', idempotencyKey: 'k-400' });
    expect(first.status).toBe(201);
    const again = await a.api.post('/v1/messages', { idempotencyKey: 'k-400', text: 'now right', to: { accountId: b.id } });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });

  it('are forgotten after 24 h on the injected clock', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const body = { to: { accountId: b.id }, text: 'daily', idempotencyKey: 'k-day' };
    const first = await a.api.post('/v1/messages', body);
    await ctx.world.advance(24 * 3600 + 1);
    const later = await a.api.post('/v1/messages', body);
    expect(later.status).toBe(201);
    expect(later.body.message.id).not.toBe(first.body.message.id);
  });
});

describe('more group rules (RULES.md §2)', () => {
  it('lets a mutual contact who left be added back', async () => {
    const owner = await ctx.world.account();
    const b = await ctx.world.account();
    const g = await group(owner, { members: [b.id] });
    expect((await b.api.post(`/v1/chats/${g}/leave`)).status).toBe(204);
    await ctx.world.mutual(owner, b);
    expect((await add(owner, g, b)).body).toEqual({ added: [b.id], missingInvitees: [] });
    await sent(b, { chatId: g }, 'back again');
  });

  it('lets an account with a public-groups ban join a public group, though not post there', async () => {
    const a = await ctx.world.account();
    const owner = await ctx.world.account();
    const g = await group(owner, { public: true });
    await sanction(a, 'violence');
    expect((await a.api.post(`/v1/chats/${g}/join`)).status).toBe(204);
    expectError(await send(a, { chatId: g }), 403, 'USER_BANNED_IN_CHANNEL');
  });

  it('a number-limited account: no end in PEER_FLOOD and USER_RESTRICTED, replies allowed', async () => {
    const a = await ctx.world.account({ numberKind: 'voip' });
    const b = await ctx.world.account();
    const c = await ctx.world.account();
    expect(await me(a)).toMatchObject({ state: 'limited', kind: 'number', until: null });
    const r = await send(a, b);
    expectError(r, 403, 'PEER_FLOOD');
    expect(r.body.error.details.until).toBeNull();
    expect(r.body.error.message).toMatch(/no end/);
    const g = await a.api.post('/v1/groups', { title: 'x', kind: 'group' });
    expectError(g, 403, 'USER_RESTRICTED');
    expect(g.body.error.details.until).toBeNull();
    await sent(c, a, 'hi');
    await sent(a, c, 'hello');
  });
});

describe('after a restart (RULES.md §2 from the stored world)', () => {
  it('decides the gate exactly as before: replies, mutual contacts, blocks, privacy, left-before, a limit, a freeze', async () => {
    const a = await ctx.world.account();
    const mutual = await ctx.world.account();
    const wrote = await ctx.world.account();
    const stranger = await ctx.world.account();
    const blocker = await ctx.world.account();
    const picky = await ctx.world.account();
    const frozen = await ctx.world.account();
    const leaver = await ctx.world.account();
    await ctx.world.mutual(a, mutual);
    await sent(wrote, a, 'hello a');
    await blocker.api.post('/v1/blocks', { accountId: a.id });
    await picky.api.put('/v1/privacy', { newChats: 'contacts', chatInvites: 'nobody' });
    const g = await group(a, { members: [leaver.id] });
    expect((await leaver.api.post(`/v1/chats/${g}/leave`)).status).toBe(204);
    const s = await freeze(frozen);
    const before = {
      stranger: (await send(stranger, picky)).body.error.code,
      blocked: (await send(a, blocker)).body.error.code,
      frozen: (await send(frozen, mutual)).body.error.code,
      left: (await add(a, g, leaver)).body.missingInvitees,
    };
    expect(before).toEqual({
      stranger: 'USER_PRIVACY_RESTRICTED',
      blocked: 'USER_IS_BLOCKED',
      frozen: 'FROZEN_METHOD_INVALID',
      left: [{ accountId: leaver.id, code: 'USER_NOT_MUTUAL_CONTACT' }],
    });
    const l = await limit(a);

    ctx.server = await ctx.server.restart();
    ctx.world = new World(ctx.server.url);
    ctx.moderator = new Client(ctx.server.url, ctx.moderator.token);
    const again = (x: TestAccount): TestAccount => ({ ...x, api: new Client(ctx.server.url, x.token) });
    const [a2, mutual2, wrote2, stranger2, blocker2, picky2, frozen2] = [a, mutual, wrote, stranger, blocker, picky, frozen].map(again) as [
      TestAccount,
      TestAccount,
      TestAccount,
      TestAccount,
      TestAccount,
      TestAccount,
      TestAccount,
    ];
    expect(await me(a2)).toMatchObject({ state: 'limited', until: l.until });
    expect(await me(frozen2)).toMatchObject({ state: 'frozen', deleteAt: s.deleteAt });
    await sent(a2, mutual2, 'still mutual');
    await sent(a2, wrote2, 'still a reply');
    expectError(await send(a2, stranger2), 403, 'PEER_FLOOD');
    expectError(await send(a2, blocker2), 403, 'USER_IS_BLOCKED');
    expectError(await send(stranger2, picky2), 403, 'USER_PRIVACY_RESTRICTED');
    expectError(await send(frozen2, mutual2), 403, 'FROZEN_METHOD_INVALID');
    expectError(await send(mutual2, frozen2), 410, 'INPUT_USER_DEACTIVATED');
    const readd = await a2.api.post(`/v1/chats/${g}/members`, { accountIds: [leaver.id, picky2.id] });
    expect(readd.body.missingInvitees).toEqual([
      { accountId: leaver.id, code: 'PEER_FLOOD' },
      { accountId: picky2.id, code: 'PEER_FLOOD' },
    ]);
  });
});

describe('what others see (RULES.md §1–2)', () => {
  it('hides the number on the profile from one the owner has not saved, even when found by it', async () => {
    const asker = await ctx.world.account();
    const b = await ctx.world.account({ name: 'Bea', username: 'bea_audit_a' });
    const r = await asker.api.get(`/v1/accounts/resolve?phone=${encodeURIComponent(b.phone)}`);
    expect(r.status).toBe(200);
    expect(r.body.account).toEqual({ id: b.id, name: 'Bea', username: 'bea_audit_a' });
    await ctx.world.save(b, asker);
    expect((await asker.api.get('/v1/accounts/resolve?username=BEA_AUDIT_A')).body.account.phone).toBe(b.phone);
  });

  it('shows an account deleted by its owner as deleted, without its name, username or number', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account({ name: 'Gone Gina', username: 'gina_audit_a' });
    await ctx.world.mutual(a, b);
    await b.api.put('/v1/privacy', { phoneVisibility: 'everybody' });
    const m = await sent(a, b);
    expect((await b.api.delete('/v1/me')).status).toBe(204);
    const peer = (await a.api.get('/v1/chats')).body.chats.find((c: any) => c.id === m.chatId).peer;
    expect(peer).toEqual({ accountId: b.id, name: expect.any(String) });
    expect(peer.name).not.toBe('Gone Gina');
    expectError(await send(a, { username: 'gina_audit_a' }), 404, 'USERNAME_NOT_OCCUPIED');
  });
});
