import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { configFrom } from '../src/config.js';
import { rfc2822 } from '../src/crm/sign.js';
import { eventually, sign, StandInAmojo, webhookBody } from './helpers/amojo.js';
import type { TestAccount } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { serverPerFile } from './helpers/per-file.js';
import { freshDataDir } from './helpers/server.js';

/**
 * The amoCRM/Kommo gateway end to end: a real banya, a stand-in amojo that checks signatures,
 * Content-MD5 and Date, and managers' messages arriving as signed webhooks.
 */

const CH = '3f1c2a9e-0000-4000-8000-00000000c0de';
const SECRET = 'channel-secret-0123456789';
const CH_RU = '3f1c2a9e-0000-4000-8000-0000000000ru';
const SECRET_RU = 'channel-secret-ru-0123456789';

let amojo: StandInAmojo;
let configFile: string;
let seq = 0;

function writeConfig(channels: { id: string; secret: string; language?: string; statusField?: string }[]): void {
  const file = { channels: channels.map((c) => ({ amojoUrl: amojo.url, ...c })), retryBaseMs: 50, retryMaxMs: 200, timeoutMs: 2000 };
  fs.writeFileSync(configFile, JSON.stringify(file));
}

beforeAll(async () => {
  amojo = await new StandInAmojo({ [CH]: SECRET, [CH_RU]: SECRET_RU }).start();
  configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'banya-crm-')), 'crm.json');
  writeConfig([
    { id: CH, secret: SECRET },
    { id: CH_RU, secret: SECRET_RU, language: 'ru', statusField: 'status_code' },
  ]);
});
afterAll(async () => {
  await amojo?.stop();
});
const ctx = serverPerFile({ config: () => ({ crmConfig: configFile }) });

async function connect(business: TestAccount, channel = CH): Promise<string> {
  const r = await ctx.world.admin.post(`/v1/crm/amocrm/channels/${channel}/connections`, {
    amojoAccountId: `amo-acc-${++seq}`,
    businessAccountId: business.id,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.connection.scopeId;
}

async function hook(scope: string, body: unknown, secret = SECRET): Promise<Response> {
  const raw = JSON.stringify(body);
  return fetch(`${ctx.server.url}/crm/amocrm/hooks/${scope}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': sign(secret, raw) },
    body: raw,
  });
}

/** A manager's message; resolves with the delivery status the CRM received for it. */
async function managerSends(scope: string, fields: Omit<Parameters<typeof webhookBody>[0], 'msgid'> & { msgid?: string }, secret = SECRET): Promise<any> {
  const msgid = fields.msgid ?? `crm-msg-${++seq}`;
  const res = await hook(scope, webhookBody({ ...fields, msgid }), secret);
  expect(res.status).toBe(200);
  return eventually(() => amojo.statuses(msgid)[0], 10_000, `the status of ${msgid}`);
}

async function sanction(business: TestAccount, policy: 'spam' | 'scam' | 'child_abuse'): Promise<void> {
  const victim = await ctx.world.account();
  const sent = await business.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'Hello, a special offer only for you today' });
  expect(sent.status).toBe(201);
  const r = await victim.api.post('/v1/reports', { chatId: sent.body.message.chatId });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const d = await ctx.world.admin.post(`/v1/moderation/cases/${r.body.report.caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
}

describe('the stand-in amojo makes the documented checks', () => {
  async function call(headers: Record<string, string>, body: string) {
    return fetch(`${amojo.url}/v2/origin/custom/${CH}/connect`, { method: 'POST', headers, body });
  }
  function signed(body: string, date = new Date(), secret = SECRET) {
    const md5 = createHash('md5').update(body).digest('hex');
    const d = rfc2822(date);
    const sig = createHmac('sha1', secret).update(`POST\n${md5}\napplication/json\n${d}\n/v2/origin/custom/${CH}/connect`).digest('hex');
    return { date: d, 'content-type': 'application/json', 'content-md5': md5, 'x-signature': sig };
  }

  it('accepts a right request and rejects a wrong X-Signature, Content-MD5 or an old Date', async () => {
    const body = '{"account_id":"x"}';
    expect((await call(signed(body), body)).status).toBe(200);
    expect((await call(signed(body, new Date(), 'wrong-secret'), body)).status).toBe(403);
    expect((await call({ ...signed(body), 'content-md5': createHash('md5').update('other').digest('hex') }, body)).status).toBe(403);
    expect((await call(signed(body, new Date(Date.now() - 16 * 60_000)), body)).status).toBe(403);
  });
});

describe('connections', () => {
  it('an admin connects a CRM account; amojo got a signed connect; staff and the business read it', async () => {
    const biz = await ctx.world.account({ name: 'Shop' });
    const amo = `amo-acc-${++seq}`;
    const r = await ctx.world.admin.post(`/v1/crm/amocrm/channels/${CH}/connections`, { amojoAccountId: amo, businessAccountId: biz.id });
    expect(r.status).toBe(201);
    expect(r.body.connection).toMatchObject({ scopeId: `${CH}_${amo}`, businessAccountId: biz.id, status: 'active' });
    const got = amojo.received.find((x) => x.path === `/v2/origin/custom/${CH}/connect` && x.body?.account_id === amo)!;
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ account_id: amo, hook_api_version: 'v2' });
    const scope = r.body.connection.scopeId as string;
    const mine = await biz.api.get(`/v1/crm/amocrm/connections/${scope}`);
    expect(mine.status).toBe(200);
    expect(mine.body.connection.number).toMatchObject({
      restriction: { state: 'free' },
      quality: { colour: 'green' },
      protection: { enabled: true, warmingUp: true },
    });
    const triage = await ctx.world.staff('triage');
    expect((await triage.get(`/v1/crm/amocrm/connections/${scope}`)).status).toBe(200);
    const list = await triage.get('/v1/crm/amocrm/connections');
    expect(list.body.connections.find((c: any) => c.scopeId === scope)).toMatchObject({
      businessAccountId: biz.id,
      restriction: { state: 'free' },
      quality: 'green',
      held: 0,
    });
    expectError(await biz.api.get('/v1/crm/amocrm/connections'), 403, 'FORBIDDEN');
    const other = await ctx.world.account();
    expectError(await other.api.get(`/v1/crm/amocrm/connections/${scope}`), 404, 'NOT_FOUND');
    expectError(await ctx.world.admin.as(undefined).get(`/v1/crm/amocrm/connections/${scope}`), 401, 'UNAUTHORIZED');
    // Only the admin token or staff `admin` connect.
    const moderator = await ctx.world.staff('moderator');
    expectError(await moderator.post(`/v1/crm/amocrm/channels/${CH}/connections`, { amojoAccountId: 'x', businessAccountId: biz.id }), 403, 'FORBIDDEN');
    const adminStaff = await ctx.world.staff('admin');
    const other2 = await ctx.world.account();
    const byStaff = await adminStaff.post(`/v1/crm/amocrm/channels/${CH}/connections`, { amojoAccountId: `amo-acc-${++seq}`, businessAccountId: other2.id });
    expect(byStaff.status).toBe(201);
    expectError(
      await ctx.world.admin.post('/v1/crm/amocrm/channels/no-such-channel/connections', { amojoAccountId: 'x', businessAccountId: biz.id }),
      404,
      'NOT_FOUND',
    );
  });

  it('a bad CRM config file stops the start with a clear message', async () => {
    const bad = path.join(path.dirname(configFile), 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ channels: [{ id: 'x', secret: '', amojoUrl: 'not a url' }] }));
    const config = configFrom({ dataDir: freshDataDir(), port: 0, clock: 'manual', crmConfig: bad, logLevel: 'silent' });
    await expect(createApp(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(/CRM config .*channels\.0\.(secret|amojoUrl)/);
  });
});

describe("a manager's message and what the CRM is told", () => {
  it('delivered: status 1 with the configured field, signed; the client has it once', async () => {
    const biz = await ctx.world.account();
    const client = await ctx.world.account();
    await ctx.world.mutual(biz, client);
    const scope = await connect(biz);
    const st = await managerSends(scope, { clientId: client.id, text: 'Your order is ready' });
    expect(st).toMatchObject({ delivery_status: 1 });
    const chats = await client.api.get('/v1/chats');
    expect(chats.body.chats.find((c: any) => c.peer?.accountId === biz.id)).toBeTruthy();
  });

  it("the seed's four reasons: blocked, not registered, hidden number, a limited number (with its until)", async () => {
    const biz = await ctx.world.account();
    const scope = await connect(biz);
    // 1. The client blocked the number.
    const blocker = await ctx.world.account();
    expect((await blocker.api.post('/v1/blocks', { accountId: biz.id })).status).toBeLessThan(300);
    const s1 = await managerSends(scope, { clientId: blocker.id, text: 'Hello' });
    expect(s1).toMatchObject({ delivery_status: -1, error_code: 905 });
    expect(s1.error).toContain('blocked your number');
    // 2. Nobody has the number.
    const s2 = await managerSends(scope, { phone: '+447700900999', text: 'Hello' });
    expect(s2).toMatchObject({ delivery_status: -1, error_code: 904 });
    expect(s2.error).toContain('No account uses this number, or the client hides their number');
    // 3. The client hides their number from strangers: told the same, deliberately.
    const hider = await ctx.world.account();
    expect((await hider.api.put('/v1/privacy', { findByPhone: 'contacts' })).status).toBe(200);
    const s3 = await managerSends(scope, { phone: hider.phone, text: 'Hello' });
    expect(s3).toMatchObject({ delivery_status: -1, error_code: 904, error: s2.error });
    // 4. The business number is limited: 905 with the until, at once, for a first contact.
    await sanction(biz, 'spam');
    const me = await biz.api.get('/v1/me');
    const until = me.body.restriction?.until ?? me.body.account?.restriction?.until;
    expect(typeof until).toBe('string');
    const stranger = await ctx.world.account();
    const s4 = await managerSends(scope, { clientId: stranger.id, text: 'Hello' });
    expect(s4).toMatchObject({ delivery_status: -1, error_code: 905 });
    const d = new Date(Math.ceil(Date.parse(until) / 60_000) * 60_000);
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    expect(s4.error).toContain(
      `until ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`,
    );
    expect(s4.error).toContain('@SpamBot');
    // Replies to clients who wrote first still go.
    const writer = await ctx.world.account();
    expect((await writer.api.post('/v1/messages', { to: { accountId: biz.id }, text: 'Do you deliver on Sundays?' })).status).toBe(201);
    expect(await managerSends(scope, { clientId: writer.id, text: 'Yes, we do' })).toMatchObject({ delivery_status: 1 });
    const status = await biz.api.get(`/v1/crm/amocrm/connections/${scope}`);
    expect(status.body.connection.number.restriction).toMatchObject({ state: 'limited', until, appeal: 'spambot' });
    expect(status.body.connection.number.restriction.text).toBe(s4.error);
  });

  it('a frozen number gets 902 and the connection pauses; a banned one too', async () => {
    for (const [policy, word] of [
      ['scam', 'frozen'],
      ['child_abuse', 'banned'],
    ] as const) {
      const biz = await ctx.world.account();
      const client = await ctx.world.account();
      await ctx.world.mutual(biz, client);
      const scope = await connect(biz);
      await sanction(biz, policy);
      const st = await managerSends(scope, { clientId: client.id, text: 'Hello' });
      expect(st).toMatchObject({ delivery_status: -1, error_code: 902 });
      expect(st.error).toContain(word);
      const conn = await ctx.world.admin.get(`/v1/crm/amocrm/connections/${scope}`);
      expect(conn.body.connection).toMatchObject({ status: 'paused', reason: word });
      // Paused: the next message fails with 902 without trying, and says as much as the first.
      const next = await managerSends(scope, { clientId: client.id, text: 'Hello again' });
      expect(next).toMatchObject({ delivery_status: -1, error_code: 902 });
      expect(next.error).toBe(st.error);
    }
  });

  it("the channel's language and status field name are used", async () => {
    const biz = await ctx.world.account();
    const scope = await connect(biz, CH_RU);
    const st = await managerSends(scope, { phone: '+447700900998', text: 'Здравствуйте' }, SECRET_RU);
    expect(st).toMatchObject({ status_code: -1, error_code: 904 });
    expect(st.delivery_status).toBeUndefined();
    expect(st.error).toContain('не зарегистрирован');
  });
});

describe('the webhook', () => {
  it('a forged webhook is refused with 401 and nothing is stored', async () => {
    const biz = await ctx.world.account();
    const client = await ctx.world.account();
    await ctx.world.mutual(biz, client);
    const scope = await connect(biz);
    const body = webhookBody({ msgid: 'forged-1', clientId: client.id, text: 'send me your password' });
    const res = await hook(scope, body, 'not-the-secret');
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('UNAUTHORIZED');
    // The right signature over different bytes is a forgery too.
    const raw = JSON.stringify(body);
    const tampered = await fetch(`${ctx.server.url}/crm/amocrm/hooks/${scope}`, {
      method: 'POST',
      headers: { 'x-signature': sign(SECRET, raw) },
      body: raw.replace('password', 'passw0rd'),
    });
    expect(tampered.status).toBe(401);
    await ctx.server.app.crm!.idle();
    const st = await ctx.world.admin.get(`/v1/crm/amocrm/connections/${scope}`);
    expect(st.body.connection.outbox.waiting).toBe(0);
    expect(st.body.connection.number.today).toMatchObject({ firstContacts: 0, replies: 0, failed: 0 });
    expect((await client.api.get('/v1/chats')).body.chats.find((c: any) => c.peer?.accountId === biz.id)).toBeUndefined();
    // Then the real one, with the same id, goes.
    expect((await hook(scope, body)).status).toBe(200);
    await eventually(() => amojo.statuses('forged-1')[0]);
  });

  it('a repeated message id is acknowledged and sends nothing twice', async () => {
    const biz = await ctx.world.account();
    const client = await ctx.world.account();
    await ctx.world.mutual(biz, client);
    const scope = await connect(biz);
    const body = webhookBody({ msgid: 'twice-1', clientId: client.id, text: 'Only once, please' });
    expect((await hook(scope, body)).status).toBe(200);
    expect((await hook(scope, body)).status).toBe(200);
    await eventually(() => amojo.statuses('twice-1')[0]);
    expect((await hook(scope, body)).status).toBe(200);
    await ctx.server.app.crm!.idle();
    const chat = (await client.api.get('/v1/chats')).body.chats.find((c: any) => c.peer?.accountId === biz.id);
    const msgs = await client.api.get(`/v1/chats/${chat.id}/messages`);
    expect(msgs.body.messages.filter((m: any) => m.text === 'Only once, please')).toHaveLength(1);
    expect(amojo.statuses('twice-1')).toHaveLength(1);
  });

  it('a text holding NUL or half a surrogate pair is delivered, on either store, as text the store keeps', async () => {
    // No store keeps U+0000 (PostgreSQL refuses it) nor a lone surrogate (UTF-8 cannot encode
    // it): NUL is dropped and a lone surrogate becomes U+FFFD, so the client reads what is kept.
    const biz = await ctx.world.account();
    const client = await ctx.world.account();
    await ctx.world.mutual(biz, client);
    const scope = await connect(biz);
    expect(await managerSends(scope, { clientId: client.id, text: 'Your\u0000 order' })).toMatchObject({ delivery_status: 1 });
    expect(await managerSends(scope, { clientId: client.id, text: 'is \ud800ready' })).toMatchObject({ delivery_status: 1 });
    const chat = (await client.api.get('/v1/chats')).body.chats.find((c: any) => c.peer?.accountId === biz.id);
    const msgs = await client.api.get(`/v1/chats/${chat.id}/messages`);
    expect(msgs.body.messages.map((m: any) => m.text)).toEqual(['Your order', 'is \ufffdready']);
  });

  it('an id or phone holding NUL or half a surrogate pair is refused (400): no store could keep it as sent', async () => {
    const biz = await ctx.world.account();
    const client = await ctx.world.account();
    await ctx.world.mutual(biz, client);
    const scope = await connect(biz);
    for (const body of [
      webhookBody({ msgid: 'nul\u0000id', clientId: client.id, text: 'hello' }),
      webhookBody({ msgid: 'half-\udc00', clientId: client.id, text: 'hello' }),
      webhookBody({ msgid: 'phone-nul', phone: '+44\u00007700', text: 'hello' }),
    ])
      expect((await hook(scope, body)).status).toBe(400);
    // Nothing was taken: the same ids cleaned are new messages.
    expect(await managerSends(scope, { msgid: 'nulid', clientId: client.id, text: 'hello' })).toMatchObject({ delivery_status: 1 });
  });
});

describe("clients' messages into the CRM", () => {
  it('after a "write first", the reply is a new_message linked to the conversation; a client writing first opens a new one', async () => {
    const biz = await ctx.world.account();
    const scope = await connect(biz);
    const client = await ctx.world.account({ name: 'Olga' });
    const st = await managerSends(scope, {
      phone: client.phone,
      text: 'Hello Olga, your parcel is here',
      conversationId: 'amo-conv-olga',
      receiverId: 'amo-user-olga',
    });
    expect(st).toMatchObject({ delivery_status: 1 });
    const reply = await client.api.post('/v1/messages', { to: { accountId: biz.id }, text: 'Thanks, I will pick it up' });
    expect(reply.status).toBe(201);
    const nm = await eventually(() => amojo.newMessages().find((m) => m.msgid === reply.body.message.id));
    expect(nm).toMatchObject({
      conversation_id: `banya-${client.id}`,
      conversation_ref_id: 'amo-conv-olga',
      sender: { id: client.id, ref_id: 'amo-user-olga', name: 'Olga' },
      message: { type: 'text', text: 'Thanks, I will pick it up' },
      silent: false,
    });
    expect(typeof nm.timestamp).toBe('number');
    // Linked once: the next message is in the same conversation, without the reference.
    const again = await client.api.post('/v1/messages', { to: { accountId: biz.id }, text: 'At six?' });
    const nm2 = await eventually(() => amojo.newMessages().find((m) => m.msgid === again.body.message.id));
    expect(nm2.conversation_id).toBe(`banya-${client.id}`);
    expect(nm2.conversation_ref_id).toBeUndefined();
    // The manager answers by client id, as the CRM does after linking.
    expect(await managerSends(scope, { clientId: client.id, text: 'Yes, at six' })).toMatchObject({ delivery_status: 1 });
    // A webhook naming only our conversation id reaches the same client.
    const byConversation = webhookBody({ msgid: 'by-conv-1', text: 'See you' });
    byConversation.message.conversation.client_id = `banya-${client.id}`;
    expect((await hook(scope, byConversation)).status).toBe(200);
    expect(await eventually(() => amojo.statuses('by-conv-1')[0])).toMatchObject({ delivery_status: 1 });
    // A stranger writes first: a new conversation, no reference.
    const newcomer = await ctx.world.account({ name: 'Ivan' });
    const first = await newcomer.api.post('/v1/messages', { to: { accountId: biz.id }, text: 'Do you have size 44?' });
    const nm3 = await eventually(() => amojo.newMessages().find((m) => m.msgid === first.body.message.id));
    expect(nm3).toMatchObject({ conversation_id: `banya-${newcomer.id}`, sender: { id: newcomer.id, name: 'Ivan' } });
    expect(nm3.conversation_ref_id).toBeUndefined();
    // Two messages sent at once both arrive, each once.
    const [x, y] = await Promise.all([
      newcomer.api.post('/v1/messages', { to: { accountId: biz.id }, text: 'And size 45?' }),
      newcomer.api.post('/v1/messages', { to: { accountId: biz.id }, text: 'Black, please' }),
    ]);
    for (const m of [x, y]) await eventually(() => amojo.newMessages().find((n) => n.msgid === m.body.message.id), 10_000, m.body.message.id);
    await ctx.server.app.crm!.idle();
    expect(amojo.newMessages().filter((n) => n.sender.id === newcomer.id)).toHaveLength(3);
  });
});

describe('operations', () => {
  it('a rotated channel secret is used from the next call on', async () => {
    const biz = await ctx.world.account();
    const client = await ctx.world.account();
    await ctx.world.mutual(biz, client);
    const scope = await connect(biz);
    const NEW = 'rotated-secret-with-another-length-42';
    writeConfig([{ id: CH, secret: NEW, previousSecret: SECRET } as never, { id: CH_RU, secret: SECRET_RU, language: 'ru', statusField: 'status_code' }]);
    amojo.secrets.set(CH, NEW);
    try {
      expect(await managerSends(scope, { clientId: client.id, text: 'after rotation' }, NEW)).toMatchObject({ delivery_status: 1 });
      // A webhook signed with the previous secret while the CRM side catches up still goes.
      expect(await managerSends(scope, { clientId: client.id, text: 'signed the old way' }, SECRET)).toMatchObject({ delivery_status: 1 });
    } finally {
      writeConfig([
        { id: CH, secret: SECRET },
        { id: CH_RU, secret: SECRET_RU, language: 'ru', statusField: 'status_code' },
      ]);
      amojo.secrets.set(CH, SECRET);
    }
  });

  it('amojo down: statuses wait and are reported once it is back; nothing is lost', async () => {
    const biz = await ctx.world.account();
    const client = await ctx.world.account();
    await ctx.world.mutual(biz, client);
    const scope = await connect(biz);
    amojo.down = true;
    try {
      expect((await hook(scope, webhookBody({ msgid: 'while-down', clientId: client.id, text: 'are you there?' }))).status).toBe(200);
      await eventually(() => amojo.received.filter((r) => r.path.includes('/while-down/') && r.status === 503).length >= 2);
      const m = await fetch(`${ctx.server.url}/metrics`);
      expect(m.headers.get('content-type')).toContain('text/plain');
      expect(await m.text()).toMatch(/^banya_crm_outbox_jobs [1-9]/m);
    } finally {
      amojo.down = false;
    }
    expect(await eventually(() => amojo.statuses('while-down')[0])).toMatchObject({ delivery_status: 1 });
  });

  it('a disconnected CRM account: queued messages fail with 902 and a reason', async () => {
    const biz = await ctx.world.account();
    const scope = await connect(biz);
    // Two first contacts: the second is held by the spacing.
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    expect(await managerSends(scope, { clientId: a.id, text: 'Hello there, first' })).toMatchObject({ delivery_status: 1 });
    expect((await hook(scope, webhookBody({ msgid: 'held-then-gone', clientId: b.id, text: 'Hello there, second' }))).status).toBe(200);
    await ctx.server.app.crm!.idle();
    const st = await ctx.world.admin.get(`/v1/crm/amocrm/connections/${scope}`);
    expect(st.body.connection.held).toHaveLength(1);
    expect(st.body.connection.held[0].status).toMatch(/^queued until /);
    expect(amojo.statuses('held-then-gone')).toHaveLength(0); // the CRM keeps showing "sent"
    const d = await ctx.world.admin.delete(`/v1/crm/amocrm/connections/${scope}`);
    expect(d.status).toBe(200);
    expect(d.body.connection.status).toBe('disconnected');
    const failed = await eventually(() => amojo.statuses('held-then-gone')[0]);
    expect(failed).toMatchObject({ delivery_status: -1, error_code: 902 });
    expect(failed.error).toContain('disconnected');
    expect(amojo.received.some((r) => r.method === 'DELETE' && r.path === `/v2/origin/custom/${CH}/disconnect`)).toBe(true);
  });
});
