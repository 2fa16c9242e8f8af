import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import { checkProjections } from '../src/enforcement/check.js';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { parseId } from '../src/store/ids.js';
import { expectError } from './helpers/expect.js';
import { Client, World, type TestAccount } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * RULES.md §5, support tickets: "Ask a question" in the app, a message to @support, and e-mail
 * to the support address (real SMTP on loopback) open tickets; staff answers reach the person as
 * messages from the support account, and e-mailed tickets are answered by e-mail too (through a
 * relay: here an SMTP catcher started by the test).
 */

const SUPPORT_ADDRESS = 'help@banya.test';

interface Caught {
  envelope: { from: string | null; to: string[] };
  mail: ParsedMail;
}

let catcher: SMTPServer;
let catcherPort: number;
const caught: Caught[] = [];
let server: TestServer;
let world: World;
let support: Client;

beforeAll(async () => {
  catcher = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((mail) => {
          caught.push({
            envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null, to: session.envelope.rcptTo.map((r) => r.address) },
            mail,
          });
          cb();
        })
        .catch((err: Error) => cb(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    catcher.once('error', reject);
    catcher.listen(0, '127.0.0.1', () => resolve());
  });
  const address = catcher.server.address();
  catcherPort = typeof address === 'object' && address ? address.port : 0;
  expect(catcherPort).toBeGreaterThan(0);
  server = await startServer({ smtp: { port: 0, host: '127.0.0.1', supportAddress: SUPPORT_ADDRESS, relayUrl: `smtp://127.0.0.1:${catcherPort}` } });
  world = new World(server.url);
  support = await world.staff('support');
});
afterAll(async () => {
  await server.stop();
  await new Promise<void>((resolve) => catcher.close(() => resolve()));
});
afterEach(async () => {
  expect(await checkProjections(server.app.platform.store)).toEqual([]);
});

const HOUR = 3600;


const advance = (seconds: number) => world.advance(seconds);
const iso = (ms: number) => new Date(ms).toISOString();

async function tickets(state?: 'open' | 'answered'): Promise<any[]> {
  const r = await support.get(`/v1/moderation/tickets?limit=1000${state ? `&state=${state}` : ''}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.tickets;
}

async function ticketsOf(a: TestAccount, state?: 'open' | 'answered'): Promise<any[]> {
  return (await tickets(state)).filter((t) => t.accountId === a.id);
}

async function ticket(id: string): Promise<any> {
  const r = await support.get(`/v1/moderation/tickets/${id}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.ticket;
}

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

function mailer() {
  return nodemailer.createTransport({ host: '127.0.0.1', port: server.app.smtpPort!, secure: false, ignoreTLS: true });
}

/** Waits (briefly, in real time) until the catcher holds `n` mails. */
async function caughtMails(n: number): Promise<Caught[]> {
  for (let i = 0; i < 200 && caught.length < n; i++) await new Promise((r) => setTimeout(r, 25));
  return caught;
}

/** Writes `+447700912345` the way a person would: `+44 7700 912345`. */
function spaced(phone: string): string {
  return `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`;
}

describe('"Ask a question" in the app', () => {
  it('opens a ticket for support, due in 48 h and overdue after 72 h', async () => {
    const a = await world.account();
    const t0 = await advance(0);
    const r = await a.api.post('/v1/support/tickets', { text: 'How do I change my username?' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.ticket.id).toMatch(/^t/);
    expect(r.body.ticket.dueAt).toBe(iso(t0 + 48 * HOUR * 1000));

    const listed = await ticketsOf(a, 'open');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: r.body.ticket.id,
      accountId: a.id,
      source: 'app',
      text: 'How do I change my username?',
      state: 'open',
      createdAt: iso(t0),
      dueAt: iso(t0 + 48 * HOUR * 1000),
      overdue: false,
    });
    await advance(72 * HOUR - 1);
    expect((await ticket(r.body.ticket.id)).overdue).toBe(false);
    await advance(1);
    expect((await ticket(r.body.ticket.id)).overdue).toBe(true);
    const tl = await support.get(`/v1/moderation/accounts/${a.id}`);
    expect(tl.body.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['ticket_opened', 'ticket_overdue']));

    // The answer arrives as a message from the support account; the ticket is no longer overdue.
    const answered = await answer(r.body.ticket.id, 'Settings → Username.');
    expect(answered).toMatchObject({ state: 'answered', answer: 'Settings → Username.', overdue: false });
    const chat = await supportChat(a);
    expect(chat).not.toBeNull();
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
    await restrictAccount(server.app.platform, parseId('account', a.id), { state: 'frozen', kind: 'scam', deleteAt: now + 14 * 24 * HOUR * 1000 }, { kind: 'system' });
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

describe('a message to @support', () => {
  it('opens a ticket, a second message joins it, and the answer comes from the support account', async () => {
    const a = await world.account();
    const first = await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'My messages do not arrive.' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const open = await ticketsOf(a, 'open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ source: 'app', text: 'My messages do not arrive.' });
    // Acknowledged in the chat.
    let chat = (await supportChat(a))!;
    expect(chat.chatId).toBe(first.body.message.chatId);
    expect(chat.messages).toHaveLength(2);
    expect(chat.messages[1]).toMatchObject({ from: chat.supportId });
    expect(chat.messages[1].text).toMatch(/support/);

    const second = await a.api.post('/v1/messages', { to: { username: '@Support' }, text: 'Since yesterday.' });
    expect(second.status).toBe(201);
    const joined = await ticketsOf(a);
    expect(joined).toHaveLength(1);
    expect(joined[0].id).toBe(open[0].id);
    expect(joined[0].text).toContain('My messages do not arrive.');
    expect(joined[0].text).toContain('Since yesterday.');

    await answer(open[0].id, 'Please update the app.');
    chat = (await supportChat(a))!;
    expect(chat.messages.at(-1)).toMatchObject({ from: chat.supportId, text: 'Please update the app.' });

    // After the answer, a new message is a new question.
    await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'It worked, thanks. Another thing…' });
    const all = await ticketsOf(a);
    expect(all).toHaveLength(2);
    expect(all.filter((t) => t.state === 'open')).toHaveLength(1);
  });

  it('a limited account can still write to @support, in Russian too', async () => {
    const a = await world.account({ language: 'ru' });
    const now = await advance(0);
    await restrictAccount(server.app.platform, parseId('account', a.id), { state: 'limited', kind: 'report', until: now + 24 * HOUR * 1000 }, { kind: 'system' });
    expect((await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'Помогите' })).status).toBe(201);
    const chat = (await supportChat(a))!;
    expect(chat.messages.at(-1).text).toMatch(/[а-яё]/i);
    expect(await ticketsOf(a, 'open')).toHaveLength(1);
  });

  it('messages sent at once still make one ticket', async () => {
    const a = await world.account();
    const sends = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => a.api.post('/v1/messages', { to: { username: 'support' }, text: `part ${i}` })));
    for (const s of sends) expect(s.status).toBe(201);
    const open = await ticketsOf(a);
    expect(open).toHaveLength(1);
    for (const i of [1, 2, 3, 4, 5, 6, 7, 8]) expect(open[0].text).toContain(`part ${i}`);
    // One acknowledgement, for the message that opened the ticket.
    const chat = (await supportChat(a))!;
    expect(chat.messages.filter((m: any) => m.from === chat.supportId)).toHaveLength(1);
  });

  it('the desk takes one person\'s messages one at a time (handlers called at once)', async () => {
    const a = await world.account();
    const p = server.app.platform;
    const take = p.inbox.get(p.index.supportId)!;
    const id = parseId('account', a.id);
    await Promise.all(['one', 'two', 'three'].map((text) => take(id, text, 'en')));
    const open = await ticketsOf(a);
    expect(open).toHaveLength(1);
    expect(open[0].text).toBe('one\n\ntwo\n\nthree');
  });
});

describe('e-mail to the support address', () => {
  it('becomes a ticket matched by the phone number in the mail; the answer goes to the app and by e-mail', async () => {
    expect(server.app.smtpPort).toBeGreaterThan(0);
    const a = await world.account();
    const t = mailer();
    const info = await t.sendMail({
      from: 'Anna Petrova <Anna.Petrova@example.org>',
      to: SUPPORT_ADDRESS,
      subject: 'My account is limited',
      text: `Hello, my number is ${spaced(a.phone)} and I cannot write to new clients.\nAnna`,
    });
    t.close();
    expect(info.accepted).toEqual([SUPPORT_ADDRESS]);

    const mine = await ticketsOf(a);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ source: 'email', fromEmail: 'anna.petrova@example.org', subject: 'My account is limited', state: 'open', overdue: false });
    expect(mine[0].text).toContain('I cannot write to new clients.');

    const before = caught.length;
    await answer(mine[0].id, 'Your limit ends tomorrow; ask @spambot for details.');
    const chat = (await supportChat(a))!;
    expect(chat.messages.at(-1)).toMatchObject({ from: chat.supportId, text: 'Your limit ends tomorrow; ask @spambot for details.' });

    const mails = await caughtMails(before + 1);
    expect(mails).toHaveLength(before + 1);
    const sent = mails.at(-1)!;
    expect(sent.envelope.to).toEqual(['anna.petrova@example.org']);
    expect(sent.envelope.from).toBe(SUPPORT_ADDRESS);
    expect(sent.mail.subject).toBe('Re: My account is limited');
    expect(sent.mail.text?.trim()).toBe('Your limit ends tomorrow; ask @spambot for details.');
  });

  it('is matched by the e-mail address given in an appeal', async () => {
    const a = await world.account();
    const now = await advance(0);
    await restrictAccount(server.app.platform, parseId('account', a.id), { state: 'frozen', kind: 'scam', deleteAt: now + 14 * 24 * HOUR * 1000 }, { kind: 'system' });
    for (const text of [BUTTONS.en.mistake, BUTTONS.en.didNot, 'I was hacked.', 'owner.of.frozen@example.net']) {
      expect((await a.api.post('/v1/messages', { to: { username: 'spambot' }, text })).status).toBe(201);
    }
    const t = mailer();
    await t.sendMail({ from: 'owner.of.frozen@example.net', to: SUPPORT_ADDRESS, subject: 'About my appeal', text: 'Any news?' });
    t.close();
    expect(await ticketsOf(a)).toMatchObject([{ source: 'email', fromEmail: 'owner.of.frozen@example.net', text: 'Any news?' }]);
  });

  it('an appeal\'s e-mail wins over a number named in the text; digits that are not an international number, or several accounts\' numbers, match nobody', async () => {
    const owner = await world.account();
    const other = await world.account();
    const now = await advance(0);
    // A frozen account appeals and gives its e-mail address.
    const frozen = await world.account();
    await restrictAccount(server.app.platform, parseId('account', frozen.id), { state: 'frozen', kind: 'scam', deleteAt: now + 14 * 24 * HOUR * 1000 }, { kind: 'system' });
    for (const text of [BUTTONS.en.mistake, BUTTONS.en.didNot, 'Hacked.', 'victim@example.net']) {
      expect((await frozen.api.post('/v1/messages', { to: { username: 'spambot' }, text })).status).toBe(201);
    }
    const t = mailer();
    // The frozen account's owner names the number of the person who reported them.
    await t.sendMail({ from: 'victim@example.net', to: SUPPORT_ADDRESS, subject: 'Reported unfairly', text: `The person at ${spaced(other.phone)} reported me out of spite.` });
    // An order number made of the same digits as someone's phone, without + or 00.
    await t.sendMail({ from: 'shop@example.com', to: SUPPORT_ADDRESS, subject: 'Order', text: `My order ${other.phone.slice(1)} failed.` });
    // Two accounts' numbers: who is the sender?
    await t.sendMail({ from: 'both@example.com', to: SUPPORT_ADDRESS, subject: 'Two', text: `Numbers: ${other.phone} and 00${owner.phone.slice(1)}.` });
    // One number written with 00 is matched.
    await t.sendMail({ from: 'zeros@example.com', to: SUPPORT_ADDRESS, subject: 'Zeros', text: `My number: 00${other.phone.slice(1)}` });
    t.close();
    const all = await tickets();
    const by = (from: string) => all.find((x) => x.fromEmail === from);
    expect(by('victim@example.net')!.accountId).toBe(frozen.id);
    expect(by('shop@example.com')!.accountId).toBeUndefined();
    expect(by('both@example.com')!.accountId).toBeUndefined();
    expect(by('zeros@example.com')!.accountId).toBe(other.id);
  });

  it('without a match is a ticket without an account, answered by e-mail only', async () => {
    const t = mailer();
    await t.sendMail({ from: 'stranger@example.com', to: SUPPORT_ADDRESS, subject: 'Question', text: 'Is banya free?' });
    t.close();
    const found = (await tickets('open')).filter((x) => x.fromEmail === 'stranger@example.com');
    expect(found).toHaveLength(1);
    expect(found[0].accountId).toBeUndefined();
    const before = caught.length;
    await answer(found[0].id, 'Yes.');
    const mails = await caughtMails(before + 1);
    expect(mails.at(-1)!.envelope.to).toEqual(['stranger@example.com']);
    expect(mails.at(-1)!.mail.subject).toBe('Re: Question');
  });

  it('to any other address is rejected with 550, and nothing is opened', async () => {
    const before = (await tickets()).length;
    const t = mailer();
    const err = await t.sendMail({ from: 'someone@example.com', to: 'abuse@banya.test', subject: 'x', text: 'y' }).then(
      () => null,
      (e: any) => e,
    );
    t.close();
    expect(err).not.toBeNull();
    expect(err.responseCode).toBe(550);
    expect(err.rejected ?? ['abuse@banya.test']).toEqual(['abuse@banya.test']);
    expect((await tickets()).length).toBe(before);
  });
});

describe('persistence', () => {
  it('a ticket and its state survive a restart', async () => {
    const a = await world.account();
    const r = await a.api.post('/v1/support/tickets', { text: 'Still there after a restart?' });
    expect(r.status).toBe(201);
    const id = r.body.ticket.id;
    const answeredBefore = (await a.api.post('/v1/support/tickets', { text: 'And an answered one?' })).body.ticket.id;
    await answer(answeredBefore, 'Yes.');

    server = await server.restart();
    world = new World(server.url);
    support = new Client(server.url, support.token);
    expect(server.app.smtpPort).toBeGreaterThan(0);

    expect(await ticket(id)).toMatchObject({ id, accountId: a.id, state: 'open', text: 'Still there after a restart?' });
    expect(await ticket(answeredBefore)).toMatchObject({ state: 'answered', answer: 'Yes.' });
    // And it still becomes overdue on time, and can be answered.
    await advance(72 * HOUR);
    expect((await ticket(id)).overdue).toBe(true);
    await answer(id, 'Yes, it is.');
    const api = new Client(server.url, a.token);
    const chats = await api.get('/v1/chats');
    const chat = chats.body.chats.find((c: any) => c.peer?.username === 'support');
    const msgs = await api.get(`/v1/chats/${chat.id}/messages`);
    expect(msgs.body.messages.at(-1).text).toBe('Yes, it is.');
  });
});
