import { describe, expect, it } from 'vitest';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { parseId } from '../src/store/ids.js';
import { Client, World, type TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';
import { startServer } from './helpers/server.js';
import { expectError } from './helpers/expect.js';

/** RULES.md §2 "Groups and channels": every rule over HTTP, against a real server and SQLite file. */

const ctx = serverPerFile();

const DAY = 24 * 3600_000;

function restrict(a: TestAccount, input: Parameters<typeof restrictAccount>[2]) {
  return restrictAccount(ctx.server.app.platform, parseId('account', a.id), input, { kind: 'system' });
}
async function limit(a: TestAccount, until: number | null = ctx.server.app.platform.clock.now() + DAY) {
  await restrict(a, { state: 'limited', kind: 'report', until });
}
async function freeze(a: TestAccount) {
  await restrict(a, { state: 'frozen', kind: 'scam', deleteAt: ctx.server.app.platform.clock.now() + 14 * DAY });
}
async function publicGroupsBan(a: TestAccount) {
  await restrict(a, { state: 'public_groups_ban', kind: 'violence' });
}

async function create(owner: TestAccount, fields: { kind?: 'group' | 'channel'; public?: boolean; title?: string; members?: string[] } = {}) {
  const res = await owner.api.post('/v1/groups', { title: fields.title ?? 'Bike club', kind: fields.kind ?? 'group', ...fields });
  expect(res.status).toBe(201);
  return res.body.chat.id as string;
}

function post(a: TestAccount, chatId: string, text = 'hello all') {
  return a.api.post('/v1/messages', { to: { chatId }, text });
}

function add(inviter: TestAccount, chatId: string, ...invitees: (TestAccount | string)[]) {
  return inviter.api.post(`/v1/chats/${chatId}/members`, { accountIds: invitees.map((i) => (typeof i === 'string' ? i : i.id)) });
}

/** Adds exactly these invitees and expects all to be added. */
async function addOk(inviter: TestAccount, chatId: string, ...invitees: TestAccount[]) {
  const res = await add(inviter, chatId, ...invitees);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ added: invitees.map((i) => i.id), missingInvitees: [] });
}

/** Whether `a` is a member: the chat is in their list. */
async function inList(a: TestAccount, chatId: string): Promise<boolean> {
  const res = await a.api.get('/v1/chats');
  expect(res.status).toBe(200);
  return res.body.chats.some((c: any) => c.id === chatId);
}

describe('creating a group or channel', () => {
  it('is allowed to a free account: 201 with the chat and no missing invitees', async () => {
    const a = await ctx.world.account();
    const res = await a.api.post('/v1/groups', { title: '  Neighbours  ', kind: 'group' });
    expect(res.status).toBe(201);
    expect(res.body.chat).toEqual({ id: expect.stringMatching(/^c/), type: 'group', title: 'Neighbours', public: false });
    expect(res.body.missingInvitees).toEqual([]);
    const ch = await a.api.post('/v1/groups', { title: 'News', kind: 'channel', public: true });
    expect(ch.status).toBe(201);
    expect(ch.body.chat).toMatchObject({ type: 'channel', title: 'News', public: true });
    expect(ch.body.chat.id).not.toBe(res.body.chat.id);
  });

  it('answers 403 USER_RESTRICTED while limited, for groups and channels, and 201 once the limit ends', async () => {
    const a = await ctx.world.account();
    const until = ctx.server.app.platform.clock.now() + 3600_000;
    await limit(a, until);
    for (const kind of ['group', 'channel'] as const) {
      const res = await a.api.post('/v1/groups', { title: 'Deals', kind, public: true });
      expectError(res, 403, 'USER_RESTRICTED');
      expect(res.body.error.details.until).toBe(new Date(until).toISOString());
    }
    // Nothing was created.
    expect((await a.api.get('/v1/chats')).body.chats).toEqual([]);
    await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 3600 });
    expect((await a.api.post('/v1/groups', { title: 'Deals', kind: 'group' })).status).toBe(201);
  });

  it('refuses a limited account even with members it could otherwise add (mutual contacts)', async () => {
    const a = await ctx.world.account();
    const m = await ctx.world.account();
    await ctx.world.mutual(a, m);
    await limit(a, null);
    expectError(await a.api.post('/v1/groups', { title: 'x', kind: 'group', members: [m.id] }), 403, 'USER_RESTRICTED');
    expect((await m.api.get('/v1/chats')).body.chats).toEqual([]);
  });

  it('answers FROZEN_METHOD_INVALID to a frozen creator', async () => {
    const a = await ctx.world.account();
    await freeze(a);
    const res = await a.api.post('/v1/groups', { title: 'x', kind: 'channel' });
    expectError(res, 403, 'FROZEN_METHOD_INVALID');
    expect(res.body.error.details.appeal).toBe('spambot');
  });

  it('validates the body', async () => {
    const a = await ctx.world.account();
    expectError(await a.api.post('/v1/groups', { title: 'x' }), 400, 'BAD_REQUEST');
    expectError(await a.api.post('/v1/groups', { title: 'x', kind: 'supergroup' }), 400, 'BAD_REQUEST');
    expectError(await a.api.post('/v1/groups', { title: '', kind: 'group' }), 400, 'BAD_REQUEST');
    expectError(await a.api.post('/v1/groups', { title: '   ', kind: 'group' }), 400, 'BAD_REQUEST');
    // Invisible characters alone are as blank as spaces: the chat list would show no title.
    for (const title of ['\u200b', ' \u2060\u200d ', '\u3164', '\ufeff\u00ad'])
      expectError(await a.api.post('/v1/groups', { title, kind: 'channel' }), 400, 'BAD_REQUEST');
    // Nor may a title turn the text around it (a right-to-left override, an isolate).
    for (const title of ['Deals \u202eniamod', '\u2067Prizes\u2069']) expectError(await a.api.post('/v1/groups', { title, kind: 'group' }), 400, 'BAD_REQUEST');
    expect((await a.api.get('/v1/chats')).body.chats).toEqual([]);
  });

  it('adds `members` as it creates, returning those it cannot add in missingInvitees', async () => {
    const a = await ctx.world.account();
    const ok = await ctx.world.account();
    const closed = await ctx.world.account();
    const blocker = await ctx.world.account();
    expect((await closed.api.put('/v1/privacy', { chatInvites: 'nobody' })).status).toBe(200);
    expect((await blocker.api.post('/v1/blocks', { accountId: a.id })).status).toBe(204);
    const res = await a.api.post('/v1/groups', { title: 'Team', kind: 'group', members: [ok.id, closed.id, blocker.id, 'u999999'] });
    expect(res.status).toBe(201);
    expect(res.body.missingInvitees).toEqual([
      { accountId: closed.id, code: 'USER_PRIVACY_RESTRICTED' },
      { accountId: blocker.id, code: 'USER_IS_BLOCKED' },
      { accountId: 'u999999', code: 'PEER_ID_INVALID' },
    ]);
    const chatId = res.body.chat.id;
    expect(await inList(ok, chatId)).toBe(true);
    expect((await post(ok, chatId)).status).toBe(201);
    expect(await inList(closed, chatId)).toBe(false);
    expectError(await post(closed, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
    expectError(await post(blocker, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
  });
});

describe('adding members, in the order of RULES.md §2', () => {
  it('refuses the whole request of a frozen inviter with 403 FROZEN_METHOD_INVALID', async () => {
    const owner = await ctx.world.account();
    const m = await ctx.world.account();
    await ctx.world.mutual(owner, m);
    const chatId = await create(owner);
    await freeze(owner);
    const res = await add(owner, chatId, m, 'u999999');
    expectError(res, 403, 'FROZEN_METHOD_INVALID');
    expect(res.body.error.details.appeal).toBe('spambot');
    expect(await inList(m, chatId)).toBe(false);
  });

  it('gives a limited inviter PEER_FLOOD for non-mutual invitees and adds mutual contacts', async () => {
    const owner = await ctx.world.account();
    const mutual = await ctx.world.account();
    const oneWay = await ctx.world.account();
    const stranger = await ctx.world.account();
    await ctx.world.mutual(owner, mutual);
    await ctx.world.save(owner, oneWay); // the owner saved them, they did not save the owner
    const chatId = await create(owner); // a limited account cannot create: create first
    await limit(owner);
    const res = await add(owner, chatId, mutual, oneWay, stranger);
    expect(res.status).toBe(200);
    expect(res.body.added).toEqual([mutual.id]);
    expect(res.body.missingInvitees).toEqual([
      { accountId: oneWay.id, code: 'PEER_FLOOD' },
      { accountId: stranger.id, code: 'PEER_FLOOD' },
    ]);
    expect(await inList(mutual, chatId)).toBe(true);
    expect(await inList(stranger, chatId)).toBe(false);
    // Once the limit ends the stranger can be added.
    await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 24 * 3600 });
    await addOk(owner, chatId, stranger);
  });

  it('checks the limit before blocks and privacy', async () => {
    const owner = await ctx.world.account();
    const blocker = await ctx.world.account();
    const closed = await ctx.world.account();
    const chatId = await create(owner);
    await blocker.api.post('/v1/blocks', { accountId: owner.id });
    await closed.api.put('/v1/privacy', { chatInvites: 'nobody' });
    await limit(owner);
    const res = await add(owner, chatId, blocker, closed);
    expect(res.body.missingInvitees).toEqual([
      { accountId: blocker.id, code: 'PEER_FLOOD' },
      { accountId: closed.id, code: 'PEER_FLOOD' },
    ]);
  });

  it('refuses blocks either way: YOU_BLOCKED_USER and USER_IS_BLOCKED, until unblocked', async () => {
    const owner = await ctx.world.account();
    const blockedByOwner = await ctx.world.account();
    const blocksOwner = await ctx.world.account();
    const chatId = await create(owner);
    expect((await owner.api.post('/v1/blocks', { accountId: blockedByOwner.id })).status).toBe(204);
    expect((await blocksOwner.api.post('/v1/blocks', { accountId: owner.id })).status).toBe(204);
    // Blocks come before privacy.
    await blocksOwner.api.put('/v1/privacy', { chatInvites: 'nobody' });
    const res = await add(owner, chatId, blockedByOwner, blocksOwner);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      added: [],
      missingInvitees: [
        { accountId: blockedByOwner.id, code: 'YOU_BLOCKED_USER' },
        { accountId: blocksOwner.id, code: 'USER_IS_BLOCKED' },
      ],
    });
    expect(await inList(blockedByOwner, chatId)).toBe(false);
    expect((await owner.api.delete(`/v1/blocks/${blockedByOwner.id}`)).status).toBe(204);
    await addOk(owner, chatId, blockedByOwner);
  });

  it('refuses someone who left before unless they are a mutual contact: USER_NOT_MUTUAL_CONTACT', async () => {
    const owner = await ctx.world.account();
    const leaver = await ctx.world.account();
    const mutual = await ctx.world.account();
    await ctx.world.mutual(owner, mutual);
    const chatId = await create(owner);
    await addOk(owner, chatId, leaver, mutual);
    expect((await leaver.api.post(`/v1/chats/${chatId}/leave`)).status).toBe(204);
    expect((await mutual.api.post(`/v1/chats/${chatId}/leave`)).status).toBe(204);
    // A one-way contact is not enough.
    await ctx.world.save(owner, leaver);
    const res = await add(owner, chatId, leaver, mutual);
    expect(res.body).toEqual({ added: [mutual.id], missingInvitees: [{ accountId: leaver.id, code: 'USER_NOT_MUTUAL_CONTACT' }] });
    expect(await inList(mutual, chatId)).toBe(true);
    expect((await post(mutual, chatId)).status).toBe(201);
    expectError(await post(leaver, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
    // Once mutual, the leaver can be added back.
    await ctx.world.save(leaver, owner);
    await addOk(owner, chatId, leaver);
    expect((await post(leaver, chatId)).status).toBe(201);
  });

  it('checks "left before" ahead of the privacy setting', async () => {
    const owner = await ctx.world.account();
    const leaver = await ctx.world.account();
    const chatId = await create(owner);
    await addOk(owner, chatId, leaver);
    await leaver.api.post(`/v1/chats/${chatId}/leave`);
    await leaver.api.put('/v1/privacy', { chatInvites: 'nobody' });
    expect((await add(owner, chatId, leaver)).body.missingInvitees).toEqual([{ accountId: leaver.id, code: 'USER_NOT_MUTUAL_CONTACT' }]);
  });

  it('honours chatInvites "contacts": only people the invitee has saved may add them', async () => {
    const owner = await ctx.world.account();
    const b = await ctx.world.account();
    const chatId = await create(owner);
    const put = await b.api.put('/v1/privacy', { chatInvites: 'contacts' });
    expect(put.status).toBe(200);
    expect(put.body.chatInvites).toBe('contacts');
    // The inviter having B is not the point: B must have the inviter.
    await ctx.world.save(owner, b);
    expect((await add(owner, chatId, b)).body).toEqual({ added: [], missingInvitees: [{ accountId: b.id, code: 'USER_PRIVACY_RESTRICTED' }] });
    expect(await inList(b, chatId)).toBe(false);
    await ctx.world.save(b, owner);
    await addOk(owner, chatId, b);
    expect(await inList(b, chatId)).toBe(true);
  });

  it('honours chatInvites "nobody": refuses everyone, even mutual contacts', async () => {
    const owner = await ctx.world.account();
    const b = await ctx.world.account();
    await ctx.world.mutual(owner, b);
    const chatId = await create(owner);
    await b.api.put('/v1/privacy', { chatInvites: 'nobody' });
    expect((await add(owner, chatId, b)).body.missingInvitees).toEqual([{ accountId: b.id, code: 'USER_PRIVACY_RESTRICTED' }]);
    await b.api.put('/v1/privacy', { chatInvites: 'everybody' });
    await addOk(owner, chatId, b);
  });

  it('lets only admins add: a member or an outsider gets 403 CHAT_ADMIN_REQUIRED', async () => {
    const owner = await ctx.world.account();
    const member = await ctx.world.account();
    const outsider = await ctx.world.account();
    const target = await ctx.world.account();
    const chatId = await create(owner);
    await addOk(owner, chatId, member);
    expectError(await add(member, chatId, target), 403, 'CHAT_ADMIN_REQUIRED');
    expectError(await add(outsider, chatId, target), 403, 'CHAT_ADMIN_REQUIRED');
    expect(await inList(target, chatId)).toBe(false);
  });

  it('lets an admin appointed by the owner add, until the owner takes it back', async () => {
    const owner = await ctx.world.account();
    const helper = await ctx.world.account();
    const t1 = await ctx.world.account();
    const t2 = await ctx.world.account();
    const chatId = await create(owner);
    await addOk(owner, chatId, helper);
    // Only the owner appoints admins.
    expectError(await helper.api.post(`/v1/chats/${chatId}/admins`, { accountId: helper.id }), 403, 'CHAT_ADMIN_REQUIRED');
    expect((await owner.api.post(`/v1/chats/${chatId}/admins`, { accountId: helper.id })).status).toBe(204);
    await addOk(helper, chatId, t1);
    expect(await inList(t1, chatId)).toBe(true);
    expect((await owner.api.post(`/v1/chats/${chatId}/admins`, { accountId: helper.id, admin: false })).status).toBe(204);
    expectError(await add(helper, chatId, t2), 403, 'CHAT_ADMIN_REQUIRED');
    // The owner has the admin rights already, and cannot be made a plain member.
    expect((await owner.api.post(`/v1/chats/${chatId}/admins`, { accountId: owner.id })).status).toBe(204);
    expectError(await owner.api.post(`/v1/chats/${chatId}/admins`, { accountId: owner.id, admin: false }), 400, 'BAD_REQUEST');
    await addOk(owner, chatId, t2);
  });

  it('applies the invitee rules to the admin who adds, not to the owner', async () => {
    const owner = await ctx.world.account();
    const helper = await ctx.world.account();
    const b = await ctx.world.account();
    const chatId = await create(owner);
    await addOk(owner, chatId, helper);
    await owner.api.post(`/v1/chats/${chatId}/admins`, { accountId: helper.id });
    await b.api.put('/v1/privacy', { chatInvites: 'contacts' });
    await ctx.world.save(b, owner); // b has the owner, not the helper
    expect((await add(helper, chatId, b)).body.missingInvitees).toEqual([{ accountId: b.id, code: 'USER_PRIVACY_RESTRICTED' }]);
    await ctx.world.save(b, helper);
    await addOk(helper, chatId, b);
  });

  it('adds those who may be added and returns the rest: added and missingInvitees together', async () => {
    const owner = await ctx.world.account();
    const ok1 = await ctx.world.account();
    const ok2 = await ctx.world.account();
    const closed = await ctx.world.account();
    await closed.api.put('/v1/privacy', { chatInvites: 'nobody' });
    const chatId = await create(owner);
    const res = await add(owner, chatId, ok1, closed, 'u999999', 'garbage', ok2);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      added: [ok1.id, ok2.id],
      missingInvitees: [
        { accountId: closed.id, code: 'USER_PRIVACY_RESTRICTED' },
        { accountId: 'u999999', code: 'PEER_ID_INVALID' },
        { accountId: 'garbage', code: 'PEER_ID_INVALID' },
      ],
    });
    expect(await inList(ok1, chatId)).toBe(true);
    expect(await inList(ok2, chatId)).toBe(true);
    // Adding someone already present (the inviter too) changes nothing and counts as added.
    await addOk(owner, chatId, ok1);
    await addOk(owner, chatId, owner);
    // A deleted account cannot be added.
    const gone = await ctx.world.account();
    await gone.api.delete('/v1/me');
    expect((await add(owner, chatId, gone)).body.missingInvitees).toEqual([{ accountId: gone.id, code: 'INPUT_USER_DEACTIVATED' }]);
  });

  it('answers 404 for an unknown chat and 400 for an empty list', async () => {
    const owner = await ctx.world.account();
    const b = await ctx.world.account();
    expectError(await add(owner, 'c999999', b), 404, 'NOT_FOUND');
    const chatId = await create(owner);
    expectError(await owner.api.post(`/v1/chats/${chatId}/members`, { accountIds: [] }), 400, 'BAD_REQUEST');
  });
});

describe('joining', () => {
  it('lets anyone join a public group (204) or a public channel', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const group = await create(owner, { public: true });
    const channel = await create(owner, { kind: 'channel', public: true });
    expect((await x.api.post(`/v1/chats/${group}/join`)).status).toBe(204);
    expect((await x.api.post(`/v1/chats/${channel}/join`)).status).toBe(204);
    expect(await inList(x, group)).toBe(true);
    expect(await inList(x, channel)).toBe(true);
    expect((await post(x, group)).status).toBe(201);
    // Joining twice is harmless.
    expect((await x.api.post(`/v1/chats/${group}/join`)).status).toBe(204);
  });

  it('refuses private groups and channels with 403 CHAT_NOT_PUBLIC', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    for (const kind of ['group', 'channel'] as const) {
      const chatId = await create(owner, { kind });
      expectError(await x.api.post(`/v1/chats/${chatId}/join`), 403, 'CHAT_NOT_PUBLIC');
      expect(await inList(x, chatId)).toBe(false);
      expectError(await post(x, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
    }
    expectError(await x.api.post('/v1/chats/c999999/join'), 404, 'NOT_FOUND');
  });

  it('refuses rejoining after being banned by the admins', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const chatId = await create(owner, { public: true });
    expect((await x.api.post(`/v1/chats/${chatId}/join`)).status).toBe(204);
    expect((await owner.api.post(`/v1/chats/${chatId}/bans`, { accountId: x.id })).status).toBe(204);
    const res = await x.api.post(`/v1/chats/${chatId}/join`);
    expect(res.status).toBe(403);
    expect(await inList(x, chatId)).toBe(false);
    expectError(await post(x, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
  });

  it('lets someone who left a public group join it again', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const chatId = await create(owner, { public: true });
    await x.api.post(`/v1/chats/${chatId}/join`);
    expect((await x.api.post(`/v1/chats/${chatId}/leave`)).status).toBe(204);
    expect((await x.api.post(`/v1/chats/${chatId}/join`)).status).toBe(204);
    expect((await post(x, chatId)).status).toBe(201);
  });

  it('brings the creator of a public channel who left back as its owner, able to post and to add', async () => {
    const owner = await ctx.world.account();
    const reader = await ctx.world.account();
    const newcomer = await ctx.world.account();
    await ctx.world.save(owner, newcomer);
    await ctx.world.save(newcomer, owner);
    const chatId = await create(owner, { kind: 'channel', public: true, members: [reader.id] });
    expect((await owner.api.post(`/v1/chats/${chatId}/leave`)).status).toBe(204);
    expectError(await post(owner, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
    expect((await owner.api.post(`/v1/chats/${chatId}/join`)).status).toBe(204);
    expect((await post(owner, chatId, 'back')).status).toBe(201);
    expect((await add(owner, chatId, newcomer)).body).toEqual({ added: [newcomer.id], missingInvitees: [] });
    // Anyone else who left and came back is a member, as before.
    expect((await reader.api.post(`/v1/chats/${chatId}/leave`)).status).toBe(204);
    expect((await reader.api.post(`/v1/chats/${chatId}/join`)).status).toBe(204);
    expectError(await post(reader, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
  });

  it('refuses a frozen account', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const chatId = await create(owner, { public: true });
    await freeze(x);
    expectError(await x.api.post(`/v1/chats/${chatId}/join`), 403, 'FROZEN_METHOD_INVALID');
  });
});

describe('posting', () => {
  it('refuses a non-member with 403 CHAT_WRITE_FORBIDDEN, and lets a member post', async () => {
    const owner = await ctx.world.account();
    const member = await ctx.world.account();
    const outsider = await ctx.world.account();
    const chatId = await create(owner, { members: [member.id] });
    expectError(await post(outsider, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
    // Even in a public group, reading is not membership.
    const pub = await create(owner, { public: true });
    expectError(await post(outsider, pub), 403, 'CHAT_WRITE_FORBIDDEN');
    const ok = await post(member, chatId, 'hi');
    expect(ok.status).toBe(201);
    expect(ok.body.message).toMatchObject({ chatId, from: member.id, text: 'hi' });
    expect((await post(owner, chatId)).status).toBe(201);
  });

  it('in a channel lets only the owner and admins post', async () => {
    const owner = await ctx.world.account();
    const member = await ctx.world.account();
    const helper = await ctx.world.account();
    const chatId = await create(owner, { kind: 'channel', members: [member.id, helper.id] });
    expectError(await post(member, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
    expectError(await post(helper, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
    expect((await post(owner, chatId, 'news')).status).toBe(201);
    await owner.api.post(`/v1/chats/${chatId}/admins`, { accountId: helper.id });
    expect((await post(helper, chatId, 'more news')).status).toBe(201);
    // Members read what admins post.
    const msgs = await member.api.get(`/v1/chats/${chatId}/messages`);
    expect(msgs.status).toBe(200);
    expect(msgs.body.messages.map((m: any) => [m.from, m.text])).toEqual([
      [owner.id, 'news'],
      [helper.id, 'more news'],
    ]);
  });

  it('refuses a member banned by an admin, and removes them', async () => {
    const owner = await ctx.world.account();
    const helper = await ctx.world.account();
    const spammer = await ctx.world.account();
    const chatId = await create(owner, { members: [helper.id, spammer.id] });
    expect((await post(spammer, chatId, 'buy now')).status).toBe(201);
    // A plain member cannot ban.
    expectError(await helper.api.post(`/v1/chats/${chatId}/bans`, { accountId: spammer.id }), 403, 'CHAT_ADMIN_REQUIRED');
    expect((await post(spammer, chatId, 'still here')).status).toBe(201);
    await owner.api.post(`/v1/chats/${chatId}/admins`, { accountId: helper.id });
    expect((await helper.api.post(`/v1/chats/${chatId}/bans`, { accountId: spammer.id })).status).toBe(204);
    expectError(await post(spammer, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
    expect(await inList(spammer, chatId)).toBe(false);
    expectError(await spammer.api.get(`/v1/chats/${chatId}/messages`), 404, 'NOT_FOUND');
    // An admin cannot ban the owner.
    expect((await helper.api.post(`/v1/chats/${chatId}/bans`, { accountId: owner.id })).status).toBe(403);
    expect((await post(owner, chatId)).status).toBe(201);
  });

  it('refuses a public-groups ban in a public group (USER_BANNED_IN_CHANNEL), not in a private one', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const publicGroup = await create(owner, { public: true });
    const privateGroup = await create(owner, { members: [x.id] });
    await x.api.post(`/v1/chats/${publicGroup}/join`);
    expect((await post(x, publicGroup)).status).toBe(201);
    await publicGroupsBan(x);
    expect((await x.api.get('/v1/me')).body.restriction.publicGroupsBan).toBe(true);
    const res = await post(x, publicGroup);
    expectError(res, 403, 'USER_BANNED_IN_CHANNEL');
    expect((await post(x, privateGroup)).status).toBe(201);
    // Private messages are not affected either.
    expect((await x.api.post('/v1/messages', { to: { accountId: owner.id }, text: 'hi' })).status).toBe(201);
  });

  it('checks membership before the public-groups ban', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const publicGroup = await create(owner, { public: true });
    await publicGroupsBan(x);
    expectError(await post(x, publicGroup), 403, 'CHAT_WRITE_FORBIDDEN');
  });

  it('lets a limited account post in groups it is a member of', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const own = await create(x);
    const other = await create(owner, { public: true, members: [x.id] });
    await limit(x, null);
    expect((await post(x, own)).status).toBe(201);
    expect((await post(x, other)).status).toBe(201);
    // But it still may not start chats with strangers.
    const stranger = await ctx.world.account();
    expectError(await x.api.post('/v1/messages', { to: { accountId: stranger.id }, text: 'hi' }), 403, 'PEER_FLOOD');
  });

  it('refuses a frozen member with FROZEN_METHOD_INVALID', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const chatId = await create(owner, { members: [x.id] });
    await freeze(x);
    expectError(await post(x, chatId), 403, 'FROZEN_METHOD_INVALID');
  });
});

describe('leaving', () => {
  it('answers 204, after which posting is refused and the chat leaves the list', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const chatId = await create(owner, { members: [x.id] });
    expect((await post(x, chatId)).status).toBe(201);
    expect((await x.api.post(`/v1/chats/${chatId}/leave`)).status).toBe(204);
    expectError(await post(x, chatId), 403, 'CHAT_WRITE_FORBIDDEN');
    expect(await inList(x, chatId)).toBe(false);
    expectError(await x.api.get(`/v1/chats/${chatId}/messages`), 404, 'NOT_FOUND');
    // Leaving what one is not in: 404.
    expect((await x.api.post(`/v1/chats/${chatId}/leave`)).status).toBe(404);
  });
});

describe('reading', () => {
  it('lists groups and channels in GET /v1/chats with type, title and public, and no peer', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const g = await create(owner, { title: 'Private group', members: [x.id] });
    const c = await create(owner, { title: 'Public channel', kind: 'channel', public: true, members: [x.id] });
    for (const who of [owner, x]) {
      const res = await who.api.get('/v1/chats');
      expect(res.status).toBe(200);
      const byId = new Map(res.body.chats.map((ch: any) => [ch.id, ch]));
      expect(byId.get(g)).toEqual({ id: g, type: 'group', title: 'Private group', public: false });
      expect(byId.get(c)).toEqual({ id: c, type: 'channel', title: 'Public channel', public: true });
    }
    const outsider = await ctx.world.account();
    expect((await outsider.api.get('/v1/chats')).body.chats).toEqual([]);
  });

  it('lets members read a group, oldest first, and nobody else read a private one', async () => {
    const owner = await ctx.world.account();
    const x = await ctx.world.account();
    const y = await ctx.world.account();
    const chatId = await create(owner, { members: [x.id, y.id] });
    await post(owner, chatId, 'one');
    await post(x, chatId, 'two');
    await post(y, chatId, 'three');
    for (const who of [owner, x, y]) {
      const res = await who.api.get(`/v1/chats/${chatId}/messages`);
      expect(res.status).toBe(200);
      expect(res.body.messages.map((m: any) => [m.from, m.text])).toEqual([
        [owner.id, 'one'],
        [x.id, 'two'],
        [y.id, 'three'],
      ]);
    }
    const outsider = await ctx.world.account();
    expectError(await outsider.api.get(`/v1/chats/${chatId}/messages`), 404, 'NOT_FOUND');
  });
});

describe('after a restart', () => {
  it('remembers roles: admins, who left, who was banned', async () => {
    const s = await startServer();
    try {
      const w = new World(s.url);
      const owner = await w.account();
      const helper = await w.account();
      const leaver = await w.account();
      const banned = await w.account();
      const chatId = (await owner.api.post('/v1/groups', { title: 'g', kind: 'group', public: true, members: [helper.id, leaver.id, banned.id] })).body.chat.id;
      await owner.api.post(`/v1/chats/${chatId}/admins`, { accountId: helper.id });
      await leaver.api.post(`/v1/chats/${chatId}/leave`);
      await owner.api.post(`/v1/chats/${chatId}/bans`, { accountId: banned.id });
      const s2 = await s.restart();
      try {
        const on = (a: TestAccount) => new Client(s2.url, a.token);
        const newcomer = await new World(s2.url).account();
        expect((await on(helper).post(`/v1/chats/${chatId}/members`, { accountIds: [newcomer.id, leaver.id] })).body).toEqual({
          added: [newcomer.id],
          missingInvitees: [{ accountId: leaver.id, code: 'USER_NOT_MUTUAL_CONTACT' }],
        });
        expect((await on(banned).post(`/v1/chats/${chatId}/join`)).status).toBe(403);
        expect((await on(banned).post('/v1/messages', { to: { chatId }, text: 'x' })).status).toBe(403);
      } finally {
        await s2.stop();
      }
    } catch (e) {
      await s.stop().catch(() => undefined);
      throw e;
    }
  });
});
