import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { parseId } from '../src/store/ids.js';
import { expectError } from './helpers/expect.js';
import { Client, World, type TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';
import { startRelay, type Relay } from './helpers/relay.js';
import { startServer } from './helpers/server.js';

/**
 * RULES.md §5, support tickets: "Ask a question" in the app, a message to @support, and e-mail
 * to the support address (real SMTP on loopback) open tickets, which are threads. App tickets are
 * answered as messages from the support account; e-mailed tickets by mail only, through a relay
 * (here a stand-in relay started by the test). A mail belongs to an account only from an address
 * that account verified.
 */

const SUPPORT_ADDRESS = 'help@banya.test';

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

const HOUR = 3600;

const advance = (seconds: number) => ctx.world.advance(seconds);
const iso = (ms: number) => new Date(ms).toISOString();

async function tickets(state?: 'open' | 'answered' | 'closed', staff: Client = ctx.support): Promise<any[]> {
  const r = await staff.get(`/v1/moderation/tickets?limit=1000${state ? `&state=${state}` : ''}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.tickets;
}

async function ticketsOf(a: TestAccount, state?: 'open' | 'answered'): Promise<any[]> {
  return (await tickets(state)).filter((t) => t.accountId === a.id);
}

async function ticket(id: string, staff: Client = ctx.support): Promise<any> {
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

async function answer(ticketId: string, text: string, staff: Client = ctx.support) {
  const r = await staff.post(`/v1/moderation/tickets/${ticketId}/answer`, { text });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.ticket;
}

async function mail(m: { from: string; subject: string; text: string; envelopeFrom?: string }, port = ctx.server.app.smtpPort!): Promise<void> {
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
    const a = await ctx.world.account();
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
    const tl = await ctx.support.get(`/v1/moderation/accounts/${a.id}`);
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
    const a = await ctx.world.account();
    // Nothing visible once invisible characters are removed: MESSAGE_EMPTY, as for a message (RULES.md §1).
    for (const text of ['', '   ', '\u200b', '\u2060\ufeff', '\u200d \u200c', '\u202e']) {
      expectError(await a.api.post('/v1/support/tickets', { text }), 400, 'MESSAGE_EMPTY');
      expectError(await a.api.post('/v1/messages', { to: { username: 'support' }, text }), 400, 'MESSAGE_EMPTY');
    }
    expectError(await a.api.post('/v1/support/tickets', {}), 400, 'BAD_REQUEST');
    expect(await ticketsOf(a)).toEqual([]);
    const now = await advance(0);
    await restrictAccount(
      ctx.server.app.platform,
      parseId('account', a.id),
      { state: 'frozen', kind: 'scam', deleteAt: now + 14 * 24 * HOUR * 1000 },
      { kind: 'system' },
    );
    expectError(await a.api.post('/v1/support/tickets', { text: 'Why am I frozen?' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'Why am I frozen?' }), 403, 'FROZEN_METHOD_INVALID');
    expect(await ticketsOf(a)).toEqual([]);
  });

  it('is listed and answered by support and admin only', async () => {
    const a = await ctx.world.account();
    const r = await a.api.post('/v1/support/tickets', { text: 'Who reads this?' });
    const id = r.body.ticket.id;
    for (const role of ['triage', 'moderator'] as const) {
      const staff = await ctx.world.staff(role);
      expectError(await staff.get('/v1/moderation/tickets'), 403, 'FORBIDDEN');
      expectError(await staff.get(`/v1/moderation/tickets/${id}`), 403, 'FORBIDDEN');
      expectError(await staff.post(`/v1/moderation/tickets/${id}/answer`, { text: 'x' }), 403, 'FORBIDDEN');
    }
    expectError(await a.api.get('/v1/moderation/tickets'), 403, 'FORBIDDEN');
    expectError(await ctx.support.get('/v1/moderation/tickets/t999999'), 404, 'NOT_FOUND');
    expectError(await ctx.support.post('/v1/moderation/tickets/t999999/answer', { text: 'x' }), 404, 'NOT_FOUND');
    expect((await ticket(id)).state).toBe('open');
    // An answer with nothing visible is refused, and nothing reaches the person.
    const before = (await ticket(id)).entries.length;
    for (const text of ['', '\u200b', '\u2060 \ufeff'])
      expectError(await ctx.support.post(`/v1/moderation/tickets/${id}/answer`, { text }), 400, 'MESSAGE_EMPTY');
    expect((await ticket(id)).entries).toHaveLength(before);
    expect((await ticket(id)).state).toBe('open');
    expect((await ctx.world.admin.post(`/v1/moderation/tickets/${id}/answer`, { text: 'The admin does.' })).status).toBe(200);
  });
});

describe('a ticket is a thread', () => {
  it('keeps every follow-up and every answer, in order; none overwrites another', async () => {
    const a = await ctx.world.account();
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
    // Soon after the answer, a new message goes on in the same thread, open again.
    await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'It worked, thanks. Another thing…' });
    const all = await ticketsOf(a);
    expect(all.map((x) => x.id)).toEqual([id]);
    expect(all[0].state).toBe('open');
    expect(texts(all[0]).at(-1)).toBe('user: It worked, thanks. Another thing…');
  });
});

describe('a follow-up to an answered ticket', () => {
  const DAY = 24 * HOUR;

  it('within 7 days of the last answer reopens it: same id, the entry appended, due and overdue counted from the reopening', async () => {
    const a = await ctx.world.account();
    const t0 = await advance(0);
    const id = (await a.api.post('/v1/support/tickets', { text: 'My messages do not arrive.' })).body.ticket.id;
    // The first period runs late: overdue 72 h after opening, then answered.
    await advance(72 * HOUR);
    expect((await ticket(id)).overdue).toBe(true);
    const tA = await advance(HOUR);
    await answer(id, 'Please update the app.');

    // The last second of the 7 days after the answer.
    const tR = await advance(7 * DAY - 1);
    expect(tR).toBe(tA + (7 * DAY - 1) * 1000);
    const r = await a.api.post('/v1/support/tickets', { text: 'Updated, still nothing.' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.ticket).toEqual({ id, dueAt: iso(tR + 48 * HOUR * 1000) });
    const reopened = await ticket(id);
    expect(reopened).toMatchObject({
      id,
      state: 'open',
      createdAt: iso(t0),
      dueAt: iso(tR + 48 * HOUR * 1000),
      answeredAt: iso(tA),
      reopenedAt: iso(tR),
      // The earlier overdue mark was the first period's.
      overdue: false,
    });
    expect(reopened.entries).toEqual([
      { from: 'user', text: 'My messages do not arrive.', at: iso(t0), via: 'app' },
      { from: 'support', text: 'Please update the app.', at: iso(tA), via: 'app' },
      { from: 'user', text: 'Updated, still nothing.', at: iso(tR), via: 'app' },
    ]);
    expect((await ticketsOf(a)).map((t) => t.id)).toEqual([id]);
    expect((await ticketsOf(a, 'open')).map((t) => t.id)).toEqual([id]);
    // While open again, a message to @support joins it as before.
    expect((await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'On Wi-Fi only.' })).status).toBe(201);
    expect(texts(await ticket(id)).at(-1)).toBe('user: On Wi-Fi only.');

    // Overdue 72 h after the reopening, not before (nor 72 h after the opening).
    await advance(72 * HOUR - 1);
    expect((await ticket(id)).overdue).toBe(false);
    const tO = await advance(1);
    expect((await ticket(id)).overdue).toBe(true);
    expect(tO).toBe(tR + 72 * HOUR * 1000);

    const tl = await ctx.support.get(`/v1/moderation/accounts/${a.id}?limit=100`);
    expect(tl.status).toBe(200);
    const events = [...tl.body.events].reverse().filter((e: any) => e.type.startsWith('ticket_'));
    expect(events.map((e: any) => e.type)).toEqual([
      'ticket_opened',
      'ticket_overdue',
      'ticket_answered',
      'ticket_reopened',
      'ticket_updated',
      'ticket_overdue',
    ]);
    expect(events[3]).toMatchObject({
      ticketId: id,
      via: 'app',
      dueAt: iso(tR + 48 * HOUR * 1000),
      answeredAt: iso(tA),
      text: 'Updated, still nothing.',
      at: iso(tR),
    });
    expect(events[1].dueAt).toBe(iso(t0 + 48 * HOUR * 1000));
    expect(events[5].dueAt).toBe(iso(tR + 48 * HOUR * 1000));
    // Staff without support's reading see the event, not the text.
    const triage = await ctx.world.staff('triage');
    const seen = (await triage.get(`/v1/moderation/accounts/${a.id}?limit=100`)).body.events.find((e: any) => e.type === 'ticket_reopened');
    expect(seen).toMatchObject({ ticketId: id, via: 'app' });
    expect(seen.text).toBeUndefined();

    // Answering works again, and the next message soon after reopens it once more.
    const tA2 = await advance(HOUR);
    expect(await answer(id, 'We are looking into it.')).toMatchObject({ state: 'answered', overdue: false, answeredAt: iso(tA2) });
    const chat = (await supportChat(a))!;
    expect(chat.messages.at(-1)).toMatchObject({ from: chat.supportId, text: 'We are looking into it.' });
    const tR2 = await advance(DAY);
    expect((await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'Thanks, any news?' })).status).toBe(201);
    expect(await ticket(id)).toMatchObject({ state: 'open', overdue: false, dueAt: iso(tR2 + 48 * HOUR * 1000), reopenedAt: iso(tR2) });
    expect(texts(await ticket(id))).toEqual([
      'user: My messages do not arrive.',
      'support: Please update the app.',
      'user: Updated, still nothing.',
      'user: On Wi-Fi only.',
      'support: We are looking into it.',
      'user: Thanks, any news?',
    ]);
    expect((await ticketsOf(a)).map((t) => t.id)).toEqual([id]);
  });

  it('7 days or more after the last answer opens a new ticket; the answered one stays as it was', async () => {
    const a = await ctx.world.account();
    const first = (await a.api.post('/v1/support/tickets', { text: 'How do I change my username?' })).body.ticket.id;
    const tA = await advance(HOUR);
    await answer(first, 'Settings → Username.');
    const t1 = await advance(7 * DAY);
    expect(t1).toBe(tA + 7 * DAY * 1000);
    const r = await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'And my photo?' });
    expect(r.status).toBe(201);
    const all = await ticketsOf(a);
    expect(all).toHaveLength(2);
    const fresh = all.find((t) => t.id !== first)!;
    expect(fresh).toMatchObject({ state: 'open', createdAt: iso(t1), dueAt: iso(t1 + 48 * HOUR * 1000), overdue: false });
    expect(fresh.reopenedAt).toBeUndefined();
    expect(texts(fresh)).toEqual(['user: And my photo?']);
    const old = await ticket(first);
    expect(old).toMatchObject({ state: 'answered', answeredAt: iso(tA) });
    expect(old.reopenedAt).toBeUndefined();
    expect(texts(old)).toEqual(['user: How do I change my username?', 'support: Settings → Username.']);
    // "Ask a question" joins the new one.
    expect((await a.api.post('/v1/support/tickets', { text: 'From the app.' })).body.ticket.id).toBe(fresh.id);
  });

  it('by mail reopens a mailed ticket only from its own verified address, answered by mail again', async () => {
    const a = await ctx.world.account();
    await verify(a, 'reopens@example.net');
    await mail({ from: 'reopens@example.net', subject: 'My number', text: 'Can I change my number?' });
    const [t] = await ticketsOf(a);
    expect(t).toMatchObject({ source: 'email', state: 'open' });
    let before = relay.caught.length;
    await answer(t.id, 'Yes, in Settings.');
    await relay.waitFor(before + 1);
    await advance(3 * DAY);
    // Someone else, writing the same From: over another envelope, reopens nothing of the account's.
    await mail({ from: 'reopens@example.net', envelopeFrom: 'attacker@example.com', subject: 'Re: My number', text: 'Send me the codes.' });
    expect(await ticket(t.id)).toMatchObject({ state: 'answered' });
    const forged = (await tickets()).filter((x) => x.fromEmail === 'reopens@example.net' && x.id !== t.id);
    expect(forged).toHaveLength(1);
    expect(forged[0].accountId).toBeUndefined();
    expect(texts(forged[0])).toEqual(['user: Send me the codes.']);
    // A mail from another address is a ticket of its own.
    await mail({ from: 'other@example.net', subject: 'Re: My number', text: 'Me too.' });
    expect(await ticket(t.id)).toMatchObject({ state: 'answered' });

    const tR = await advance(HOUR);
    await mail({ from: 'reopens@example.net', subject: 'Re: My number', text: 'Which part of Settings?' });
    const reopened = await ticket(t.id);
    expect(reopened).toMatchObject({ state: 'open', overdue: false, dueAt: iso(tR + 48 * HOUR * 1000), reopenedAt: iso(tR) });
    expect(reopened.entries.map((e: any) => `${e.from}/${e.via}: ${e.text.trim()}`)).toEqual([
      'user/email: Can I change my number?',
      'support/email: Yes, in Settings.',
      'user/email: Which part of Settings?',
    ]);
    expect((await ticketsOf(a)).map((x) => x.id)).toEqual([t.id]);
    before = relay.caught.length;
    await answer(t.id, 'Settings → Account → Number.');
    const sent = (await relay.waitFor(before + 1)).at(-1)!;
    expect(sent.envelope.to).toEqual(['reopens@example.net']);
    expect(sent.mail.subject).toBe('Re: My number');
    // By mail only, as before.
    expect(await supportChat(a)).toBeNull();
  });
});

describe('a message to @support', () => {
  it('opens a ticket, acknowledged in the chat; a second message joins it', async () => {
    const a = await ctx.world.account();
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
    const a = await ctx.world.account({ language: 'ru' });
    const now = await advance(0);
    await restrictAccount(
      ctx.server.app.platform,
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
    const a = await ctx.world.account();
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
    const a = await ctx.world.account();
    const p = ctx.server.app.platform;
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
    expect(ctx.server.app.smtpPort).toBeGreaterThan(0);
    const a = await ctx.world.account();
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
    const a = await ctx.world.account();
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
    const victim = await ctx.world.account();
    await verify(victim, 'victim@example.net');
    // The header says the victim's verified address, the envelope says otherwise.
    await mail({ from: 'victim@example.net', envelopeFrom: 'attacker@example.com', subject: 'Forged', text: 'Please read me my messages.' });
    // An address given to SpamBot but never confirmed with its code.
    const frozen = await ctx.world.account();
    const now = await advance(0);
    await restrictAccount(
      ctx.server.app.platform,
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
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: ctx.server.app.smtpPort!, secure: false, ignoreTLS: true });
    const err = await t.sendMail({ from: 'someone@example.com', to: 'abuse@banya.test', subject: 'x', text: 'y' }).then(
      () => null,
      (e: any) => e,
    );
    t.close();
    expect(err).not.toBeNull();
    expect(err.responseCode).toBe(550);
    expect((await tickets()).length).toBe(before);
  });

  it('holding NUL characters (in the text, quoted-printable, in the subject) is taken, on either store, without them', async () => {
    // No text in banya holds U+0000 (PostgreSQL cannot store it): refusing the mail with 451
    // would have the sender's server retry it for days and then bounce it.
    await mail({ from: 'nul.sender@example.org', subject: 'Sub\u0000ject', text: 'Hello\u0000 support' });
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: ctx.server.app.smtpPort!, secure: false, ignoreTLS: true });
    try {
      const info = await t.sendMail({
        envelope: { from: 'nul.qp@example.org', to: SUPPORT_ADDRESS },
        raw: `From: nul.qp@example.org\r\nTo: ${SUPPORT_ADDRESS}\r\nSubject: qp\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nA =00B\r\n`,
      });
      expect(info.accepted).toEqual([SUPPORT_ADDRESS]);
    } finally {
      t.close();
    }
    const all = await tickets();
    expect(all.find((x) => x.fromEmail === 'nul.sender@example.org')).toMatchObject({ subject: 'Subject', entries: [{ text: 'Hello support', via: 'email' }] });
    expect(all.find((x) => x.fromEmail === 'nul.qp@example.org')).toMatchObject({ entries: [{ text: 'A B', via: 'email' }] });
  });

  it('a subject past 500 characters is cut between characters, never inside a surrogate pair', async () => {
    await mail({ from: 'long.subject@example.org', subject: `x${'😀'.repeat(600)}`, text: 'Long subject' });
    const t = (await tickets()).find((x) => x.fromEmail === 'long.subject@example.org');
    expect(t.subject).toBe(`x${'😀'.repeat(499)}`);
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

describe('support closes a ticket', () => {
  const close = (id: string, body?: object, staff: Client = ctx.support) => staff.post(`/v1/moderation/tickets/${id}/close`, body);

  it('that needs nothing more: closed, never overdue, not answerable; the next question is a new ticket', async () => {
    const a = await ctx.world.account();
    const id = (await a.api.post('/v1/support/tickets', { text: 'Never mind, found it.' })).body.ticket.id;
    const t1 = await advance(HOUR);
    const r = await close(id, { note: '  The person found the answer.  ' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.ticket).toMatchObject({ id, state: 'closed', closedAt: iso(t1), overdue: false });
    expect((await ticketsOf(a, 'open')).map((t) => t.id)).toEqual([]);
    expect((await tickets('closed')).map((t) => t.id)).toContain(id);
    // Past the 72 h of its open period it is not overdue: nothing is due of a closed ticket.
    await advance(80 * HOUR);
    expect(await ticket(id)).toMatchObject({ state: 'closed', overdue: false });
    const tl = await ctx.support.get(`/v1/moderation/accounts/${a.id}?limit=100`);
    const types = tl.body.events.map((e: any) => e.type);
    expect(types).toContain('ticket_closed');
    expect(types).not.toContain('ticket_overdue');
    expect(tl.body.events.find((e: any) => e.type === 'ticket_closed')).toMatchObject({ note: 'The person found the answer.' });
    // Its note is for support and admin only, as every ticket text.
    const mod = await ctx.world.staff('moderator');
    const seen = await mod.get(`/v1/moderation/accounts/${a.id}?limit=100`);
    const closedEvent = seen.body.events.find((e: any) => e.type === 'ticket_closed');
    expect(closedEvent).toBeDefined();
    expect(closedEvent.note).toBeUndefined();
    // Closed twice, or answered once closed: 409 TICKET_CLOSED, and nothing is appended or sent.
    expectError(await close(id), 409, 'TICKET_CLOSED');
    const before = await ticket(id);
    expectError(await ctx.support.post(`/v1/moderation/tickets/${id}/answer`, { text: 'Late answer.' }), 409, 'TICKET_CLOSED');
    expect(await ticket(id)).toEqual(before);
    expect(await supportChat(a)).toBeNull();
    // The person's next message, by "Ask a question" or to @support, is a new ticket.
    const next = (await a.api.post('/v1/support/tickets', { text: 'Actually, one more thing.' })).body.ticket.id;
    expect(next).not.toBe(id);
    expect((await a.api.post('/v1/messages', { to: { username: 'support' }, text: 'And another.' })).status).toBe(201);
    expect(texts(await ticket(next))).toEqual(['user: Actually, one more thing.', 'user: And another.']);
    expect(texts(await ticket(id))).toEqual(['user: Never mind, found it.']);
  });

  it('an answered one too, without a note; a follow-up within the reopening window then opens a new ticket', async () => {
    const a = await ctx.world.account();
    const id = (await a.api.post('/v1/support/tickets', { text: 'Can I have two accounts?' })).body.ticket.id;
    await answer(id, 'Yes, with two numbers.');
    const r = await close(id);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.ticket).toMatchObject({ state: 'closed' });
    await advance(HOUR);
    // Within 7 days of the answer an answered ticket would reopen; a closed one does not.
    const next = (await a.api.post('/v1/support/tickets', { text: 'Thanks! And three?' })).body.ticket.id;
    expect(next).not.toBe(id);
    expect((await ticket(id)).state).toBe('closed');
    expect((await ticket(next)).state).toBe('open');
  });

  it('by support and admin only; unknown tickets and bad notes are refused and change nothing', async () => {
    const a = await ctx.world.account();
    const id = (await a.api.post('/v1/support/tickets', { text: 'Who may close this?' })).body.ticket.id;
    for (const role of ['triage', 'moderator'] as const) expectError(await close(id, {}, await ctx.world.staff(role)), 403, 'FORBIDDEN');
    expectError(await a.api.post(`/v1/moderation/tickets/${id}/close`, {}), 403, 'FORBIDDEN');
    expectError(await close('t999999'), 404, 'NOT_FOUND');
    expectError(await close('nonsense'), 404, 'NOT_FOUND');
    expectError(await close(id, { note: 'x'.repeat(2001) }), 400, 'BAD_REQUEST');
    expectError(await close(id, { note: 5 }), 400, 'BAD_REQUEST');
    expect((await ticket(id)).state).toBe('open');
    expect((await close(id, {}, ctx.world.admin)).status).toBe(200);
  });
});

describe('persistence', () => {
  it('a ticket and its thread survive a restart', async () => {
    const a = await ctx.world.account();
    const r = await a.api.post('/v1/support/tickets', { text: 'Still there after a restart?' });
    expect(r.status).toBe(201);
    const id = r.body.ticket.id;
    const b = await ctx.world.account();
    const answeredBefore = (await b.api.post('/v1/support/tickets', { text: 'And an answered one?' })).body.ticket.id;
    await answer(answeredBefore, 'Yes.');
    const c = await ctx.world.account();
    const closedBefore = (await c.api.post('/v1/support/tickets', { text: 'And a closed one?' })).body.ticket.id;
    const tC = await advance(0);
    expect((await ctx.support.post(`/v1/moderation/tickets/${closedBefore}/close`, {})).status).toBe(200);

    ctx.server = await ctx.server.restart();
    ctx.world = new World(ctx.server.url);
    ctx.support = new Client(ctx.server.url, ctx.support.token);
    expect(ctx.server.app.smtpPort).toBeGreaterThan(0);

    expect(await ticket(id)).toMatchObject({ id, accountId: a.id, state: 'open' });
    expect(texts(await ticket(id))).toEqual(['user: Still there after a restart?']);
    expect(texts(await ticket(answeredBefore))).toEqual(['user: And an answered one?', 'support: Yes.']);
    expect(await ticket(closedBefore)).toMatchObject({ state: 'closed', closedAt: iso(tC) });
    // And it still becomes overdue on time, joins follow-ups, and can be answered.
    await advance(72 * HOUR);
    expect((await ticket(id)).overdue).toBe(true);
    const api = new Client(ctx.server.url, a.token);
    expect((await api.post('/v1/messages', { to: { username: 'support' }, text: 'Hello again.' })).status).toBe(201);
    await answer(id, 'Yes, it is.');
    expect(texts(await ticket(id))).toEqual(['user: Still there after a restart?', 'user: Hello again.', 'support: Yes, it is.']);
    const chats = await api.get('/v1/chats');
    const chat = chats.body.chats.find((c: any) => c.peer?.username === 'support');
    const msgs = await api.get(`/v1/chats/${chat.id}/messages`);
    expect(msgs.body.messages.at(-1).text).toBe('Yes, it is.');
  });

  it('a reopened ticket stays open after a restart, due and overdue from its reopening', async () => {
    const a = await ctx.world.account();
    const t0 = await advance(0);
    const id = (await a.api.post('/v1/support/tickets', { text: 'Before the restart.' })).body.ticket.id;
    // Overdue in its first period, then answered.
    await advance(80 * HOUR);
    await answer(id, 'An answer.');
    const tR = await advance(HOUR);
    expect((await a.api.post('/v1/support/tickets', { text: 'A follow-up.' })).body.ticket.id).toBe(id);

    ctx.server = await ctx.server.restart();
    ctx.world = new World(ctx.server.url);
    ctx.support = new Client(ctx.server.url, ctx.support.token);

    expect(await ticket(id)).toMatchObject({ id, state: 'open', overdue: false, dueAt: iso(tR + 48 * HOUR * 1000), reopenedAt: iso(tR) });
    expect(texts(await ticket(id))).toEqual(['user: Before the restart.', 'support: An answer.', 'user: A follow-up.']);
    await advance(72 * HOUR - 1);
    expect((await ticket(id)).overdue).toBe(false);
    await advance(1);
    expect((await ticket(id)).overdue).toBe(true);
    const tl = await ctx.support.get(`/v1/moderation/accounts/${a.id}?limit=100`);
    // Once per period, newest first.
    expect(tl.body.events.filter((e: any) => e.type === 'ticket_overdue').map((e: any) => e.dueAt)).toEqual([
      iso(tR + 48 * HOUR * 1000),
      iso(t0 + 48 * HOUR * 1000),
    ]);
    await answer(id, 'Another answer.');
    expect((await ticket(id)).state).toBe('answered');
  });
});
