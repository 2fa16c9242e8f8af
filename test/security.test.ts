import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { checkProjections } from '../src/check.js';
import { configFrom, type ConfigInput } from '../src/config.js';
import { PAGE_CSP } from '../src/http/errors.js';
import { Client, World } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { ADMIN_TOKEN, freshDataDir } from './helpers/server.js';

/**
 * Hardening: the access log and what never reaches it, tokens that can be revoked
 * (an account signs out; the platform ends all of an account's sessions; a staff member's tokens
 * and console sessions end with them), the admin token's rotation, the console sign-in's limit on
 * failed attempts, and the web pages' headers. Timeouts, the connection cap, body limits and the
 * bearer-token failure limit: test/http-hardening.test.ts.
 */

/** A server on loopback whose log lines are kept in `lines`. */
async function serverWithLog(overrides: Partial<ConfigInput> = {}, dataDir = freshDataDir()) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(l);
      done();
    },
  });
  const config = configFrom({ dataDir, port: 0, host: '127.0.0.1', adminToken: ADMIN_TOKEN, clock: 'manual', logLevel: 'info', ...overrides });
  const app = await createApp(config, { logger: pino({ level: config.logLevel }, sink) });
  const url = await app.listen();
  return { app, url, lines, dataDir };
}

describe('the access log', () => {
  let s: Awaited<ReturnType<typeof serverWithLog>>;
  beforeAll(async () => {
    s = await serverWithLog();
  });
  afterAll(async () => {
    await s?.app.close();
  });

  it('has one line per request (method, route pattern, status, duration, principal kind) and never a token, a phone number or a message text', async () => {
    const world = new World(s.url);
    const alice = await world.account({ phone: '+447700912345', name: 'Alice' });
    const bob = await world.account({ phone: '+447700954321', name: 'Bob' });
    await world.mutual(alice, bob);
    const text = 'the words of a private message 5f2a';
    expect((await alice.api.post('/v1/messages', { to: { accountId: bob.id }, text })).status).toBe(201);
    expect((await alice.api.get(`/v1/accounts/resolve?phone=${encodeURIComponent(bob.phone)}`)).status).toBe(200);
    expect((await alice.api.post('/v1/messages', { to: { phone: bob.phone }, text: `${text} again` })).status).toBe(201);
    const staff = await world.admin.post('/v1/admin/staff', { name: 'Mod', role: 'moderator' });
    const staffToken: string = staff.body.token;
    const signIn = await fetch(`${s.url}/v1/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: staffToken }),
    });
    expect(signIn.status).toBe(201);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = ((await signIn.json()) as { csrf: string }).csrf;
    expect((await fetch(`${s.url}/v1/moderation/cases`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${s.url}/v1/moderation/cases/c999/claim`, { method: 'POST', headers: { cookie } })).status).toBe(403);
    expectError(await new Client(s.url, 'a-wrong-token-that-is-long-enough').get('/v1/me'), 401, 'UNAUTHORIZED');
    expect((await new Client(s.url).get('/v1/nothing/here')).status).toBe(404);
    // An answer is logged once it is written: wait for the last one.
    await new Promise((r) => setTimeout(r, 50));

    const access = s.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.log === 'access');
    const send = access.find((l) => l.route === '/v1/messages' && l.status === 201);
    expect(send).toMatchObject({ method: 'POST', route: '/v1/messages', status: 201, principal: 'account' });
    expect(typeof send!.ms).toBe('number');
    expect(access.find((l) => l.route === '/v1/accounts/resolve')).toMatchObject({ method: 'GET', status: 200, principal: 'account' });
    expect(access.find((l) => l.route === '/v1/accounts')).toMatchObject({ method: 'POST', status: 201, principal: 'admin' });
    expect(access.find((l) => l.route === '/v1/moderation/cases')).toMatchObject({ status: 200, principal: 'session:staff' });
    expect(access.find((l) => l.route === '/v1/moderation/cases/:id/claim')).toMatchObject({ status: 403, principal: 'session:staff', code: 'FORBIDDEN' });
    expect(access.find((l) => l.route === '/v1/me' && l.status === 401)).toMatchObject({ principal: 'invalid', code: 'UNAUTHORIZED' });
    expect(access.find((l) => l.status === 404)).toMatchObject({ route: '(no route)', principal: 'anonymous' });

    const everything = s.lines.join('\n');
    const secrets = {
      adminToken: ADMIN_TOKEN,
      accountToken: alice.token,
      staffToken,
      sessionCookie: cookie.split('=')[1]!,
      csrf,
      text,
      phone: bob.phone,
      phoneDigits: bob.phone.slice(1),
      phoneEncoded: encodeURIComponent(bob.phone),
      otherPhone: alice.phone.slice(1),
      badToken: 'a-wrong-token-that-is-long-enough',
    };
    for (const [what, secret] of Object.entries(secrets)) expect(everything.includes(secret), `${what} in the log`).toBe(false);
  });

  it('is off below the info level', async () => {
    const quiet = await serverWithLog({ logLevel: 'warn' });
    try {
      expect((await new Client(quiet.url).get('/healthz')).status).toBe(200);
      expect(quiet.lines.filter((l) => l.includes('"log":"access"'))).toEqual([]);
    } finally {
      await quiet.app.close();
    }
  });
});

describe('revocable tokens', () => {
  let app: App;
  let url: string;
  let dataDir: string;
  let world: World;
  beforeAll(async () => {
    const s = await serverWithLog({ logLevel: 'silent' });
    ({ app, url, dataDir } = s);
    world = new World(url);
  });
  afterAll(async () => {
    await app?.close();
  });

  async function restart(): Promise<void> {
    await app.close();
    const s = await serverWithLog({ logLevel: 'silent' }, dataDir);
    ({ app, url } = s);
    world = new World(url);
  }

  it('an account signs out: that token answers 401, its other sessions go on, and so it stays after a restart', async () => {
    const a = await world.account();
    const second = await world.admin.post(`/v1/accounts/${a.id}/tokens`);
    expect(second.status).toBe(201);
    const out = await a.api.post('/v1/me/sign-out');
    expect(out.status).toBe(204);
    expectError(await a.api.get('/v1/me'), 401, 'UNAUTHORIZED');
    expectError(await a.api.post('/v1/me/sign-out'), 401, 'UNAUTHORIZED');
    expect((await new Client(url, second.body.token).get('/v1/me')).status).toBe(200);
    const timeline = await world.admin.get(`/v1/moderation/accounts/${a.id}`);
    const revoked = timeline.body.events.find((e: { type: string }) => e.type === 'tokens_revoked');
    expect(revoked).toMatchObject({ type: 'tokens_revoked', scope: 'session' });
    expect(JSON.stringify(timeline.body)).not.toContain('hash');
    await restart();
    expectError(await new Client(url, a.token).get('/v1/me'), 401, 'UNAUTHORIZED');
    expect((await new Client(url, second.body.token).get('/v1/me')).status).toBe(200);
    expect(await checkProjections(app.platform.store)).toEqual([]);
  });

  it('the platform ends every session of an account; a sign-in after it works; staff, the admin role too, cannot', async () => {
    const a = await world.account();
    const t2 = (await world.admin.post(`/v1/accounts/${a.id}/tokens`)).body.token as string;
    const adminStaff = await world.staff('admin');
    expectError(await adminStaff.delete(`/v1/accounts/${a.id}/tokens`), 403, 'FORBIDDEN');
    expect((await a.api.get('/v1/me')).status).toBe(200);
    expect((await world.admin.delete(`/v1/accounts/${a.id}/tokens`)).status).toBe(204);
    expectError(await a.api.get('/v1/me'), 401, 'UNAUTHORIZED');
    expectError(await new Client(url, t2).get('/v1/me'), 401, 'UNAUTHORIZED');
    const t3 = (await world.admin.post(`/v1/accounts/${a.id}/tokens`)).body.token as string;
    expect((await new Client(url, t3).get('/v1/me')).status).toBe(200);
    expectError(await world.admin.delete('/v1/accounts/u999999/tokens'), 404, 'NOT_FOUND');
    await restart();
    expectError(await new Client(url, t2).get('/v1/me'), 401, 'UNAUTHORIZED');
    expect((await new Client(url, t3).get('/v1/me')).status).toBe(200);
    expect(await checkProjections(app.platform.store)).toEqual([]);
  });

  it("a staff member's tokens and console sessions end when the member is removed, and stay ended after a restart", async () => {
    const made = await world.admin.post('/v1/admin/staff', { name: 'Leaving', role: 'moderator' });
    const token: string = made.body.token;
    const signIn = await fetch(`${url}/v1/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await fetch(`${url}/v1/moderation/cases`, { headers: { cookie } })).status).toBe(200);
    expect((await new Client(url, token).get('/v1/moderation/cases')).status).toBe(200);
    expect((await world.admin.delete(`/v1/admin/staff/${made.body.staff.id}`)).status).toBe(204);
    expectError(await new Client(url, token).get('/v1/moderation/cases'), 401, 'UNAUTHORIZED');
    expect((await fetch(`${url}/v1/moderation/cases`, { headers: { cookie } })).status).toBe(401);
    expect((await fetch(`${url}/v1/console/session`, { headers: { cookie } })).status).toBe(401);
    await restart();
    expectError(await new Client(url, token).get('/v1/moderation/cases'), 401, 'UNAUTHORIZED');
    expect((await fetch(`${url}/v1/moderation/cases`, { headers: { cookie } })).status).toBe(401);
  });
});

describe('rotating the admin token', () => {
  it('a generated token rotates: the old one works through its grace on the service clock, then 401, across restarts; 0 ends it at once', async () => {
    const dataDir = freshDataDir();
    const open = async () => {
      const app = await createApp(configFrom({ dataDir, port: 0, host: '127.0.0.1', clock: 'manual', logLevel: 'silent' }), {
        logger: pino({ level: 'silent' }),
      });
      return { app, url: await app.listen() };
    };
    let { app, url } = await open();
    try {
      const first = app.generatedAdminToken!;
      expect(first).toBeTruthy();
      const staff = await new Client(url, first).post('/v1/admin/staff', { name: 'Admin member', role: 'admin' });
      // Only the platform key rotates itself.
      expectError(await new Client(url, staff.body.token).post('/v1/admin/token', { graceSeconds: 10 }), 403, 'FORBIDDEN');
      const r = await new Client(url, first).post('/v1/admin/token', { graceSeconds: 600 });
      expect(r.status).toBe(201);
      const second: string = r.body.token;
      expect(second).not.toBe(first);
      expect(Date.parse(r.body.previousValidUntil)).toBeGreaterThan(app.platform.clock.now());
      expect((await new Client(url, first).post('/v1/accounts', { phone: '+447700930001', name: 'During grace' })).status).toBe(201);
      expect((await new Client(url, second).post('/v1/accounts', { phone: '+447700930002', name: 'New token' })).status).toBe(201);
      // A console session opened with the old token ends with its grace.
      const signIn = await fetch(`${url}/v1/console/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: first }),
      });
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
      expect((await fetch(`${url}/v1/moderation/cases`, { headers: { cookie } })).status).toBe(200);
      await app.close();
      ({ app, url } = await open());
      expect((await new Client(url, first).get('/v1/moderation/cases')).status).toBe(200);
      expect((await new Client(url, second).post('/v1/admin/clock', { advanceSeconds: 601 })).status).toBe(200);
      expectError(await new Client(url, first).get('/v1/moderation/cases'), 401, 'UNAUTHORIZED');
      expect((await fetch(`${url}/v1/moderation/cases`, { headers: { cookie } })).status).toBe(401);
      expect((await new Client(url, second).get('/v1/moderation/cases')).status).toBe(200);
      // Without grace the old one ends at once.
      const third = await new Client(url, second).post('/v1/admin/token', { graceSeconds: 0 });
      expect(third.status).toBe(201);
      expectError(await new Client(url, second).get('/v1/moderation/cases'), 401, 'UNAUTHORIZED');
      await app.close();
      ({ app, url } = await open());
      expectError(await new Client(url, first).get('/v1/moderation/cases'), 401, 'UNAUTHORIZED');
      expectError(await new Client(url, second).get('/v1/moderation/cases'), 401, 'UNAUTHORIZED');
      expect((await new Client(url, third.body.token).get('/v1/moderation/cases')).status).toBe(200);
      expectError(await new Client(url, third.body.token).post('/v1/admin/token', { graceSeconds: 86_401 }), 400, 'BAD_REQUEST');
    } finally {
      await app.close();
    }
  });

  it('a token set by BANYA_ADMIN_TOKEN is rotated there: the route answers 409 ADMIN_TOKEN_FIXED; BANYA_ADMIN_TOKEN_PREVIOUS still works meanwhile', async () => {
    const previous = 'the-previous-admin-token-0001';
    const app = await createApp(
      configFrom({
        dataDir: freshDataDir(),
        port: 0,
        host: '127.0.0.1',
        clock: 'manual',
        logLevel: 'silent',
        adminToken: ADMIN_TOKEN,
        adminTokenPrevious: previous,
      }),
      { logger: pino({ level: 'silent' }) },
    );
    const url = await app.listen();
    try {
      expectError(await new Client(url, ADMIN_TOKEN).post('/v1/admin/token', {}), 409, 'ADMIN_TOKEN_FIXED');
      expect((await new Client(url, previous).get('/v1/moderation/cases')).status).toBe(200);
      expect((await new Client(url, ADMIN_TOKEN).get('/v1/moderation/cases')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('the console sign-in', () => {
  it('spends the failed-authentication bucket: guessing tokens there is limited as with a bearer token', async () => {
    const s = await serverWithLog({ logLevel: 'silent', rateLimits: { authFailures: { perSecond: 0.01, burst: 3 } } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${s.url}/v1/console/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: `guess-${i}-${'x'.repeat(20)}` }),
        });
        codes.push(r.status);
      }
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await s.app.close();
    }
  });
});

describe('the web pages', () => {
  it('carry their own content security policy and the headers of every answer', async () => {
    const s = await serverWithLog({ logLevel: 'silent' });
    try {
      for (const page of ['/console/', '/app/', '/console/queue']) {
        const r = await fetch(s.url + page);
        expect(r.status, page).toBe(200);
        expect(r.headers.get('content-security-policy'), page).toBe(PAGE_CSP);
        expect(r.headers.get('x-frame-options'), page).toBe('DENY');
        expect(r.headers.get('x-content-type-options'), page).toBe('nosniff');
        expect(r.headers.get('referrer-policy'), page).toBe('no-referrer');
        expect(r.headers.get('cache-control'), page).toBe('no-store');
      }
      const signIn = await fetch(`${s.url}/v1/console/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: ADMIN_TOKEN }),
      });
      const cookie = signIn.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
    } finally {
      await s.app.close();
    }
  });
});
