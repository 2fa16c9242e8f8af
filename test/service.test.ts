import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, ConfigError } from '../src/config.js';
import { Client } from './helpers/client.js';
import { ADMIN_TOKEN, startServer, type TestServer } from './helpers/server.js';

/** Service plumbing: health, the OpenAPI document, configuration, the clock endpoint's presence. */

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ clock: 'system' });
});
afterAll(() => server.stop());

/** The core contract of API.md: every one of these must be described. */
const CORE = [
  ['get', '/healthz'],
  ['post', '/v1/accounts'],
  ['post', '/v1/accounts/{id}/tokens'],
  ['get', '/v1/me'],
  ['put', '/v1/me'],
  ['delete', '/v1/me'],
  ['post', '/v1/contacts/import'],
  ['post', '/v1/contacts'],
  ['delete', '/v1/contacts/{accountId}'],
  ['post', '/v1/blocks'],
  ['delete', '/v1/blocks/{accountId}'],
  ['put', '/v1/privacy'],
  ['post', '/v1/messages'],
  ['get', '/v1/chats'],
  ['get', '/v1/chats/{chatId}/messages'],
  ['post', '/v1/groups'],
  ['post', '/v1/chats/{chatId}/members'],
  ['post', '/v1/chats/{chatId}/join'],
  ['post', '/v1/chats/{chatId}/leave'],
  ['post', '/v1/chats/{chatId}/bans'],
  ['post', '/v1/reports'],
  ['post', '/v1/support/tickets'],
  ['post', '/v1/admin/staff'],
  ['delete', '/v1/admin/staff/{id}'],
  ['get', '/v1/moderation/cases'],
  ['get', '/v1/moderation/cases/{id}'],
  ['post', '/v1/moderation/cases/{id}/claim'],
  ['post', '/v1/moderation/cases/{id}/release'],
  ['post', '/v1/moderation/cases/{id}/preview'],
  ['post', '/v1/moderation/cases/{id}/decision'],
  ['get', '/v1/moderation/appeals'],
  ['post', '/v1/moderation/appeals/{id}/decision'],
  ['get', '/v1/moderation/accounts/{accountId}'],
  ['post', '/v1/moderation/accounts/{accountId}/lift'],
] as const;

describe('service', () => {
  it('answers /healthz without a token', async () => {
    const res = await new Client(server.url).get('/healthz');
    expect(res).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('describes every route of the core contract in /openapi.json, from the validating schemas', async () => {
    const res = await new Client(server.url).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    for (const [method, path] of CORE) expect(res.body.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    // The request schema is the one that validates: POST /v1/messages requires `to` and `text`.
    const body = res.body.paths['/v1/messages'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['to', 'text']));
  });

  it('has no clock endpoint with the system clock', async () => {
    const res = await new Client(server.url, ADMIN_TOKEN).post('/v1/admin/clock', { advanceSeconds: 10 });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('configuration from the environment', () => {
  it('fills defaults', () => {
    const c = configFromEnv({});
    expect(c).toMatchObject({ dataDir: './data', port: 8080, clock: 'system', durability: 'process' });
    expect(c.adminToken).toBeUndefined();
  });

  it('reads BANYA_* variables', () => {
    const c = configFromEnv({
      BANYA_DATA_DIR: '/x',
      BANYA_PORT: '9000',
      BANYA_CLOCK: 'manual',
      BANYA_ADMIN_TOKEN: 'a-long-enough-token',
      BANYA_RATE_LIMITS: 'false',
      BANYA_SMTP_PORT: '2525',
    });
    expect(c).toMatchObject({ dataDir: '/x', port: 9000, clock: 'manual', adminToken: 'a-long-enough-token', smtp: { port: 2525 } });
    expect(c.rateLimits.enabled).toBe(false);
  });

  it.each([
    [{ BANYA_PORT: 'eighty' }],
    [{ BANYA_PORT: '70000' }],
    [{ BANYA_CLOCK: 'sundial' }],
    [{ BANYA_ADMIN_TOKEN: 'short' }],
    [{ BANYA_RATE_LIMITS: 'maybe' }],
  ])('refuses %o with a clear error', (env) => {
    expect(() => configFromEnv(env)).toThrow(ConfigError);
  });
});
