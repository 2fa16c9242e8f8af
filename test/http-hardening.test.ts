import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, World, type Res, type TestAccount } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { serverPerFile } from './helpers/per-file.js';
import { ADMIN_TOKEN, startServer, type TestServer } from './helpers/server.js';

/**
 * The HTTP server against hostile or careless clients: huge and slow bodies, idle sockets, too
 * many connections, odd authorization headers, prototype keys, runaway clocks, and names or
 * messages made to deceive (RULES.md §1, API.md "Conventions").
 */

let port: number;

const ctx = serverPerFile();
beforeAll(async () => {
  port = Number(new URL(ctx.server.url).port);
});

const MB = 1024 * 1024;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
  /** How the connection ended on the client's side. */
  ended: 'close' | 'error';
  /** ms from the first byte sent to the connection's end. */
  ms: number;
}

/** Parses the first HTTP response in `raw` (Content-Length framing). */
function parseAnswer(raw: string): Omit<RawAnswer, 'ended' | 'ms'> | null {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) return null;
  const [statusLine, ...lines] = raw.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const text = Buffer.from(raw.slice(split + 4), 'latin1')
    .subarray(0, length)
    .toString('utf8');
  return { status: Number(statusLine!.split(' ')[1]), headers, body: text ? JSON.parse(text) : undefined };
}

/**
 * Sends `head` and then `body` on a raw socket. `readFirst: false` is a client that writes its
 * whole request before it reads anything (curl, most synchronous clients): it reads the answer
 * only once the kernel took every byte, so a server that resets the connection early loses it.
 */
function rawRequest(
  head: string,
  body: Buffer | (() => Buffer | null),
  opts: { readFirst: boolean; timeoutMs?: number } = { readFirst: false },
): Promise<RawAnswer & { raw: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const s = net.connect(port, '127.0.0.1');
    let raw = '';
    let ended: 'close' | 'error' = 'close';
    const guard = setTimeout(() => {
      s.destroy();
      reject(new Error(`the server kept the connection open for ${opts.timeoutMs ?? 20_000} ms`));
    }, opts.timeoutMs ?? 20_000);
    if (!opts.readFirst) s.pause();
    s.on('data', (d) => (raw += d.toString('latin1')));
    s.on('error', () => (ended = 'error'));
    s.on('close', () => {
      clearTimeout(guard);
      const parsed = parseAnswer(raw);
      if (!parsed) return reject(new Error(`no answer (${ended}): ${JSON.stringify(raw.slice(0, 200))}`));
      resolve({ ...parsed, ended, ms: Date.now() - started, raw });
    });
    s.write(head);
    if (Buffer.isBuffer(body)) {
      s.write(body, () => s.resume());
    } else {
      // A stream without end: write while the server takes it.
      const pump = () => {
        for (;;) {
          const chunk = body();
          if (chunk === null || s.destroyed) return;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
      };
      pump();
    }
  });
}

function postHead(path: string, extra: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\n${extra}\r\n`;
}

function chunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += 64 * 1024) {
    const piece = body.subarray(at, at + 64 * 1024);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

function expectTooLarge(a: { status: number; body: any; headers: Record<string, string> }) {
  expect(a.status).toBe(413);
  expect(a.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  expect(a.body.error.message.length).toBeGreaterThan(10);
  expect(a.body.error.details).toEqual({ limitBytes: 64 * 1024 });
  expect(a.headers.connection).toBe('close');
}

describe('a body over the limit', () => {
  const big = Buffer.alloc(5 * MB, 'a');

  it('is refused with 413 on its Content-Length, and a client that writes it all first reads the 413 every time', async () => {
    for (let i = 0; i < 8; i++) {
      const a = await rawRequest(postHead('/v1/accounts', `Content-Length: ${big.length}\r\n`), big, { readFirst: false });
      expectTooLarge(a);
    }
  });

  it('is refused with 413 when it comes chunked and passes the limit', async () => {
    for (let i = 0; i < 8; i++) {
      const a = await rawRequest(postHead('/v1/accounts', 'Transfer-Encoding: chunked\r\n'), chunked(big), { readFirst: false });
      expectTooLarge(a);
    }
  });

  it('is refused with 413 to http.request, whether or not it is authenticated', async () => {
    for (const [i, auth] of [true, false, true, false].entries()) {
      const res = await new Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
        const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
        if (auth) headers.authorization = `Bearer ${ADMIN_TOKEN}`;
        if (i % 2 === 0) headers['content-length'] = big.length;
        const req = http.request(`${ctx.server.url}/v1/accounts`, { method: 'POST', headers }, (r) => {
          let text = '';
          r.on('data', (d) => (text += d));
          r.on('end', () => resolve({ status: r.statusCode!, body: JSON.parse(text), headers: r.headers }));
        });
        req.on('error', reject);
        req.end(big);
      });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  it('is read no further than a bounded amount: an endless upload is cut after the 413', async () => {
    let sent = 0;
    const chunk = Buffer.alloc(256 * 1024, 'a');
    const a = await rawRequest(
      postHead('/v1/accounts', `Content-Length: ${1024 * MB}\r\n`),
      () => {
        sent += chunk.length;
        return sent > 1024 * MB ? null : chunk;
      },
      { readFirst: true, timeoutMs: 15_000 },
    );
    expectTooLarge(a);
    expect(sent).toBeLessThan(256 * MB);
  });

  it('leaves bodies within the limit alone', async () => {
    const r = await ctx.world.admin.post('/v1/accounts', { phone: '+447700900777', name: 'Within Limit', padding: 'x'.repeat(60 * 1024) });
    expect(r.status).toBe(201);
  });
});

describe('slow and idle clients', () => {
  let slow: TestServer;
  let slowPort: number;
  const HEADERS_MS = 400;
  const REQUEST_MS = 800;
  const KEEP_ALIVE_MS = 300;

  beforeAll(async () => {
    slow = await startServer({ http: { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: REQUEST_MS, keepAliveTimeoutMs: KEEP_ALIVE_MS, maxConnections: 1024 } });
    slowPort = Number(new URL(slow.url).port);
  });
  afterAll(() => slow.stop());

  /** Opens a socket, runs `feed` on it, and resolves with the ms until the server closed it. */
  function closedAfter(feed: (s: net.Socket) => void, limitMs: number): Promise<{ ms: number; raw: string }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const s = net.connect(slowPort, '127.0.0.1');
      let raw = '';
      const timers: NodeJS.Timeout[] = [];
      const guard = setTimeout(() => {
        s.destroy();
        reject(new Error(`still open after ${limitMs} ms`));
      }, limitMs);
      s.on('data', (d) => (raw += d.toString('latin1')));
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(guard);
        for (const t of timers) clearInterval(t);
        resolve({ ms: Date.now() - started, raw });
      });
      s.on('connect', () => feed(s));
      (s as net.Socket & { trickle?: (text: string, everyMs: number) => void }).trickle = (text, everyMs) => {
        let i = 0;
        timers.push(
          setInterval(() => {
            if (!s.destroyed) s.write(text[i++ % text.length]!);
          }, everyMs),
        );
      };
    });
  }
  const trickle = (s: net.Socket, text: string, everyMs: number) => (s as net.Socket & { trickle: (t: string, e: number) => void }).trickle(text, everyMs);

  it('closes a connection whose headers come too slowly', async () => {
    const { ms } = await closedAfter((s) => {
      s.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
      trickle(s, 'X-Slow: abcdefghij\r\n', 20);
    }, HEADERS_MS + 3000);
    expect(ms).toBeGreaterThanOrEqual(HEADERS_MS - 50);
  });

  it('closes a connection whose body trickles past the request timeout', async () => {
    const { ms, raw } = await closedAfter((s) => {
      s.write(
        `POST /v1/accounts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n`,
      );
      trickle(s, '{"phone":"+447700900001"', 20);
    }, REQUEST_MS + 3000);
    expect(ms).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    // Answered in the one error shape on the way out.
    const a = parseAnswer(raw);
    expect(a?.status).toBe(400);
    expect(a?.body.error).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'the request was not received in time' } });
  });

  it('closes a keep-alive connection left idle after a request', async () => {
    let answeredAt = 0;
    const started = Date.now();
    const { raw } = await closedAfter((s) => {
      s.on('data', () => (answeredAt ||= Date.now()));
      s.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    }, KEEP_ALIVE_MS + 3000);
    expect(raw).toMatch(/^HTTP\/1\.1 200/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 50);
    expect(answeredAt).toBeGreaterThan(0);
  });

  it('closes a connection that never sends anything', async () => {
    const { ms } = await closedAfter(() => {}, HEADERS_MS + 3000);
    expect(ms).toBeGreaterThanOrEqual(HEADERS_MS - 50);
  });

  it('serves a client that is quick enough', async () => {
    const r = await new Client(slow.url).get('/healthz');
    expect(r.status).toBe(200);
  });
});

describe('a cap on connections', () => {
  it('closes connections past the cap, and accepts new ones once others left', async () => {
    const capped = await startServer({ http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 4 } });
    const cappedPort = Number(new URL(capped.url).port);
    const open = (): Promise<net.Socket> =>
      new Promise((resolve) => {
        const s = net.connect(cappedPort, '127.0.0.1', () => resolve(s));
        s.on('error', () => {});
      });
    /** Whether the server answers a request on `s` (rather than closing it). */
    const answers = (s: net.Socket): Promise<boolean> =>
      new Promise((resolve) => {
        s.once('data', () => resolve(true));
        s.once('close', () => resolve(false));
        s.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
      });
    try {
      const held = await Promise.all([open(), open(), open(), open()]);
      await new Promise((r) => setTimeout(r, 100));
      const extra = await open();
      expect(await answers(extra)).toBe(false);
      held[0]!.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const next = await open();
      expect(await answers(next)).toBe(true);
      for (const s of [...held, next]) s.destroy();
    } finally {
      await capped.stop();
    }
  });
});

describe('authorization', () => {
  let a: TestAccount;
  beforeAll(async () => {
    a = await ctx.world.account();
  });

  it('takes the bearer scheme in any case (RFC 7235)', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const r = await new Client(ctx.server.url, undefined, { authorization: `${scheme} ${a.token}` }).get('/v1/me');
      expect(r.status, scheme).toBe(200);
      expect(r.body.account.id).toBe(a.id);
    }
    const tab = await new Client(ctx.server.url, undefined, { authorization: `bearer\t${a.token}` }).get('/v1/me');
    expect(tab.status).toBe(200);
    for (const header of [`Basic ${a.token}`, `Bearer`, `Bearer${a.token}`, `Token ${a.token}`]) {
      expectError(await new Client(ctx.server.url, undefined, { authorization: header }).get('/v1/me'), 401, 'UNAUTHORIZED');
    }
  });

  it('rate-limits bad tokens per address, and valid tokens from that address still work', async () => {
    const limited = await startServer({ rateLimits: { authFailures: { perSecond: 0.01, burst: 5 } } });
    try {
      const w = new World(limited.url);
      const good = await w.account();
      const anon = new Client(limited.url);
      const codes: number[] = [];
      for (let i = 0; i < 8; i++) codes.push((await anon.as(`not-a-token-${i}-${'x'.repeat(20)}`).get('/v1/me')).status);
      expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      const flood = await anon.as('still-not-a-token-000000000000').get('/v1/me');
      expectError(flood, 429, 'FLOOD_WAIT');
      expect(Number(flood.headers.get('retry-after'))).toBeGreaterThan(0);
      // The account's own token, and the admin's, from the same address: not affected.
      expect((await good.api.get('/v1/me')).status).toBe(200);
      expect((await w.admin.post('/v1/accounts', { phone: '+447700900555', name: 'Another' })).status).toBe(201);
      // A request without any token is limited by the general per-address bucket only.
      expect((await anon.get('/healthz')).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe('security headers', () => {
  const expected = {
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
  function expectSecure(headers: Headers | Record<string, string>, what: string) {
    const get = (k: string) => (headers instanceof Headers ? headers.get(k) : headers[k]);
    for (const [k, v] of Object.entries(expected)) expect(get(k), `${what}: ${k}`).toBe(v);
    expect(get('content-security-policy'), what).toMatch(/default-src 'none'/);
  }

  it('are on every answer: success, errors, 404, refusals before routing, and raw ones', async () => {
    const a = await ctx.world.account();
    const answers: [string, Res][] = [
      ['200 healthz', await new Client(ctx.server.url).get('/healthz')],
      ['200 me', await a.api.get('/v1/me')],
      ['201 account', await ctx.world.admin.post('/v1/accounts', { phone: '+447700900778', name: 'Headers' })],
      ['404 route', await a.api.get('/v1/no-such-route')],
      ['401', await new Client(ctx.server.url).get('/v1/me')],
      ['400 json', await a.api.request('PUT', '/v1/privacy', undefined, '{bad')],
      ['400 bad url', await a.api.get('/v1/chats/%zz/messages')],
      ['404 long id', await a.api.get(`/v1/chats/${'c'.repeat(500)}/messages`)],
      ['openapi', await new Client(ctx.server.url).get('/openapi.json')],
    ];
    for (const [what, r] of answers) expectSecure(r.headers, what);
    const tooLarge = await rawRequest(postHead('/v1/accounts', `Content-Length: ${MB}\r\n`), Buffer.alloc(MB, 'a'));
    expectSecure(tooLarge.headers, '413');
    const garbage = await rawRequest('NOT HTTP AT ALL\r\n\r\n', Buffer.alloc(0));
    expect(garbage.status).toBe(400);
    expectSecure(garbage.headers, '400 from the HTTP parser');
  });
});

describe('POST /v1/admin/clock', () => {
  let clocked: TestServer;
  let admin: Client;
  beforeAll(async () => {
    clocked = await startServer();
    admin = new World(clocked.url).admin;
  });
  afterAll(() => clocked.stop());

  it('takes 0 to 10^10 seconds and refuses anything else with 400 naming the field', async () => {
    expect((await admin.post('/v1/admin/clock', { advanceSeconds: 0 })).status).toBe(200);
    expect((await admin.post('/v1/admin/clock', { advanceSeconds: 0.5 })).status).toBe(200);
    const bad: [string, string][] = [
      ['{"advanceSeconds": 10000000001}', 'beyond 10^10'],
      ['{"advanceSeconds": 1e400}', 'infinite'],
      ['{"advanceSeconds": -1}', 'negative'],
      ['{"advanceSeconds": -1e-300}', 'negative, tiny'],
      ['{"advanceSeconds": "60"}', 'a string'],
      ['{"advanceSeconds": null}', 'null'],
      ['{"advanceSeconds": "NaN"}', 'NaN as text'],
      ['{"advanceSeconds": {}}', 'an object'],
      ['{}', 'missing'],
    ];
    for (const [raw, what] of bad) {
      const r = await admin.request('POST', '/v1/admin/clock', undefined, raw);
      expectError(r, 400, 'BAD_REQUEST');
      expect(
        r.body.error.details.errors.map((e: { field: string }) => e.field),
        what,
      ).toEqual(['body.advanceSeconds']);
    }
  });

  it('never answers 500 for repeated maximal advances: it stops at the end of year 9999 with a 400', async () => {
    let refused: Res | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const r = await admin.post('/v1/admin/clock', { advanceSeconds: 1e10 });
      expect([200, 400], JSON.stringify(r.body)).toContain(r.status);
      if (r.status === 400) refused = r;
    }
    expect(refused, 'the clock must stop before 40 × 10^10 s').toBeDefined();
    expectError(refused!, 400, 'BAD_REQUEST');
    const details = refused!.body.error.details;
    expect(details.errors[0].field).toBe('body.advanceSeconds');
    expect(details.latest).toBe('9999-12-31T23:59:59.999Z');
    expect(details.maxAdvanceSeconds).toBeGreaterThanOrEqual(0);
    expect(details.maxAdvanceSeconds).toBeLessThan(1e10);
    // Two advances at once that fit apart but not together: one is taken, the other refused
    // with 400 in its turn (it used to pass the check on arrival, store a time past the end and
    // answer 500).
    const room = details.maxAdvanceSeconds;
    const pair = await Promise.all([room - 10, 20].map((advanceSeconds) => admin.post('/v1/admin/clock', { advanceSeconds })));
    expect(pair.map((r) => r.status).sort()).toEqual([200, 400]);
    const refusedNow = pair.find((r) => r.status === 400)!;
    expectError(refusedNow, 400, 'BAD_REQUEST');
    const after = await admin.post('/v1/admin/clock', { advanceSeconds: 1e10 });
    expectError(after, 400, 'BAD_REQUEST');
    // Up to the bound still works, one second more does not, reading the time always does.
    const last = await admin.post('/v1/admin/clock', { advanceSeconds: after.body.error.details.maxAdvanceSeconds });
    expect(last.status).toBe(200);
    expect(last.body.now.startsWith('9999-12-31T23:59:5')).toBe(true);
    expectError(await admin.post('/v1/admin/clock', { advanceSeconds: 1 }), 400, 'BAD_REQUEST');
    expect((await admin.post('/v1/admin/clock', { advanceSeconds: 0 })).status).toBe(200);
    // The world still works at the end of time.
    const w = new World(clocked.url);
    const a = await w.account();
    const b = await w.account();
    await w.mutual(a, b);
    expect((await a.api.post('/v1/messages', { to: { accountId: b.id }, text: 'late' })).status).toBe(201);
    expect((await a.api.get('/v1/me')).status).toBe(200);
    expect((await a.api.get('/v1/chats')).status).toBe(200);
  });

  it('documents the bound in the OpenAPI document', async () => {
    const doc = (await new Client(clocked.url).get('/openapi.json')).body;
    const op = doc.paths['/v1/admin/clock'].post;
    expect(op.description).toContain('9999-12-31T23:59:59.999Z');
    expect(op.requestBody.content['application/json'].schema.properties.advanceSeconds.maximum).toBe(1e10);
  });
});

describe('prototype keys in JSON bodies', () => {
  let a: TestAccount;
  let b: TestAccount;
  beforeAll(async () => {
    a = await ctx.world.account();
    b = await ctx.world.account();
    await ctx.world.mutual(a, b);
  });

  const fields = (r: Res) => r.body.error.details.errors.map((e: { field: string }) => e.field);

  it('refuses __proto__ with 400 naming that key, not as invalid JSON', async () => {
    const cases: [string, string, string][] = [
      ['POST', '/v1/messages', `{"__proto__": {"admin": true}, "to": {"accountId": "${b.id}"}, "text": "x"}`],
      ['POST', '/v1/messages', `{"to": {"__proto__": {}, "accountId": "${b.id}"}, "text": "x"}`],
      ['PUT', '/v1/privacy', '{"__proto__": 1}'],
      ['PUT', '/v1/privacy', '{"\\u005f_proto__": {"newChats": "contacts"}}'],
      ['POST', '/v1/contacts/import', '{"contacts": [{"phone": "+447700900123"}, {"__proto__": {"x": 1}}]}'],
    ].map(([m, p, raw]) => [m!, p!, raw!]);
    const expectedField = ['body.__proto__', 'body.to.__proto__', 'body.__proto__', 'body.__proto__', 'body.contacts.1.__proto__'];
    for (const [i, [method, path, raw]] of cases.entries()) {
      const r = await a.api.request(method, path, undefined, raw);
      expectError(r, 400, 'BAD_REQUEST');
      expect(fields(r), raw).toEqual([expectedField[i]]);
      expect(r.body.error.details.reason).toMatch(/__proto__/);
      expect(r.body.error.details.reason).not.toMatch(/not valid JSON/);
    }
    expect((await a.api.get('/v1/privacy')).body.newChats).toBe('everybody');
  });

  it('refuses constructor.prototype the same way, and lets a plain "constructor" field through', async () => {
    const r = await a.api.request('PUT', '/v1/privacy', undefined, '{"constructor": {"prototype": {"newChats": "contacts"}}}');
    expectError(r, 400, 'BAD_REQUEST');
    expect(fields(r)).toEqual(['body.constructor']);
    expect((await a.api.request('PUT', '/v1/privacy', undefined, '{"constructor": "x", "toString": 1}')).status).toBe(200);
  });

  it('still calls broken JSON invalid JSON', async () => {
    const r = await a.api.request('PUT', '/v1/privacy', undefined, '{"__proto__": ');
    expectError(r, 400, 'BAD_REQUEST');
    expect(r.body.error.details.reason).toBe('the body is not valid JSON');
  });

  it('never answers 500 for prototype keys in the query string', async () => {
    for (const q of ['__proto__=1', '__proto__[limit]=5', 'constructor[prototype]=1', 'limit=5&__proto__=x']) {
      const r = await a.api.get(`/v1/chats?${q}`);
      expect([200, 400], `${q}: ${JSON.stringify(r.body)}`).toContain(r.status);
    }
  });
});

describe('names that pass for a system account (RULES.md §1)', () => {
  let seq = 0;
  const phone = () => `+44770098${String(1000 + ++seq).slice(-4)}`;

  it('refuses them on registration with 400 NAME_INVALID naming the field', async () => {
    const names = [
      'Support',
      'SUPPORT',
      'Spam Info Bot',
      'spaminfobot',
      'SpamBot',
      'Ѕuрроrt',
      'S\u200Bupport',
      'Sup\u00ADport',
      'Spam\u00A0Info\u2009Bot',
      '𝐒𝐮𝐩𝐩𝐨𝐫𝐭',
      'Suppórt',
      'Al\u202Eice',
      'Bob\u2066',
      '\u200B\u200B',
    ];
    for (const name of names) {
      const r = await ctx.world.admin.post('/v1/accounts', { phone: phone(), name });
      expectError(r, 400, 'NAME_INVALID');
      expect(
        r.body.error.details.errors.map((e: { field: string }) => e.field),
        name,
      ).toEqual(['body.name']);
    }
    // The system's own usernames and their look-alikes pass for a system account (400).
    for (const username of [
      'spambot',
      'SpamBot',
      'support',
      'spam_bot',
      'Spam_Bot',
      'supp0rt',
      'Support_',
      'sp4mbot',
      'spamb0t',
      'spaminfobot',
      'Spam_Info_Bot',
      'sparnbot',
    ]) {
      const r = await ctx.world.admin.post('/v1/accounts', { phone: phone(), name: 'Ordinary Person', username });
      expectError(r, 400, 'NAME_INVALID');
      expect(
        r.body.error.details.errors.map((e: { field: string }) => e.field),
        username,
      ).toEqual(['body.username']);
    }
    const ok = await ctx.world.admin.post('/v1/accounts', { phone: phone(), name: 'Supporter', username: 'spambot_fan' });
    expect(ok.status).toBe(201);
  });

  it('refuses them on PUT /v1/me and changes nothing', async () => {
    const a = await ctx.world.account({ name: 'Plain Name', username: `plain_${Date.now() % 100000}` });
    const before = (await a.api.get('/v1/me')).body.account;
    for (const body of [
      { name: 'Support' },
      { name: 'Spam Info Bot' },
      { name: 'Ann\u202Ea' },
      { username: 'Spam_bot' },
      { username: 'supp0rt' },
      { name: 'Fine', username: 'spam_bot' },
    ]) {
      const r = await a.api.put('/v1/me', body);
      expectError(r, 400, 'NAME_INVALID');
    }
    expect((await a.api.get('/v1/me')).body.account).toEqual(before);
    const r = await a.api.put('/v1/me', { name: 'Support Team Fan' });
    expect(r.status).toBe(200);
    expect(r.body.name).toBe('Support Team Fan');
  });

  it('answers NAME_INVALID in Russian too', async () => {
    const r = await ctx.world.admin.as(ADMIN_TOKEN, { 'accept-language': 'ru' }).post('/v1/accounts', { phone: phone(), name: 'Support' });
    expectError(r, 400, 'NAME_INVALID');
    expect(r.body.error.message).toMatch(/[а-яё]/i);
  });
});

describe('messages with nothing visible (RULES.md §1)', () => {
  let a: TestAccount;
  let b: TestAccount;
  beforeAll(async () => {
    a = await ctx.world.account();
    b = await ctx.world.account();
    await ctx.world.mutual(a, b);
  });

  it('are refused with 400 MESSAGE_EMPTY naming body.text, and nothing is stored', async () => {
    for (const text of ['\u200B', '\u200B\u200B\u200B', ' \u200C\u200D ', '\u2060\uFEFF', '\u00AD', '\u3164', '\u2800', '  \n ', '\u202E', '\uFE0F\uFE0F']) {
      const r = await a.api.post('/v1/messages', { to: { accountId: b.id }, text });
      expectError(r, 400, 'MESSAGE_EMPTY');
      expect(r.body.error.details.errors.map((e: { field: string }) => e.field)).toEqual(['body.text']);
    }
    expect((await b.api.get('/v1/chats')).body.chats).toEqual([]);
    expect((await a.api.post('/v1/messages', { to: { accountId: b.id }, text: '\u200B👍' })).status).toBe(201);
  });

  it('are checked after the sender and the recipient, as the empty check always was', async () => {
    // An unknown recipient is reported first.
    expectError(await a.api.post('/v1/messages', { to: { accountId: 'u999999' }, text: '\u200B' }), 404, 'PEER_ID_INVALID');
    // A frozen sender hears that it is frozen; to SpamBot it may write, so there the text counts.
    const moderator = await ctx.world.staff('moderator');
    const scammer = await ctx.world.account();
    const victim = await ctx.world.account();
    const sent = await scammer.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'send me your card number' });
    expect(sent.status).toBe(201);
    const report = await victim.api.post('/v1/reports', { chatId: sent.body.message.chatId, reason: 'scam' });
    expect(report.status).toBe(201);
    const decision = await moderator.post(`/v1/moderation/cases/${report.body.report.caseId}/decision`, { action: 'confirm', policy: 'scam' });
    expect(decision.body.sanction?.state).toBe('frozen');
    expectError(await scammer.api.post('/v1/messages', { to: { accountId: victim.id }, text: '\u200B' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await scammer.api.post('/v1/messages', { to: { username: 'spambot' }, text: '\u200B' }), 400, 'MESSAGE_EMPTY');
    // A banned sender: its token answers USER_DEACTIVATED_BAN before anything else.
    const offender = await ctx.world.account();
    const other = await ctx.world.account();
    const s2 = await offender.api.post('/v1/messages', { to: { accountId: other.id }, text: '[illegal]' });
    const r2 = await other.api.post('/v1/reports', { chatId: s2.body.message.chatId, reason: 'child_abuse' });
    const d2 = await moderator.post(`/v1/moderation/cases/${r2.body.report.caseId}/decision`, { action: 'confirm', policy: 'child_abuse' });
    expect(d2.body.sanction?.state).toBe('banned');
    expectError(await offender.api.post('/v1/messages', { to: { accountId: other.id }, text: '\u200B' }), 401, 'USER_DEACTIVATED_BAN');
  });
});
