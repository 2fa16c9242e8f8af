import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { CODE_ATTEMPTS, CODES_PER_HOUR } from '../src/support/emails.js';
import { parseId } from '../src/store/ids.js';
import { expectError } from './helpers/expect.js';
import { Client, World, type TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';
import { startRelay, type Relay } from './helpers/relay.js';
import { startServer } from './helpers/server.js';

/**
 * RULES.md §5 and API.md: an account verifies an e-mail address with a code mailed to it (read
 * here from a stand-in relay); only a verified address binds mail to the account. Codes expire on
 * the injected clock, allow a bounded number of attempts, and never enter the log.
 */

const SUPPORT_ADDRESS = 'help@banya.test';
const MIN = 60;
const HOUR = 3600;

let relay: Relay;

beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  await relay.close();
});
const ctx = serverPerFile({
  config: () => ({ smtp: { port: 0, host: '127.0.0.1', supportAddress: SUPPORT_ADDRESS, relayUrl: relay.url } }),
  staff: ['support'],
  checkProjections: true,
});

let seq = 0;
const address = (name: string) => `${name}.${++seq}@example.org`;

async function requestCode(a: TestAccount, addr: string): Promise<string> {
  const before = relay.caught.length;
  const r = await a.api.post('/v1/me/emails', { address: addr });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  await relay.waitFor(before + 1);
  return relay.codeFor(addr.toLowerCase());
}

const verify = (a: TestAccount, addr: string, code: string) => a.api.post('/v1/me/emails/verify', { address: addr, code });
const verified = async (a: TestAccount) => ((await a.api.get('/v1/me/emails')).body.emails as { address: string }[]).map((e) => e.address);
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function mailFrom(from: string, text: string): Promise<void> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: ctx.server.app.smtpPort!, secure: false, ignoreTLS: true });
  try {
    await t.sendMail({ from, to: SUPPORT_ADDRESS, subject: 'Question', text });
  } finally {
    t.close();
  }
}

async function ticketsFrom(from: string): Promise<any[]> {
  const r = await ctx.support.get('/v1/moderation/tickets?limit=1000');
  return r.body.tickets.filter((t: any) => t.fromEmail === from);
}

describe('POST /v1/me/emails and /v1/me/emails/verify', () => {
  it('mails a code to the address; the right code verifies it, and only then does mail bind to the account', async () => {
    const a = await ctx.world.account();
    const addr = address('Anna');
    // Before: a mail from the address is nobody's.
    await mailFrom(addr.toLowerCase(), 'Before verifying.');
    expect((await ticketsFrom(addr.toLowerCase()))[0].accountId).toBeUndefined();

    const code = await requestCode(a, addr);
    const sent = relay.caught.at(-1)!;
    expect(sent.envelope.to).toEqual([addr.toLowerCase()]);
    expect(sent.envelope.from).toBe(SUPPORT_ADDRESS);
    expect(code).toMatch(/^[0-9]{6}$/);
    expect(await verified(a)).toEqual([]);

    expectError(await verify(a, addr, wrong(code)), 400, 'EMAIL_CODE_INVALID');
    expect(await verified(a)).toEqual([]);
    const ok = await verify(a, addr, code);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toEqual({ address: addr.toLowerCase(), verified: true });
    expect(await verified(a)).toEqual([addr.toLowerCase()]);
    // A code works once.
    expectError(await verify(a, addr, code), 400, 'EMAIL_CODE_INVALID');

    // The earlier e-mail-only ticket is still open, not the account's; a new one is the account's.
    await mailFrom(addr.toLowerCase(), 'After verifying.');
    const all = await ticketsFrom(addr.toLowerCase());
    expect(all).toHaveLength(2);
    expect(all.map((t) => t.accountId)).toEqual([undefined, a.id]);
  });

  it('a code expires on the injected clock', async () => {
    const a = await ctx.world.account();
    const addr = address('late');
    const code = await requestCode(a, addr);
    await ctx.world.advance(15 * MIN + 1);
    expectError(await verify(a, addr, code), 400, 'EMAIL_CODE_INVALID');
    expect(await verified(a)).toEqual([]);
    // A new code works.
    const fresh = await requestCode(a, addr);
    expect((await verify(a, addr, fresh)).status).toBe(200);
  });

  it(`allows ${CODE_ATTEMPTS} attempts per code; after that even the right code is refused`, async () => {
    const a = await ctx.world.account();
    const addr = address('guess');
    const code = await requestCode(a, addr);
    for (let i = 0; i < CODE_ATTEMPTS; i++) expectError(await verify(a, addr, wrong(code)), 400, 'EMAIL_CODE_INVALID');
    expectError(await verify(a, addr, code), 400, 'EMAIL_CODE_INVALID');
    expect(await verified(a)).toEqual([]);
  });

  it("one account's code does not verify the address for another", async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const addr = address('shared');
    const code = await requestCode(a, addr);
    expectError(await verify(b, addr, code), 400, 'EMAIL_CODE_INVALID');
    expect((await verify(a, addr, code)).status).toBe(200);
    // An address belongs to the last account that verified it.
    const codeB = await requestCode(b, addr);
    expect((await verify(b, addr, codeB)).status).toBe(200);
    expect(await verified(a)).toEqual([]);
    expect(await verified(b)).toEqual([addr.toLowerCase()]);
    await mailFrom(addr.toLowerCase(), 'Whose?');
    expect((await ticketsFrom(addr.toLowerCase())).at(-1).accountId).toBe(b.id);
  });

  it('a mail reopens an answered mailed ticket only while its address is bound as the ticket is', async () => {
    const answer = async (id: string, text: string) => {
      const before = relay.caught.length;
      expect((await ctx.support.post(`/v1/moderation/tickets/${id}/answer`, { text })).status).toBe(200);
      await relay.waitFor(before + 1);
    };
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const addr = address('moving').toLowerCase();
    expect((await verify(a, addr, await requestCode(a, addr))).status).toBe(200);
    await mailFrom(addr, 'From a.');
    const [t] = await ticketsFrom(addr);
    expect(t.accountId).toBe(a.id);
    await answer(t.id, 'Answered to a.');
    // The address moves to b: its next mail is b's new ticket, a's stays answered.
    expect((await verify(b, addr, await requestCode(b, addr))).status).toBe(200);
    await mailFrom(addr, 'From b now.');
    let all = await ticketsFrom(addr);
    expect(all.map((x) => [x.accountId, x.state])).toEqual([
      [a.id, 'answered'],
      [b.id, 'open'],
    ]);

    // An e-mail-only ticket is reopened by a mail from its address while nobody verified it...
    const loose = address('loose').toLowerCase();
    await mailFrom(loose, 'Nobody verified me.');
    const [e] = await ticketsFrom(loose);
    await answer(e.id, 'Noted.');
    await mailFrom(loose, 'Still nobody.');
    all = await ticketsFrom(loose);
    expect(all.map((x) => x.id)).toEqual([e.id]);
    expect(all[0].state).toBe('open');
    expect(all[0].entries.map((x: any) => `${x.from}: ${x.text.trim()}`)).toEqual(['user: Nobody verified me.', 'support: Noted.', 'user: Still nobody.']);
    await answer(e.id, 'Noted again.');
    // ...and once an account verified it, its mail is that account's, never the e-mail-only one.
    const c = await ctx.world.account();
    expect((await verify(c, loose, await requestCode(c, loose))).status).toBe(200);
    await mailFrom(loose, 'Now I am c.');
    all = await ticketsFrom(loose);
    expect(all.map((x) => [x.accountId, x.state])).toEqual([
      [undefined, 'answered'],
      [c.id, 'open'],
    ]);
  });

  it('records only a salted hash of the code: the log and the tables never hold it', async () => {
    const a = await ctx.world.account();
    const addr = address('hash');
    const code = await requestCode(a, addr);
    await verify(a, addr, wrong(code));
    const store = ctx.server.app.platform.store;
    const events = await store.all<{ type: string; payload: string }>(
      store.db.selectFrom('events').select(['type', 'payload']).where('account_id', '=', parseId('account', a.id)),
    );
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['email_verification_started', 'email_code_rejected']));
    for (const e of events) expect(e.payload).not.toContain(code);
    const started = JSON.parse(events.find((e) => e.type === 'email_verification_started')!.payload);
    expect(Object.keys(started).sort()).toEqual(['address', 'codeHash', 'expiresAt', 'salt']);
    expect(started.codeHash).toMatch(/^[0-9a-f]{64}$/);
    const rows = await store.all<Record<string, unknown>>(store.db.selectFrom('email_codes').selectAll().where('address', '=', addr.toLowerCase()));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(code);
    expect(rows[0]).toMatchObject({ attempts: 1 });
    // Without the secret (kept in the settings, not the log), trying every code does not find it.
    const guess = (c: string) =>
      createHash('sha256')
        .update(`${started.salt}:${parseId('account', a.id)}:${addr.toLowerCase()}:${c}`)
        .digest('hex');
    expect(guess(code)).not.toBe(started.codeHash);
  });

  it(`mails at most ${CODES_PER_HOUR} codes an hour per account (429 FLOOD_WAIT), and refuses what is not an address`, async () => {
    const a = await ctx.world.account();
    for (let i = 0; i < CODES_PER_HOUR; i++) expect((await a.api.post('/v1/me/emails', { address: address('many') })).status).toBe(202);
    const r = await a.api.post('/v1/me/emails', { address: address('many') });
    expectError(r, 429, 'FLOOD_WAIT');
    await ctx.world.advance(HOUR);
    expect((await a.api.post('/v1/me/emails', { address: address('many') })).status).toBe(202);
    for (const bad of ['not an address', 'a@b', 'two@words here.com']) expectError(await a.api.post('/v1/me/emails', { address: bad }), 400, 'BAD_REQUEST');
    expectError(await a.api.post('/v1/me/emails', {}), 400, 'BAD_REQUEST');
    expectError(await a.api.post('/v1/me/emails/verify', { address: address('x') }), 400, 'BAD_REQUEST');
  });

  it('a pending code survives a restart', async () => {
    const a = await ctx.world.account();
    const addr = address('restart');
    const code = await requestCode(a, addr);
    ctx.server = await ctx.server.restart();
    ctx.world = new World(ctx.server.url);
    ctx.support = new Client(ctx.server.url, ctx.support.token);
    const api = new Client(ctx.server.url, a.token);
    expect((await api.post('/v1/me/emails/verify', { address: addr, code })).status).toBe(200);
  });

  it('a frozen account verifies through SpamBot, not here', async () => {
    const a = await ctx.world.account();
    const now = await ctx.world.advance(0);
    await restrictAccount(
      ctx.server.app.platform,
      parseId('account', a.id),
      { state: 'frozen', kind: 'scam', deleteAt: now + 14 * 24 * HOUR * 1000 },
      { kind: 'system' },
    );
    expectError(await a.api.post('/v1/me/emails', { address: address('frozen') }), 403, 'FROZEN_METHOD_INVALID');
  });
});

describe('without a mail relay', () => {
  it('no code can be mailed: 503 MAIL_RELAY_UNAVAILABLE', async () => {
    const other = await startServer();
    try {
      const a = await new World(other.url).account();
      expectError(await a.api.post('/v1/me/emails', { address: 'someone@example.org' }), 503, 'MAIL_RELAY_UNAVAILABLE');
    } finally {
      await other.stop();
    }
  });
});

describe("SpamBot verifies a frozen account's contact address", () => {
  async function bot(a: TestAccount, text: string): Promise<string> {
    const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const after = await a.api.get(`/v1/chats/${r.body.message.chatId}/messages?after=${r.body.message.id}`);
    expect(after.body.messages, 'exactly one answer').toHaveLength(1);
    return after.body.messages[0].text;
  }

  async function openAppealOf(a: TestAccount): Promise<any> {
    const r = await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000');
    return r.body.appeals.find((x: any) => x.accountId === a.id);
  }

  for (const lang of ['en', 'ru'] as const) {
    it(`mails a code, files the appeal only with the right code, and the address then binds mail (${lang})`, async () => {
      const b = BUTTONS[lang];
      const a = await ctx.world.account({ language: lang });
      const now = await ctx.world.advance(0);
      await restrictAccount(
        ctx.server.app.platform,
        parseId('account', a.id),
        { state: 'frozen', kind: 'scam', deleteAt: now + 14 * 24 * HOUR * 1000 },
        { kind: 'system' },
      );
      await bot(a, b.mistake);
      await bot(a, b.didNot);
      expect(await bot(a, 'Someone used my phone.')).toMatch(lang === 'en' ? /e-mail address/ : /адрес электронной почты/);
      const addr = address(`bot-${lang}`);
      const before = relay.caught.length;
      const asked = await bot(a, addr);
      expect(asked).toContain(addr.toLowerCase());
      expect(asked).toMatch(lang === 'en' ? /mailed a code/ : /отправил код/);
      await relay.waitFor(before + 1);
      const code = relay.codeFor(addr.toLowerCase());
      expect(await openAppealOf(a)).toBeUndefined();

      expect(await bot(a, wrong(code))).toMatch(lang === 'en' ? /not right/ : /Код неверный/);
      expect(await bot(a, 'what code?')).toContain(addr.toLowerCase());
      expect(await openAppealOf(a)).toBeUndefined();
      expect(await bot(a, code)).toMatch(lang === 'en' ? /appeal is filed/ : /Апелляция подана/);
      const appeal = await openAppealOf(a);
      expect(appeal).toMatchObject({ text: 'Someone used my phone.', email: addr.toLowerCase() });
      expect(await verified(a)).toEqual([addr.toLowerCase()]);

      await mailFrom(addr.toLowerCase(), 'About my appeal.');
      expect((await ticketsFrom(addr.toLowerCase()))[0].accountId).toBe(a.id);
    });
  }
});

describe('the verified addresses', () => {
  it('are paged like every list, in address order', async () => {
    const a = await ctx.world.account();
    const addrs = [address('c'), address('a'), address('b')];
    for (const addr of addrs) expect((await verify(a, addr, await requestCode(a, addr))).status).toBe(200);
    const sorted = [...addrs].sort();
    expect(await verified(a)).toEqual(sorted);
    const first = await a.api.get('/v1/me/emails?limit=2');
    expect(first.body.emails.map((e: { address: string }) => e.address)).toEqual(sorted.slice(0, 2));
    const second = await a.api.get(`/v1/me/emails?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.emails.map((e: { address: string }) => e.address)).toEqual(sorted.slice(2));
    expect(second.body.nextCursor).toBeUndefined();
    for (const q of ['limit=0', 'limit=1001']) expectError(await a.api.get(`/v1/me/emails?${q}`), 400, 'BAD_REQUEST');
  });
});
