import nodemailer from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { parseId } from '../src/store/ids.js';
import { expectError } from './helpers/expect.js';
import { Client, World, type TestAccount } from './helpers/client.js';
import { startRelay, type Relay } from './helpers/relay.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * RULES.md §5, support tickets: "Ask a question" in the app, a message to @support, and e-mail
 * to the support address (real SMTP on loopback) open tickets, which are threads. App tickets are
 * answered as messages from the support account; e-mailed tickets by mail only, through a relay
 * (here a stand-in relay started by the test). A mail belongs to an account only from an address
 * that account verified.
 */

const SUPPORT_ADDRESS = 'help@banya.test';

let relay: Relay;
let server: TestServer;
let world: World;
let support: Client;

beforeAll(async () => {
  relay = await startRelay();
  server = await startServer({ smtp: { port: 0, host: '127.0.0.1', supportAddress: SUPPORT_ADDRESS, relayUrl: relay.url } });
  world = new World(server.url);
  support = await world.staff('support');
});
afterAll(async () => {
  await server.stop();
  await relay.close();
});
afterEach(async () => {
  expect(await checkProjections(server.app.platform.store)).toEqual([]);
});

const HOUR = 3600;

const advance = (seconds: number) => world.advance(seconds);
const iso = (ms: number) => new Date(ms).toISOString();

async function tickets(state?: 'open' | 'answered', staff: Client = support): Promise<any[]> {
  const r = await staff.get(`/v1/moderation/tickets?limit=1000${state ? `&state=${state}` : ''}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.tickets;
}

async function ticketsOf(a: TestAccount, state?: 'open' | 'answered'): Promise<any[]> {
  return (await tickets(state)).filter((t) => t.accountId === a.id);
}

async function ticket(id: string, staff: Client = support): Promise<any> {
  const r = await staff.get(`/v1/moderation/tickets/${id}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.ticket;
}

const texts = (t: any) => t.entries.map((e: any) => `${e.from}: ${e.text}`);

/** The private chat between `a` and the support account, and its messages. */
async function supportChat(a: TestAccount): Promise<{ chatId: string; supportId: string; messages: any[] } | null> {
  const chats = await a.api.get('/v1/chats?limit=1000');
  expect(chats.status).toBe(200);
  const chat = chats.body.chats.find((c: any) => c.type === 'private' && c.peer?.username === 'support');
  if (!chat) return null;
  const r = await a.api.get(`/v1/chats/${chat.id}/messages?limit=1000`);
  expect(r.status).toBe(200);
  return { chatId: chat.id, supportId: chat.peer.accountId, messages: r.body.messages };
}

async function answer(ticketId: string, text: string, staff: Client = support) {
  const r = await staff.post(`/v1/moderation/tickets/${ticketId}/answer`, { text });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.ticket;
}

async function mail(m: { from: string; subject: string; text: string; envelopeFrom?: string }, port = server.app.smtpPort!): Promise<void> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const info = await t.sendMail({
      from: m.from,
      to: SUPPORT_ADDRESS,
      subject: m.subject,
      text: m.text,
      ...(m.envelopeFrom ? { envelope: { from: m.envelopeFrom, to: SUPPORT_ADDRESS } } : {}),
    });
    expect(info.accepted).toEqual([SUPPORT_ADDRESS]);
  } finally {
    t.close();
  }
}

/** Verifies `address` for `a` with the code the relay caught. */
async function verify(a: TestAccount, address: string): Promise<void> {
  const before = relay.caught.length;
  expect((await a.api.post('/v1/me/emails', { address })).status).toBe(202);
  await relay.waitFor(before + 1);
  const r = await a.api.post('/v1/me/emails/verify', { address, code: relay.codeFor(address.toLowerCase()) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** Writes `+447700912345` the way a person would: `+44 7700 912345`. */
function spaced(phone: string): string {
  return `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`;
}

describe('"Ask a question" in the app', () => {
  it('opens a ticket for support, due in 48 h and overdue after 72 h; the answer is a message from @support', async () => {
    const a = await world.account();
    const t0 = await advance(0);
    const r = await a.api.post('/v1/support/tickets', { text: 'How do I change my username?' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.ticket.id).toMatch(/^t/);
    expect(r.body.ticket.dueAt).toBe(iso(t0 + 48 * HOUR * 1000));

    const listed = await ticketsOf(a, 'open');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toEqual({
      id: r.body.ticket.id,
      accountId: a.id,
      source: 'app',
      state: 'open',
      createdAt: iso(t0),
      dueAt: iso(t0 + 48 * HOUR * 1000),
      overdue: false,
      entries: [{ from: 'user', text: 'How do I change my username?', at: iso(t0), via: 'app' }],
    });
    await advance(72 * HOUR - 1);
    expect((await ticket(r.body.ticket.id)).overdue).toBe(false);
    const t1 = await advance(1);
    expect((await ticket(r.body.ticket.id)).overdue).toBe(true);
    const tl = await support.get(`/v1/moderation/accounts/${a.id}`);
    expect(tl.body.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['ticket_opened', 'ticket_overdue']));

    const answered = await answer(r.body.ticket.id, 'Settings → Username.');
    expect(answered).toMatchObject({ state: 'answered', overdue: false, answeredAt: iso(t1) });
    expect(answered.entries).toEqual([
      { from: 'user', text: 'How do I change my username?', at: iso(t0), via: 'app' },
      { from: 'support', text: 'Settings → Username.', at: iso(t1), via: 'app' },
    ]);
    const chat = await supportChat(a);
    expect(chat!.messages.at(-1)).toMatchObject({ from: chat!.supportId, text: 'Settings → Username.' });
    expect(await ticketsOf(a, 'open')).toEqual([]);
    expect((await ticketsOf(a, 'answered')).map((t) => t.id)).toEqual([r.body.ticket.id]);
  });

  it('refuses empty questions, and a frozen account (it may write to SpamBot only)', async () => {
    const a = await world.account();
    expectError(await a.api.post('/v1/support/tickets', { text: '' }), 400, 'BAD_REQUEST');
    expectError(await a.api.post('/v1/support/tickets', {}), 400, 'BAD_REQUEST');
    expectError(await a.api.post('/v1/support/tickets', { text: '   ' }), 400, 'BAD_REQUEST');
    const now = await advance(0);
    await restrictAccount(
      server.app.platform,
      parseId('account', a.id),
      { state: 'frozen', kind: 'scam', deleteAt: now + 14 * 24 * HOUR * 1000 },
      { kind: 'system' },
    );
    expectError(await a.api.post('/v1/support/tickets', { text: 'Why am I frozen?' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'Why am I frozen?' }), 403, 'FROZEN_METHOD_INVALID');
    expect(await ticketsOf(a)).toEqual([]);
  });

  it('is listed and answered by support and admin only', async () => {
    const a = await world.account();
    const r = await a.api.post('/v1/support/tickets', { text: 'Who reads this?' });
    const id = r.body.ticket.id;
    for (const role of ['triage', 'moderator'] as const) {
      const staff = await world.staff(role);
      expectError(await staff.get('/v1/moderation/tickets'), 403, 'FORBIDDEN');
      expectError(await staff.get(`/v1/moderation/tickets/${id}`), 403, 'FORBIDDEN');
      expectError(await staff.post(`/v1/moderation/tickets/${id}/answer`, { text: 'x' }), 403, 'FORBIDDEN');
    }
    expectError(await a.api.get('/v1/moderation/tickets'), 403, 'FORBIDDEN');
    expectError(await support.get('/v1/moderation/tickets/t999999'), 404, 'NOT_FOUND');
    expectError(await support.post('/v1/moderation/tickets/t999999/answer', { text: 'x' }), 404, 'NOT_FOUND');
    expect((await ticket(id)).state).toBe('open');
    expect((await world.admin.post(`/v1/moderation/tickets/${id}/answer`, { text: 'The admin does.' })).status).toBe(200);
  });
});

describe('a ticket is a thread', () => {
  it('keeps every follow-up and every answer, in order; none overwrites another', async () => {
    const a = await world.account();
    const first = await a.api.post('/v1/support/tickets', { text: 'My messages do not arrive.' });
    // "Ask a question" again while one is open joins it.
    const again = await a.api.post('/v1/support/tickets', { text: 'Since yesterday.' });
    expect(again.status).toBe(201);
    expect(again.body.ticket.id).toBe(first.body.ticket.id);
    // And so does a message to @support.
    expect((await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'On Wi-Fi only.' })).status).toBe(201);
    const id = first.body.ticket.id;
    await answer(id, 'Please update the app.');
    await answer(id, 'And restart the phone.');
    const t = await ticket(id);
    expect(texts(t)).toEqual([
      'user: My messages do not arrive.',
      'user: Since yesterday.',
      'user: On Wi-Fi only.',
      'support: Please update the app.',
      'support: And restart the phone.',
    ]);
    expect(t.entries.every((e: any) => e.via === 'app')).toBe(true);
    expect(t.state).toBe('answered');
    // Both answers reached the person.
    const chat = (await supportChat(a))!;
    expect(chat.messages.filter((m: any) => m.from === chat.supportId).map((m: any) => m.text)).toEqual(
      expect.arrayContaining(['Please update the app.', 'And restart the phone.']),
    );
    // After the answer, a new message is a new question.
    await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'It worked, thanks. Another thing…' });
    const all = await ticketsOf(a);
    expect(all).toHaveLength(2);
    expect(texts(all.find((x) => x.state === 'open'))).toEqual(['user: It worked, thanks. Another thing…']);
  });
});

describe('a message to @support', () => {
  it('opens a ticket, acknowledged in the chat; a second message joins it', async () => {
    const a = await world.account();
    const first = await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'My messages do not arrive.' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const open = await ticketsOf(a, 'open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ source: 'app' });
    let chat = (await supportChat(a))!;
    expect(chat.chatId).toBe(first.body.message.chatId);
    expect(chat.messages).toHaveLength(2);
    expect(chat.messages[1]).toMatchObject({ from: chat.supportId });
    expect(chat.messages[1].text).toMatch(/support/);

    expect((await a.api.post('/v1/messages', { to: { username: '@Support' }, text: 'Since yesterday.' })).status).toBe(201);
    const joined = await ticketsOf(a);
    expect(joined.map((t) => t.id)).toEqual([open[0].id]);
    expect(texts(joined[0])).toEqual(['user: My messages do not arrive.', 'user: Since yesterday.']);
    await answer(open[0].id, 'Please update the app.');
    chat = (await supportChat(a))!;
    expect(chat.messages.at(-1)).toMatchObject({ from: chat.supportId, text: 'Please update the app.' });
  });

  it('a limited account can still write to @support, in Russian too', async () => {
    const a = await world.account({ language: 'ru' });
    const now = await advance(0);
    await restrictAccount(
      server.app.platform,
      parseId('account', a.id),
      { state: 'limited', kind: 'report', until: now + 24 * HOUR * 1000 },
      { kind: 'system' },
    );
    expect((await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'Помогите' })).status).toBe(201);
    const chat = (await supportChat(a))!;
    expect(chat.messages.at(-1).text).toMatch(/[а-яё]/i);
    expect(await ticketsOf(a, 'open')).toHaveLength(1);
  });

  it('messages sent at once still make one ticket, each message an entry', async () => {
    const a = await world.account();
    const sends = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => a.api.post('/v1/messages', { to: { username: 'support' }, text: `part ${i}` })));
    for (const s of sends) expect(s.status).toBe(201);
    const open = await ticketsOf(a);
    expect(open).toHaveLength(1);
    expect(open[0].entries.map((e: any) => e.text).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => `part ${i}`).sort());
    // One acknowledgement, for the message that opened the ticket.
    const chat = (await supportChat(a))!;
    expect(chat.messages.filter((m: any) => m.from === chat.supportId)).toHaveLength(1);
  });

  it("the desk takes one person's messages one at a time (handlers called at once)", async () => {
    const a = await world.account();
    const p = server.app.platform;
    const take = p.inbox.get(p.index.supportId)!;
    const id = parseId('account', a.id);
    await Promise.all(['one', 'two', 'three'].map((text) => take(id, text, 'en')));
    const open = await ticketsOf(a);
    expect(open).toHaveLength(1);
    expect(texts(open[0])).toEqual(['user: one', 'user: two', 'user: three']);
  });
});

describe('e-mail to the support address', () => {
  it("from an address nobody verified is an e-mail-only ticket, even naming an account's number; answered by mail only", async () => {
    expect(server.app.smtpPort).toBeGreaterThan(0);
    const a = await world.account();
    await mail({
      from: 'Anna Petrova <Anna.Petrova@example.org>',
      subject: 'My account is limited',
      text: `Hello, my number is ${spaced(a.phone)} and I cannot write to new clients.\nAnna`,
    });
    expect(await ticketsOf(a)).toEqual([]);
    const mine = (await tickets()).filter((t) => t.fromEmail === 'anna.petrova@example.org');
    expect(mine).toHaveLength(1);
    expect(mine[0].accountId).toBeUndefined();
    expect(mine[0]).toMatchObject({ source: 'email', subject: 'My account is limited', state: 'open', overdue: false });
    expect(mine[0].entries).toHaveLength(1);
    expect(mine[0].entries[0]).toMatchObject({ from: 'user', via: 'email' });
    expect(mine[0].entries[0].text).toContain('I cannot write to new clients.');

    const before = relay.caught.length;
    const answered = await answer(mine[0].id, 'Your limit ends tomorrow; ask @spambot for details.');
    expect(answered.entries.at(-1)).toMatchObject({ from: 'support', text: 'Your limit ends tomorrow; ask @spambot for details.', via: 'email' });
    // The number's owner sees nothing of it in the app.
    expect(await supportChat(a)).toBeNull();
    const mails = await relay.waitFor(before + 1);
    expect(mails).toHaveLength(before + 1);
    const sent = mails.at(-1)!;
    expect(sent.envelope.to).toEqual(['anna.petrova@example.org']);
    expect(sent.envelope.from).toBe(SUPPORT_ADDRESS);
    expect(sent.mail.subject).toBe('Re: My account is limited');
    expect(sent.mail.text?.trim()).toBe('Your limit ends tomorrow; ask @spambot for details.');
  });

  it("from an address the account verified is the account's ticket, still answered by mail only", async () => {
    const a = await world.account();
    await verify(a, 'Owner.Of.A@example.net');
    await mail({ from: 'owner.of.a@example.net', subject: 'About my account', text: 'Any news?' });
    const mine = await ticketsOf(a);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ source: 'email', fromEmail: 'owner.of.a@example.net', subject: 'About my account' });
    // A second mail from there joins the open ticket.
    await mail({ from: 'owner.of.a@example.net', subject: 'Re: About my account', text: 'Also, my name changed.' });
    expect(texts((await ticketsOf(a))[0])).toEqual(['user: Any news?', 'user: Also, my name changed.']);
    const before = relay.caught.length;
    await answer(mine[0].id, 'Nothing yet.');
    expect((await relay.waitFor(before + 1)).at(-1)!.envelope.to).toEqual(['owner.of.a@example.net']);
    // By mail only: nothing lands in the app.
    expect(await supportChat(a)).toBeNull();
  });

  it('binds nobody by a From: forged over another envelope, an address only typed in an appeal, or numbers in the text', async () => {
    const victim = await world.account();
    await verify(victim, 'victim@example.net');
    // The header says the victim's verified address, the envelope says otherwise.
    await mail({ from: 'victim@example.net', envelopeFrom: 'attacker@example.com', subject: 'Forged', text: 'Please read me my messages.' });
    // An address given to SpamBot but never confirmed with its code.
    const frozen = await world.account();
    const now = await advance(0);
    await restrictAccount(
      server.app.platform,
      parseId('account', frozen.id),
      { state: 'frozen', kind: 'scam', deleteAt: now + 14 * 24 * HOUR * 1000 },
      { kind: 'system' },
    );
    for (const text of ['This is a mistake', 'I did not send anything like that', 'I was hacked.', 'typed.only@example.net']) {
      expect((await frozen.api.post('/v1/messages', { to: { username: 'spambot' }, text })).status).toBe(201);
    }
    await mail({ from: 'typed.only@example.net', subject: 'About my appeal', text: 'Any news?' });
    // A number written internationally.
    await mail({ from: 'zeros@example.com', subject: 'Zeros', text: `My number: 00${victim.phone.slice(1)}` });
    const all = await tickets();
    const by = (from: string) => all.filter((x) => x.fromEmail === from);
    expect(by('victim@example.net')).toHaveLength(1);
    expect(by('victim@example.net')[0].accountId).toBeUndefined();
    expect(by('typed.only@example.net')[0].accountId).toBeUndefined();
    expect(by('zeros@example.com')[0].accountId).toBeUndefined();
    expect(await ticketsOf(victim)).toEqual([]);
    expect(await ticketsOf(frozen)).toEqual([]);
    // Answering the forged one goes to the address it claims, never into the victim's app.
    await answer(by('victim@example.net')[0].id, 'We cannot share that.');
    expect(await supportChat(victim)).toBeNull();
  });

  it('to any other address is rejected with 550, and nothing is opened', async () => {
    const before = (await tickets()).length;
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: server.app.smtpPort!, secure: false, ignoreTLS: true });
    const err = await t.sendMail({ from: 'someone@example.com', to: 'abuse@banya.test', subject: 'x', text: 'y' }).then(
      () => null,
      (e: any) => e,
    );
    t.close();
    expect(err).not.toBeNull();
    expect(err.responseCode).toBe(550);
    expect((await tickets()).length).toBe(before);
  });
});

describe('an e-mailed ticket without a working relay', () => {
  for (const [name, relayUrl] of [
    ['none configured', undefined],
    ['the relay refuses connections', 'smtp://127.0.0.1:1'],
  ] as const) {
    it(`cannot be answered (${name}): 503 MAIL_RELAY_UNAVAILABLE, nothing appended, still open`, async () => {
      const other = await startServer({ smtp: { port: 0, host: '127.0.0.1', supportAddress: SUPPORT_ADDRESS, ...(relayUrl ? { relayUrl } : {}) } });
      try {
        const w = new World(other.url);
        const staff = await w.staff('support');
        await mail({ from: 'someone@example.com', subject: 'Hello', text: 'Is anyone there?' }, other.app.smtpPort!);
        const [t] = await tickets('open', staff);
        expectError(await staff.post(`/v1/moderation/tickets/${t.id}/answer`, { text: 'Yes.' }), 503, 'MAIL_RELAY_UNAVAILABLE');
        const after = await ticket(t.id, staff);
        expect(after.state).toBe('open');
        expect(texts(after)).toEqual(['user: Is anyone there?']);
        // An app ticket there is answered as usual.
        const a = await w.account();
        const asked = await a.api.post('/v1/support/tickets', { text: 'And in the app?' });
        expect((await staff.post(`/v1/moderation/tickets/${asked.body.ticket.id}/answer`, { text: 'Here.' })).status).toBe(200);
        expect(await checkProjections(other.app.platform.store)).toEqual([]);
      } finally {
        await other.stop();
      }
    });
  }
});

describe('persistence', () => {
  it('a ticket and its thread survive a restart', async () => {
    const a = await world.account();
    const r = await a.api.post('/v1/support/tickets', { text: 'Still there after a restart?' });
    expect(r.status).toBe(201);
    const id = r.body.ticket.id;
    const b = await world.account();
    const answeredBefore = (await b.api.post('/v1/support/tickets', { text: 'And an answered one?' })).body.ticket.id;
    await answer(answeredBefore, 'Yes.');

    server = await server.restart();
    world = new World(server.url);
    support = new Client(server.url, support.token);
    expect(server.app.smtpPort).toBeGreaterThan(0);

    expect(await ticket(id)).toMatchObject({ id, accountId: a.id, state: 'open' });
    expect(texts(await ticket(id))).toEqual(['user: Still there after a restart?']);
    expect(texts(await ticket(answeredBefore))).toEqual(['user: And an answered one?', 'support: Yes.']);
    // And it still becomes overdue on time, joins follow-ups, and can be answered.
    await advance(72 * HOUR);
    expect((await ticket(id)).overdue).toBe(true);
    const api = new Client(server.url, a.token);
    expect((await api.post('/v1/messages', { to: { username: 'support' }, text: 'Hello again.' })).status).toBe(201);
    await answer(id, 'Yes, it is.');
    expect(texts(await ticket(id))).toEqual(['user: Still there after a restart?', 'user: Hello again.', 'support: Yes, it is.']);
    const chats = await api.get('/v1/chats');
    const chat = chats.body.chats.find((c: any) => c.peer?.username === 'support');
    const msgs = await api.get(`/v1/chats/${chat.id}/messages`);
    expect(msgs.body.messages.at(-1).text).toBe('Yes, it is.');
  });
});
