import { describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import { expectCrmTablesReplayed } from './helpers/crm-replay.js';
import { crmPerFile, eventually, sign, webhookBody } from './helpers/amojo.js';
import { Client, type TestAccount, World } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';
import { startServer } from './helpers/server.js';

/**
 * A paused connection resumes as soon as its number is neither frozen nor banned (docs/CRM.md):
 * a staff lift (of a freeze or a ban) or an overturned appeal (of a freeze: a banned account
 * cannot appeal) resumes it at once, without a manager's message; a lift
 * made while the gateway was not running resumes it at the next start; the next message after a
 * resume does not resume it again. Real banya over HTTP, the stand-in amojo, signed webhooks.
 */

const CH = '5e2d3c4b-0000-4000-8000-0000000000e1';
const SECRET = 'resume-secret-0123456789';
const EN = BUTTONS.en;

let seq = 0;

const crm = crmPerFile({ [CH]: SECRET });
const ctx = serverPerFile({ config: () => ({ crmConfig: crm.configFile }), staff: ['support', 'admin'] });

async function connect(business: TestAccount): Promise<string> {
  const r = await ctx.world.admin.post(`/v1/crm/amocrm/channels/${CH}/connections`, { amojoAccountId: `amo-resume-${++seq}`, businessAccountId: business.id });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.connection.scopeId;
}

/** A manager's message; resolves with the delivery status the CRM received for it. */
async function managerSends(scope: string, fields: { clientId: string; text: string }): Promise<any> {
  const msgid = `resume-${++seq}`;
  const raw = JSON.stringify(webhookBody({ ...fields, msgid }));
  const res = await fetch(`${ctx.server.url}/crm/amocrm/hooks/${scope}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': sign(SECRET, raw) },
    body: raw,
  });
  expect(res.status).toBe(200);
  return eventually(() => crm.amojo.statuses(msgid)[0], 10_000, `the status of ${msgid}`);
}

/** A confirmed report under `policy` against `x`, as staff make it: scam freezes, child_abuse bans. */
async function sanction(x: TestAccount, policy: 'scam' | 'child_abuse'): Promise<void> {
  const victim = await ctx.world.account();
  const sent = await x.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'Hello, a special offer only for you today' });
  expect(sent.status).toBe(201);
  const r = await victim.api.post('/v1/reports', { chatId: sent.body.message.chatId });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const d = await ctx.world.admin.post(`/v1/moderation/cases/${r.body.report.caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
}

/** A business whose connection paused on a frozen (`scam`) or banned (`child_abuse`) number. */
async function pausedBusiness(policy: 'scam' | 'child_abuse'): Promise<{ biz: TestAccount; client: TestAccount; scope: string }> {
  const biz = await ctx.world.account();
  const client = await ctx.world.account();
  await ctx.world.mutual(biz, client);
  const scope = await connect(biz);
  await sanction(biz, policy);
  expect(await managerSends(scope, { clientId: client.id, text: 'while restricted' })).toMatchObject({ delivery_status: -1, error_code: 902 });
  expect((await connection(scope)).status).toBe('paused');
  return { biz, client, scope };
}

async function connection(scope: string): Promise<any> {
  const r = await ctx.world.admin.get(`/v1/crm/amocrm/connections/${scope}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.connection;
}

async function listed(scope: string): Promise<any> {
  const r = await ctx.world.admin.get('/v1/crm/amocrm/connections');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.connections.find((c: any) => c.scopeId === scope);
}

/** The business's staff timeline, newest first, its CRM connection events only. */
async function connectionEvents(a: TestAccount): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const r = await ctx.support.get(`/v1/moderation/accounts/${a.id}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    out.push(...r.body.events.map((e: any) => e.type));
    cursor = r.body.nextCursor;
    if (!cursor) break;
  }
  return out.filter((t) => t === 'crm_connected' || t === 'crm_paused' || t === 'crm_resumed');
}

async function botSay(a: TestAccount, text: string): Promise<any> {
  const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const after = await a.api.get(`/v1/chats/${r.body.message.chatId}/messages?after=${r.body.message.id}`);
  expect(after.body.messages).toHaveLength(1);
  return after.body.messages[0];
}

/** "This is a mistake" through SpamBot, to the end; returns the open appeal's id. */
async function appeal(a: TestAccount): Promise<string> {
  await botSay(a, EN.mistake);
  await botSay(a, EN.didNot);
  const reply = await botSay(a, 'this is my shop, not a scam');
  if (/e-mail address/.test(reply.text)) await botSay(a, `owner-${a.id}@example.com`);
  const open = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.find((x: any) => x.accountId === a.id);
  expect(open, 'the open appeal').toBeDefined();
  return open.id;
}

describe('a paused connection resumes when the restriction ends, without a message', () => {
  it('staff lift a freeze: the connection is active at once, the timeline says so, and the next message neither resumes again nor fails', async () => {
    const { biz, client, scope } = await pausedBusiness('scam');
    expect((await ctx.support.post(`/v1/moderation/accounts/${biz.id}/lift`, { reason: 'the freeze was a mistake' })).status).toBe(200);
    await ctx.server.app.crm!.idle();
    expect(await connection(scope)).toMatchObject({ status: 'active', reason: null });
    expect(await listed(scope)).toMatchObject({ status: 'active', reason: null, restriction: { state: 'free' } });
    expect(await connectionEvents(biz)).toEqual(['crm_resumed', 'crm_paused', 'crm_connected']);
    // The lazy path finds it active: the message goes, and no second crm_resumed is recorded.
    expect(await managerSends(scope, { clientId: client.id, text: 'after the lift' })).toMatchObject({ delivery_status: 1 });
    expect(await connectionEvents(biz)).toEqual(['crm_resumed', 'crm_paused', 'crm_connected']);
  });

  it('an overturned appeal of a freeze resumes the connection at once', async () => {
    const { biz, client, scope } = await pausedBusiness('scam');
    const id = await appeal(biz);
    expect((await connection(scope)).status).toBe('paused');
    expect((await ctx.support.post(`/v1/moderation/appeals/${id}/decision`, { outcome: 'overturn' })).status).toBe(200);
    await ctx.server.app.crm!.idle();
    expect(await connection(scope)).toMatchObject({ status: 'active', reason: null });
    expect(await connectionEvents(biz)).toEqual(['crm_resumed', 'crm_paused', 'crm_connected']);
    expect(await managerSends(scope, { clientId: client.id, text: 'after the appeal' })).toMatchObject({ delivery_status: 1 });
    expect(await connectionEvents(biz)).toEqual(['crm_resumed', 'crm_paused', 'crm_connected']);
  });

  it('an admin lifts a ban (a banned account cannot appeal): the connection resumes at once', async () => {
    const { biz, scope } = await pausedBusiness('child_abuse');
    expect((await connection(scope)).reason).toBe('banned');
    expect((await ctx.admin.post(`/v1/moderation/accounts/${biz.id}/lift`, { reason: 'the wrong account' })).status).toBe(200);
    await ctx.server.app.crm!.idle();
    expect(await connection(scope)).toMatchObject({ status: 'active', reason: null });
    expect(await connectionEvents(biz)).toEqual(['crm_resumed', 'crm_paused', 'crm_connected']);
  });

  it('an upheld appeal keeps it paused: nothing is resumed while the number is frozen', async () => {
    const { biz, client, scope } = await pausedBusiness('scam');
    const id = await appeal(biz);
    expect((await ctx.support.post(`/v1/moderation/appeals/${id}/decision`, { outcome: 'uphold' })).status).toBe(200);
    await ctx.server.app.crm!.idle();
    expect(await connection(scope)).toMatchObject({ status: 'paused', reason: 'frozen' });
    expect(await connectionEvents(biz)).toEqual(['crm_paused', 'crm_connected']);
    // Still frozen: the next message fails at once and nothing resumes.
    expect(await managerSends(scope, { clientId: client.id, text: 'still frozen' })).toMatchObject({ delivery_status: -1, error_code: 902 });
    expect(await connectionEvents(biz)).toEqual(['crm_paused', 'crm_connected']);
  });
});

describe('a lift the gateway did not see', () => {
  it('made while banya ran without the CRM: the connection resumes at the next start, once, and stays resumed across another restart', async () => {
    const { biz, client, scope } = await pausedBusiness('scam');
    await ctx.server.app.crm!.idle();
    const accounts = [biz, client];
    // banya runs without the CRM setting: staff lift the freeze, no gateway is there to react.
    await ctx.server.stop();
    ctx.server = await startServer({}, ctx.server.dataDir);
    rebind(ctx.server.url, accounts);
    expect((await ctx.support.post(`/v1/moderation/accounts/${biz.id}/lift`, { reason: 'the freeze was a mistake' })).status).toBe(200);
    await ctx.server.stop();
    // The gateway is back: the paused connection whose number is free resumes on its own.
    ctx.server = await startServer({ crmConfig: crm.configFile }, ctx.server.dataDir);
    rebind(ctx.server.url, accounts);
    await ctx.server.app.crm!.idle();
    expect(await connection(scope)).toMatchObject({ status: 'active', reason: null });
    expect(await connectionEvents(biz)).toEqual(['crm_resumed', 'crm_paused', 'crm_connected']);
    // Durable: another restart keeps it active, and records nothing more.
    ctx.server = await ctx.server.restart();
    rebind(ctx.server.url, accounts);
    await ctx.server.app.crm!.idle();
    expect(await connection(scope)).toMatchObject({ status: 'active', reason: null });
    expect(await managerSends(scope, { clientId: client.id, text: 'after the restart' })).toMatchObject({ delivery_status: 1 });
    expect(await connectionEvents(biz)).toEqual(['crm_resumed', 'crm_paused', 'crm_connected']);
  });
});

describe('the CRM tables after all of the above (last: stops the server)', () => {
  it('are exactly what their events replay to', async () => {
    await ctx.server.app.crm!.idle();
    await ctx.server.stop();
    await expectCrmTablesReplayed(ctx.server.dataDir);
  });
});

function rebind(url: string, accounts: TestAccount[]): void {
  ctx.world = new World(url);
  ctx.support = new Client(url, ctx.support.token);
  ctx.admin = new Client(url, ctx.admin.token);
  for (const a of accounts) a.api = new Client(url, a.token);
}
