import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../src/platform/context.js';
import { mulberry32 } from '../src/domain/random.js';
import { checkBatch } from '../src/platform/gate-batch.js';
import { parseId, publicId } from '../src/store/ids.js';
import { Client, World, type TestAccount } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { startServer, type TestServer } from './helpers/server.js';
import { platformDifferences } from './helpers/platform-replay.js';

/**
 * Platform changes are events: after any run of platform operations the log replays into the
 * very platform tables, a restart answers every gate question as before, and a write the store
 * refuses leaves memory as it was.
 */

/** Everything the gates read about these accounts and chats, as one comparable value. */
function gateSnapshot(p: Platform, accounts: number, chats: number): unknown {
  const ids = Array.from({ length: accounts }, (_, i) => i + 1);
  const from: string[] = [];
  const to: string[] = [];
  for (const a of ids) for (const b of ids) if (a !== b) from.push(publicId('account', a)), to.push(publicId('account', b));
  const idx = p.index;
  return {
    gate: checkBatch(p, from, to),
    flags: ids.map((a) => idx.flags(a)),
    privacy: ids.map((a) => idx.privacySettings(a)),
    language: ids.map((a) => idx.language(a) ?? null),
    contacts: ids.map((a) => ids.filter((b) => idx.hasContact(a, b))),
    blocks: ids.map((a) => ids.filter((b) => idx.hasBlocked(a, b))),
    written: ids.map((a) => ids.filter((b) => idx.hasWritten(a, b))),
    privateChats: ids.map((a) => ids.map((b) => idx.privateChat(a, b))),
    usernames: [...idx.usernames.entries()].sort(),
    phones: [...idx.phones.entries()].sort(),
    groups: Array.from({ length: chats }, (_, i) => i + 1).map((c) => ({
      kind: idx.chatKind(c),
      public: idx.chatPublic(c),
      roles: ids.map((a) => idx.role(c, a)),
    })),
  };
}

describe('random platform operations', () => {
  let server: TestServer;
  let world: World;

  beforeAll(async () => {
    server = await startServer({ rateLimits: { enabled: false } });
    world = new World(server.url);
  });
  afterAll(() => server.stop());

  it('leave a log that replays into the platform tables, and a restart that answers the same', async () => {
    const rnd = mulberry32(20261201);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const people: TestAccount[] = [];
    for (let i = 0; i < 6; i++) people.push(await world.account({ username: `rnd_${i}` }));
    const groups: string[] = [];
    const unknown = ['+447700977001', '+447700977002', '+447700977003'];
    const audiences = ['everybody', 'contacts', 'nobody'] as const;
    for (let step = 0; step < 160; step++) {
      const a = pick(people);
      const b = pick(people);
      const op = Math.floor(rnd() * 17);
      switch (op) {
        case 0:
          people.push(await world.account(rnd() < 0.5 ? { username: `rnd_n${step}` } : { phone: rnd() < 0.3 ? pick(unknown) : undefined }).catch(() => a));
          break;
        case 1:
          await a.api.put('/v1/me', {
            name: `N${step}`,
            ...(rnd() < 0.5 ? { username: rnd() < 0.3 ? null : `u${step}` } : {}),
            language: pick(['en', 'ru', null]),
          });
          break;
        case 2:
          await a.api.put('/v1/privacy', {
            findByPhone: pick(['everybody', 'contacts']),
            phoneVisibility: pick(audiences),
            chatInvites: pick(audiences),
            newChats: pick(['everybody', 'contacts']),
          });
          break;
        case 3:
          await a.api.post('/v1/contacts/import', { contacts: [{ phone: b.phone, name: 'B' }, { phone: pick(unknown) }, { phone: 'nope' }] });
          break;
        case 4:
          await a.api.post('/v1/contacts', { accountId: b.id });
          break;
        case 5:
          await a.api.delete(`/v1/contacts/${b.id}`);
          break;
        case 6:
          await a.api.post('/v1/blocks', { accountId: b.id });
          break;
        case 7:
          await a.api.delete(`/v1/blocks/${b.id}`);
          break;
        case 8:
        case 9:
        case 10:
          await a.api.post('/v1/messages', { to: pick([{ accountId: b.id }, { phone: b.phone }, { username: `rnd_${people.indexOf(b)}` }]), text: `m${step}` });
          break;
        case 11: {
          const r = await a.api.post('/v1/groups', {
            title: `G${step}`,
            kind: pick(['group', 'channel']),
            public: rnd() < 0.5,
            members: [b.id, pick(people).id],
          });
          if (r.status === 201) groups.push(r.body.chat.id);
          break;
        }
        case 12:
          if (groups.length) await a.api.post(`/v1/chats/${pick(groups)}/${pick(['join', 'leave'])}`);
          break;
        case 13:
          if (groups.length) await a.api.post(`/v1/chats/${pick(groups)}/members`, { accountIds: [b.id] });
          break;
        case 14:
          if (groups.length) await a.api.post(`/v1/chats/${pick(groups)}/bans`, { accountId: b.id });
          break;
        case 15:
          if (groups.length) await a.api.post('/v1/messages', { to: { chatId: pick(groups) }, text: `g${step}` });
          break;
        case 16:
          if (rnd() < 0.3) await a.api.delete('/v1/me');
          else await world.admin.post(`/v1/accounts/${a.id}/tokens`);
          break;
      }
    }
    const p = server.app.platform;
    // The run did change things of every kind.
    const types = await p.store.all<{ type: string; n: number }>(
      sql<{ type: string; n: number }>`select type, count(*) as n from events group by type`.compile(p.store.db),
    );
    const seen = new Set(types.map((t) => t.type));
    for (const t of [
      'account_created',
      'account_updated',
      'privacy_changed',
      'account_deleted',
      'token_issued',
      'contact_added',
      'contact_removed',
      'pending_contact_added',
      'block_added',
      'block_removed',
      'chat_started',
      'chat_written',
      'group_created',
      'member_added',
    ]) {
      expect(seen, t).toContain(t);
    }
    expect(await platformDifferences(p.store)).toEqual([]);
    const accounts = p.ids.peek('accounts');
    const chats = p.ids.peek('chats');
    const before = gateSnapshot(p, accounts, chats);
    // Sessions too: every token still works or still does not, after the restart.
    const sessions = await Promise.all(people.map(async (x) => (await x.api.get('/v1/me')).status));
    server = await server.restart();
    world = new World(server.url);
    expect(gateSnapshot(server.app.platform, accounts, chats)).toEqual(before);
    expect(await Promise.all(people.map(async (x) => (await new Client(server.url, x.token).get('/v1/me')).status))).toEqual(sessions);
  });
});

describe('a write the store refuses', () => {
  let server: TestServer;
  let world: World;

  beforeAll(async () => {
    server = await startServer();
    world = new World(server.url);
  });
  afterAll(() => server.stop());

  it('fails its request only and leaves memory as it was', async () => {
    const p = server.app.platform;
    const a = await world.account();
    const b = await world.account();
    const c = await world.account();
    const [ia, ib] = [parseId('account', a.id), parseId('account', b.id)];
    // A row memory does not know about: the block's insert will clash with it.
    await p.store.write([p.store.db.insertInto('blocks').values({ blocker_id: ia, blocked_id: ib, created_at: 0 }).compile()]);
    const refused = await a.api.post('/v1/blocks', { accountId: b.id });
    expectError(refused, 503, 'SERVICE_UNAVAILABLE');
    expect(p.index.hasBlocked(ia, ib)).toBe(false);
    // Everything else goes on.
    expect((await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'still open' })).status).toBe(201);
    expect((await a.api.post('/v1/blocks', { accountId: c.id })).status).toBe(204);
    expect(p.index.hasBlocked(ia, parseId('account', c.id))).toBe(true);
  });

  it('a refused registration leaves the number and the username free', async () => {
    const p = server.app.platform;
    // The next account id is taken behind memory's back: the registration's insert fails.
    const next = p.ids.peek('accounts') + 1;
    await p.store.write([
      p.store.db
        .insertInto('accounts')
        .values({
          id: next,
          phone: null,
          name: 'Squatter',
          username: null,
          username_lc: null,
          language: null,
          number_kind: 'mobile',
          system: null,
          find_by_phone: 0,
          phone_visibility: 1,
          chat_invites: 0,
          new_chats: 0,
          created_at: 0,
          deleted_at: null,
        })
        .compile(),
    ]);
    const phone = '+447700988001';
    const refused = await world.admin.post('/v1/accounts', { phone, name: 'First try', username: 'first_try' });
    expectError(refused, 503, 'SERVICE_UNAVAILABLE');
    expect(p.index.byPhone(Number(phone.slice(1)))).toBe(0);
    expect(p.index.byUsername('first_try')).toBe(0);
    expect(p.index.exists(next)).toBe(false);
    // The same number and username register at the next try.
    const again = await world.admin.post('/v1/accounts', { phone, name: 'Second try', username: 'first_try' });
    expect(again.status).toBe(201);
    expect((await new Client(server.url, again.body.token).get('/v1/me')).status).toBe(200);
  });
});

describe('the platform key', () => {
  let server: TestServer;
  let world: World;

  beforeAll(async () => {
    server = await startServer();
    world = new World(server.url);
  });
  afterAll(() => server.stop());

  it('alone registers accounts, signs them in and checks the gate in batches: staff admins get 403', async () => {
    const staffAdmin = await world.staff('admin');
    const a = await world.account();
    expectError(await staffAdmin.post('/v1/accounts', { phone: '+447700988101', name: 'Nope' }), 403, 'FORBIDDEN');
    expectError(await staffAdmin.post(`/v1/accounts/${a.id}/tokens`), 403, 'FORBIDDEN');
    expectError(await staffAdmin.post('/v1/gate/check', { from: [a.id], to: [a.id] }), 403, 'FORBIDDEN');
    const moderator = await world.staff('moderator');
    expectError(await moderator.post(`/v1/accounts/${a.id}/tokens`), 403, 'FORBIDDEN');
    expect((await world.admin.post(`/v1/accounts/${a.id}/tokens`)).status).toBe(201);
    expect((await world.admin.post('/v1/gate/check', { from: [a.id], to: [a.id] })).status).toBe(200);
  });

  it('never signs in a system account', async () => {
    const p = server.app.platform;
    expectError(await world.admin.post(`/v1/accounts/${publicId('account', p.index.spamBotId)}/tokens`), 403, 'FORBIDDEN');
    expectError(await world.admin.post(`/v1/accounts/${publicId('account', p.index.supportId)}/tokens`), 403, 'FORBIDDEN');
  });

  it('records each issued token in the account timeline, without the token', async () => {
    const a = await world.account();
    const issued = await world.admin.post(`/v1/accounts/${a.id}/tokens`);
    expect(issued.status).toBe(201);
    const timeline = await world.admin.get(`/v1/moderation/accounts/${a.id}`);
    expect(timeline.status).toBe(200);
    const types = timeline.body.events.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'token_issued')).toHaveLength(2); // registration and sign-in
    expect(JSON.stringify(timeline.body)).not.toContain(issued.body.token);
  });
});

describe('idempotency keys', () => {
  let server: TestServer;
  let world: World;

  beforeAll(async () => {
    server = await startServer();
    world = new World(server.url);
  });
  afterAll(() => server.stop());

  it('are forgotten after 24 h: the next use is a new request, and every other write goes on', async () => {
    const a = await world.account();
    const b = await world.account();
    const body = { to: { accountId: b.id }, text: 'daily', idempotencyKey: 'day-key' };
    const first = await a.api.post('/v1/messages', body);
    expect(first.status).toBe(201);
    expect((await a.api.post('/v1/messages', body)).body).toEqual(first.body);
    await world.advance(24 * 3600 + 1);
    const next = await a.api.post('/v1/messages', body);
    expect(next.status).toBe(201);
    expect(next.body.message.id).not.toBe(first.body.message.id);
    // … and it is the key's record now.
    expect((await a.api.post('/v1/messages', body)).body).toEqual(next.body);
    expect((await b.api.post('/v1/messages', { to: { accountId: a.id }, text: 'others write too' })).status).toBe(201);
    expect((await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'and so do I' })).status).toBe(201);
  });

  it('are pruned from memory and from the table once expired', async () => {
    const p = server.app.platform;
    const a = await world.account();
    const b = await world.account();
    for (let i = 0; i < 5; i++)
      expect((await a.api.post('/v1/messages', { to: { accountId: b.id }, text: `p${i}`, idempotencyKey: `prune-${i}` })).status).toBe(201);
    const mine = () => [...p.idempotency.keys()].filter((k) => k.startsWith(`${parseId('account', a.id)}:`)).length;
    expect(mine()).toBe(5);
    await world.advance(24 * 3600 + 120);
    expect((await b.api.post('/v1/messages', { to: { accountId: a.id }, text: 'a later keyed write', idempotencyKey: 'later' })).status).toBe(201);
    expect(mine()).toBe(0);
    const old = await p.store.first<{ n: number }>(
      sql<{ n: number }>`select count(*) as n from idempotency where account_id = ${parseId('account', a.id)}`.compile(p.store.db),
    );
    expect(old!.n).toBe(0);
  });

  it('answer a remembered denial again, even once the rules would now allow', async () => {
    const a = await world.account();
    const body = { to: { username: 'arrives_later' }, text: 'hello?', idempotencyKey: 'deny-1' };
    expectError(await a.api.post('/v1/messages', body), 404, 'USERNAME_NOT_OCCUPIED');
    await world.account({ username: 'arrives_later' });
    expectError(await a.api.post('/v1/messages', body), 404, 'USERNAME_NOT_OCCUPIED');
    expect((await a.api.post('/v1/messages', { ...body, idempotencyKey: 'deny-2' })).status).toBe(201);
  });

  it('do not remember a malformed request (400 BAD_REQUEST): the key is free for the corrected one', async () => {
    const a = await world.account();
    const b = await world.account();
    expectError(await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 42, idempotencyKey: 'fix-1' }), 400, 'BAD_REQUEST');
    expect((await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'fixed', idempotencyKey: 'fix-1' })).status).toBe(201);
    // MESSAGE_EMPTY is the rules' denial (RULES.md §1), remembered like NOTHING_TO_REPORT.
    expectError(await a.api.post('/v1/messages', { to: { accountId: b.id }, text: '   ', idempotencyKey: 'fix-2' }), 400, 'MESSAGE_EMPTY');
    expectError(await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'fixed', idempotencyKey: 'fix-2' }), 409, 'IDEMPOTENCY_CONFLICT');
  });

  it('compare bodies as JSON whatever the key order; another body is a conflict', async () => {
    const a = await world.account();
    const b = await world.account();
    const first = await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'ordered', idempotencyKey: 'order-1' });
    expect(first.status).toBe(201);
    const reordered = await a.api.post('/v1/messages', { idempotencyKey: 'order-1', text: 'ordered', to: { accountId: b.id } });
    expect(reordered.status).toBe(201);
    expect(reordered.body).toEqual(first.body);
    expectError(await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'other', idempotencyKey: 'order-1' }), 409, 'IDEMPOTENCY_CONFLICT');
  });

  it('are per route: the same key on a report is another request', async () => {
    const a = await world.account();
    const b = await world.account();
    const sent = await b.api.post('/v1/messages', { to: { accountId: a.id }, text: 'buy now', idempotencyKey: 'both' });
    expect(sent.status).toBe(201);
    const report = await a.api.post('/v1/reports', { chatId: sent.body.message.chatId, reason: 'spam', idempotencyKey: 'both' });
    expect(report.status).toBe(201);
    const mine = await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'stop', idempotencyKey: 'both' });
    expect(mine.status).toBe(201);
  });
});

describe('idempotency keys and rate limits', () => {
  let server: TestServer;
  let world: World;

  beforeAll(async () => {
    server = await startServer({ rateLimits: { messages: { perSecond: 0.001, burst: 1 } } });
    world = new World(server.url);
  });
  afterAll(() => server.stop());

  it('do not remember FLOOD_WAIT: a retry is decided afresh', async () => {
    const a = await world.account();
    const b = await world.account();
    expect((await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'one' })).status).toBe(201);
    expectError(await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'two', idempotencyKey: 'fw' }), 429, 'FLOOD_WAIT');
    // Not a conflict: nothing was recorded for the key.
    expectError(await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'three', idempotencyKey: 'fw' }), 429, 'FLOOD_WAIT');
  });
});

describe('the daily cap on number lookups', () => {
  let server: TestServer;
  let world: World;
  const CAP = 5;
  const num = (i: number) => `+44770099${String(1000 + i)}`;

  beforeAll(async () => {
    server = await startServer({ lookupsPerDay: CAP, rateLimits: { enabled: false } });
    world = new World(server.url);
  });
  afterAll(() => server.stop());

  const importPhones = (a: TestAccount, ...phones: string[]) => a.api.post('/v1/contacts/import', { contacts: phones.map((phone) => ({ phone })) });

  it('counts imports, resolve and sends by number together; over it, nothing changes', async () => {
    const p = server.app.platform;
    const a = await world.account();
    const b = await world.account();
    const ia = parseId('account', a.id);
    expect((await importPhones(a, num(1), num(2), b.phone)).status).toBe(200);
    // Looking the same numbers up again costs nothing.
    expect((await importPhones(a, num(1), num(2))).status).toBe(200);
    expect((await a.api.get(`/v1/accounts/resolve?phone=${encodeURIComponent(num(3))}`)).status).toBe(404);
    expect(p.pending.countOf(ia)).toBe(2);
    // 4 used: two new numbers in one import would pass the cap.
    const over = await importPhones(a, num(4), num(5), num(1));
    expectError(over, 429, 'FLOOD_WAIT');
    expect(over.body.error.details.retryAfter).toBeGreaterThan(0);
    expect(over.headers.get('retry-after')).toBe(String(over.body.error.details.retryAfter));
    expect(p.pending.countOf(ia)).toBe(2);
    // One more is fine, by a send; then a send to a new number is over.
    expectError(await a.api.post('/v1/messages', { to: { phone: num(4) }, text: 'hi' }), 404, 'PHONE_NOT_OCCUPIED');
    expectError(await a.api.post('/v1/messages', { to: { phone: num(6) }, text: 'hi' }), 429, 'FLOOD_WAIT');
    expectError(await a.api.get(`/v1/accounts/resolve?phone=${encodeURIComponent(num(7))}`), 429, 'FLOOD_WAIT');
    // Numbers already looked up still resolve and receive.
    expect((await a.api.post('/v1/messages', { to: { phone: b.phone }, text: 'known number' })).status).toBe(201);
    // Others have their own cap.
    expect((await importPhones(b, num(1), num(2), num(3), num(4), num(5))).status).toBe(200);

    // The record survives a restart.
    server = await server.restart();
    world = new World(server.url);
    const again = new Client(server.url, a.token);
    expectError(await again.post('/v1/contacts/import', { contacts: [{ phone: num(8) }] }), 429, 'FLOOD_WAIT');

    // After 24 h the numbers count no more, and their records are gone.
    await world.advance(24 * 3600 + 1);
    expect((await again.post('/v1/contacts/import', { contacts: [{ phone: num(8) }, { phone: num(9) }] })).status).toBe(200);
    const q = server.app.platform;
    const rows = await q.store.all<{ n: number }>(sql<{ n: number }>`select count(*) as n from phone_lookups where account_id = ${ia}`.compile(q.store.db));
    expect(rows[0]!.n).toBe(2);
  });

  it('counts a number found by a send refused for its empty text: MESSAGE_EMPTY tells the number is someone’s', async () => {
    const a = await world.account();
    const owners = await Promise.all(Array.from({ length: CAP + 1 }, () => world.account()));
    for (const o of owners.slice(0, CAP)) expectError(await a.api.post('/v1/messages', { to: { phone: o.phone }, text: '' }), 400, 'MESSAGE_EMPTY');
    // The cap is spent: the next new number is refused before anything is said about it.
    expectError(await a.api.post('/v1/messages', { to: { phone: owners[CAP]!.phone }, text: 'hi' }), 429, 'FLOOD_WAIT');
    // The numbers already looked up still receive.
    expect((await a.api.post('/v1/messages', { to: { phone: owners[0]!.phone }, text: 'hi' })).status).toBe(201);
  });

  it('bounds an importer’s waiting numbers: the oldest give way', async () => {
    const a = await world.account();
    const ia = parseId('account', a.id);
    expect((await importPhones(a, num(11), num(12), num(13), num(14))).status).toBe(200);
    await world.advance(24 * 3600 + 1);
    expect((await importPhones(a, num(15), num(16), num(17))).status).toBe(200);
    const p = server.app.platform;
    expect(p.pending.countOf(ia)).toBe(CAP);
    // The two oldest gave way: registering them makes no contact.
    const first = await world.account({ phone: num(11) });
    const last = await world.account({ phone: num(17) });
    expect(p.index.hasContact(ia, parseId('account', first.id))).toBe(false);
    expect(p.index.hasContact(ia, parseId('account', last.id))).toBe(true);
    expect(await platformDifferences(p.store)).toEqual([]);
  });
});
