import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCrmTablesReplayed } from './helpers/crm-replay.js';
import { crmPerFile, eventually, sign, webhookBody } from './helpers/amojo.js';
import { Client, type TestAccount, World } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * Sender protection and the outbox across restarts: a burst of first contacts is paced within
 * the caps (warm-up included) on the manual clock, replies are never held, a limited number's
 * first contacts fail at once, and nothing is lost or sent twice when banya stops.
 */

const CH = '5e7d0c1a-0000-4000-8000-0000000000b2';
const SECRET = 'protection-secret-0123456789';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let seq = 0;

const crm = crmPerFile({ [CH]: SECRET });

async function connect(world: World, business: TestAccount): Promise<string> {
  const r = await world.admin.post(`/v1/crm/amocrm/channels/${CH}/connections`, { amojoAccountId: `amo-p-${++seq}`, businessAccountId: business.id });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.connection.scopeId;
}

async function hook(server: TestServer, scope: string, body: unknown): Promise<void> {
  const raw = JSON.stringify(body);
  const res = await fetch(`${server.url}/crm/amocrm/hooks/${scope}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': sign(SECRET, raw) },
    body: raw,
  });
  expect(res.status).toBe(200);
}

/** Distinct letters per i (the robots' same-text rule ignores digits). */
function word(i: number): string {
  let s = '';
  let n = i + 27;
  while (n > 0) {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return s;
}

/** The same accounts, talking to a restarted server. */
function rebind(accounts: TestAccount[], url: string): void {
  for (const a of accounts) a.api = new Client(url, a.token);
}

function maxIn(times: number[], window: number): number {
  let max = 0;
  for (const t of times) max = Math.max(max, times.filter((x) => x > t - window && x <= t).length);
  return max;
}

async function sentAt(client: TestAccount, from: string): Promise<number[]> {
  const chat = (await client.api.get('/v1/chats')).body.chats.find((c: any) => c.peer?.accountId === from);
  if (!chat) return [];
  const msgs = await client.api.get(`/v1/chats/${chat.id}/messages`);
  return msgs.body.messages.filter((m: any) => m.from === from).map((m: any) => Date.parse(m.sentAt));
}

describe('a burst of 100 first contacts', () => {
  let server: TestServer;
  afterAll(async () => server?.stop());

  it('is paced within the caps, held ones go out later on the manual clock across a restart, replies are not held, and the robots never limit the number', async () => {
    server = await startServer({ crmConfig: crm.configFile });
    let world = new World(server.url);
    const biz = await world.account({ name: 'Flower shop' });
    const scope = await connect(world, biz);
    const connectedAt = Date.parse((await world.admin.get(`/v1/crm/amocrm/connections/${scope}`)).body.connection.connectedAt);
    const clients: TestAccount[] = [];
    for (let i = 0; i < 100; i++) clients.push(await world.account({ name: `Client ${word(i)}` }));
    for (let i = 0; i < 100; i++) {
      await hook(
        server,
        scope,
        webhookBody({
          msgid: `burst-${i}`,
          clientId: clients[i]!.id,
          text: `Dear ${word(i)} ${word(i + 7)}, the ${word(i + 13)} bouquet you asked about is in stock: https://flowers.example/b/${word(i + 19)}`,
        }),
      );
    }
    await server.app.crm!.idle();
    let st = (await world.admin.get(`/v1/crm/amocrm/connections/${scope}`)).body.connection;
    expect(st.held.length).toBe(99);
    expect(st.held[0].status).toMatch(/^queued until \d{4}-/);
    // The CRM keeps showing "sent" for the held ones: no status yet.
    expect(crm.amojo.statuses('burst-0')).toEqual([{ msgid: 'burst-0', delivery_status: 1 }]);
    for (let i = 1; i < 100; i++) expect(crm.amojo.statuses(`burst-${i}`)).toHaveLength(0);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^banya_crm_held_jobs 99$/m);
    expect(metrics).toMatch(/^banya_crm_held_oldest_age_seconds \d+$/m);

    // A client who wrote first is answered at once, whatever is held.
    const writer = await world.account();
    expect((await writer.api.post('/v1/messages', { to: { accountId: biz.id }, text: 'Do you deliver roses tonight?' })).status).toBe(201);
    await hook(server, scope, webhookBody({ msgid: 'reply-1', clientId: writer.id, text: 'Yes, until nine' }));
    expect(await eventually(() => crm.amojo.statuses('reply-1')[0])).toMatchObject({ delivery_status: 1 });

    // A restart: the held queue is still there.
    server = await server.restart();
    world = new World(server.url);
    rebind([biz, writer, ...clients], server.url);
    st = (await world.admin.get(`/v1/crm/amocrm/connections/${scope}`)).body.connection;
    expect(st.held.length).toBe(99);

    // Days pass on the manual clock; 2 of the 100 block the shop and 1 reports it once they got their message.
    const blockers = new Set([30, 70]);
    const reporter = 55;
    const acted = new Set<number>();
    for (let day = 0; day < 5; day++) {
      await world.advance(24 * 3600);
      for (const i of [...blockers, reporter]) {
        if (acted.has(i) || (await sentAt(clients[i]!, biz.id)).length === 0) continue;
        acted.add(i);
        if (i === reporter) {
          const chat = (await clients[i]!.api.get('/v1/chats')).body.chats.find((c: any) => c.peer?.accountId === biz.id);
          expect((await clients[i]!.api.post('/v1/reports', { chatId: chat.id })).status).toBe(201);
        } else expect((await clients[i]!.api.post('/v1/blocks', { accountId: biz.id })).status).toBeLessThan(300);
      }
    }
    for (let i = 0; i < 100; i++)
      expect(await eventually(() => crm.amojo.statuses(`burst-${i}`)[0], 10_000, `burst-${i}`)).toMatchObject({ delivery_status: 1 });
    const times: number[] = [];
    for (const c of clients) times.push(...(await sentAt(c, biz.id)));
    expect(times).toHaveLength(100); // each exactly once
    times.sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(90_000);
    expect(times.filter((t) => t < connectedAt + DAY).length).toBeLessThanOrEqual(10);
    expect(times.filter((t) => t < connectedAt + 2 * DAY).length).toBeLessThanOrEqual(30);
    expect(
      maxIn(
        times.filter((t) => t < connectedAt + 3 * DAY),
        HOUR,
      ),
    ).toBeLessThanOrEqual(6);
    expect(maxIn(times, HOUR)).toBeLessThanOrEqual(15);
    expect(maxIn(times, DAY)).toBeLessThanOrEqual(40);
    // The robots' default rules never limited the number, though every first contact had a link.
    const me = await biz.api.get('/v1/me');
    expect(me.body.restriction?.state ?? me.body.account?.restriction?.state ?? 'free').toBe('free');
    st = (await world.admin.get(`/v1/crm/amocrm/connections/${scope}`)).body.connection;
    expect(st.held).toHaveLength(0);
    expect(st.number.restriction).toMatchObject({ state: 'free', text: expect.stringContaining('Your number is free') });
    expect(st.number.quality).toMatchObject({ colour: 'green', strangersContacted: 100, blocks: 2, reports: 1 });

    // The CRM tables are exactly what their events replay to.
    await server.stop();
    await expectCrmTablesReplayed(server.dataDir);
  }, 120_000);
});

describe('a limited number', () => {
  let server: TestServer;
  afterAll(async () => server?.stop());

  it('fails held and new first contacts at once with 905 and the until, and resumes when the limit ends', async () => {
    server = await startServer({ crmConfig: crm.configFile });
    const world = new World(server.url);
    const biz = await world.account();
    const scope = await connect(world, biz);
    const c = [await world.account(), await world.account(), await world.account()];
    for (let i = 0; i < 3; i++)
      await hook(server, scope, webhookBody({ msgid: `lim-${i}`, clientId: c[i]!.id, text: `Hello ${word(i)}, a word about your ${word(i + 3)} order` }));
    await server.app.crm!.idle();
    expect(await eventually(() => crm.amojo.statuses('lim-0')[0])).toMatchObject({ delivery_status: 1 });
    // The number gets limited (a report confirmed as spam).
    const victim = await world.account();
    const sent = await biz.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'Buy our flowers, best prices in town' });
    const r = await victim.api.post('/v1/reports', { chatId: sent.body.message.chatId });
    expect((await world.admin.post(`/v1/moderation/cases/${r.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' })).status).toBe(200);
    await world.advance(0);
    for (const id of ['lim-1', 'lim-2']) {
      const st = await eventually(() => crm.amojo.statuses(id)[0], 10_000, id);
      expect(st).toMatchObject({ delivery_status: -1, error_code: 905 });
      expect(st.error).toMatch(/limited until \d+ \w+ \d{4}/);
    }
    const stranger = await world.account();
    await hook(server, scope, webhookBody({ msgid: 'lim-new', clientId: stranger.id, text: 'Hello, a new client' }));
    expect(await eventually(() => crm.amojo.statuses('lim-new')[0])).toMatchObject({ delivery_status: -1, error_code: 905 });
    expect((await world.admin.get(`/v1/crm/amocrm/connections/${scope}`)).body.connection.held).toHaveLength(0);
    // The limit ends by itself (24 h): first contacts go again.
    await world.advance(25 * 3600);
    await hook(server, scope, webhookBody({ msgid: 'lim-after', clientId: stranger.id, text: 'Hello again, a new client' }));
    expect(await eventually(() => crm.amojo.statuses('lim-after')[0])).toMatchObject({ delivery_status: 1 });
  });
});

describe('a restart between receiving a webhook and sending it', () => {
  it('loses nothing and sends nothing twice', async () => {
    // A tight message rate: the second message waits (FLOOD_WAIT) when banya stops.
    const tight = {
      crmConfig: crm.configFile,
      rateLimits: { messages: { perSecond: 0.001, burst: 1 }, requests: { perSecond: 50, burst: 500 }, reports: { perSecond: 1, burst: 10 }, enabled: true },
    };
    let server = await startServer(tight);
    let world = new World(server.url);
    const biz = await world.account();
    const client = await world.account();
    await world.mutual(biz, client);
    const scope = await connect(world, biz);
    await hook(server, scope, webhookBody({ msgid: 'rs-1', clientId: client.id, text: 'first' }));
    await hook(server, scope, webhookBody({ msgid: 'rs-2', clientId: client.id, text: 'second' }));
    expect(await eventually(() => crm.amojo.statuses('rs-1')[0])).toMatchObject({ delivery_status: 1 });
    await server.app.crm!.idle();
    expect(crm.amojo.statuses('rs-2')).toHaveLength(0);
    const waiting = (await world.admin.get(`/v1/crm/amocrm/connections/${scope}`)).body.connection.outbox;
    expect(waiting.waiting).toBe(1);
    await server.stop();
    server = await startServer({ crmConfig: crm.configFile }, server.dataDir);
    world = new World(server.url);
    rebind([biz, client], server.url);
    try {
      expect(await eventually(() => crm.amojo.statuses('rs-2')[0])).toMatchObject({ delivery_status: 1 });
      await server.app.crm!.idle();
      const chat = (await client.api.get('/v1/chats')).body.chats.find((c: any) => c.peer?.accountId === biz.id);
      const texts = (await client.api.get(`/v1/chats/${chat.id}/messages`)).body.messages.map((m: any) => m.text);
      expect(texts.filter((t: string) => t === 'first')).toHaveLength(1);
      expect(texts.filter((t: string) => t === 'second')).toHaveLength(1);
      expect(crm.amojo.statuses('rs-1')).toHaveLength(1);
      expect(crm.amojo.statuses('rs-2')).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });
});

describe('retries', () => {
  it('a FLOOD_WAIT beyond the retry budget fails with 905; an amojo call that hangs times out and is retried', async () => {
    const file = path.join(path.dirname(crm.configFile), 'tight.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ channels: [{ id: CH, secret: SECRET, amojoUrl: crm.amojo.url }], retryBaseMs: 50, retryMaxMs: 200, timeoutMs: 300, floodRetries: 0 }),
    );
    const server = await startServer({
      crmConfig: file,
      rateLimits: { messages: { perSecond: 0.001, burst: 1 }, requests: { perSecond: 50, burst: 500 }, reports: { perSecond: 1, burst: 10 }, enabled: true },
    });
    try {
      const world = new World(server.url);
      const biz = await world.account();
      const client = await world.account();
      await world.mutual(biz, client);
      const scope = await connect(world, biz);
      await hook(server, scope, webhookBody({ msgid: 'fw-1', clientId: client.id, text: 'one' }));
      await hook(server, scope, webhookBody({ msgid: 'fw-2', clientId: client.id, text: 'two' }));
      expect(await eventually(() => crm.amojo.statuses('fw-1')[0])).toMatchObject({ delivery_status: 1 });
      const st = await eventually(() => crm.amojo.statuses('fw-2')[0]);
      expect(st).toMatchObject({ delivery_status: -1, error_code: 905 });
      expect(st.error).toContain('too fast');
      crm.amojo.hang = true;
      try {
        const other = await world.account();
        await world.mutual(biz, other);
        await hook(server, scope, webhookBody({ msgid: 'hang-1', clientId: other.id, text: 'three' }));
        await eventually(() => crm.amojo.received.filter((r) => r.status === 0 && r.path.includes('/hang-1/')).length >= 2, 10_000, 'two timed-out calls');
      } finally {
        crm.amojo.hang = false;
      }
      // The message was sent once already (FLOOD_WAIT aside, it is a mutual contact); only its status waited.
      expect(await eventually(() => crm.amojo.statuses('hang-1')[0])).toMatchObject({ delivery_status: expect.any(Number) });
    } finally {
      await server.stop();
    }
  });
});
