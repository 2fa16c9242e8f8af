import fc from 'fast-check';
import http from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import type { ManualClock } from '../src/clock.js';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { parseId } from '../src/store/ids.js';
import { Client, World, type TestAccount } from './helpers/client.js';
import { ADMIN_TOKEN, testConfig } from './helpers/server.js';

/**
 * The send fast path (src/http/send-fast-path.ts) against Fastify's route: two real servers on
 * loopback, the fast path on in one and off in the other, built the same way and given the same
 * requests in the same order, one at a time. Every answer must be the same: status, headers
 * (but Date, Connection and Keep-Alive) and body, byte for byte; so must the access log's lines
 * and the send figures. The corpus is drawn by fast-check on the suite's seed (printed).
 */

const SEED = fc.readConfigureGlobal().seed ?? 0;
const RUNS = Number(process.env.SEND_FAST_PATH_RUNS ?? 400);
const BODY_LIMIT = 64 * 1024;
const MESSAGES_BURST = 40;
const DAY = 24 * 3600_000;

interface Side {
  name: 'fast' | 'fastify';
  app: App;
  port: number;
  world: World;
  /** The access log's lines, as written. */
  access: Record<string, unknown>[];
  accounts: Record<string, TestAccount>;
  staff: string;
  session: { cookie: string; csrf: string };
}

async function start(name: Side['name']): Promise<Side> {
  const access: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        const o = JSON.parse(line) as Record<string, unknown>;
        if (o.log === 'access') access.push(o);
      }
      done();
    },
  });
  const config = await testConfig({
    logLevel: 'info',
    bodyLimitBytes: BODY_LIMIT,
    http: { sendFastPath: name === 'fast' },
    rateLimits: { messages: { perSecond: 1, burst: MESSAGES_BURST }, authFailures: { perSecond: 1, burst: 30 }, enabled: true },
  });
  // Rate limits on a clock that stands still: both servers refuse the same requests, with the same waits.
  const app = await createApp(config, { logger: pino({ level: 'info' }, sink), monotonicMs: () => 1000 });
  const url = await app.listen();
  return { name, app, port: Number(new URL(url).port), world: new World(url), access, accounts: {}, staff: '', session: { cookie: '', csrf: '' } };
}

let sides: [Side, Side];

/** Runs the same step on both servers, one after the other. */
async function both<T>(step: (s: Side) => Promise<T>): Promise<[T, T]> {
  const a = await step(sides[0]);
  const b = await step(sides[1]);
  return [a, b];
}

const NAMES = ['s1', 's2', 's3', 'ru', 'stranger', 'limited', 'frozen', 'banned', 'deleted', 'private', 'blocker', 'flooder', 'named', 'spent'] as const;
type Name = (typeof NAMES)[number];
const phoneOf = (i: number) => `+4477009${String(20000 + i).slice(-5)}`;
/** Filled once both worlds are built (the same on both sides: ids are sequential). */
const ids: Record<string, string> = {};
const chats: string[] = [];

beforeAll(async () => {
  sides = [await start('fast'), await start('fastify')];
  // One manual time for both.
  const at = Math.max(...sides.map((s) => s.app.platform.clock.now())) + 60_000;
  for (const s of sides) (s.app.platform.clock as ManualClock).moveTo(at);
  await both(async (s) => {
    for (const [i, name] of NAMES.entries()) {
      s.accounts[name] = await s.world.account({
        phone: phoneOf(i),
        name: `Person ${name}`,
        ...(name === 'ru' ? { language: 'ru' as const } : {}),
        ...(name === 'named' ? { username: 'Fast_Named' } : {}),
      });
    }
    const a = s.accounts as Record<Name, TestAccount>;
    await s.world.mutual(a.s1, a.s2);
    await s.world.mutual(a.s2, a.s3);
    await s.world.mutual(a.s1, a.ru);
    await s.world.mutual(a.limited, a.s1);
    const first = await a.s1.api.post('/v1/messages', { to: { accountId: a.s2.id }, text: 'first' });
    const second = await a.s2.api.post('/v1/messages', { to: { accountId: a.s3.id }, text: 'second' });
    if (first.status !== 201 || second.status !== 201) throw new Error('setup sends failed');
    if (s.name === 'fast') chats.push(first.body.message.chatId, second.body.message.chatId);
    const p = s.app.platform;
    const now = p.clock.now();
    await restrictAccount(p, parseId('account', a.limited.id), { state: 'limited', kind: 'report', until: now + DAY }, { kind: 'system' });
    await restrictAccount(p, parseId('account', a.frozen.id), { state: 'frozen', kind: 'scam', deleteAt: now + 14 * DAY }, { kind: 'system' });
    await restrictAccount(p, parseId('account', a.banned.id), { state: 'banned', kind: 'child_abuse' }, { kind: 'system' });
    if ((await a.deleted.api.delete('/v1/me')).status !== 204) throw new Error('delete failed');
    if ((await a.private.api.put('/v1/privacy', { newChats: 'contacts' })).status !== 200) throw new Error('privacy failed');
    if ((await a.blocker.api.post('/v1/blocks', { accountId: a.s1.id })).status !== 204) throw new Error('block failed');
    for (let i = 0; i < MESSAGES_BURST; i++) await a.flooder.api.post('/v1/messages', { to: { accountId: a.s1.id }, text: `flood ${i}` });
    // An account out of requests (its bucket never refills on this clock): only SpamBot and support reach it.
    const spent = parseId('account', a.spent.id);
    for (let i = 0; i < 100_000 && p.limits.take('requests', spent) === 0; i++);
    s.staff = (await s.world.staff('triage')).token!;
    const opened = await new Client(s.world.url).post('/v1/console/session', { token: s.staff });
    if (opened.status !== 201) throw new Error(`console session: ${opened.status}`);
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    s.session = { cookie, csrf: opened.body.csrf };
  });
  for (const name of NAMES) {
    const [a, b] = sides.map((s) => s.accounts[name]!.id);
    if (a !== b) throw new Error(`the two worlds differ: ${name} is ${a} and ${b}`);
    ids[name] = a!;
  }
  console.log(`send fast path: ${RUNS} requests drawn with seed ${SEED} (replay with FC_SEED=${SEED})`);
}, 120_000);

afterAll(async () => {
  for (const s of sides ?? []) await s?.app.close();
});

// ---- the corpus ---------------------------------------------------------------------------

type Auth =
  | { kind: 'account'; who: Name; scheme?: string; pad?: boolean }
  | { kind: 'staff' }
  | { kind: 'admin' }
  | { kind: 'none' }
  | { kind: 'raw'; value: string }
  | { kind: 'session'; csrf: 'right' | 'wrong' | 'none' };

type Body = { kind: 'json'; value: unknown } | { kind: 'text'; text: string } | { kind: 'bytes'; hex: string } | { kind: 'none' };

interface Spec {
  method: string;
  path: string;
  auth: Auth;
  contentType: string | null;
  acceptLanguage: string | null;
  body: Body;
  framing: 'length' | 'chunked';
  expect: boolean;
}

const deep = (n: number, open: string, close: string, inner: string) => open.repeat(n) + inner + close.repeat(n);

function corpus(): fc.Arbitrary<Spec> {
  const accountTargets = [...NAMES.map((n) => ids[n]!), 'u999999', 'garbage', '', 'u0'];
  const phones = [...NAMES.map((_, i) => phoneOf(i)), '+44 (7700) 920-000', '+15550000001', 'not a phone', ''];
  const target = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...accountTargets).map((accountId) => ({ accountId })) },
    { weight: 2, arbitrary: fc.constantFrom(...phones).map((phone) => ({ phone })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('spambot', 'support', 'Fast_Named', '@fast_named', 'nobody_here', '', 'x'.repeat(65)).map((username) => ({ username })),
    },
    { weight: 2, arbitrary: fc.constantFrom(...chats, 'c999999', '').map((chatId) => ({ chatId })) },
    { weight: 1, arbitrary: fc.constantFrom('nobody@example.org', '').map((platformId) => ({ platformId })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<unknown>(
        { accountId: ids.s2, username: 'spambot' },
        {},
        5,
        'u2',
        null,
        [],
        { accountId: 5 },
        { phone: null },
        { accountId: ids.s2, extra: true },
      ),
    },
  );
  const text = fc.oneof(
    { weight: 5, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('', ' ', '\u200b', '\n\t', 'hello', 'x'.repeat(4096), 'x'.repeat(4097), 'привет', 'a\u0000b', '\ud800', 'ok \udfff'),
    },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(5, null, [], {}, true) },
  );
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('k1', 'k2', 'k3') }, { weight: 1, arbitrary: fc.constantFrom<unknown>('', 'k'.repeat(129), 7) });
  const sendBody = fc.record({ to: target, text, idempotencyKey: key }, { requiredKeys: [] }).map((b) => ({ kind: 'json' as const, value: b }));
  const goodSend = fc
    .record({
      to: fc.constantFrom(...accountTargets.slice(0, NAMES.length)).map((accountId) => ({ accountId })),
      text: fc.string({ minLength: 1, maxLength: 20 }),
    })
    .map((value) => ({ kind: 'json' as const, value }));
  const validText = `{"to":{"accountId":"${ids.s2}"},"text":"hi"}`;
  const raw = fc.constantFrom<Body>(
    { kind: 'text', text: '' },
    { kind: 'text', text: ' \n ' },
    { kind: 'text', text: '{' },
    { kind: 'text', text: '{"to":' },
    { kind: 'text', text: 'null' },
    { kind: 'text', text: '[]' },
    { kind: 'text', text: '"text"' },
    { kind: 'text', text: '42' },
    { kind: 'text', text: `${validText} trailing` },
    { kind: 'text', text: `\ufeff${validText}` },
    { kind: 'text', text: `\ufeff\ufeff${validText}` },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}"},"text":"a","text":"b"}` },
    { kind: 'text', text: deep(40, '[', ']', '1') },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}"},"text":"deep","x":${deep(32, '{"a":', '}', '1')}}` },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}"},"text":"deep","x":${deep(30, '{"a":', '}', '1')}}` },
    { kind: 'text', text: `{"__proto__":{"admin":true},"to":{"accountId":"${ids.s2}"},"text":"x"}` },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}","constructor":{"prototype":{}}},"text":"x"}` },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}"},"text":"x","constructor":"fine"}` },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}"},"text":"a\\u0000b"}` },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}"},"text":"ok","n\\u0000":1}` },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}"},"text":"\\ud800"}` },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}"},"text":"a\u0000b"}` },
    { kind: 'text', text: 'to=u2&text=hi' },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}"},"text":"${'y'.repeat(BODY_LIMIT)}"}` },
    { kind: 'text', text: `{"to":{"accountId":"${ids.s2}"},"text":"${'y'.repeat(BODY_LIMIT - 40)}"}` },
    // Not UTF-8: a lone surrogate's bytes, a stray continuation byte, an overlong NUL.
    { kind: 'bytes', hex: Buffer.from(`{"to":{"accountId":"${ids.s2}"},"text":"`).toString('hex') + 'eda080' + Buffer.from('"}').toString('hex') },
    { kind: 'bytes', hex: Buffer.from(`{"to":{"accountId":"${ids.s2}"},"text":"`).toString('hex') + '80ff' + Buffer.from('"}').toString('hex') },
    { kind: 'bytes', hex: Buffer.from(`{"to":{"accountId":"${ids.s2}"},"text":"`).toString('hex') + 'c080' + Buffer.from('"}').toString('hex') },
    { kind: 'none' },
  );
  const body = fc.oneof({ weight: 6, arbitrary: sendBody }, { weight: 4, arbitrary: goodSend }, { weight: 4, arbitrary: raw });
  const who = fc.constantFrom<Name>(...NAMES);
  const auth = fc.oneof(
    { weight: 12, arbitrary: who.map((w): Auth => ({ kind: 'account', who: w })) },
    { weight: 1, arbitrary: who.map((w): Auth => ({ kind: 'account', who: w, scheme: 'bearer' })) },
    { weight: 1, arbitrary: who.map((w): Auth => ({ kind: 'account', who: w, scheme: 'BEARER', pad: true })) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'staff' }) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'admin' }) },
    { weight: 2, arbitrary: fc.constant<Auth>({ kind: 'none' }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('Bearer short', `Bearer ${'A'.repeat(43)}`, 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', '')
        .map((value): Auth => ({ kind: 'raw', value })),
    },
    { weight: 1, arbitrary: fc.constantFrom<'right' | 'wrong' | 'none'>('right', 'wrong', 'none').map((csrf): Auth => ({ kind: 'session', csrf })) },
  );
  const contentType = fc.oneof(
    { weight: 10, arbitrary: fc.constant('application/json') },
    {
      weight: 4,
      arbitrary: fc.constantFrom<string | null>(
        'application/json; charset=utf-8',
        'Application/JSON',
        'application/json;charset=UTF-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        null,
        'application/xml',
        'multipart/form-data; boundary=x',
        'invalid',
        '',
        'application/json; charset=latin1',
        'application/vnd.api+json',
      ),
    },
  );
  const acceptLanguage = fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.constantFrom('ru', 'ru-RU,ru;q=0.9', 'en-GB', 'de', '*', 'xx;q=bad', 'RU', 'en;q=0.1, ru;q=0.8', '') },
  );
  const method = fc.oneof(
    { weight: 20, arbitrary: fc.constant('POST') },
    { weight: 1, arbitrary: fc.constantFrom('PUT', 'GET', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS') },
  );
  const path = fc.oneof(
    { weight: 20, arbitrary: fc.constant('/v1/messages') },
    { weight: 1, arbitrary: fc.constantFrom('/v1/messages?x=1', '/v1/messages?', '/v1/messages/', '/v1/Messages', '//v1/messages', '/v1/messages#x') },
  );
  // (Node's client sends the body of a GET, HEAD, DELETE or OPTIONS unframed: the server reads it
  // as the next request, and after `Expect` when that happens is a race. No `Expect` with those.)
  const bodied = new Set(['POST', 'PUT', 'PATCH']);
  return fc
    .record({
      method,
      path,
      auth,
      contentType,
      acceptLanguage,
      body,
      framing: fc.oneof({ weight: 5, arbitrary: fc.constant<'length'>('length') }, { weight: 1, arbitrary: fc.constant<'chunked'>('chunked') }),
      expect: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    })
    .map((spec) => (spec.expect && !bodied.has(spec.method) ? { ...spec, expect: false } : spec));
}

// ---- sending ------------------------------------------------------------------------------

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function payloadOf(b: Body): Buffer | null {
  switch (b.kind) {
    case 'json':
      return Buffer.from(JSON.stringify(b.value));
    case 'text':
      return Buffer.from(b.text);
    case 'bytes':
      return Buffer.from(b.hex, 'hex');
    case 'none':
      return null;
  }
}

function authHeaders(s: Side, a: Auth): Record<string, string> {
  switch (a.kind) {
    case 'account': {
      const token = s.accounts[a.who]!.token;
      return { authorization: a.pad ? `${a.scheme ?? 'Bearer'}   ${token}  ` : `${a.scheme ?? 'Bearer'} ${token}` };
    }
    case 'staff':
      return { authorization: `Bearer ${s.staff}` };
    case 'admin':
      return { authorization: `Bearer ${ADMIN_TOKEN}` };
    case 'none':
      return {};
    case 'raw':
      return { authorization: a.value };
    case 'session':
      return {
        cookie: s.session.cookie,
        ...(a.csrf === 'right' ? { 'x-csrf-token': s.session.csrf } : a.csrf === 'wrong' ? { 'x-csrf-token': 'not-the-token' } : {}),
      };
  }
}

/** One request on its own connection; the answer as it came (or the error that ended it). */
function call(s: Side, spec: Spec): Promise<Answer> {
  const payload = payloadOf(spec.body);
  const headers: Record<string, string> = { ...authHeaders(s, spec.auth) };
  if (spec.contentType !== null) headers['content-type'] = spec.contentType;
  if (spec.acceptLanguage !== null) headers['accept-language'] = spec.acceptLanguage;
  if (spec.expect) headers.expect = '100-continue';
  if (payload !== null && spec.framing === 'length') headers['content-length'] = String(payload.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: s.port, method: spec.method, path: spec.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, body: `error ${err.code}` }));
    const send = () => {
      if (payload === null) return void req.end();
      if (spec.framing === 'chunked') {
        // In pieces, without a declared length.
        for (let at = 0; at < payload.length; at += 16 * 1024) req.write(payload.subarray(at, at + 16 * 1024));
        if (payload.length === 0) req.write('');
        return void req.end();
      }
      req.end(payload);
    };
    if (spec.expect) req.on('continue', send);
    else send();
  });
}

/** Whether the fast path is meant to take the request (the rest goes to Fastify untouched). */
function eligible(spec: Spec): boolean {
  if (spec.method !== 'POST' || spec.path !== '/v1/messages' || spec.expect) return false;
  if (spec.contentType === null) return spec.body.kind === 'none' || (spec.framing === 'length' && payloadOf(spec.body)!.length === 0);
  return ['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'].includes(
    spec.contentType.toLowerCase(),
  );
}

const SKIP_HEADERS = new Set(['date', 'connection', 'keep-alive']);
const comparable = (a: Answer) => ({
  status: a.status,
  headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => !SKIP_HEADERS.has(k))),
  body: a.body,
});
const logLine = (o: Record<string, unknown>) => {
  const { time: _t, ms: _m, pid: _p, hostname: _h, ...rest } = o;
  return rest;
};

describe('POST /v1/messages on the fast path answers as Fastify does', () => {
  it('gives the same status, headers and body to every request of the corpus, and logs and counts the same', async () => {
    // A few requests the drawn ones may miss, first; then the drawn corpus.
    const plain = (who: Name, value: unknown, extra: Partial<Spec> = {}): Spec => ({
      method: 'POST',
      path: '/v1/messages',
      auth: { kind: 'account', who },
      contentType: 'application/json',
      acceptLanguage: null,
      body: { kind: 'json', value },
      framing: 'length',
      expect: false,
      ...extra,
    });
    const once = { to: { accountId: ids.s2 }, text: 'once', idempotencyKey: 'fixed' };
    const fixed: Spec[] = [
      plain('s1', once),
      plain('s1', once),
      plain('s1', { ...once, text: 'different' }),
      plain('s1', { to: { accountId: ids.blocker }, text: 'hi' }),
      plain('blocker', { to: { accountId: ids.s1 }, text: 'hi' }),
      plain('stranger', { to: { accountId: ids.private }, text: 'hi' }),
      plain('stranger', { to: { accountId: ids.stranger }, text: 'me' }),
      plain('s1', { to: { accountId: ids.s2 }, text: 'chunked' }, { framing: 'chunked' }),
      plain('s1', { to: { accountId: ids.s2 }, text: 'y'.repeat(BODY_LIMIT) }, { framing: 'chunked' }),
      plain('s1', { to: { accountId: ids.s2 }, text: 'y'.repeat(BODY_LIMIT) }),
      plain('limited', { to: { accountId: ids.stranger }, text: 'hi' }, { acceptLanguage: 'ru' }),
      plain('s1', { to: { accountId: ids.s2 }, text: 'expect' }, { expect: true }),
      plain('s1', { to: { phone: '+15550000001' }, text: 'anyone?' }),
      plain('s1', { to: { accountId: ids.s2 }, text: 'typed' }, { contentType: 'invalid' }),
      plain('s1', { to: { accountId: ids.s2 } }),
      plain('spent', { to: { username: 'spambot' }, text: '/start' }),
      plain('spent', { to: { username: 'support' }, text: 'help' }),
      plain('spent', { to: { username: 'spambot' } }),
      plain('spent', { to: { accountId: ids.s1 }, text: 'hi' }),
      plain('spent', { to: { username: 'spambot' }, text: 'x' }, { contentType: 'invalid' }),
      plain('spent', { to: { username: 'spambot' }, text: 'y'.repeat(BODY_LIMIT) }, { framing: 'chunked' }),
    ];
    const specs = [...fixed, ...fc.sample(corpus(), { seed: SEED, numRuns: RUNS })];
    const takenBefore = sides[0].app.http.sendFastPath!.taken;
    expect(sides[1].app.http.sendFastPath).toBeNull();
    const logsBefore = sides.map((s) => s.access.length);
    let expected = 0;
    const statuses = new Map<string, number>();
    for (const [i, spec] of specs.entries()) {
      const [fast, slow] = await both((s) => call(s, spec));
      const context = `request ${i} of seed ${SEED}: ${JSON.stringify(spec).slice(0, 400)}`;
      expect(comparable(fast), context).toEqual(comparable(slow));
      if (eligible(spec)) expected++;
      const code = /"code":"([A-Z_]+)"/.exec(slow.body)?.[1] ?? '';
      statuses.set(`${slow.status} ${code}`, (statuses.get(`${slow.status} ${code}`) ?? 0) + 1);
    }
    // The fast path took exactly the requests it is meant to (so the comparison above compared it).
    expect(sides[0].app.http.sendFastPath!.taken - takenBefore).toBe(expected);
    expect(expected).toBeGreaterThan(specs.length / 2);
    // The corpus reached the answers it is meant to reach.
    const seen = [...statuses.keys()].join(', ');
    for (const answer of [
      '201 ',
      '400 BAD_REQUEST',
      '401 UNAUTHORIZED',
      '401 USER_DEACTIVATED_BAN',
      '403 FORBIDDEN',
      '403 PEER_FLOOD',
      '403 FROZEN_METHOD_INVALID',
      '404 PEER_ID_INVALID',
      '409 IDEMPOTENCY_CONFLICT',
      '403 USER_IS_BLOCKED',
      '403 YOU_BLOCKED_USER',
      '403 USER_PRIVACY_RESTRICTED',
      '410 INPUT_USER_DEACTIVATED',
      '404 PHONE_NOT_OCCUPIED',
      '415 UNSUPPORTED_MEDIA_TYPE',
      '413 PAYLOAD_TOO_LARGE',
      '429 FLOOD_WAIT',
    ])
      expect(seen, `answers seen: ${seen}`).toContain(answer);
    // The access log: one line per answered request, the same fields on both.
    await new Promise((r) => setTimeout(r, 50));
    const [fastLog, slowLog] = sides.map((s, k) => s.access.slice(logsBefore[k]).map(logLine));
    expect(fastLog!.length).toBeGreaterThan(RUNS / 2);
    expect(fastLog).toEqual(slowLog);
    // The send figures, as /metrics exports them.
    const [fastFigures, slowFigures] = await both(async (s) => {
      const text = await (await fetch(`${s.world.url}/metrics`)).text();
      return text.split('\n').filter((l) => /^banya_(messages_sent_total|send_denials_total)/.test(l));
    });
    expect(fastFigures!.length).toBeGreaterThan(2);
    expect(fastFigures).toEqual(slowFigures);
  }, 240_000);
});

describe('while the server closes', () => {
  /**
   * A request that began before the close is answered; one that comes after it on the same
   * connection (pipelined behind it) gets Fastify's 503, with the fast path on as with it off.
   */
  async function closingAnswers(fast: boolean): Promise<string[]> {
    const config = await testConfig({ http: { sendFastPath: fast } });
    const app = await createApp(config, { logger: pino({ level: 'silent' }) });
    const url = await app.listen();
    const world = new World(url);
    const a = await world.account({ phone: phoneOf(90) });
    const b = await world.account({ phone: phoneOf(91) });
    const body = JSON.stringify({ to: { accountId: b.id }, text: 'before the close' });
    const head = (n: number) =>
      `POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${a.token}\r\nContent-Type: application/json\r\nContent-Length: ${n}\r\n\r\n`;
    const net = await import('node:net');
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let received = '';
    socket.on('data', (c: Buffer) => {
      received += c.toString('utf8');
    });
    const ended = new Promise((r) => socket.once('close', r));
    // The first request's headers and half its body: the connection is busy, not idle.
    socket.write(head(Buffer.byteLength(body)) + body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 100));
    const closed = app.close();
    await new Promise((r) => setTimeout(r, 100));
    socket.write(body.slice(10) + head(Buffer.byteLength(body)) + body);
    await Promise.race([ended, new Promise((r) => setTimeout(r, 3000))]);
    socket.destroy();
    await closed;
    return [...received.matchAll(/HTTP\/1\.1 (\d+)[\s\S]*?\r\n\r\n(\{.*?\}(?=HTTP|$))/g)].map(
      (m) => `${m[1]} ${m[2]!.replace(/"(id|chatId|sentAt)":"[^"]*"/g, '"$1":"…"')}`,
    );
  }

  it('answers the request that began, then 503 as Fastify does', async () => {
    const fast = await closingAnswers(true);
    const slow = await closingAnswers(false);
    expect(slow.length, slow.join('\n')).toBe(2);
    expect(slow[0]).toMatch(/^201 /);
    expect(slow[1]).toMatch(/^503 /);
    expect(fast).toEqual(slow);
  }, 60_000);
});
