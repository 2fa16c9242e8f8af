import net from 'node:net';
import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STATUS } from '../src/domain/codes.js';
import { rowAddress, tableNamesQuery } from '../src/store/dialect.js';
import { Client, type Res, type TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * API.md "Conventions": malformed and ill-typed input, sizes, ids, tokens and paging answer the
 * documented 4xx codes in the one error shape, never a 500, and change nothing.
 */

let alice: TestAccount;
let bob: TestAccount;
let outsider: TestAccount;
let groupId: string;
let privateGroupId: string;
let privateChatId: string;
let triage: Client;

/**
 * Every row of every table, as stored, once everything accepted so far is durable. The tables are
 * read from the database itself, so that a table added later is compared too.
 */
async function dump(): Promise<Record<string, unknown[]>> {
  const store = ctx.server.app.platform.store;
  // What robots heard from the requests accepted so far is written a turn after them.
  await ctx.server.app.robotMemory.flush();
  await store.flush();
  const tables = await store.all<{ name: string }>(tableNamesQuery(store.db).compile(store.db));
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['accounts', 'messages']));
  const out: Record<string, unknown[]> = {};
  // The look-up quota is a rate-limit counter (API.md): a refused send to a number still spends it.
  for (const { name } of tables)
    if (name !== 'phone_lookups') out[name] = await store.all(sql`select * from ${sql.table(name)} order by ${rowAddress(store.db)}`.compile(store.db));
  return out;
}

/** What the acting accounts see through the API (the in-memory side of the same state). */
async function views(): Promise<unknown> {
  const out: unknown[] = [];
  for (const a of [alice, bob]) {
    out.push((await a.api.get('/v1/me')).body, (await a.api.get('/v1/privacy')).body, (await a.api.get('/v1/chats?limit=1000')).body);
  }
  out.push((await ctx.world.admin.post('/v1/admin/clock', { advanceSeconds: 0 })).body);
  return out;
}

/** Runs `action` and asserts that it changed nothing, neither stored nor in memory. */
async function changesNothing<T>(action: () => Promise<T>): Promise<T> {
  const beforeRows = await dump();
  const beforeViews = await views();
  const result = await action();
  expect(await dump()).toEqual(beforeRows);
  expect(await views()).toEqual(beforeViews);
  return result;
}

function expectErrorShape(res: Res) {
  expect(res.body, `status ${res.status}`).toBeTypeOf('object');
  expect(res.body).not.toBeNull();
  expect(Object.keys(res.body)).toEqual(['error']);
  const e = res.body.error;
  expect(typeof e.code).toBe('string');
  expect(typeof e.message).toBe('string');
  expect(e.message.length).toBeGreaterThan(0);
  expect(typeof e.details).toBe('object');
  expect(e.details).not.toBeNull();
  expect(Array.isArray(e.details)).toBe(false);
  expect(STATUS[e.code as keyof typeof STATUS], `code ${e.code}`).toBe(res.status);
}

function expectError(res: Res, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expectErrorShape(res);
}

/** A 400 naming the offending field (a `field` of `details.errors` contains `field`). */
function expectFieldError(res: Res, field: string) {
  expectError(res, 400, 'BAD_REQUEST');
  const errors = res.body.error.details.errors;
  expect(Array.isArray(errors), JSON.stringify(res.body.error.details)).toBe(true);
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(typeof e.field).toBe('string');
    expect(typeof e.message).toBe('string');
  }
  const fields = errors.map((e: { field: string }) => e.field);
  expect(
    fields.some((f: string) => f === field || f.startsWith(`${field}.`)),
    `${JSON.stringify(fields)} should name ${field}`,
  ).toBe(true);
}

type Cases = [[unknown, string], ...[unknown, string][]];

type RouteCase = {
  name: string;
  method: 'POST' | 'PUT';
  path: () => string;
  who: () => Client;
  /** A body the route accepts. */
  valid: () => unknown;
  /** The route's own body limit, when it is not the global 64 KiB. */
  bodyLimitKiB?: number;
  /** Bodies with a wrong type, and the field each should be reported under. */
  wrongTypes: () => Cases;
} & (
  | {
      requiresFields: true;
      /** Bodies missing a required field, and that field (at least one). */
      missing: () => Cases;
    }
  | {
      /** Every field is optional ("any of" in API.md): `{}` changes nothing. */
      requiresFields: false;
      /** What the route answers for a change of nothing: the current state, read back. */
      current: () => Promise<Res>;
    }
);

const routes: RouteCase[] = [
  {
    name: 'POST /v1/messages',
    method: 'POST',
    path: () => '/v1/messages',
    who: () => alice.api,
    valid: () => ({ to: { accountId: bob.id }, text: 'hello' }),
    wrongTypes: () => [
      [{ to: { accountId: bob.id }, text: 42 }, 'body.text'],
      [{ to: { accountId: 12345 }, text: 'x' }, 'body.to'],
      [{ to: [{ accountId: bob.id }], text: 'x' }, 'body.to'],
      [{ to: 'u1', text: 'x' }, 'body.to'],
      [{ to: { accountId: bob.id }, text: 'x', idempotencyKey: 7 }, 'body.idempotencyKey'],
    ],
    missing: () => [
      [{ text: 'x' }, 'body.to'],
      [{ to: { accountId: bob.id } }, 'body.text'],
    ],
    requiresFields: true,
  },
  {
    name: 'POST /v1/accounts',
    method: 'POST',
    path: () => '/v1/accounts',
    who: () => ctx.world.admin,
    valid: () => ({ phone: '+447700955501', name: 'Valid' }),
    wrongTypes: () => [
      [{ phone: 447700955501, name: 'x' }, 'body.phone'],
      [{ phone: '+447700955501', name: ['x'] }, 'body.name'],
      [{ phone: '+447700955501', name: 'x', language: true }, 'body.language'],
      [{ phone: '+447700955501', name: 'x', numberKind: { kind: 'voip' } }, 'body.numberKind'],
    ],
    missing: () => [
      [{ name: 'x' }, 'body.phone'],
      [{ phone: '+447700955501' }, 'body.name'],
    ],
    requiresFields: true,
  },
  {
    name: 'POST /v1/contacts/import',
    method: 'POST',
    path: () => '/v1/contacts/import',
    // The 1000 entries API.md allows, with long names, need more than the global 64 KiB.
    bodyLimitKiB: 2048,
    who: () => alice.api,
    valid: () => ({ contacts: [{ phone: bob.phone }] }),
    wrongTypes: () => [
      [{ contacts: { phone: bob.phone } }, 'body.contacts'],
      [{ contacts: [{ phone: 447700900001 }] }, 'body.contacts.0.phone'],
      [{ contacts: [{ phone: bob.phone, name: false }] }, 'body.contacts.0.name'],
      [{ contacts: ['+447700900001'] }, 'body.contacts.0'],
    ],
    missing: () => [
      [{}, 'body.contacts'],
      [{ contacts: [{ name: 'no number' }] }, 'body.contacts.0.phone'],
    ],
    requiresFields: true,
  },
  {
    name: 'POST /v1/groups',
    method: 'POST',
    path: () => '/v1/groups',
    who: () => alice.api,
    valid: () => ({ title: 'Valid group', kind: 'group' }),
    wrongTypes: () => [
      [{ title: 5, kind: 'group' }, 'body.title'],
      [{ title: 't', kind: 'group', public: 'yes' }, 'body.public'],
      [{ title: 't', kind: 'group', public: 'true' }, 'body.public'],
      [{ title: 't', kind: 'group', members: { a: bob.id } }, 'body.members'],
      [{ title: 't', kind: 'group', members: [1, 2] }, 'body.members.0'],
    ],
    missing: () => [
      [{ title: 't' }, 'body.kind'],
      [{ kind: 'group' }, 'body.title'],
    ],
    requiresFields: true,
  },
  {
    name: 'POST /v1/chats/{id}/members',
    method: 'POST',
    path: () => `/v1/chats/${groupId}/members`,
    who: () => alice.api,
    valid: () => ({ accountIds: [bob.id] }),
    wrongTypes: () => [
      [{ accountIds: bob.id }, 'body.accountIds'],
      [{ accountIds: [17] }, 'body.accountIds.0'],
      [{ accountIds: { 0: bob.id } }, 'body.accountIds'],
    ],
    missing: () => [[{}, 'body.accountIds']],
    requiresFields: true,
  },
  {
    name: 'PUT /v1/privacy',
    method: 'PUT',
    path: () => '/v1/privacy',
    who: () => alice.api,
    valid: () => ({ newChats: 'contacts' }),
    wrongTypes: () => [
      [{ newChats: true }, 'body.newChats'],
      [{ findByPhone: 1 }, 'body.findByPhone'],
      [{ phoneVisibility: ['nobody'] }, 'body.phoneVisibility'],
      [{ chatInvites: 'contacts', newChats: 'nobody' }, 'body.newChats'],
    ],
    requiresFields: false,
    current: () => alice.api.get('/v1/privacy'),
  },
  {
    name: 'PUT /v1/me',
    method: 'PUT',
    path: () => '/v1/me',
    who: () => alice.api,
    valid: () => ({ name: 'Alice Renamed' }),
    wrongTypes: () => [
      [{ name: 5 }, 'body.name'],
      [{ name: 'ok', language: 1 }, 'body.language'],
      [{ username: false }, 'body.username'],
      [{ name: { first: 'A' } }, 'body.name'],
    ],
    requiresFields: false,
    current: async () => {
      const me = await alice.api.get('/v1/me');
      return { ...me, body: me.body.account };
    },
  },
  {
    name: 'POST /v1/admin/staff',
    method: 'POST',
    path: () => '/v1/admin/staff',
    who: () => ctx.world.admin,
    valid: () => ({ name: 'New staff', role: 'triage' }),
    wrongTypes: () => [
      [{ name: 5, role: 'triage' }, 'body.name'],
      [{ name: 'x', role: ['triage'] }, 'body.role'],
      [{ name: 'x', role: 'overlord' }, 'body.role'],
    ],
    missing: () => [
      [{ name: 'x' }, 'body.role'],
      [{ role: 'triage' }, 'body.name'],
    ],
    requiresFields: true,
  },
  {
    name: 'POST /v1/admin/clock',
    method: 'POST',
    path: () => '/v1/admin/clock',
    who: () => ctx.world.admin,
    valid: () => ({ advanceSeconds: 0 }),
    wrongTypes: () => [
      [{ advanceSeconds: '60' }, 'body.advanceSeconds'],
      [{ advanceSeconds: true }, 'body.advanceSeconds'],
      [{ advanceSeconds: [60] }, 'body.advanceSeconds'],
      [{ advanceSeconds: -5 }, 'body.advanceSeconds'],
    ],
    missing: () => [[{}, 'body.advanceSeconds']],
    requiresFields: true,
  },
];

const ctx = serverPerFile({ config: { rateLimits: { enabled: false } } });
beforeAll(async () => {
  alice = await ctx.world.account({ name: 'Alice', username: 'alice_bad_input' });
  bob = await ctx.world.account({ name: 'Bob' });
  outsider = await ctx.world.account({ name: 'Outsider' });
  await ctx.world.mutual(alice, bob);
  const first = await alice.api.post('/v1/messages', { to: { accountId: bob.id }, text: 'first' });
  expect(first.status).toBe(201);
  privateChatId = first.body.message.chatId;
  const g = await alice.api.post('/v1/groups', { title: 'Public group', kind: 'group', public: true });
  expect(g.status).toBe(201);
  groupId = g.body.chat.id;
  const pg = await alice.api.post('/v1/groups', { title: 'Private group', kind: 'group', members: [bob.id] });
  expect(pg.status).toBe(201);
  privateGroupId = pg.body.chat.id;
  triage = await ctx.world.staff('triage');
});
// A case whose loop runs over nothing, or whose checks sit in a callback never called, fails.
beforeEach(() => {
  expect.hasAssertions();
});

describe.each(routes)('$name', (route) => {
  const call = (body: unknown, raw?: string | Uint8Array, headers: Record<string, string> = {}) => {
    const c = route.who();
    return c.as(c.token, headers).request(route.method, route.path(), body, raw);
  };

  it('answers malformed JSON with 400 BAD_REQUEST and writes nothing', async () => {
    for (const raw of ['{"a": ', '{bad json}', "{'single': 'quotes'}", '[1, 2', '{"a": 1}}', 'undefined', '\u0000']) {
      const res = await changesNothing(() => call(undefined, raw));
      expectError(res, 400, 'BAD_REQUEST');
    }
  });

  it('answers a body that is not UTF-8 with 400 BAD_REQUEST, not a text with U+FFFD stored, and writes nothing', async () => {
    const valid = JSON.stringify(route.valid() ?? {});
    // The valid body with a string value made of bytes UTF-8 has no reading of.
    const at = valid.lastIndexOf('"');
    const bytes =
      at > 0
        ? Buffer.concat([Buffer.from(valid.slice(0, at)), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(valid.slice(at))])
        : Buffer.from([0xff, 0xfe]);
    const res = await changesNothing(() => call(undefined, bytes));
    expectError(res, 400, 'BAD_REQUEST');
    expect(res.body.error.details.reason).toBe('the body is not valid UTF-8');
  });

  it('answers wrong types with 400 BAD_REQUEST naming the field, and writes nothing', async () => {
    for (const [body, field] of route.wrongTypes()) {
      const res = await changesNothing(() => call(body));
      expectFieldError(res, field);
    }
  });

  it('answers a body of the wrong kind (array, string, number, null) with 400', async () => {
    for (const body of [[route.valid()], 'text', 42, true, null]) {
      const res = await changesNothing(() => call(body));
      expectError(res, 400, 'BAD_REQUEST');
    }
  });

  // An empty body counts as no body (docs/DECISIONS.md), and no body is not the JSON object every
  // one of these routes takes, not even those whose fields are all optional: `{}` is that.
  it('answers an empty body with 400, with or without a content type, and writes nothing', async () => {
    for (const headers of [{}, { 'content-type': 'application/json' }, { 'content-type': 'text/plain' }] as Record<string, string>[]) {
      expectFieldError(await changesNothing(() => call(undefined, '', headers)), 'body');
    }
    // No body and no content type at all.
    const res = await changesNothing(async () => {
      const r = await fetch(ctx.server.url + route.path(), { method: route.method, headers: { authorization: `Bearer ${route.who().token}` } });
      return { status: r.status, body: await r.json(), headers: r.headers } as Res;
    });
    expectFieldError(res, 'body');
  });

  if (route.requiresFields) {
    it('answers missing required fields with 400 naming them, and writes nothing', async () => {
      for (const [body, field] of route.missing()) {
        const res = await changesNothing(() => call(body));
        expectFieldError(res, field);
      }
    });
  } else {
    it('takes {} as a change of nothing: 200 with the current state, and writes nothing', async () => {
      const current = await route.current();
      expect(current.status).toBe(200);
      const res = await changesNothing(() => call({}));
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: current.body });
    });
  }

  it(`answers a body over ${route.bodyLimitKiB ?? 64} KiB with 413 PAYLOAD_TOO_LARGE and writes nothing`, async () => {
    const limitKiB = route.bodyLimitKiB ?? 64;
    const big = { ...(route.valid() as object), padding: 'x'.repeat((limitKiB + 1) * 1024) };
    const res = await changesNothing(() => call(big));
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    // Large, but within the limit: not refused for its size.
    const fits = { ...(route.valid() as object), padding: 'x'.repeat((limitKiB - 4) * 1024) };
    const ok = await route.who().request(route.method, route.path(), fits);
    expect([200, 201], JSON.stringify(ok.body)).toContain(ok.status);
  });

  it('answers without a token, or with a wrong one, 401 UNAUTHORIZED and writes nothing', async () => {
    const anon = new Client(ctx.server.url);
    expectError(await changesNothing(() => anon.request(route.method, route.path(), route.valid())), 401, 'UNAUTHORIZED');
    for (const token of ['not-a-real-token-at-all-0000', 'short', 'x'.repeat(300)]) {
      expectError(await changesNothing(() => anon.as(token).request(route.method, route.path(), route.valid())), 401, 'UNAUTHORIZED');
    }
    // Not a bearer token.
    const basic = await changesNothing(() =>
      anon.as(undefined, { authorization: `Basic ${route.who().token}` }).request(route.method, route.path(), route.valid()),
    );
    expectError(basic, 401, 'UNAUTHORIZED');
  });

  it('answers a token of the wrong kind 403 FORBIDDEN and writes nothing', async () => {
    const wrong = route.who() === ctx.world.admin ? [alice.api, triage] : [ctx.world.admin, triage];
    for (const c of wrong) {
      const res = await changesNothing(() => c.request(route.method, route.path(), route.valid()));
      expectError(res, 403, 'FORBIDDEN');
    }
  });
});

describe('content types', () => {
  it('accepts valid JSON sent as text/plain or form encoding (curl -d)', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8']) {
      const res = await a.api
        .as(a.token, { 'content-type': type })
        .request('POST', '/v1/messages', undefined, JSON.stringify({ to: { accountId: b.id }, text: `as ${type}` }));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const list = await b.api.get(`/v1/chats/${(await a.api.get('/v1/chats')).body.chats[0].id}/messages`);
    expect(list.body.messages.map((m: { text: string }) => m.text)).toEqual([
      'as text/plain',
      'as application/x-www-form-urlencoded',
      'as application/json; charset=utf-8',
    ]);
    const p = await a.api.as(a.token, { 'content-type': 'text/plain' }).request('PUT', '/v1/privacy', undefined, '{"newChats":"contacts"}');
    expect(p.status).toBe(200);
    expect(p.body.newChats).toBe('contacts');
    expect((await a.api.get('/v1/privacy')).body.newChats).toBe('contacts');
  });

  it('refuses JSON with a forbidden prototype key with 400 and writes nothing', async () => {
    const res = await changesNothing(() => alice.api.request('PUT', '/v1/privacy', undefined, '{"__proto__": {"newChats": "contacts"}}'));
    expectError(res, 400, 'BAD_REQUEST');
  });
});

describe('bodies the schema lets through but the request cannot mean', () => {
  it('refuses a target with two ways of addressing (ambiguous) with 400 on body.to', async () => {
    for (const to of [
      { username: 'alice_bad_input', accountId: null },
      { chatId: privateChatId, accountId: 5 },
      { accountId: bob.id, phone: bob.phone },
      { username: 'alice_bad_input', phone: 12 },
      // Found by the property below: the schema took it for a chatId, the sender for a username (a 500).
      { username: {}, chatId: privateChatId },
    ]) {
      const res = await changesNothing(() => bob.api.post('/v1/messages', { to, text: 'which one?' }));
      expectFieldError(res, 'body.to');
    }
    // Each way on its own is fine.
    expect((await bob.api.post('/v1/messages', { to: { username: 'alice_bad_input' }, text: 'by username' })).status).toBe(201);
    expect((await bob.api.post('/v1/messages', { to: { chatId: privateChatId }, text: 'by chat' })).status).toBe(201);
  });

  it('names the offending field of refusals found past validation', async () => {
    expectFieldError(await changesNothing(() => alice.api.post('/v1/groups', { title: '   ', kind: 'group' })), 'body.title');
    const blank = await changesNothing(() => alice.api.post('/v1/messages', { to: { accountId: bob.id }, text: '  \n ' }));
    expectError(blank, 400, 'MESSAGE_EMPTY'); // nothing visible (RULES.md §1)
    expect(blank.body.error.details.errors.map((e: { field: string }) => e.field)).toEqual(['body.text']);
    expectFieldError(await changesNothing(() => alice.api.post('/v1/messages', { to: { accountId: alice.id }, text: 'me' })), 'body.to');
    expectFieldError(await changesNothing(() => alice.api.put('/v1/me', { name: '   ' })), 'body.name');
    expectFieldError(await changesNothing(() => alice.api.post('/v1/blocks', { accountId: alice.id })), 'body.accountId');
    const invalid = await changesNothing(() => ctx.world.admin.post('/v1/accounts', { phone: '12', name: 'x' }));
    // API.md: every validation failure is `400 BAD_REQUEST`; the refined name is its reason.
    expectError(invalid, 400, 'BAD_REQUEST');
    expect(invalid.body.error.details).toMatchObject({ field: 'phone', reason: 'PHONE_NUMBER_INVALID' });
    expect(invalid.body.error.details.errors[0].field).toBe('body.phone');
    const badTo = await changesNothing(() => alice.api.post('/v1/messages', { to: { phone: 'not a number' }, text: 'hi' }));
    expectError(badTo, 400, 'BAD_REQUEST');
    expect(badTo.body.error.details).toMatchObject({ field: 'to.phone', reason: 'PHONE_NUMBER_INVALID' });
    const badUsername = await changesNothing(() => alice.api.put('/v1/me', { username: 'has space' }));
    expectError(badUsername, 400, 'BAD_REQUEST');
    expect(badUsername.body.error.details).toMatchObject({ field: 'username', reason: 'USERNAME_INVALID' });
    expect(badUsername.body.error.details.errors[0].field).toBe('body.username');
  });

  it('refuses bodies nested absurdly deep with 400 (never a stack overflow)', async () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const bodies: [Client, 'POST' | 'PUT', string, string][] = [
      [alice.api, 'POST', '/v1/messages', `{"to":{"accountId":"${bob.id}"},"text":"x","idempotencyKey":"deep-1","junk":${deep(30000)}}`],
      [alice.api, 'POST', '/v1/messages', `{"to":{"accountId":"${bob.id}"},"text":${deep(30000)}}`],
      [alice.api, 'PUT', '/v1/privacy', `{"junk":${deep(30000)}}`],
      [alice.api, 'POST', '/v1/groups', `{"title":"t","kind":"group","members":${deep(5000)}}`],
      [alice.api, 'POST', '/v1/contacts/import', `{"contacts":${deep(20000)}}`],
      [ctx.world.admin, 'POST', '/v1/admin/staff', `{"name":"x","role":"triage","junk":${deep(100)}}`],
    ];
    for (const [c, method, path, raw] of bodies) {
      const res = await changesNothing(() => c.request(method, path, undefined, raw));
      expectError(res, 400, 'BAD_REQUEST');
    }
    // Ordinary nesting is fine.
    const ok = await alice.api.request(
      'POST',
      '/v1/messages',
      undefined,
      `{"to":{"accountId":"${bob.id}"},"text":"x","idempotencyKey":"deep-2","junk":${deep(10)}}`,
    );
    expect(ok.status).toBe(201);
  });
});

describe('lengths in characters', () => {
  it('counts a name or a title in characters, as the schema does: 128 emoji pass, 129 do not', async () => {
    const most = '😀'.repeat(128); // 128 characters, 256 UTF-16 units
    const me = await alice.api.put('/v1/me', { name: most });
    expect(me.status).toBe(200);
    expect(me.body.name).toBe(most);
    const created = await ctx.world.admin.post('/v1/accounts', { phone: '+447700955128', name: most });
    expect(created.status).toBe(201);
    expect(created.body.account.name).toBe(most);
    const group = await alice.api.post('/v1/groups', { title: most, kind: 'group' });
    expect(group.status).toBe(201);
    expect(group.body.chat.title).toBe(most);
    expectError(await changesNothing(() => alice.api.put('/v1/me', { name: `${most}😀` })), 400, 'BAD_REQUEST');
    expectError(await changesNothing(() => alice.api.post('/v1/groups', { title: `${most}😀`, kind: 'group' })), 400, 'BAD_REQUEST');
  });
});

describe('requests the router cannot take apart', () => {
  const raw = async (path: string, token = alice.token): Promise<Res> => {
    const r = await fetch(ctx.server.url + path, { headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, body: JSON.parse(await r.text()), headers: r.headers };
  };

  it('answers a path that is not valid percent-encoding 400 BAD_REQUEST in the error shape', async () => {
    expectError(await raw('/v1/chats/%E0%A4%A/messages'), 400, 'BAD_REQUEST');
    expectError(await raw('/v1/%zz'), 400, 'BAD_REQUEST');
  });

  /** Writes raw bytes to the server and reads the whole answer until it closes. */
  const rawHttp = (bytes: string) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const { hostname, port } = new URL(ctx.server.url);
      const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        const m = /^HTTP\/1\.1 (\d{3})[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(text);
        if (!m) return reject(new Error(`not an HTTP answer: ${JSON.stringify(text)}`));
        resolve({ status: Number(m[1]), body: JSON.parse(m[2]!) });
      });
    });

  it('answers a request that is not valid HTTP 400 BAD_REQUEST in the error shape', async () => {
    for (const bytes of [
      'GARBAGE\r\n\r\n',
      'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      `GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]) {
      const res = await changesNothing(() => rawHttp(bytes));
      expectError(res as Res, 400, 'BAD_REQUEST');
    }
  });

  it('answers an id longer than any id 404 NOT_FOUND in the error shape', async () => {
    expectError(await raw(`/v1/chats/c${'1'.repeat(200)}/messages`), 404, 'NOT_FOUND');
    expectError(await raw(`/v1/contacts/u${'1'.repeat(200)}`), 404, 'NOT_FOUND');
  });
});

describe('unknown ids', () => {
  it('answer 404 with a code, and change nothing', async () => {
    const cases: [() => Promise<Res>, string][] = [
      [() => alice.api.post('/v1/messages', { to: { accountId: 'u999999' }, text: 'x' }), 'PEER_ID_INVALID'],
      [() => alice.api.post('/v1/messages', { to: { accountId: 'not-an-id' }, text: 'x' }), 'PEER_ID_INVALID'],
      [() => alice.api.post('/v1/messages', { to: { chatId: 'c999999' }, text: 'x' }), 'PEER_ID_INVALID'],
      [() => alice.api.post('/v1/messages', { to: { chatId: 'garbage' }, text: 'x' }), 'PEER_ID_INVALID'],
      [() => alice.api.post('/v1/messages', { to: { phone: '+15550000199' }, text: 'x' }), 'PHONE_NOT_OCCUPIED'],
      [() => alice.api.post('/v1/messages', { to: { username: 'no_such_user_here' }, text: 'x' }), 'USERNAME_NOT_OCCUPIED'],
      [() => alice.api.post('/v1/chats/c999999/members', { accountIds: [bob.id] }), 'NOT_FOUND'],
      [() => alice.api.post('/v1/chats/zzz/members', { accountIds: [bob.id] }), 'NOT_FOUND'],
      [() => alice.api.post('/v1/chats/c999999/join'), 'NOT_FOUND'],
      [() => alice.api.post('/v1/chats/c999999/leave'), 'NOT_FOUND'],
      [() => alice.api.post('/v1/chats/c999999/bans', { accountId: bob.id }), 'NOT_FOUND'],
      [() => alice.api.get('/v1/chats/c999999/messages'), 'NOT_FOUND'],
      [() => alice.api.get(`/v1/chats/${privateChatId}/messages?after=m999999`), 'NOT_FOUND'],
      [() => alice.api.post('/v1/contacts', { accountId: 'u999999' }), 'PEER_ID_INVALID'],
      [() => alice.api.delete('/v1/contacts/u999999'), 'PEER_ID_INVALID'],
      [() => alice.api.post('/v1/blocks', { accountId: 'u999999' }), 'PEER_ID_INVALID'],
      [() => alice.api.delete('/v1/blocks/u999999'), 'PEER_ID_INVALID'],
      [() => ctx.world.admin.post('/v1/accounts/u999999/tokens'), 'NOT_FOUND'],
      [() => ctx.world.admin.post('/v1/accounts/bogus/tokens'), 'NOT_FOUND'],
      [() => ctx.world.admin.delete('/v1/admin/staff/s999999'), 'NOT_FOUND'],
      [() => ctx.world.admin.delete('/v1/admin/staff/bogus'), 'NOT_FOUND'],
    ];
    for (const [call, code] of cases) {
      const res = await changesNothing(call);
      expectError(res, 404, code);
    }
  });

  it('a member who is not in the group cannot be banned (404), and changes nothing', async () => {
    const res = await changesNothing(() => alice.api.post(`/v1/chats/${groupId}/bans`, { accountId: 'u999999' }));
    expectError(res, 404, 'PEER_ID_INVALID');
  });
});

describe("someone else's chats", () => {
  it('a private chat of others is 404 to read and to write by chat id, and nothing is written', async () => {
    expectError(await changesNothing(() => outsider.api.get(`/v1/chats/${privateChatId}/messages`)), 404, 'NOT_FOUND');
    expectError(await changesNothing(() => outsider.api.get(`/v1/chats/${privateChatId}/messages?after=m1`)), 404, 'NOT_FOUND');
    expectError(await changesNothing(() => outsider.api.post('/v1/messages', { to: { chatId: privateChatId }, text: 'let me in' })), 404, 'PEER_ID_INVALID');
    expectError(await changesNothing(() => outsider.api.post(`/v1/chats/${privateChatId}/members`, { accountIds: [outsider.id] })), 404, 'NOT_FOUND');
    expectError(await changesNothing(() => outsider.api.post(`/v1/chats/${privateChatId}/join`)), 404, 'NOT_FOUND');
    // Its participants still can.
    expect((await bob.api.get(`/v1/chats/${privateChatId}/messages`)).status).toBe(200);
  });

  it('a private group is 404 to read for a non-member', async () => {
    expectError(await changesNothing(() => outsider.api.get(`/v1/chats/${privateGroupId}/messages`)), 404, 'NOT_FOUND');
    expect((await bob.api.get(`/v1/chats/${privateGroupId}/messages`)).status).toBe(200);
  });
});

describe('paging parameters', () => {
  it.each(['0', '1001', 'abc', '-1', '1.5', '', '1e2', '99999999'])('refuses ?limit=%s with 400', async (limit) => {
    for (const path of ['/v1/chats', `/v1/chats/${privateChatId}/messages`]) {
      const res = await alice.api.get(`${path}?limit=${limit}`);
      expectError(res, 400, 'BAD_REQUEST');
    }
  });

  it('accepts the bounds 1 and 1000', async () => {
    for (const path of ['/v1/chats', `/v1/chats/${privateChatId}/messages`]) {
      for (const limit of ['1', '1000']) {
        const res = await alice.api.get(`${path}?limit=${limit}`);
        expect(res.status, `${path}?limit=${limit}`).toBe(200);
      }
    }
    const one = await alice.api.get('/v1/chats?limit=1');
    expect(one.body.chats).toHaveLength(1);
    expect(typeof one.body.nextCursor).toBe('string');
  });

  it('refuses a cursor it did not hand out with 400', async () => {
    expectError(await alice.api.get('/v1/chats?cursor=not-a-cursor'), 400, 'BAD_REQUEST');
    // Numbers beyond any id, in any spelling, are no cursor either (a database would refuse them).
    for (const cursor of ['7.193483400569483e%2B201', '1.99999999999999999999', '0.-1', '2.5'])
      expectError(await ctx.world.admin.get(`/v1/moderation/appeals?cursor=${cursor}`), 400, 'BAD_REQUEST');
  });
});

describe('text no store can hold', () => {
  it('refuses a body holding NUL (U+0000) with 400, on either store, and writes nothing', async () => {
    const before = await dump();
    for (const text of ['a\u0000b', '\u0000']) {
      const res = await alice.api.request('POST', '/v1/messages', undefined, `{"to":{"chatId":"${privateChatId}"},"text":"${text}"}`);
      expectError(res, 400, 'BAD_REQUEST');
    }
    // In a key too, and deep in the body.
    expectError(await alice.api.request('POST', '/v1/messages', undefined, `{"to":{"chatId":"${privateChatId}","x\u0000":1},"text":"hi"}`), 400, 'BAD_REQUEST');
    expect(await dump()).toEqual(before);
    // A backslash and "u0000" as plain text is text, not NUL.
    expect((await alice.api.request('POST', '/v1/messages', undefined, `{"to":{"chatId":"${privateChatId}"},"text":"\\\\u0000"}`)).status).toBe(201);
  });

  it('refuses a lone surrogate (half of a UTF-16 pair, only sendable as an escape) with 400, and writes nothing', async () => {
    // UTF-8 cannot encode it: a store would keep U+FFFD instead, and the 2xx would answer a text
    // that no later read gives back.
    const before = await dump();
    for (const half of ['\\ud800', 'a\\uDC00b', '\\ude00\\ud83d']) {
      const send = await alice.api.request('POST', '/v1/messages', undefined, `{"to":{"chatId":"${privateChatId}"},"text":"${half}"}`);
      expectError(send, 400, 'BAD_REQUEST');
      expectError(await alice.api.request('PUT', '/v1/me', undefined, `{"name":"Al${half}ice"}`), 400, 'BAD_REQUEST');
      expectError(await alice.api.request('POST', '/v1/support/tickets', undefined, `{"text":"help ${half}"}`), 400, 'BAD_REQUEST');
      expectError(await alice.api.request('POST', '/v1/groups', undefined, `{"title":"x","kind":"group","${half}":1}`), 400, 'BAD_REQUEST');
    }
    expect(await dump()).toEqual(before);
    // A whole pair, escaped, is an ordinary character: stored and read back as sent.
    const sent = await alice.api.request('POST', '/v1/messages', undefined, `{"to":{"chatId":"${privateChatId}"},"text":"smile \\ud83d\\ude00"}`);
    expect(sent.status).toBe(201);
    const all = await alice.api.get(`/v1/chats/${privateChatId}/messages?limit=1000`);
    expect(all.body.messages.at(-1)).toMatchObject({ id: sent.body.message.id, text: 'smile \u{1F600}' });
  });
});

describe('routes', () => {
  it('answers an unknown route or method 404 NOT_FOUND, with or without a token', async () => {
    for (const c of [new Client(ctx.server.url), alice.api, ctx.world.admin]) {
      expectError(await c.get('/v1/nothing-here'), 404, 'NOT_FOUND');
      expectError(await c.post('/v1/nothing-here', { a: 1 }), 404, 'NOT_FOUND');
      expectError(await c.get('/v1/messages'), 404, 'NOT_FOUND');
      expectError(await c.request('PATCH', '/v1/me', { name: 'x' }), 404, 'NOT_FOUND');
      expectError(await c.get('/'), 404, 'NOT_FOUND');
    }
  });

  it('refuses a staff token of role triage on POST /v1/accounts with 403, and registers nobody', async () => {
    const res = await changesNothing(() => triage.post('/v1/accounts', { phone: '+447700955599', name: 'Sneaky' }));
    expectError(res, 403, 'FORBIDDEN');
    // The same body from the admin succeeds: the refusal was about the token.
    expect((await ctx.world.admin.post('/v1/accounts', { phone: '+447700955599', name: 'Sneaky' })).status).toBe(201);
  });

  it('refuses an account token on admin routes with 403 FORBIDDEN', async () => {
    expectError(await changesNothing(() => alice.api.post('/v1/admin/clock', { advanceSeconds: 3600 })), 403, 'FORBIDDEN');
    expectError(await changesNothing(() => alice.api.post('/v1/accounts', { phone: '+447700955598', name: 'x' })), 403, 'FORBIDDEN');
    expectError(await changesNothing(() => alice.api.post(`/v1/accounts/${bob.id}/tokens`)), 403, 'FORBIDDEN');
  });
});

describe('never a 500 (property)', () => {
  const known = () => [alice.id, bob.id, outsider.id, privateChatId, groupId, 'u0', 'c0', 'u999999', '', '@spambot', 'spambot', bob.phone];
  const value = () => fc.oneof(fc.jsonValue(), fc.constantFrom(...known()));
  const targets: { path: () => string; method: 'POST' | 'PUT'; shaped: () => fc.Arbitrary<unknown> }[] = [
    {
      method: 'POST',
      path: () => '/v1/messages',
      shaped: () =>
        fc.record(
          {
            to: fc.oneof(value(), fc.record({ accountId: value(), phone: value(), username: value(), chatId: value() }, { requiredKeys: [] })),
            text: value(),
            idempotencyKey: value(),
          },
          { requiredKeys: [] },
        ),
    },
    {
      method: 'POST',
      path: () => '/v1/groups',
      shaped: () =>
        fc.record(
          {
            title: value(),
            kind: fc.oneof(value(), fc.constantFrom('group', 'channel')),
            public: fc.oneof(value(), fc.boolean()),
            members: fc.oneof(value(), fc.array(value(), { maxLength: 5 })),
          },
          { requiredKeys: [] },
        ),
    },
    {
      method: 'POST',
      path: () => '/v1/contacts/import',
      shaped: () =>
        fc.record(
          { contacts: fc.oneof(value(), fc.array(fc.oneof(value(), fc.record({ phone: value(), name: value() }, { requiredKeys: [] })), { maxLength: 5 })) },
          { requiredKeys: [] },
        ),
    },
    {
      method: 'PUT',
      path: () => '/v1/privacy',
      shaped: () =>
        fc.record(
          {
            findByPhone: fc.oneof(value(), fc.constantFrom('everybody', 'contacts', 'nobody')),
            phoneVisibility: fc.oneof(value(), fc.constantFrom('everybody', 'contacts', 'nobody')),
            chatInvites: fc.oneof(value(), fc.constantFrom('everybody', 'contacts', 'nobody')),
            newChats: fc.oneof(value(), fc.constantFrom('everybody', 'contacts', 'nobody')),
          },
          { requiredKeys: [] },
        ),
    },
  ];

  it.each(targets.map((t) => [`${t.method} ${t.path()}`, t] as const))('%s answers random JSON below 500, errors in the one shape', async (_name, t) => {
    // A fresh sender per route, so that what one property does to the world does not leak.
    const sender = await ctx.world.account();
    await ctx.world.mutual(sender, bob);
    const check = async (body: unknown) => {
      const res = await sender.api.request(t.method, t.path(), undefined, JSON.stringify(body));
      if (res.status >= 500) throw new Error(`${res.status} for ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      if (res.status >= 400) expectErrorShape(res);
      else expect([200, 201]).toContain(res.status);
    };
    await fc.assert(fc.asyncProperty(fc.jsonValue(), check), { numRuns: Number(process.env.FC_RUNS ?? 200) });
    await fc.assert(fc.asyncProperty(t.shaped(), check), { numRuns: Number(process.env.FC_RUNS ?? 200) });
    // The service still answers normally afterwards.
    expect((await sender.api.get('/v1/me')).status).toBe(200);
  });
});
