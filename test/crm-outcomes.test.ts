import { describe, expect, it } from 'vitest';
import { crmPerFile, eventually, sign, webhookBody } from './helpers/amojo.js';
import type { TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';

const CH = '5a1c2a9e-0000-4000-8000-00000000c0de';
const SECRET = 'channel-secret-outcomes-0123456789';

/**
 * The rest of CRM.md's outcome table (a deleted client, a client the business blocked, a client
 * taking new chats from contacts only) and the webhook's signature check on the raw bytes.
 */

let seq = 0;

const crm = crmPerFile({ [CH]: SECRET });
const ctx = serverPerFile({ config: () => ({ crmConfig: crm.configFile }) });

async function connect(business: TestAccount): Promise<string> {
  const r = await ctx.world.admin.post(`/v1/crm/amocrm/channels/${CH}/connections`, { amojoAccountId: `amo-out-${++seq}`, businessAccountId: business.id });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.connection.scopeId;
}

function hookRaw(scope: string, raw: string, signature: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== undefined) headers['x-signature'] = signature;
  return fetch(`${ctx.server.url}/crm/amocrm/hooks/${scope}`, { method: 'POST', headers, body: raw });
}

async function managerSends(scope: string, fields: { clientId?: string; phone?: string; text: string }): Promise<any> {
  const msgid = `crm-out-${++seq}`;
  const raw = JSON.stringify(webhookBody({ ...fields, msgid }));
  const res = await hookRaw(scope, raw, sign(SECRET, raw));
  expect(res.status).toBe(200);
  return eventually(() => crm.amojo.statuses(msgid)[0], 10_000, `the status of ${msgid}`);
}

describe('what the manager is told', () => {
  it('904 for a deleted client, 905 for a client the business blocked or who takes new chats from contacts only', async () => {
    const biz = await ctx.world.account();
    const scope = await connect(biz);
    const gone = await ctx.world.account();
    expect((await gone.api.delete('/v1/me')).status).toBe(204);
    expect(await managerSends(scope, { clientId: gone.id, text: 'Hello' })).toMatchObject({
      delivery_status: -1,
      error_code: 904,
      error: expect.stringMatching(/deleted/),
    });
    const blocked = await ctx.world.account();
    await biz.api.post('/v1/blocks', { accountId: blocked.id });
    expect(await managerSends(scope, { clientId: blocked.id, text: 'Hello' })).toMatchObject({
      delivery_status: -1,
      error_code: 905,
      error: expect.stringMatching(/You have blocked this client/),
    });
    const priv = await ctx.world.account();
    await priv.api.put('/v1/privacy', { newChats: 'contacts' });
    expect(await managerSends(scope, { clientId: priv.id, text: 'Hello' })).toMatchObject({
      delivery_status: -1,
      error_code: 905,
      error: expect.stringMatching(/only from their contacts/),
    });
    const ok = await ctx.world.account();
    expect(await managerSends(scope, { phone: ok.phone, text: 'Hello' })).toEqual({ msgid: expect.any(String), delivery_status: 1 });
  });
  it('verifies X-Signature on the raw bytes: missing, wrong or over other bytes is 401, and nothing is sent', async () => {
    const biz = await ctx.world.account();
    const scope = await connect(biz);
    const raw = JSON.stringify(webhookBody({ msgid: `sig-${++seq}`, text: 'hi', phone: '+447700900123' }));
    const before = crm.amojo.received.length;
    expect((await hookRaw(scope, raw, undefined)).status).toBe(401);
    expect((await hookRaw(scope, `${raw} `, sign(SECRET, raw))).status).toBe(401);
    expect((await hookRaw(scope, raw, 'zz')).status).toBe(401);
    expect((await hookRaw(scope, raw, sign('another-secret-0123456789', raw))).status).toBe(401);
    const bad = '{not json';
    expect((await hookRaw(scope, bad, sign(SECRET, bad))).status).toBe(400);
    expect((await hookRaw(`${CH}_nobody`, raw, sign(SECRET, raw))).status).toBe(404);
    await new Promise((r) => setTimeout(r, 200));
    expect(crm.amojo.received.length).toBe(before);
  });
});
