import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { BUTTONS } from '../src/domain/spambot.js';
import { connection, FEED_LOCK_KEY, PostgresStore } from '../src/store/postgres.js';
import { type Running, serve } from './helpers/cli-server.js';
import { Client, type TestAccount } from './helpers/client.js';
import { expectError, within } from './helpers/expect.js';
import { freePort } from './helpers/net.js';
import { databaseUrlFor, onPostgres, queryAt } from './helpers/pg.js';
import { redisAvailable, startRedis, type TestRedis } from './helpers/redis.js';
import { sign, StandInAmojo, webhookBody } from './helpers/amojo.js';

/**
 * Two nodes, real `banya serve` processes on loopback, on one PostgreSQL and one Redis: what one
 * node changes, the other enforces at once (the tests wait at most a second), races between them
 * end as on one node, time's work runs once even when its node is killed, and a node that missed
 * the feed catches up before it decides. Runs with BANYA_TEST_STORE=postgres (CI starts both).
 */

const ADMIN = 'cluster-test-admin-token-0123456789';
const LEASE_MS = 1500;
const EN = BUTTONS.en;

const children: ChildProcess[] = [];
let redis: TestRedis;
let databaseUrl: string;
let dataRoot: string;
let amojo: StandInAmojo;
let crmConfig: string;
const CH = '3f1c2a9e-0000-4000-8000-00000000c1a5';
const CH_SECRET = 'cluster-channel-secret-0123456789';
const nodes: Record<'A' | 'B', Running | null> = { A: null, B: null };
/** Each node's SMTP listener (the support address), kept over restarts. */
const smtpPorts: Record<'A' | 'B', number> = { A: 0, B: 0 };

async function startNode(name: 'A' | 'B'): Promise<Running> {
  const dataDir = path.join(dataRoot, name);
  fs.mkdirSync(dataDir, { recursive: true });
  const run = await serve({
    dataDir,
    adminToken: ADMIN,
    children,
    env: {
      BANYA_DATABASE_URL: databaseUrl,
      BANYA_REDIS_URL: redis.url,
      BANYA_NODE_ID: `node-${name}`,
      BANYA_CLOCK: 'manual',
      BANYA_LEASE_MS: String(LEASE_MS),
      BANYA_FEED_POLL_MS: '200',
      // The CRM gateway is configured on every node: its worker runs under a lease.
      BANYA_CRM_CONFIG: crmConfig,
      // So is the SMTP listener: a mail's Message-ID makes it one ticket entry whichever node takes it.
      BANYA_SMTP_PORT: String(smtpPorts[name]),
      PGUSER: process.env.PGUSER || os.userInfo().username,
    },
  });
  nodes[name] = run;
  return run;
}

const admin = (n: 'A' | 'B') => new Client(nodes[n]!.url, ADMIN);
const as = (n: 'A' | 'B', a: TestAccount | string) => new Client(nodes[n]!.url, typeof a === 'string' ? a : a.token);

let phoneSeq = 0;
const nextPhone = () => `+4477066${String(++phoneSeq).padStart(5, '0')}`;

async function account(n: 'A' | 'B' = 'A'): Promise<TestAccount> {
  const phone = nextPhone();
  const res = await admin(n).post('/v1/accounts', { name: `Person ${phone.slice(-4)}`, phone });
  if (res.status !== 201) throw new Error(`account: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.account.id, phone, token: res.body.token, api: as(n, res.body.token) };
}

async function staff(n: 'A' | 'B', role: 'moderator' | 'support'): Promise<string> {
  const res = await admin(n).post('/v1/admin/staff', { name: `${role} member`, role });
  expect(res.status).toBe(201);
  return res.body.token;
}

const send = (n: 'A' | 'B', from: TestAccount, to: TestAccount, text = 'hello', extra: Record<string, unknown> = {}) =>
  as(n, from).post('/v1/messages', { to: { accountId: to.id }, text, ...extra });

const sql = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => queryAt<T>(databaseUrl, text, values);

let moderatorToken: string;
let supportToken: string;

/** `spammer` writes to a fresh stranger on `n`, who reports it there; the report's case id. */
async function spamAndReport(n: 'A' | 'B', spammer: TestAccount): Promise<string> {
  const victim = await account(n);
  const m = await send(n, spammer, victim, 'cheap watches, click here');
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const r = await as(n, victim).post('/v1/reports', { chatId: m.body.message.chatId, reason: 'spam' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.report.caseId;
}

async function confirm(n: 'A' | 'B', caseId: string) {
  return as(n, moderatorToken).post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy: 'spam' });
}

async function bot(n: 'A' | 'B', a: TestAccount, text: string) {
  const r = await as(n, a).post('/v1/messages', { to: { username: 'spambot' }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message;
}

const run = onPostgres() && redisAvailable();

describe.runIf(run)('two nodes on one PostgreSQL and one Redis', () => {
  beforeAll(async () => {
    dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-cluster-'));
    databaseUrl = await databaseUrlFor(dataRoot);
    redis = await startRedis();
    amojo = await new StandInAmojo({ [CH]: CH_SECRET }).start();
    crmConfig = path.join(dataRoot, 'crm.json');
    fs.writeFileSync(
      crmConfig,
      JSON.stringify({ channels: [{ id: CH, secret: CH_SECRET, amojoUrl: amojo.url }], retryBaseMs: 50, retryMaxMs: 200, timeoutMs: 2000 }),
    );
    smtpPorts.A = await freePort();
    smtpPorts.B = await freePort();
    await startNode('A');
    await startNode('B');
    moderatorToken = await staff('A', 'moderator');
    supportToken = await staff('B', 'support');
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await redis?.stop();
    await amojo?.stop();
    if (dataRoot) fs.rmSync(dataRoot, { recursive: true, force: true });
  });

  it('a case confirmed on A: B denies the limited account a message to a stranger with PEER_FLOOD', async () => {
    const spammer = await account('A');
    const caseId = await spamAndReport('A', spammer);
    const d = await confirm('A', caseId);
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    const stranger = await account('B');
    await within(1000, async () => expectError(await send('B', spammer, stranger), 403, 'PEER_FLOOD'));
  });

  it('a block made on B is enforced on A', async () => {
    const x = await account('A');
    const y = await account('B');
    expect((await send('A', y, x)).status).toBe(201);
    expect((await as('B', x).post('/v1/blocks', { accountId: y.id })).status).toBe(204);
    await within(1000, async () => expectError(await send('A', y, x), 403, 'USER_IS_BLOCKED'));
  });

  it('the same phone registered on A and B at once: one 201, one 409', async () => {
    for (let i = 0; i < 5; i++) {
      const phone = nextPhone();
      const both = await Promise.all((['A', 'B'] as const).map((n) => admin(n).post('/v1/accounts', { name: 'Twin', phone })));
      expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(both.find((r) => r.status === 409)!.body.error.code).toBe('PHONE_TAKEN');
    }
  });

  it('the same subject reported on A and B at once: one case', async () => {
    const spammer = await account('A');
    const victims = [await account('A'), await account('B')];
    const chats: string[] = [];
    for (const v of victims) {
      const m = await send('A', spammer, v, 'buy now');
      expect(m.status).toBe(201);
      chats.push(m.body.message.chatId);
    }
    const reports = await Promise.all([
      as('A', victims[0]!).post('/v1/reports', { chatId: chats[0], reason: 'spam' }),
      as('B', victims[1]!).post('/v1/reports', { chatId: chats[1], reason: 'spam' }),
    ]);
    for (const r of reports) expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(reports[0]!.body.report.caseId).toBe(reports[1]!.body.report.caseId);
    const cases = await as('B', moderatorToken).get('/v1/moderation/cases?limit=1000');
    expect(cases.body.cases.filter((c: any) => c.subject.accountId === spammer.id)).toHaveLength(1);
  });

  it('the same case decided on both: one decision, one 409 CASE_CLOSED', async () => {
    const spammer = await account('A');
    const caseId = await spamAndReport('A', spammer);
    const both = await Promise.all([confirm('A', caseId), confirm('B', caseId)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(both.find((r) => r.status === 409)!.body.error.code).toBe('CASE_CLOSED');
    const decisions = await sql<{ n: string }>(`select count(*) as n from events where type = 'decision' and (payload::json->>'caseId')::int = $1`, [
      Number(caseId.slice(1)),
    ]);
    expect(Number(decisions[0]!.n)).toBe(1);
    const restrictions = await sql<{ n: string }>('select count(*) as n from restrictions where account_id = $1', [Number(spammer.id.slice(1))]);
    expect(Number(restrictions[0]!.n)).toBe(1);
  });

  it('the same case claimed on A and B at once by two moderators: one 200, one 409 CASE_CLAIMED; release and expiry hand it on', async () => {
    const other = await staff('B', 'moderator');
    const claim = (n: 'A' | 'B', token: string, caseId: string) => as(n, token).post(`/v1/moderation/cases/${caseId}/claim`, {});
    for (let round = 0; round < 5; round++) {
      const caseId = await spamAndReport(round % 2 === 0 ? 'A' : 'B', await account('A'));
      const both = await Promise.all([claim('A', moderatorToken, caseId), claim('B', other, caseId)]);
      expect(both.map((r) => r.status).sort(), JSON.stringify(both.map((r) => r.body))).toEqual([200, 409]);
      const won = both.find((r) => r.status === 200)!.body.case.claimedBy as string;
      const lost = both.find((r) => r.status === 409)!;
      expect(lost.body.error.code).toBe('CASE_CLAIMED');
      // Both nodes answer with the winner, and the database holds it.
      for (const n of ['A', 'B'] as const) {
        const seen = await as(n, moderatorToken).get(`/v1/moderation/cases/${caseId}`);
        expect(seen.body.case.claimedBy).toBe(won);
      }
      const row = await sql<{ claimed_by: string }>('select claimed_by from cases where id = $1', [Number(caseId.slice(1))]);
      expect(row[0]!.claimed_by).toBe(won);
      // The winner releases on one node; the loser claims on the other.
      const [winnerToken, loserToken] = both[0]!.status === 200 ? [moderatorToken, other] : [other, moderatorToken];
      const releasedOn = round % 2 === 0 ? 'B' : 'A';
      expect((await as(releasedOn, winnerToken).post(`/v1/moderation/cases/${caseId}/release`, {})).status).toBe(200);
      const again = await claim(releasedOn === 'A' ? 'B' : 'A', loserToken, caseId);
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body.case.claimedBy).not.toBe(won);
    }
    // A claim lapses after claimMinutes on every node: then the other moderator gets it.
    const caseId = await spamAndReport('A', await account('A'));
    expect((await claim('A', moderatorToken, caseId)).status).toBe(200);
    expectError(await claim('B', other, caseId), 409, 'CASE_CLAIMED');
    expect((await admin('B').post('/v1/admin/clock', { advanceSeconds: 16 * 60 })).status).toBe(200);
    const both = await Promise.all([claim('A', other, caseId), claim('B', other, caseId)]);
    for (const r of both) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expectError(await claim('A', moderatorToken, caseId), 409, 'CASE_CLAIMED');
  });

  it('the same idempotencyKey on both: one message, the same answer', async () => {
    const a = await account('A');
    const b = await account('A');
    const body = { to: { accountId: b.id }, text: 'once', idempotencyKey: 'cluster-k-1' };
    const both = await Promise.all([as('A', a).post('/v1/messages', body), as('B', a).post('/v1/messages', body)]);
    for (const r of both) expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(both[0]!.body.message.id).toBe(both[1]!.body.message.id);
    const msgs = await as('B', b).get(`/v1/chats/${both[0]!.body.message.chatId}/messages?limit=100`);
    expect(msgs.body.messages.filter((m: any) => m.text === 'once')).toHaveLength(1);
  });

  it('one SpamBot dialogue through both nodes: exactly one answer per message; two appeals at once: one open', async () => {
    const a = await account('A');
    const d = await confirm('A', await spamAndReport('A', a));
    expect(d.status).toBe(200);
    const first = await bot('A', a, EN.mistake);
    await bot('B', a, EN.didNot);
    // The description sent to both nodes at once, twice over.
    const sends = await Promise.all(
      (['A', 'B', 'A', 'B'] as const).map((n, i) => as(n, a).post('/v1/messages', { to: { username: 'spambot' }, text: `my case, copy ${i}` })),
    );
    for (const s of sends) expect(s.status, JSON.stringify(s.body)).toBe(201);
    const chat = await as('B', a).get(`/v1/chats/${first.chatId}/messages?limit=1000`);
    const all = chat.body.messages as { from: string }[];
    const mine = all.filter((m) => m.from === a.id).length;
    expect(mine).toBe(6);
    expect(all.length).toBe(2 * mine);
    const appeals = await as('A', supportToken).get('/v1/moderation/appeals?limit=1000');
    expect(appeals.body.appeals.filter((x: any) => x.accountId === a.id)).toHaveLength(1);
  });

  it('node B restarted after missing notifications catches up before it serves decisions', async () => {
    const x = await account('A');
    const y = await account('A');
    const spammer = await account('A');
    const caseId = await spamAndReport('A', spammer);
    nodes.B!.child.kill('SIGKILL');
    await nodes.B!.exited;
    // While B is down: a block and a confirmation on A.
    expect((await as('A', x).post('/v1/blocks', { accountId: y.id })).status).toBe(204);
    expect((await confirm('A', caseId)).status).toBe(200);
    await startNode('B');
    expectError(await send('B', y, x), 403, 'USER_IS_BLOCKED');
    expectError(await send('B', spammer, await account('A')), 403, 'PEER_FLOOD');
    // Its LISTEN connection cut: the next request on B still sees what A did just before.
    await sql(`select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'listen %' and datname = current_database()`);
    expect((await as('A', x).delete(`/v1/blocks/${y.id}`)).status).toBe(204);
    expect((await send('B', y, x)).status).toBe(201);
  }, 120_000);

  it("the CRM configured on both nodes: webhooks delivered to both make one job each, each sent and reported once; clients' messages through both reach amojo once", async () => {
    const biz = await account('A');
    const clients = [await account('A'), await account('B'), await account('A')];
    for (const c of clients) {
      expect((await as('A', biz).post('/v1/contacts', { accountId: c.id })).status).toBeLessThan(300);
      expect((await as('B', c).post('/v1/contacts', { accountId: biz.id })).status).toBeLessThan(300);
    }
    const connected = await admin('A').post(`/v1/crm/amocrm/channels/${CH}/connections`, { amojoAccountId: 'amo-cluster-1', businessAccountId: biz.id });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const scope = connected.body.connection.scopeId as string;
    const hook = (n: 'A' | 'B', body: unknown) => {
      const raw = JSON.stringify(body);
      return fetch(`${nodes[n]!.url}/crm/amocrm/hooks/${scope}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': sign(CH_SECRET, raw) },
        body: raw,
      });
    };
    // B knows the connection through the feed.
    await within(1000, async () =>
      expect((await as('B', moderatorToken).get('/v1/crm/amocrm/connections')).body.connections.map((c: any) => c.scopeId)).toContain(scope),
    );
    // amojo is down while the jobs come in, some accepted by each node: both nodes' memories hold
    // all of them waiting for a retry, the case in which two workers would both report.
    amojo.down = true;
    const msgids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const msgid = `cluster-crm-${i}`;
      msgids.push(msgid);
      const body = webhookBody({ msgid, clientId: clients[i % 3]!.id, text: `manager message ${i}` });
      const both = await Promise.all([hook('A', body), hook('B', body)]);
      for (const r of both) expect(r.status).toBe(200);
    }
    // Clients write to the business through both nodes meanwhile.
    const texts = ['client on A', 'client on B', 'client on A again'];
    await Promise.all(texts.map((t, i) => send(i % 2 === 0 ? 'A' : 'B', clients[i]!, biz, t)));
    await new Promise((r) => setTimeout(r, 500));
    amojo.down = false;
    // Whichever node holds the CRM lease works the outbox: every status once.
    await within(5000, async () => {
      for (const m of msgids) expect(amojo.statuses(m).length, m).toBeGreaterThan(0);
    });
    await within(5000, async () => {
      for (const t of texts) expect(amojo.newMessages().filter((m) => m.message?.text === t).length, t).toBeGreaterThan(0);
    });
    // Nothing more comes later: a second worker would report and deliver again.
    await new Promise((r) => setTimeout(r, 1000));
    for (const m of msgids) expect(amojo.statuses(m), m).toHaveLength(1);
    for (const t of texts)
      expect(
        amojo.newMessages().filter((m) => m.message?.text === t),
        t,
      ).toHaveLength(1);
    for (let i = 0; i < 6; i++) {
      const n = await sql<{ n: string }>('select count(*) as n from messages where text = $1', [`manager message ${i}`]);
      expect(Number(n[0]!.n)).toBe(1);
    }
    const jobs = await sql<{ n: string }>(`select count(*) as n from events where type = 'crm_job_received'`);
    expect(Number(jobs[0]!.n)).toBe(6);
  });

  it('a CRM connection paused on a frozen number, the freeze lifted on the other node: it resumes without a message, once', async () => {
    const biz = await account('A');
    const client = await account('A');
    expect((await as('A', biz).post('/v1/contacts', { accountId: client.id })).status).toBeLessThan(300);
    expect((await as('A', client).post('/v1/contacts', { accountId: biz.id })).status).toBeLessThan(300);
    const connected = await admin('A').post(`/v1/crm/amocrm/channels/${CH}/connections`, { amojoAccountId: 'amo-cluster-resume', businessAccountId: biz.id });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const scope = connected.body.connection.scopeId as string;
    const managerSends = async (n: 'A' | 'B', msgid: string, text: string) => {
      const raw = JSON.stringify(webhookBody({ msgid, clientId: client.id, text }));
      const r = await fetch(`${nodes[n]!.url}/crm/amocrm/hooks/${scope}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': sign(CH_SECRET, raw) },
        body: raw,
      });
      expect(r.status).toBe(200);
      let st: any;
      await within(5000, async () => {
        st = amojo.statuses(msgid)[0];
        expect(st).toBeDefined();
      });
      return st;
    };
    const caseId = await spamAndReport('A', biz);
    expect((await as('A', moderatorToken).post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy: 'scam' })).status).toBe(200);
    expect(await managerSends('A', 'cluster-resume-1', 'while frozen')).toMatchObject({ delivery_status: -1, error_code: 902 });
    const status = async (n: 'A' | 'B') => (await admin(n).get(`/v1/crm/amocrm/connections/${scope}`)).body.connection;
    await within(2000, async () => expect(await status('B')).toMatchObject({ status: 'paused', reason: 'frozen' }));
    expect((await as('B', supportToken).post(`/v1/moderation/accounts/${biz.id}/lift`, { reason: 'not a scam' })).status).toBe(200);
    for (const n of ['A', 'B'] as const) await within(3000, async () => expect(await status(n)).toMatchObject({ status: 'active', reason: null }));
    const resumed = async () =>
      Number((await sql<{ n: string }>(`select count(*) as n from events where type = 'crm_resumed' and payload::text like $1`, [`%${scope}%`]))[0]!.n);
    // Both workers looked (one through the feed): one of them recorded it.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await resumed()).toBe(1);
    expect(await managerSends('B', 'cluster-resume-2', 'after the lift')).toMatchObject({ delivery_status: 1 });
    expect(await resumed()).toBe(1);
  });

  it("the same mail (one Message-ID) delivered to both nodes' SMTP listeners at once, and again: one ticket, one entry", async () => {
    const deliver = async (n: 'A' | 'B', messageId: string, text: string) => {
      const t = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPorts[n], secure: false, ignoreTLS: true });
      try {
        const info = await t.sendMail({ from: 'client@example.com', to: 'support@banya.local', subject: 'My account', text, messageId });
        expect(info.accepted).toEqual(['support@banya.local']);
      } finally {
        t.close();
      }
    };
    const entries = async (text: string) => Number((await sql<{ n: string }>('select count(*) as n from ticket_entries where text = $1', [text]))[0]!.n);
    for (let i = 0; i < 3; i++) {
      const id = `<cluster-mail-${i}@example.com>`;
      const text = `please help, mail ${i}`;
      await Promise.all([deliver('A', id, text), deliver('B', id, text)]);
      await deliver(i % 2 === 0 ? 'A' : 'B', id, text);
      expect(await entries(text)).toBe(1);
    }
    // A different Message-ID with the same words is a new entry.
    await deliver('B', '<cluster-mail-other@example.com>', 'please help, mail 0');
    expect(await entries('please help, mail 0')).toBe(2);
    const tickets = await sql<{ n: string }>(`select count(*) as n from tickets where from_email = 'client@example.com'`);
    expect(Number(tickets[0]!.n)).toBe(1);
  });

  it('a ticket reopened on A after an answer on B: overdue once in each open period, whichever node runs the scheduler', async () => {
    const H = 3600;
    const a = await account('A');
    const asked = await a.api.post('/v1/support/tickets', { text: 'Help, from A.' });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    const id: string = asked.body.ticket.id;
    const n = Number(id.slice(1));
    const overdues = async () =>
      (
        await sql<{ due: string }>(
          `select payload::json->>'dueAt' as due from events where type = 'ticket_overdue' and (payload::json->>'ticketId')::int = $1 order by id`,
          [n],
        )
      ).map((r) => Number(r.due));
    expect((await admin('B').post('/v1/admin/clock', { advanceSeconds: 73 * H })).status).toBe(200);
    await within(5000, async () => expect(await overdues()).toHaveLength(1));
    expect((await as('B', supportToken).post(`/v1/moderation/tickets/${id}/answer`, { text: 'Answered on B.' })).status).toBe(200);
    const again = await a.api.post('/v1/support/tickets', { text: 'A follow-up, on A.' });
    expect(again.body.ticket.id).toBe(id);
    const dueAt = Date.parse(again.body.ticket.dueAt);
    // B sees it open again, due from the reopening.
    await within(1000, async () => {
      const t = (await as('B', supportToken).get(`/v1/moderation/tickets/${id}`)).body.ticket;
      expect(t).toMatchObject({ state: 'open', overdue: false, dueAt: again.body.ticket.dueAt });
    });
    expect((await admin('B').post('/v1/admin/clock', { advanceSeconds: 72 * H })).status).toBe(200);
    await within(5000, async () => expect(await overdues()).toHaveLength(2));
    const [first, second] = await overdues();
    expect(second).toBe(dueAt);
    expect(first).toBeLessThan(dueAt);
    // And no more: one mark per period, on either node's clock.
    expect((await admin('A').post('/v1/admin/clock', { advanceSeconds: 72 * H })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(await overdues()).toHaveLength(2);
    expect((await as('A', supportToken).get(`/v1/moderation/tickets/${id}`)).body.ticket.overdue).toBe(true);
  }, 60_000);

  it('node B starting on a populated database: A keeps committing meanwhile, no session holds the feed lock, B loads and catches up', async () => {
    // Enough state that the load takes a while: 600 accounts more, 300 of them with a contact.
    const made: TestAccount[] = [];
    for (let i = 0; i < 30; i++) made.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => account(j % 2 === 0 ? 'A' : 'B')))));
    for (let i = 0; i < 300; i += 20)
      await Promise.all(made.slice(i, i + 20).map((a, j) => as('A', a).post('/v1/contacts', { accountId: made[i + j + 300]!.id })));
    nodes.B!.child.kill('SIGKILL');
    await nodes.B!.exited;
    const x = await account('A');
    const y = await account('A');
    // While B starts: A creates accounts and blocks/unblocks, each write timed; a probe looks for a
    // session holding the feed's advisory lock outside a transaction (what a locked load would be).
    // pg_locks and pg_stat_activity are not read at one instant, so a writer committing between
    // the two reads can look idle with its lock once: a hold counts when the same session is seen
    // so in two probes running (a locked load holds it for the whole load, seconds).
    let starting = true;
    const latencies: number[] = [];
    const createdMeanwhile: TestAccount[] = [];
    let blocked = false;
    const writer = (async () => {
      while (starting) {
        const t0 = performance.now();
        createdMeanwhile.push(await account('A'));
        const r = blocked ? await as('A', x).delete(`/v1/blocks/${y.id}`) : await as('A', x).post('/v1/blocks', { accountId: y.id });
        expect(r.status).toBe(204);
        blocked = !blocked;
        latencies.push(performance.now() - t0);
      }
    })();
    const probe = new pg.Client(connection(databaseUrl));
    await probe.connect();
    let lockedLoads = 0;
    let probes = 0;
    let idleHolders = new Set<number>();
    const probing = (async () => {
      while (starting) {
        const r = await probe.query<{ pid: number }>(
          `select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and l.objid = $1 and l.granted and a.state = 'idle'`,
          [FEED_LOCK_KEY],
        );
        probes++;
        const now = new Set(r.rows.map((row) => row.pid));
        for (const pid of now) if (idleHolders.has(pid)) lockedLoads++;
        idleHolders = now;
        await new Promise((res) => setTimeout(res, 2));
      }
    })();
    const t0 = performance.now();
    await startNode('B');
    const startMs = performance.now() - t0;
    starting = false;
    await Promise.all([writer, probing]);
    await probe.end();
    const worst = Math.max(...latencies);
    console.log(
      `B started in ${startMs.toFixed(0)} ms; A acknowledged ${latencies.length} write pairs meanwhile, slowest ${worst.toFixed(0)} ms; the feed lock held outside a transaction in ${lockedLoads} of ${probes} probes (seen twice running)`,
    );
    expect(lockedLoads).toBe(0);
    expect(latencies.length).toBeGreaterThan(3);
    // B decides on what A committed while it loaded: the last block state, and the new accounts.
    if (blocked) expectError(await send('B', y, x), 403, 'USER_IS_BLOCKED');
    else expect((await send('B', y, x)).status).toBe(201);
    for (const a of createdMeanwhile.slice(-5)) expect((await send('B', a, made[0]!)).status).toBe(201);
    const me = await as('B', made[1]!).get('/v1/me');
    expect(me.status).toBe(200);
  }, 180_000);

  it('node A killed while it holds the expiry lease: B ends each due restriction exactly once', async () => {
    const spammers: TestAccount[] = [];
    for (let i = 0; i < 40; i++) spammers.push(await account(i % 2 === 0 ? 'A' : 'B'));
    for (const s of spammers) expect((await confirm('A', await spamAndReport('A', s))).status).toBe(200);
    const ids = spammers.map((s) => Number(s.id.slice(1)));
    const active = async () =>
      Number((await sql<{ n: string }>('select count(*) as n from restrictions where ended_at is null and account_id = any($1)', [ids]))[0]!.n);
    expect(await active()).toBe(40);
    // A moves the cluster's clock past every limit and starts ending them; it dies on the way.
    const advancing = admin('A')
      .post('/v1/admin/clock', { advanceSeconds: 400 * 86400 })
      .catch(() => null);
    await within(20_000, async () => {
      // Only these restrictions: earlier tests' expiries are in the log too, and counting them
      // would kill A before its clock move committed (then nothing is due for B to end).
      if ((await active()) === 40) throw new Error('nothing ended yet');
    });
    nodes.A!.child.kill('SIGKILL');
    await nodes.A!.exited;
    await advancing;
    const leftByA = await active();
    // B takes the lease once it expired and ends the rest.
    await within(LEASE_MS + 8000, async () => expect(await active()).toBe(0));
    const perRestriction = await sql<{ r: string; n: string }>(
      `select payload::json->>'restrictionId' as r, count(*) as n from events where type = 'restriction_expired' group by 1 having count(*) > 1`,
    );
    expect(perRestriction).toEqual([]);
    const expired = await sql<{ n: string }>(
      `select count(*) as n from events e join restrictions r on r.id = (e.payload::json->>'restrictionId')::int where e.type = 'restriction_expired' and r.account_id = any($1)`,
      [ids],
    );
    expect(Number(expired[0]!.n)).toBe(40);
    // Not a vacuous pass: A had not finished when it was killed (reported, not required).
    console.log(`restrictions left for B after A was killed: ${leftByA} of 40`);
    // A restarted joins again and sees the same state.
    await startNode('A');
    const me = await as('A', spammers[0]!).get('/v1/me');
    expect(me.body.restriction.state).toBe('free');
  }, 120_000);
  it('banya check afterwards: the tables equal the replayed log', async () => {
    const store = await PostgresStore.open(databaseUrl);
    try {
      expect(await checkProjections(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
