import { describe, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { Client, World } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { serverPerFile } from './helpers/per-file.js';
import { startServer } from './helpers/server.js';

/**
 * Accounts registered by the platform's own id of the user (a JID) instead of, or beside, a
 * phone number; and everything addressed by account working by that id.
 */

const ctx = serverPerFile();

async function byJid(platformId: string, extra: Record<string, unknown> = {}) {
  const res = await ctx.world.admin.post('/v1/accounts', { platformId, name: platformId.split('@')[0], ...extra });
  expect(res.status).toBe(201);
  return { id: res.body.account.id as string, account: res.body.account, api: new Client(ctx.server.url, res.body.token) };
}

describe('platform identities', () => {
  it('registers an account by platform id alone, with an empty phone, and shows the id in /v1/me', async () => {
    const a = await byJid('alice@chat.example');
    expect(a.account).toMatchObject({ phone: '', platformId: 'alice@chat.example', name: 'alice' });
    const me = await a.api.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.account.platformId).toBe('alice@chat.example');
    expect(me.body.restriction.state).toBe('free');
  });

  it('registers beside a phone number; both stay unique', async () => {
    const phone = '+447700966999';
    const a = await byJid('both@chat.example', { phone });
    expect(a.account).toMatchObject({ phone, platformId: 'both@chat.example' });
    expectError(await ctx.world.admin.post('/v1/accounts', { phone, name: 'x' }), 409, 'PHONE_TAKEN');
    const again = await ctx.world.admin.post('/v1/accounts', { platformId: 'both@chat.example', name: 'x' });
    expectError(again, 409, 'PLATFORM_ID_TAKEN');
    // The platform key learns the holder, and signs its user in again.
    expect(again.body.error.details.accountId).toBe(a.id);
    const token = await ctx.world.admin.post(`/v1/accounts/${a.id}/tokens`);
    expect(token.status).toBe(201);
  });

  it('refuses a body with neither phone nor platform id, or a bad id, changing nothing', async () => {
    expectError(await ctx.world.admin.post('/v1/accounts', { name: 'nobody' }), 400, 'BAD_REQUEST');
    expectError(await ctx.world.admin.post('/v1/accounts', { name: 'x', platformId: 'has space@x' }), 400, 'BAD_REQUEST');
    expectError(await ctx.world.admin.post('/v1/accounts', { name: 'x', platformId: '' }), 400, 'BAD_REQUEST');
    expectError(await ctx.world.admin.post('/v1/accounts', { name: 'x', platformId: 5 }), 400, 'BAD_REQUEST');
    const staff = await ctx.world.admin.post('/v1/admin/staff', { name: 'mod', role: 'admin' });
    expectError(await new Client(ctx.server.url, staff.body.token).post('/v1/accounts', { name: 'x', platformId: 'p@x' }), 403, 'FORBIDDEN');
  });

  it('sends, adds contacts, blocks and reports by platform id; the gate treats them as any account', async () => {
    const a = await byJid('sender@chat.example');
    const b = await byJid('receiver@chat.example');
    const c = await byJid('third@chat.example');
    const sent = await a.api.post('/v1/messages', { to: { platformId: 'receiver@chat.example' }, text: 'hi' });
    expect(sent.status).toBe(201);
    expect(sent.body.message.from).toBe(a.id);
    expectError(await a.api.post('/v1/messages', { to: { platformId: 'nobody@chat.example' }, text: 'hi' }), 404, 'PEER_ID_INVALID');
    expectError(await a.api.post('/v1/messages', { to: { platformId: 'x', username: 'y' }, text: 'hi' }), 400, 'BAD_REQUEST');
    // resolve finds it like a username
    const found = await a.api.get('/v1/accounts/resolve?platformId=receiver%40chat.example');
    expect(found.status).toBe(200);
    expect(found.body.account.id).toBe(b.id);
    // contacts: b saves a by platform id, so b→a counts as a contact for the gate (newChats: contacts)
    expect((await c.api.put('/v1/privacy', { newChats: 'contacts' })).status).toBe(200);
    expectError(await a.api.post('/v1/messages', { to: { platformId: 'third@chat.example' }, text: 'hi' }), 403, 'USER_PRIVACY_RESTRICTED');
    expect((await c.api.post('/v1/contacts', { platformId: 'sender@chat.example' })).status).toBe(201);
    expect((await a.api.post('/v1/messages', { to: { platformId: 'third@chat.example' }, text: 'hi' })).status).toBe(201);
    expectError(await c.api.post('/v1/contacts', { platformId: 'sender@chat.example', accountId: a.id }), 400, 'BAD_REQUEST');
    expectError(await c.api.post('/v1/contacts', { platformId: 'ghost@chat.example' }), 404, 'PEER_ID_INVALID');
    // blocks
    expect((await c.api.post('/v1/blocks', { platformId: 'sender@chat.example' })).status).toBe(204);
    expectError(await a.api.post('/v1/messages', { to: { platformId: 'third@chat.example' }, text: 'again' }), 403, 'USER_IS_BLOCKED');
    // reports: the private chat is the one with that id's account
    const rep = await b.api.post('/v1/reports', { platformId: 'sender@chat.example', reason: 'spam' });
    expect(rep.status).toBe(201);
    expect(rep.body.report.caseId).toBeDefined();
    expectError(await b.api.post('/v1/reports', { platformId: 'third@chat.example' }), 400, 'NOTHING_TO_REPORT');
    expectError(await b.api.post('/v1/reports', { platformId: 'x@y', chatId: 'c1' }), 400, 'BAD_REQUEST');
  });

  it('frees the id when the account is deleted, and keeps it across a restart; banya check stays clean', async () => {
    const a = await byJid('leaver@chat.example');
    expect((await a.api.delete('/v1/me')).status).toBe(204);
    const b = await byJid('leaver@chat.example');
    expect(b.id).not.toBe(a.id);
    await byJid('stayer@chat.example');
    ctx.server = await ctx.server.restart();
    ctx.world = new World(ctx.server.url);
    const again = await ctx.world.admin.post('/v1/accounts', { platformId: 'stayer@chat.example', name: 'x' });
    expectError(again, 409, 'PLATFORM_ID_TAKEN');
    const sender = await byJid('late@chat.example');
    expect((await sender.api.post('/v1/messages', { to: { platformId: 'leaver@chat.example' }, text: 'hi' })).status).toBe(201);
    await ctx.server.stop();
    const store = await SqliteStore.open(ctx.server.dataDir, { durability: 'process' });
    try {
      expect(await checkProjections(store)).toEqual([]);
    } finally {
      await store.close();
    }
    ctx.server = await startServer({}, ctx.server.dataDir);
    ctx.world = new World(ctx.server.url);
  });

  it('documents platformId in the OpenAPI document', async () => {
    const doc = await ctx.world.admin.get('/openapi.json');
    const text = JSON.stringify(doc.body);
    expect(text).toContain('platformId');
    expect(text).toContain('PLATFORM_ID_TAKEN');
  });
});
