import { beforeAll, describe, expect, it } from 'vitest';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { parseId } from '../src/store/ids.js';
import { Client, World, type Res, type TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';
import { ADMIN_TOKEN, startServer } from './helpers/server.js';

/**
 * Everything the service knows survives a restart on the same data folder, and the gate decides
 * exactly as before: the in-memory index rebuilt from SQLite equals the one built live.
 */

const DAY = 24 * 3600_000;
const UNREGISTERED = '+447700966601';

/** The accounts of the world, by role in it. */
const w = {} as Record<
  'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'lim' | 'wrote' | 'frz' | 'pgb' | 'del' | 'blk' | 'priv' | 'stranger' | 'listener',
  TestAccount
>;
let groupId: string;
let channelId: string;
let privateGroupId: string;
let triage: Client;
let goneStaff: Client;
let idemFirst: Res;
const idemBody = () => ({ to: { accountId: w.bob.id }, text: 'exactly once', idempotencyKey: 'persist-1' });
let limitedUntil: number;
let frozenDeleteAt: number;

function send(from: TestAccount, to: TestAccount | Record<string, string>, text = 'probe') {
  const target = 'token' in to ? { accountId: (to as TestAccount).id } : to;
  return from.api.post('/v1/messages', { to: target, text });
}

async function ok(res: Promise<Res> | Res, status = 201): Promise<Res> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

async function buildWorld() {
  const names: (keyof typeof w)[] = ['alice', 'bob', 'carol', 'dave', 'erin', 'lim', 'wrote', 'frz', 'pgb', 'del', 'blk', 'priv', 'stranger', 'listener'];
  for (const n of names) {
    const fields: Parameters<World['account']>[0] = { name: `${n[0]!.toUpperCase()}${n.slice(1)} Persist` };
    if (n === 'alice') Object.assign(fields, { username: 'alice_p', language: 'ru' });
    if (n === 'bob') Object.assign(fields, { username: 'Bob_Persist', language: 'en' });
    if (n === 'lim') Object.assign(fields, { language: 'ru' });
    if (n === 'del') Object.assign(fields, { username: 'del_persist' });
    w[n] = await ctx.world.account(fields);
  }
  const { alice, bob, carol, dave, erin, lim, wrote, frz, pgb, del, blk, priv, stranger } = w;

  // Contacts: mutual and one-way; by id and by phone-book import.
  await ctx.world.mutual(alice, dave);
  await ctx.world.mutual(lim, dave);
  await ctx.world.save(alice, carol); // one-way
  await ctx.world.save(lim, carol); // one-way
  const imported = await ok(
    alice.api.post('/v1/contacts/import', {
      contacts: [
        { phone: bob.phone, name: 'Bobby' },
        { phone: UNREGISTERED, name: 'Future Friend' },
      ],
    }),
    200,
  );
  expect(imported.body.notFound).toEqual([UNREGISTERED]);
  const bobBack = await ok(bob.api.post('/v1/contacts/import', { contacts: [{ phone: alice.phone }] }), 200);
  expect(bobBack.body.imported).toEqual([{ phone: alice.phone, accountId: alice.id }]);

  // Privacy: priv hides from strangers everywhere, and shows its number to everybody.
  await ok(priv.api.put('/v1/privacy', { newChats: 'contacts', findByPhone: 'contacts', chatInvites: 'nobody', phoneVisibility: 'everybody' }), 200);
  await ctx.world.save(priv, bob);
  // alice's import of priv's number waits: priv lets only contacts find it.
  const hidden = await ok(alice.api.post('/v1/contacts/import', { contacts: [{ phone: priv.phone, name: 'Hidden' }] }), 200);
  expect(hidden.body.notFound).toEqual([priv.phone]);

  // Profiles.
  await ok(carol.api.put('/v1/me', { language: 'en', name: 'Carol Renamed' }), 200);

  // Blocks.
  await ok(blk.api.post('/v1/blocks', { accountId: alice.id }), 204);

  // Private chats: some where only one side wrote, some where both did.
  await ok(send(wrote, lim, 'hi, is the bike still for sale?'));
  await ok(send(alice, bob, 'hello bob'));
  await ok(send(bob, alice, 'hello alice'));
  await ok(send(alice, carol, 'only alice writes here'));
  await ok(send(stranger, alice, 'a stranger writes first'));
  await ok(send(alice, del, 'are you there?'));
  await ok(send(del, alice, 'leaving soon'));
  await ok(send(dave, frz, 'before the freeze'));

  // A public group with an admin, a member who left, a banned member and a public-groups-banned member.
  const g = await ok(alice.api.post('/v1/groups', { title: 'Bike club', kind: 'group', public: true, members: [bob.id, dave.id, erin.id] }));
  groupId = g.body.chat.id;
  expect(g.body.missingInvitees).toEqual([]);
  await ok(alice.api.post(`/v1/chats/${groupId}/admins`, { accountId: dave.id }), 204);
  await ok(carol.api.post(`/v1/chats/${groupId}/join`), 204);
  await ok(send(carol, { chatId: groupId }, 'hello club'));
  await ok(carol.api.post(`/v1/chats/${groupId}/leave`), 204);
  await ok(dave.api.post(`/v1/chats/${groupId}/bans`, { accountId: erin.id }), 204);
  await ok(pgb.api.post(`/v1/chats/${groupId}/join`), 204);
  await ok(send(pgb, { chatId: groupId }, 'before the ban'));
  await ok(send(dave, { chatId: groupId }, 'admin speaking'));

  // A private channel and a private group.
  const c = await ok(alice.api.post('/v1/groups', { title: 'News', kind: 'channel', members: [bob.id] }));
  channelId = c.body.chat.id;
  await ok(send(alice, { chatId: channelId }, 'first post'));
  const pg = await ok(alice.api.post('/v1/groups', { title: 'Inner circle', kind: 'group', members: [dave.id] }));
  privateGroupId = pg.body.chat.id;

  // Idempotent send.
  idemFirst = await ok(alice.api.post('/v1/messages', idemBody()));

  // The manual clock moves, then restrictions are set against it.
  await ok(ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 1234 }), 200);
  const p = ctx.server.app.platform;
  const now = p.clock.now();
  limitedUntil = now + 2 * DAY;
  frozenDeleteAt = now + 14 * DAY;
  await restrictAccount(p, parseId('account', lim.id), { state: 'limited', kind: 'report', until: limitedUntil }, { kind: 'system' });
  await restrictAccount(p, parseId('account', frz.id), { state: 'frozen', kind: 'scam', deleteAt: frozenDeleteAt }, { kind: 'system' });
  await restrictAccount(p, parseId('account', pgb.id), { state: 'public_groups_ban', kind: 'violence' }, { kind: 'system' });

  // The deleted account.
  await ok(del.api.delete('/v1/me'), 204);

  // Staff: one that stays, one removed.
  triage = await ctx.world.staff('triage');
  const gone = await ok(ctx.world.admin.post('/v1/admin/staff', { name: 'Temp', role: 'moderator' }));
  goneStaff = new Client(ctx.server.url, gone.body.token);
  await ok(ctx.world.admin.delete(`/v1/admin/staff/${gone.body.staff.id}`), 204);
}

/** Probes whose answers depend on everything above; none of them changes a later answer. */
function probes(): [string, () => Promise<Res>][] {
  const { alice, bob, carol, dave, erin, lim, wrote, frz, pgb, del, blk, priv, stranger } = w;
  const admin = ctx.world.admin;
  return [
    ['limited → stranger', () => send(lim, stranger)],
    ['limited → one-way contact', () => send(lim, carol)],
    ['limited → mutual contact', () => send(lim, dave)],
    ['limited → who wrote first', () => send(lim, wrote)],
    ['limited → spambot', () => send(lim, { username: 'spambot' })],
    ['limited creates a group', () => lim.api.post('/v1/groups', { title: 'x', kind: 'group' })],
    ['limited invites a non-mutual', () => dave.api.post(`/v1/chats/${groupId}/members`, { accountIds: [lim.id] })],
    ['frozen → bob', () => send(frz, bob)],
    ['frozen → spambot', () => send(frz, { username: 'spambot' })],
    ['frozen imports', () => frz.api.post('/v1/contacts/import', { contacts: [{ phone: bob.phone }] })],
    ['frozen creates a group', () => frz.api.post('/v1/groups', { title: 'x', kind: 'group' })],
    ['frozen reads', () => frz.api.get('/v1/chats')],
    ['→ frozen', () => send(dave, frz)],
    ['→ deleted', () => send(alice, del)],
    ['→ deleted by username', () => send(alice, { username: 'del_persist' })],
    ['→ deleted by phone', () => send(alice, { phone: del.phone })],
    ['deleted token', () => del.api.get('/v1/me')],
    ['deleted token writes', () => send(del, alice)],
    ['blocked → blocker', () => send(alice, blk)],
    ['blocker → blocked', () => send(blk, alice)],
    ['stranger → newChats:contacts', () => send(stranger, priv)],
    ['stranger finds hidden number', () => send(stranger, { phone: priv.phone })],
    ['contact finds hidden number', () => send(bob, { phone: priv.phone })],
    ['by username, other case', () => send(dave, { username: 'BOB_PERSIST' })],
    ['by username with @', () => send(dave, { username: '@alice_p' })],
    ['free → one-way', () => send(alice, carol)],
    ['group: member posts', () => send(bob, { chatId: groupId })],
    ['group: admin posts', () => send(dave, { chatId: groupId })],
    ['group: left member posts', () => send(carol, { chatId: groupId })],
    ['group: banned member posts', () => send(erin, { chatId: groupId })],
    ['group: public-groups ban posts', () => send(pgb, { chatId: groupId })],
    ['group: banned member rejoins', () => erin.api.post(`/v1/chats/${groupId}/join`)],
    ['group: non-admin invites', () => bob.api.post(`/v1/chats/${groupId}/members`, { accountIds: [stranger.id] })],
    [
      'group: admin invites',
      () => dave.api.post(`/v1/chats/${groupId}/members`, { accountIds: [carol.id, priv.id, frz.id, del.id, alice.id, bob.id, 'u999999'] }),
    ],
    ['group: owner invites blocker', () => alice.api.post(`/v1/chats/${groupId}/members`, { accountIds: [blk.id, carol.id] })],
    ['channel: member posts', () => send(bob, { chatId: channelId })],
    ['channel: owner posts', () => send(alice, { chatId: channelId })],
    ['channel: outsider joins', () => stranger.api.post(`/v1/chats/${channelId}/join`)],
    ['channel: outsider reads', () => stranger.api.get(`/v1/chats/${channelId}/messages`)],
    ['private group: member reads', () => dave.api.get(`/v1/chats/${privateGroupId}/messages`)],
    ['private group: outsider reads', () => bob.api.get(`/v1/chats/${privateGroupId}/messages`)],
    ['idempotent repeat', () => alice.api.post('/v1/messages', idemBody())],
    ['idempotent key reused', () => alice.api.post('/v1/messages', { ...idemBody(), text: 'something else' })],
    ['phone taken', () => admin.post('/v1/accounts', { phone: alice.phone, name: 'Copy' })],
    ['username taken', () => admin.post('/v1/accounts', { phone: '+447700966699', name: 'Copy', username: 'bob_persist' })],
    ['triage registers', () => triage.post('/v1/accounts', { phone: '+447700966698', name: 'x' })],
    ['triage creates staff', () => triage.post('/v1/admin/staff', { name: 'x', role: 'admin' })],
    ['removed staff', () => goneStaff.post('/v1/accounts', { phone: '+447700966697', name: 'x' })],
    ['account on admin route', () => alice.api.post('/v1/admin/clock', { advanceSeconds: 0 })],
    ['unknown token', () => new Client(ctx.server.url, 'no-such-token-0123456789').get('/v1/me')],
  ];
}

/** What a probe decided: the status, and the whole answer for errors and idempotent repeats. */
function decision(name: string, res: Res): unknown {
  if (res.status >= 400) return { status: res.status, body: res.body };
  if (name.startsWith('idempotent') || name.includes('invites') || name.includes('reads')) return { status: res.status, body: res.body };
  return { status: res.status };
}

async function runProbes(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, call] of probes()) out[name] = decision(name, await call());
  return out;
}

/** Everything every account sees: itself, its settings, its chats and all their messages. */
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(w)) {
    const me = await a.api.get('/v1/me');
    if (me.status !== 200) {
      out[name] = { me: { status: me.status, body: me.body } };
      continue;
    }
    const privacy = (await a.api.get('/v1/privacy')).body;
    const chats = (await a.api.get('/v1/chats?limit=1000')).body;
    const messages: Record<string, unknown> = {};
    for (const c of chats.chats) messages[c.id] = (await a.api.get(`/v1/chats/${c.id}/messages?limit=1000`)).body;
    out[name] = { me: me.body, privacy, chats, messages };
  }
  return out;
}

async function clockNow(): Promise<string> {
  return (await ok(ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 0 }), 200)).body.now;
}

let before: { probes: Record<string, unknown>; snapshot: Record<string, unknown>; now: string };
let after: { snapshot: Record<string, unknown>; now: string };

const ctx = serverPerFile();
beforeAll(async () => {
  await buildWorld();
  const first = await runProbes();
  const second = await runProbes();
  // The probes are stable on their own: whatever differs after the restart is the restart's doing.
  expect(second).toEqual(first);
  before = { probes: first, snapshot: await snapshot(), now: await clockNow() };
  ctx.server = await ctx.server.restart();
  // The new server listens on a new port: point every client at it (same tokens).
  ctx.world = new World(ctx.server.url);
  for (const a of Object.values(w)) a.api = new Client(ctx.server.url, a.token);
  triage = new Client(ctx.server.url, triage.token);
  goneStaff = new Client(ctx.server.url, goneStaff.token);
  after = { snapshot: await snapshot(), now: await clockNow() };
});

describe('after a restart on the same data folder', () => {
  it('sanity: the world before the restart is what it was built to be', () => {
    const p = before.probes as Record<string, { status: number; body?: any }>;
    const code = (n: string) => p[n]!.body?.error?.code ?? p[n]!.status;
    expect(code('limited → stranger')).toBe('PEER_FLOOD');
    expect(code('limited → one-way contact')).toBe('PEER_FLOOD');
    expect(code('limited → mutual contact')).toBe(201);
    expect(code('limited → who wrote first')).toBe(201);
    expect(code('limited → spambot')).toBe(201);
    expect(code('limited creates a group')).toBe('USER_RESTRICTED');
    expect(code('frozen → bob')).toBe('FROZEN_METHOD_INVALID');
    expect(code('frozen → spambot')).toBe(201);
    expect(code('frozen imports')).toBe('FROZEN_METHOD_INVALID');
    expect(code('frozen reads')).toBe(200);
    expect(code('→ frozen')).toBe('INPUT_USER_DEACTIVATED');
    expect(code('→ deleted')).toBe('INPUT_USER_DEACTIVATED');
    expect(code('→ deleted by username')).toBe('USERNAME_NOT_OCCUPIED');
    expect(code('→ deleted by phone')).toBe('PHONE_NOT_OCCUPIED');
    expect(code('deleted token')).toBe('UNAUTHORIZED');
    expect(code('blocked → blocker')).toBe('USER_IS_BLOCKED');
    expect(code('blocker → blocked')).toBe('YOU_BLOCKED_USER');
    expect(code('stranger → newChats:contacts')).toBe('USER_PRIVACY_RESTRICTED');
    expect(code('stranger finds hidden number')).toBe('PHONE_NOT_OCCUPIED');
    expect(code('contact finds hidden number')).toBe(201);
    expect(code('by username, other case')).toBe(201);
    expect(code('group: member posts')).toBe(201);
    expect(code('group: left member posts')).toBe('CHAT_WRITE_FORBIDDEN');
    expect(code('group: banned member posts')).toBe('CHAT_WRITE_FORBIDDEN');
    expect(code('group: public-groups ban posts')).toBe('USER_BANNED_IN_CHANNEL');
    expect(code('group: banned member rejoins')).toBe('CHAT_WRITE_FORBIDDEN');
    expect(code('group: non-admin invites')).toBe('CHAT_ADMIN_REQUIRED');
    expect(code('channel: member posts')).toBe('CHAT_WRITE_FORBIDDEN');
    expect(code('channel: owner posts')).toBe(201);
    expect(code('channel: outsider joins')).toBe('CHAT_NOT_PUBLIC');
    expect(code('channel: outsider reads')).toBe('NOT_FOUND');
    expect(code('private group: outsider reads')).toBe('NOT_FOUND');
    expect(code('idempotent key reused')).toBe('IDEMPOTENCY_CONFLICT');
    expect(code('phone taken')).toBe('PHONE_TAKEN');
    expect(code('username taken')).toBe('USERNAME_TAKEN');
    expect(code('triage registers')).toBe('FORBIDDEN');
    expect(code('removed staff')).toBe('UNAUTHORIZED');
    expect(code('account on admin route')).toBe('FORBIDDEN');
    const invited = p['group: admin invites']!.body;
    expect(invited.added.sort()).toEqual([w.alice.id, w.bob.id].sort());
    expect(Object.fromEntries(invited.missingInvitees.map((m: any) => [m.accountId, m.code]))).toEqual({
      [w.carol.id]: 'USER_NOT_MUTUAL_CONTACT',
      [w.priv.id]: 'USER_PRIVACY_RESTRICTED',
      [w.frz.id]: 'INPUT_USER_DEACTIVATED',
      [w.del.id]: 'INPUT_USER_DEACTIVATED',
      u999999: 'PEER_ID_INVALID',
    });
    const byBlocker = p['group: owner invites blocker']!.body;
    expect(byBlocker).toEqual({
      added: [],
      missingInvitees: [
        { accountId: w.blk.id, code: 'USER_IS_BLOCKED' },
        { accountId: w.carol.id, code: 'USER_NOT_MUTUAL_CONTACT' },
      ],
    });
    expect(p['idempotent repeat']!.body).toEqual(idemFirst.body);
  });

  it('everyone sees the same accounts, restrictions, settings, chats and messages', () => {
    expect(after.snapshot).toEqual(before.snapshot);
    // And that snapshot holds what matters (so that equality means something).
    const s = after.snapshot as Record<string, any>;
    expect(s.lim.me.restriction).toEqual({ state: 'limited', kind: 'report', until: new Date(limitedUntil).toISOString(), publicGroupsBan: false });
    expect(s.frz.me.restriction).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: new Date(frozenDeleteAt).toISOString() });
    expect(s.pgb.me.restriction).toEqual({ state: 'free', publicGroupsBan: true });
    expect(s.alice.me.account).toMatchObject({ id: w.alice.id, username: 'alice_p', language: 'ru' });
    expect(s.carol.me.account).toMatchObject({ name: 'Carol Renamed', language: 'en' });
    expect(s.priv.privacy).toEqual({ findByPhone: 'contacts', phoneVisibility: 'everybody', chatInvites: 'nobody', newChats: 'contacts' });
    expect(s.del.me.status).toBe(401);
    expect(s.del.me.body.error.code).toBe('UNAUTHORIZED');
    const aliceChats = s.alice.chats.chats as any[];
    expect(aliceChats.find((c) => c.id === groupId)).toMatchObject({ type: 'group', title: 'Bike club', public: true });
    expect(aliceChats.find((c) => c.id === channelId)).toMatchObject({ type: 'channel', title: 'News', public: false });
    expect(aliceChats.find((c) => c.peer?.accountId === w.del.id)?.peer).toEqual({ accountId: w.del.id, name: 'Deleted Account' });
    expect(aliceChats.find((c) => c.peer?.accountId === w.stranger.id)?.actionBar).toEqual({ reportSpam: true, block: true, addContact: true });
    // bob sees alice's number (she saved him); carol does not see it (alice saved carol, and the default is contacts).
    expect(s.bob.chats.chats.find((c: any) => c.peer?.accountId === w.alice.id).peer.phone).toBe(w.alice.phone);
    expect((s.stranger.chats.chats as any[]).find((c) => c.peer?.accountId === w.alice.id).peer.phone).toBeUndefined();
    // The left member no longer lists the group; the banned member neither.
    expect((s.carol.chats.chats as any[]).some((c) => c.id === groupId)).toBe(false);
    expect((s.erin.chats.chats as any[]).some((c) => c.id === groupId)).toBe(false);
    const groupMessages = s.dave.messages[groupId].messages.map((m: any) => m.text);
    expect(groupMessages.slice(0, 3)).toEqual(['hello club', 'before the ban', 'admin speaking']);
    const priv = s.alice.messages[aliceChats.find((c) => c.peer?.accountId === w.carol.id).id].messages;
    expect(priv.map((m: any) => [m.from, m.text])[0]).toEqual([w.alice.id, 'only alice writes here']);
  });

  it('the gate decides every probe as before', async () => {
    expect(await runProbes()).toEqual(before.probes);
  });

  it('keeps the manual clock where it was', async () => {
    expect(after.now).toBe(before.now);
    expect(await clockNow()).toBe(before.now);
  });

  it('still completes a waiting import when the number registers', async () => {
    const p = ctx.server.app.platform;
    const friend = await ctx.world.account({ phone: UNREGISTERED, name: 'Friend' });
    const control = await ctx.world.account({ name: 'Control' });
    // alice now has the newcomer in her contacts, under the name she imported: the newcomer
    // sees her number (visible to her contacts), the control account does not.
    await ok(send(w.alice, friend, 'you registered!'));
    await ok(send(w.alice, control, 'hello'));
    const seenBy = async (a: TestAccount) => ((await a.api.get('/v1/chats')).body.chats as any[]).find((c) => c.peer?.accountId === w.alice.id).peer;
    expect((await seenBy(friend)).phone).toBe(w.alice.phone);
    expect((await seenBy(control)).phone).toBeUndefined();
    const rows = await p.store.all<{ contact_id: number; name: string | null }>(
      p.store.db
        .selectFrom('contacts')
        .select(['contact_id', 'name'])
        .where('owner_id', '=', parseId('account', w.alice.id))
        .where('contact_id', '=', parseId('account', friend.id)),
    );
    expect(rows).toEqual([{ contact_id: parseId('account', friend.id), name: 'Future Friend' }]);
    const pending = await p.store.all(p.store.db.selectFrom('pending_contacts').selectAll().where('phone', '=', UNREGISTERED));
    expect(pending).toEqual([]);
  });

  it('still completes a waiting import when the hidden owner saves the importer', async () => {
    const p = ctx.server.app.platform;
    const alice = parseId('account', w.alice.id);
    const priv = parseId('account', w.priv.id);
    const has = async () =>
      (await p.store.all(p.store.db.selectFrom('contacts').select('owner_id').where('owner_id', '=', alice).where('contact_id', '=', priv))).length;
    expect(await has()).toBe(0);
    await ctx.world.save(w.priv, w.alice);
    expect(await has()).toBe(1);
    // And the gate knows it: the two are mutual contacts now, so a limit does not stop alice.
    await restrictAccount(p, alice, { state: 'limited', kind: 'report', until: p.clock.now() + DAY }, { kind: 'system' });
    expect((await send(w.alice, w.priv)).status).toBe(201);
    expect((await send(w.alice, w.erin)).body.error.code).toBe('PEER_FLOOD');
  });

  it('frees the deleted account number for a new registration, but not its old token', async () => {
    const again = await ctx.world.account({ phone: w.del.phone, name: 'New owner', username: 'del_persist' });
    expect(again.id).not.toBe(w.del.id);
    expect((await w.del.api.get('/v1/me')).body.error.code).toBe('UNAUTHORIZED');
    expect((await again.api.get('/v1/me')).status).toBe(200);
  });

  it('lets the limit run out on the clock after the restart', async () => {
    expect((await send(w.lim, w.stranger)).body.error.code).toBe('PEER_FLOOD');
    const seconds = Math.ceil((limitedUntil - ctx.server.app.platform.clock.now()) / 1000);
    await ok(ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: seconds }), 200);
    expect((await send(w.lim, w.stranger)).status).toBe(201);
    expect((await w.lim.api.get('/v1/me')).body.restriction.state).toBe('free');
  });
});

describe('a generated admin token', () => {
  it('keeps working after a restart, and is shown only on the first start', async () => {
    let s = await startServer({ adminToken: undefined });
    try {
      const token = s.app.generatedAdminToken;
      expect(typeof token).toBe('string');
      expect(token).not.toBe(ADMIN_TOKEN);
      const admin = new Client(s.url, token!);
      expect((await admin.post('/v1/admin/clock', { advanceSeconds: 0 })).status).toBe(200);
      expect((await new Client(s.url, ADMIN_TOKEN).post('/v1/admin/clock', { advanceSeconds: 0 })).status).toBe(401);
      const staff = await admin.post('/v1/admin/staff', { name: 'Keeper', role: 'support' });
      expect(staff.status).toBe(201);
      s = await s.restart();
      expect(s.app.generatedAdminToken).toBeNull();
      expect((await new Client(s.url, token!).post('/v1/admin/clock', { advanceSeconds: 0 })).status).toBe(200);
      // The support member's token survives too: accepted, but refused a role it lacks.
      const support = new Client(s.url, staff.body.token);
      expect((await support.post('/v1/accounts', { phone: '+447700966611', name: 'x' })).body.error.code).toBe('FORBIDDEN');
    } finally {
      await s.stop();
    }
  });
});
