import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { configFrom } from '../src/config.js';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { parseId } from '../src/store/ids.js';
import type { ErrorCode } from '../src/domain/codes.js';
import type { Access } from '../src/http/auth.js';
import { declareAccess, type RouteEntry } from '../src/http/server.js';
import { sign, StandInAmojo, webhookBody } from './helpers/amojo.js';
import { Client, type TestAccount, World } from './helpers/client.js';
import { ADMIN_TOKEN, freshDataDir } from './helpers/server.js';

/**
 * The authorization matrix: every route of the server's own route table (as registered,
 * read from the server) is called as every kind of caller, and the answer is checked against the
 * access declared beside the route (`config.access`, `config.othersGet`):
 * allowed → neither 401 nor 403 of authentication (`UNAUTHORIZED`, `FORBIDDEN`); refused → exactly
 * that code. A route without a fixture here, or without a declaration there, fails the suite.
 * Besides: no staff member ever reads chat contents, only support and admin read support
 * conversations, and the demo's people route exists only on a loopback demo.
 */

type Caller =
  | 'anonymous'
  | 'owner'
  | 'other'
  | 'triage'
  | 'moderator'
  | 'support'
  | 'adminStaff'
  | 'platform'
  | 'session:moderator'
  | 'session:support'
  | 'session:adminStaff'
  | 'session:platform'
  | 'session:no-csrf';

const CALLERS: Caller[] = [
  'anonymous',
  'owner',
  'other',
  'triage',
  'moderator',
  'support',
  'adminStaff',
  'platform',
  'session:moderator',
  'session:support',
  'session:adminStaff',
  'session:platform',
  'session:no-csrf',
];

const ROLE: Partial<Record<Caller, string>> = {
  triage: 'triage',
  moderator: 'moderator',
  support: 'support',
  adminStaff: 'admin',
  platform: 'admin',
  'session:moderator': 'moderator',
  'session:support': 'support',
  'session:adminStaff': 'admin',
  'session:platform': 'admin',
  'session:no-csrf': 'moderator',
};

type Outcome = { allow: true } | { allow: false; codes: readonly ErrorCode[] };
const ALLOW: Outcome = { allow: true };
const deny = (...codes: ErrorCode[]): Outcome => ({ allow: false, codes });

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the declaration promises `caller` on `route`. */
function expected(route: RouteEntry, caller: Caller): Outcome {
  const a: Access = route.access;
  // Every write made with a session cookie carries its CSRF token, whatever the route.
  if (caller === 'session:no-csrf' && !SAFE.has(route.method)) return deny('FORBIDDEN');
  if (a === 'none') return ALLOW;
  if (caller === 'anonymous') return deny('UNAUTHORIZED');
  const session = caller.startsWith('session:');
  const role = ROLE[caller];
  const isAccount = caller === 'owner' || caller === 'other';
  const other = caller === 'other' && route.othersGet ? deny(...route.othersGet) : ALLOW;
  switch (a) {
    case 'account':
      return isAccount ? other : deny('FORBIDDEN');
    case 'platform':
      return caller === 'platform' ? ALLOW : deny('FORBIDDEN');
    case 'session':
      return session ? ALLOW : deny('UNAUTHORIZED');
    case 'signed-in':
      return other;
    case 'staff':
      return role ? ALLOW : deny('FORBIDDEN');
    default:
      return role && (role === 'admin' || (a as readonly string[]).includes(role)) ? ALLOW : deny('FORBIDDEN');
  }
}

const CH = '3f1c2a9e-0000-4000-8000-0000000a17c0';
const SECRET = 'matrix-channel-secret-0123456789';
/** Texts that no staff member (and, for the ticket, no one but support and admin) may ever be shown. */
const CHAT_SECRET = 'private-chat-words-7c1e';
const TICKET_SECRET = 'support-conversation-words-93ad';
const APPEAL_SECRET = 'appeal-story-words-4b80';

let amojo: StandInAmojo;
let app: App;
let url: string;
let world: World;
let alice: TestAccount;
let bob: TestAccount;
let carol: TestAccount;
let dave: TestAccount;
let erin: TestAccount;
let privateChat: string;
let spamChat: string;
let group: string;
let caseId: string;
let ticketId: string;
let appealId: string;
let scope: string;
let staffTokens: Record<'triage' | 'moderator' | 'support' | 'adminStaff', string>;
let sessions: Partial<Record<Caller, { cookie: string; csrf: string }>> = {};
let seq = 0;

async function openSession(token: string): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${url}/v1/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  expect(r.status).toBe(201);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  const body = (await r.json()) as { csrf: string };
  return { cookie, csrf: body.csrf };
}

async function connect(business: TestAccount): Promise<string> {
  const r = await world.admin.post(`/v1/crm/amocrm/channels/${CH}/connections`, { amojoAccountId: `amo-matrix-${++seq}`, businessAccountId: business.id });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.connection.scopeId;
}

async function group_(owner: TestAccount, members: TestAccount[]): Promise<string> {
  const g = await owner.api.post('/v1/groups', { title: `Group ${++seq}`, kind: 'group', members: members.map((m) => m.id) });
  expect(g.status, JSON.stringify(g.body)).toBe(201);
  return g.body.chat.id;
}

interface Fixture {
  path: string;
  body?: unknown;
  /** Raw body and headers (the CRM webhook's signed bytes). */
  raw?: { body: string; headers: Record<string, string> };
  /** This call ends what it is made with (an account's session, a console session): make a fresh one. */
  fresh?: boolean;
}

/**
 * One request per route, naming the owner's (alice's) resources. A function, so that each call
 * may prepare what it uses up (a staff member to remove, a group to leave).
 */
const FIXTURES: Record<string, () => Fixture | Promise<Fixture>> = {
  'GET /healthz': () => ({ path: '/healthz' }),
  'GET /openapi.json': () => ({ path: '/openapi.json' }),
  'GET /metrics': () => ({ path: '/metrics' }),
  'POST /v1/accounts': () => ({ path: '/v1/accounts', body: { phone: `+4477011${String(10000 + ++seq).slice(-5)}`, name: 'Matrix person' } }),
  'POST /v1/accounts/:id/tokens': () => ({ path: `/v1/accounts/${alice.id}/tokens` }),
  'DELETE /v1/accounts/:id/tokens': async () => ({ path: `/v1/accounts/${(await world.account()).id}/tokens` }),
  'POST /v1/me/sign-out': () => ({ path: '/v1/me/sign-out', fresh: true }),
  'GET /v1/accounts/resolve': () => ({ path: `/v1/accounts/resolve?username=${'bob_matrix'}` }),
  'GET /v1/me': () => ({ path: '/v1/me' }),
  'PUT /v1/me': () => ({ path: '/v1/me', body: { name: 'Renamed' } }),
  'DELETE /v1/me': () => ({ path: '/v1/me', fresh: true }),
  'GET /v1/privacy': () => ({ path: '/v1/privacy' }),
  'PUT /v1/privacy': () => ({ path: '/v1/privacy', body: { newChats: 'everybody' } }),
  'POST /v1/contacts/import': () => ({ path: '/v1/contacts/import', body: { contacts: [{ phone: dave.phone }] } }),
  'POST /v1/contacts': () => ({ path: '/v1/contacts', body: { accountId: erin.id } }),
  'DELETE /v1/contacts/:accountId': () => ({ path: `/v1/contacts/${erin.id}` }),
  'POST /v1/blocks': () => ({ path: '/v1/blocks', body: { accountId: erin.id } }),
  'DELETE /v1/blocks/:accountId': () => ({ path: `/v1/blocks/${erin.id}` }),
  // Into the owner's private chat: another account is not in it.
  'POST /v1/messages': () => ({ path: '/v1/messages', body: { to: { chatId: privateChat }, text: 'hello again' } }),
  'GET /v1/chats': () => ({ path: '/v1/chats' }),
  'GET /v1/chats/:chatId/messages': () => ({ path: `/v1/chats/${privateChat}/messages` }),
  'POST /v1/groups': () => ({ path: '/v1/groups', body: { title: 'New group', kind: 'group' } }),
  'POST /v1/chats/:chatId/members': () => ({ path: `/v1/chats/${group}/members`, body: { accountIds: [dave.id] } }),
  'POST /v1/chats/:chatId/join': () => ({ path: `/v1/chats/${group}/join` }),
  'POST /v1/chats/:chatId/leave': async () => ({ path: `/v1/chats/${await group_(alice, [bob])}/leave` }),
  'POST /v1/chats/:chatId/bans': async () => ({ path: `/v1/chats/${await group_(alice, [bob])}/bans`, body: { accountId: bob.id } }),
  'POST /v1/chats/:chatId/admins': () => ({ path: `/v1/chats/${group}/admins`, body: { accountId: bob.id, admin: true } }),
  // The owner's chat with a spammer: another account was not written to there.
  'POST /v1/reports': () => ({ path: '/v1/reports', body: { chatId: spamChat, reason: 'spam' } }),
  'GET /v1/me/emails': () => ({ path: '/v1/me/emails' }),
  'POST /v1/me/emails': () => ({ path: '/v1/me/emails', body: { address: 'alice@example.org' } }),
  'POST /v1/me/emails/verify': () => ({ path: '/v1/me/emails/verify', body: { address: 'alice@example.org', code: '000000' } }),
  'POST /v1/support/tickets': () => ({ path: '/v1/support/tickets', body: { text: 'A question' } }),
  'GET /v1/moderation/cases': () => ({ path: '/v1/moderation/cases' }),
  'GET /v1/moderation/cases/:id': () => ({ path: `/v1/moderation/cases/${caseId}` }),
  'POST /v1/moderation/cases/:id/claim': () => ({ path: `/v1/moderation/cases/${caseId}/claim` }),
  'POST /v1/moderation/cases/:id/release': () => ({ path: `/v1/moderation/cases/${caseId}/release` }),
  'POST /v1/moderation/cases/:id/preview': () => ({ path: `/v1/moderation/cases/${caseId}/preview`, body: { action: 'confirm', policy: 'spam' } }),
  // Escalating is open to every role (confirming is for moderators and admins: its own test below).
  'POST /v1/moderation/cases/:id/decision': () => ({ path: `/v1/moderation/cases/${caseId}/decision`, body: { action: 'escalate' } }),
  // Dave's timeline holds his ticket and his appeal: their texts are for support and admin.
  'GET /v1/moderation/accounts/:accountId': () => ({ path: `/v1/moderation/accounts/${dave.id}` }),
  'POST /v1/moderation/accounts/:accountId/lift': () => ({ path: `/v1/moderation/accounts/${dave.id}/lift`, body: { reason: 'matrix' } }),
  'POST /v1/moderation/reporters/:accountId/mute': () => ({ path: `/v1/moderation/reporters/${alice.id}/mute`, body: { muted: false } }),
  'POST /v1/gate/check': () => ({ path: '/v1/gate/check', body: { from: [alice.id], to: [bob.id] } }),
  'GET /v1/moderation/tickets': () => ({ path: '/v1/moderation/tickets' }),
  'GET /v1/moderation/tickets/:id': () => ({ path: `/v1/moderation/tickets/${ticketId}` }),
  'POST /v1/moderation/tickets/:id/answer': () => ({ path: `/v1/moderation/tickets/${ticketId}/answer`, body: { text: 'An answer' } }),
  // A ticket of its own each call: a closed ticket answers 409 to the next caller allowed.
  'POST /v1/moderation/tickets/:id/close': async () => {
    const asker = await world.account();
    const t = await asker.api.post('/v1/support/tickets', { text: 'A question to close' });
    expect(t.status).toBe(201);
    return { path: `/v1/moderation/tickets/${t.body.ticket.id}/close`, body: { note: 'matrix' } };
  },
  'GET /v1/moderation/appeals': () => ({ path: '/v1/moderation/appeals' }),
  'POST /v1/moderation/appeals/:id/decision': () => ({ path: `/v1/moderation/appeals/${appealId}/decision`, body: { outcome: 'uphold' } }),
  'POST /v1/admin/staff': () => ({ path: '/v1/admin/staff', body: { name: 'New member', role: 'triage' } }),
  'DELETE /v1/admin/staff/:id': async () => {
    const s = await world.admin.post('/v1/admin/staff', { name: `Leaving ${++seq}`, role: 'triage' });
    expect(s.status).toBe(201);
    return { path: `/v1/admin/staff/${s.body.staff.id}` };
  },
  'GET /v1/admin/staff': () => ({ path: '/v1/admin/staff' }),
  'POST /v1/admin/token': () => ({ path: '/v1/admin/token', body: { graceSeconds: 60 } }),
  'POST /v1/admin/clock': () => ({ path: '/v1/admin/clock', body: { advanceSeconds: 0 } }),
  'POST /v1/console/session': () => ({ path: '/v1/console/session', body: { token: staffTokens.triage } }),
  'GET /v1/console/session': () => ({ path: '/v1/console/session' }),
  'DELETE /v1/console/session': () => ({ path: '/v1/console/session', fresh: true }),
  'GET /v1/console/figures': () => ({ path: '/v1/console/figures' }),
  'GET /v1/console/robots/records': () => ({ path: '/v1/console/robots/records?kind=shadow' }),
  'GET /v1/moderation/audit': () => ({ path: '/v1/moderation/audit' }),
  'GET /v1/demo/people': () => ({ path: '/v1/demo/people' }),
  'GET /static/*': () => ({ path: '/static/console/index.html' }),
  'GET /console': () => ({ path: '/console' }),
  'GET /console/': () => ({ path: '/console/' }),
  'GET /console/*': () => ({ path: '/console/queue' }),
  'GET /app': () => ({ path: '/app' }),
  'GET /app/': () => ({ path: '/app/' }),
  'GET /app/*': () => ({ path: '/app/chats' }),
  'POST /v1/crm/amocrm/channels/:channelId/connections': async () => ({
    path: `/v1/crm/amocrm/channels/${CH}/connections`,
    body: { amojoAccountId: `amo-matrix-${++seq}`, businessAccountId: (await world.account()).id },
  }),
  'GET /v1/crm/amocrm/connections': () => ({ path: '/v1/crm/amocrm/connections' }),
  'DELETE /v1/crm/amocrm/connections/:scopeId': async () => ({ path: `/v1/crm/amocrm/connections/${await connect(await world.account())}` }),
  'GET /v1/crm/amocrm/connections/:scopeId': () => ({ path: `/v1/crm/amocrm/connections/${scope}` }),
  // Its own authentication: the channel secret's signature over the raw body.
  'POST /crm/amocrm/hooks/:scopeId': () => {
    const raw = JSON.stringify(webhookBody({ msgid: `matrix-${++seq}`, text: 'Your order is ready', phone: bob.phone }));
    return { path: `/crm/amocrm/hooks/${scope}`, raw: { body: raw, headers: { 'content-type': 'application/json', 'x-signature': sign(SECRET, raw) } } };
  },
};

interface Answer {
  status: number;
  code?: string;
  text: string;
}

/** The headers of `caller`; `fresh` makes a new session or account where the call would use one up. */
async function credentials(caller: Caller, fresh: boolean): Promise<Record<string, string>> {
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  switch (caller) {
    case 'anonymous':
      return {};
    case 'owner':
      return bearer(fresh ? (await world.account()).token : alice.token);
    case 'other':
      return bearer(fresh ? (await world.account()).token : carol.token);
    case 'triage':
    case 'moderator':
    case 'support':
    case 'adminStaff':
      return bearer(staffTokens[caller]);
    case 'platform':
      return bearer(ADMIN_TOKEN);
    default: {
      const token = caller === 'session:platform' ? ADMIN_TOKEN : staffTokens[(caller === 'session:no-csrf' ? 'moderator' : caller.slice(8)) as 'moderator'];
      const s = fresh ? await openSession(token) : sessions[caller]!;
      return caller === 'session:no-csrf' ? { cookie: s.cookie } : { cookie: s.cookie, 'x-csrf-token': s.csrf };
    }
  }
}

async function call(method: string, f: Fixture, headers: Record<string, string>): Promise<Answer> {
  const h: Record<string, string> = { ...headers };
  let body: string | undefined;
  if (f.raw) {
    Object.assign(h, f.raw.headers);
    body = f.raw.body;
  } else if (f.body !== undefined) {
    h['content-type'] = 'application/json';
    body = JSON.stringify(f.body);
  }
  const r = await fetch(url + f.path, { method, headers: h, body, redirect: 'manual' });
  const text = await r.text();
  let code: string | undefined;
  if ((r.headers.get('content-type') ?? '').startsWith('application/json') && r.status >= 400)
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  return { status: r.status, ...(code ? { code } : {}), text };
}

const AUTH_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN']);
const STAFF_CALLERS = new Set<Caller>(CALLERS.filter((c) => ROLE[c] !== undefined));
const SUPPORT_READERS = new Set<Caller>(['support', 'adminStaff', 'platform', 'session:support', 'session:adminStaff', 'session:platform']);

let table: RouteEntry[];

beforeAll(async () => {
  amojo = await new StandInAmojo({ [CH]: SECRET }).start();
  const dir = freshDataDir();
  const crmFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'banya-matrix-')), 'crm.json');
  fs.writeFileSync(crmFile, JSON.stringify({ channels: [{ id: CH, secret: SECRET, amojoUrl: amojo.url }], retryBaseMs: 50, retryMaxMs: 200, timeoutMs: 2000 }));
  // The demo's people route reads the demo world's file; a small one stands for it.
  fs.writeFileSync(path.join(dir, 'demo.json'), JSON.stringify({ accounts: {} }));
  const lots = { perSecond: 1_000_000, burst: 1_000_000 };
  const config = configFrom({
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    adminToken: ADMIN_TOKEN,
    clock: 'manual',
    logLevel: 'silent',
    crmConfig: crmFile,
    rateLimits: { requests: lots, messages: lots, reports: lots, authFailures: lots, maxAddresses: 16_384, enabled: true },
  });
  app = await createApp(config, { logger: pino({ level: 'silent' }), demo: true });
  url = await app.listen();
  world = new World(url);
  alice = await world.account({ name: 'Alice', username: 'alice_matrix' });
  bob = await world.account({ name: 'Bob', username: 'bob_matrix' });
  carol = await world.account({ name: 'Carol' });
  dave = await world.account({ name: 'Dave' });
  erin = await world.account({ name: 'Erin' });
  await world.mutual(alice, bob);
  const first = await alice.api.post('/v1/messages', { to: { accountId: bob.id }, text: CHAT_SECRET });
  expect(first.status).toBe(201);
  privateChat = first.body.message.chatId;
  const spam = await dave.api.post('/v1/messages', { to: { accountId: alice.id }, text: 'Cheap watches, click here' });
  expect(spam.status, JSON.stringify(spam.body)).toBe(201);
  spamChat = spam.body.message.chatId;
  // A case about dave (reported by bob, so that alice's own report in the matrix is a new one).
  const fromDave = await dave.api.post('/v1/messages', { to: { accountId: bob.id }, text: 'Cheap watches for you too' });
  expect(fromDave.status).toBe(201);
  const report = await bob.api.post('/v1/reports', { chatId: fromDave.body.message.chatId, reason: 'spam' });
  expect(report.status, JSON.stringify(report.body)).toBe(201);
  caseId = report.body.report.caseId;
  group = await group_(alice, [bob]);
  // Dave, limited, asks support a question and appeals through SpamBot: his support conversations.
  await restrictAccount(
    app.platform,
    parseId('account', dave.id),
    { state: 'limited', kind: 'report', until: app.platform.clock.now() + 86_400_000 },
    { kind: 'system' },
  );
  const ticket = await dave.api.post('/v1/support/tickets', { text: TICKET_SECRET });
  expect(ticket.status).toBe(201);
  ticketId = ticket.body.ticket.id;
  for (const text of ['/start', 'This is a mistake', 'I did not send anything like that', APPEAL_SECRET])
    expect((await dave.api.post('/v1/messages', { to: { username: 'spambot' }, text })).status).toBe(201);
  const appeals = await world.admin.get('/v1/moderation/appeals?state=open');
  appealId = appeals.body.appeals.find((x: { accountId: string }) => x.accountId === dave.id).id;
  scope = await connect(alice);
  const staff = async (role: string) => {
    const r = await world.admin.post('/v1/admin/staff', { name: `${role} member`, role });
    expect(r.status).toBe(201);
    return r.body.token as string;
  };
  staffTokens = { triage: await staff('triage'), moderator: await staff('moderator'), support: await staff('support'), adminStaff: await staff('admin') };
  sessions = {
    'session:moderator': await openSession(staffTokens.moderator),
    'session:support': await openSession(staffTokens.support),
    'session:adminStaff': await openSession(staffTokens.adminStaff),
    'session:platform': await openSession(ADMIN_TOKEN),
    'session:no-csrf': await openSession(staffTokens.moderator),
  };
  table = app.http.routes.filter((r) => r.method !== 'HEAD');
}, 120_000);

afterAll(async () => {
  await app?.close();
  await amojo?.stop();
});

describe('the authorization matrix', () => {
  it('has a fixture for every route of the server, and every route of the OpenAPI document is in the table', async () => {
    const keys = table.map((r) => `${r.method} ${r.url}`);
    expect(
      keys.filter((k) => !(k in FIXTURES)),
      'routes without a fixture here',
    ).toEqual([]);
    expect(
      Object.keys(FIXTURES).filter((k) => !keys.includes(k)),
      'fixtures of routes that no longer exist',
    ).toEqual([]);
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`));
    expect(documented.filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('answers every route × every caller as declared, and never shows chat contents or support conversations to whom they are not for', async () => {
    const started = Date.now();
    const failures: string[] = [];
    let calls = 0;
    for (const route of table) {
      const key = `${route.method} ${route.url}`;
      const fixture = FIXTURES[key];
      if (!fixture) continue;
      for (const caller of CALLERS) {
        const f = await fixture();
        const a = await call(route.method, f, await credentials(caller, f.fresh === true));
        calls++;
        if (process.env.MATRIX_DEBUG && (caller === 'other' || caller === 'owner')) console.log(`${caller} ${key} → ${a.status} ${a.code ?? ''}`);
        // The console page asks for a fresh CSRF token (and the old one stops working).
        if (key === 'GET /v1/console/session' && a.status === 200 && sessions[caller]) sessions[caller]!.csrf = (JSON.parse(a.text) as { csrf: string }).csrf;
        const want = expected(route, caller);
        const where = `${key} as ${caller} (${JSON.stringify(route.access)}) → ${a.status} ${a.code ?? ''} ${a.text.slice(0, 160)}`;
        if (a.status >= 500 && a.code !== 'MAIL_RELAY_UNAVAILABLE') failures.push(`5xx: ${where}`);
        if (want.allow) {
          if ((a.status === 401 || a.status === 403) && AUTH_CODES.has(a.code ?? '')) failures.push(`refused, but allowed: ${where}`);
        } else if (!want.codes.includes((a.code ?? '') as ErrorCode)) {
          failures.push(`expected ${want.codes.join('|')}: ${where}`);
        }
        if (caller !== 'owner' && a.text.includes(CHAT_SECRET))
          failures.push(`chat contents shown to ${STAFF_CALLERS.has(caller) ? 'staff' : 'a stranger'}: ${where}`);
        if (!SUPPORT_READERS.has(caller) && (a.text.includes(TICKET_SECRET) || a.text.includes(APPEAL_SECRET)))
          failures.push(`support conversation shown: ${where}`);
      }
    }
    expect(failures).toEqual([]);
    console.log(`authorization matrix: ${table.length} routes × ${CALLERS.length} callers = ${calls} calls in ${Date.now() - started} ms`);
  }, 180_000);

  it('shows the support conversation to support and admin, so that its absence elsewhere means something', async () => {
    for (const caller of ['support', 'adminStaff'] as const) {
      const r = await new Client(url, staffTokens[caller]).get(`/v1/moderation/tickets/${ticketId}`);
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.body)).toContain(TICKET_SECRET);
      const timeline = await new Client(url, staffTokens[caller]).get(`/v1/moderation/accounts/${dave.id}`);
      expect(JSON.stringify(timeline.body)).toContain(APPEAL_SECRET);
    }
    const owner = await alice.api.get(`/v1/chats/${privateChat}/messages`);
    expect(JSON.stringify(owner.body)).toContain(CHAT_SECRET);
  });

  it('lets triage escalate and dismiss but not confirm: 403 FORBIDDEN, and the case stays as it was', async () => {
    const spammer = await world.account();
    const victim = await world.account();
    const m = await spammer.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'Buy followers now' });
    const rep = await victim.api.post('/v1/reports', { chatId: m.body.message.chatId });
    expect(rep.status).toBe(201);
    const triage = new Client(url, staffTokens.triage);
    const before = await triage.get(`/v1/moderation/cases/${rep.body.report.caseId}`);
    const r = await triage.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('FORBIDDEN');
    const after = await triage.get(`/v1/moderation/cases/${rep.body.report.caseId}`);
    expect(after.body.case.state).toBe(before.body.case.state);
    expect((await spammer.api.get('/v1/me')).body.restriction.state).toBe('free');
  });
});

describe('the declaration', () => {
  it('is required: a route registered without config.access fails to register', async () => {
    const f = Fastify();
    declareAccess(f, []);
    f.get('/declared', { config: { access: 'none' } }, async () => ({}));
    expect(() => f.get('/undeclared', async () => ({}))).toThrow(/declares no config\.access/);
    await f.close();
  });

  it('lists the demo people route only on a loopback demo', async () => {
    const has = (a: App) => a.http.routes.some((r) => r.url === '/v1/demo/people');
    expect(has(app)).toBe(true);
    const open = async (host: string, demo: boolean) =>
      createApp(configFrom({ dataDir: freshDataDir(), port: 0, host, adminToken: ADMIN_TOKEN, clock: 'manual', logLevel: 'silent' }), {
        logger: pino({ level: 'silent' }),
        demo,
      });
    const plain = await open('127.0.0.1', false);
    const wide = await open('0.0.0.0', true);
    try {
      expect(has(plain)).toBe(false);
      expect(has(wide)).toBe(false);
    } finally {
      await plain.close();
      await wide.close();
    }
  });
});
