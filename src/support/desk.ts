import { fail } from '../domain/errors.js';
import { hasVisibleText } from '../domain/names.js';
import type { Lang } from '../domain/texts.js';
import type { StaffActor } from '../enforcement/staff.js';
import {
  addToTicket,
  answerTicket,
  closeTicket,
  findTicket,
  loadTicket,
  followUpMailTicketOf,
  openTicket,
  followUpTicketOf,
  reopens,
  reopenTicket,
  type Ticket,
} from '../enforcement/tickets.js';
import { key } from '../events/serial.js';
import { row } from '../store/read.js';
import type { Platform } from '../platform/context.js';
import { Turns } from '../platform/turns.js';
import { requireWritable } from '../platform/writable.js';
import { systemMessageOn } from '../platform/messages.js';
import { EmailVerification } from './emails.js';
import type { Mailer } from './mailer.js';

const ACK: Record<Lang, string> = {
  en: 'Thank you, your question has reached support. We usually answer within two or three days, here in this chat.',
  ru: 'Спасибо, ваш вопрос передан в поддержку. Обычно мы отвечаем в течение двух-трёх дней — здесь, в этом чате.',
};

/** A mail to the support address, as the listener read it. */
export interface IncomingMail {
  /** The `From:` header's address, lower-cased. */
  from: string;
  /** The envelope's `MAIL FROM`, lower-cased (null for a bounce). */
  envelopeFrom: string | null;
  subject: string | null;
  text: string;
  /** The `Message-ID:` header: a mail delivered twice (to one node or two) is taken once. */
  messageId?: string | null;
}

/**
 * The support desk: questions from the app and from e-mail become tickets, threads that keep
 * every follow-up and answer. An app ticket's answers arrive as messages from the support
 * account; a mailed ticket's answers go back by mail only. A mail joins an account only from an
 * address that account verified (RULES.md §5). A follow-up soon after an answer reopens the
 * answered ticket (TICKET_REOPEN_MS); a mailed one only by a mail from its own address, bound to
 * the same account (or to none) as the ticket.
 */
export class SupportDesk {
  /** Each person's messages to @support are taken one at a time, so parts sent at once join one ticket. */
  private readonly turns = new Turns();
  readonly emails: EmailVerification;

  constructor(
    private readonly p: Platform,
    private readonly mailer: Mailer | null,
  ) {
    this.emails = new EmailVerification(p, mailer);
  }

  attach(): void {
    // Writing to @support in the app is asking a question too.
    this.p.inbox.set(this.p.index.supportId, (from, text, lang) => this.turns.run(from, () => this.take(from, text, lang).then(() => undefined)));
  }

  /**
   * A question from the app: joins the account's open app ticket, reopens one answered lately,
   * or opens one (acknowledged in the chat when `lang`). Returns the ticket it went to.
   */
  private async take(from: number, text: string, lang: Lang | null): Promise<{ id: number; dueAt: number }> {
    const p = this.p;
    return p.serial.run([key.ticketsOf(from)], async () => {
      const joined = await this.follow(await followUpTicketOf(p, from, p.clock.now()), text, 'app');
      if (joined) return joined;
      const now = p.clock.now();
      const change = p.journal.change();
      const t = openTicket(p, change, { accountId: from, source: 'app', fromEmail: null, subject: null, text }, now);
      if (lang) systemMessageOn(p, change, p.index.supportId, from, ACK[lang], null, now);
      await p.journal.commit(change);
      return t;
    });
  }

  /**
   * Appends to `found` once its key is held: to the thread if it is still open, reopening it if
   * it was answered lately (`reopens`); null when there is nothing to join.
   */
  private async follow(
    found: Ticket | undefined,
    text: string,
    via: 'app' | 'email',
    onceKey: string | null = null,
  ): Promise<{ id: number; dueAt: number } | null> {
    if (!found) return null;
    const p = this.p;
    return p.serial.run([key.ticket(found.row.id)], async () => {
      const t = await findTicket(p, found.row.id);
      const now = p.clock.now();
      if (!t || (t.row.state !== 'open' && !reopens(t, now))) return null;
      const change = p.journal.change();
      if (onceKey) change.sql(onceRow(p, onceKey));
      let out = { id: t.row.id, dueAt: t.row.due_at };
      if (t.row.state === 'open') addToTicket(change, t, text, via, now);
      else out = reopenTicket(change, t, text, via, now);
      await p.journal.commit(change);
      return out;
    });
  }

  /** "Ask a question" in the app: a new ticket, or a further entry of the open (or lately answered) one. */
  async ask(accountId: number, text: string): Promise<{ id: number; dueAt: number }> {
    requireWritable(this.p, accountId);
    // As for a message (RULES.md §1): nothing visible once invisible characters are removed.
    if (!hasVisibleText(text)) fail('MESSAGE_EMPTY', { field: 'text', reason: 'the text has no visible characters' });
    let out: { id: number; dueAt: number } | undefined;
    await this.turns.run(accountId, async () => {
      out = await this.take(accountId, text.trim(), null);
    });
    return out!;
  }

  /**
   * A mail to the support address. It belongs to an account only when its address was verified
   * by that account (and the envelope says the same); otherwise it is an e-mail-only ticket.
   */
  async takeMail(mail: IncomingMail): Promise<void> {
    const p = this.p;
    const owner = mail.envelopeFrom === mail.from ? await this.emails.ownerOf(mail.from) : null;
    // The key is taken with the ticket's write, on every store: a second delivery of the same
    // mail (the sender's server retrying after a lost answer, perhaps to another node) finds it
    // and is accepted without a second entry; two at once on two nodes are arbitrated by its
    // primary key, the loser finding it on its second run.
    const onceKey = mail.messageId ? `mail:${mail.from}:${mail.messageId}` : null;
    await p.serial.run([key.mailbox(mail.from)], async () => {
      if (onceKey && (await row(p.store, p.store.db.selectFrom('once_keys').select('key').where('key', '=', onceKey)))) return;
      const joined = await this.follow(await followUpMailTicketOf(p, mail.from, owner, p.clock.now()), mail.text, 'email', onceKey);
      if (joined) return;
      const change = p.journal.change();
      if (onceKey) change.sql(onceRow(p, onceKey));
      openTicket(p, change, { accountId: owner, source: 'email', fromEmail: mail.from, subject: mail.subject, text: mail.text }, p.clock.now());
      await p.journal.commit(change);
    });
  }

  /**
   * A staff answer, appended to the thread and delivered the way the ticket came: in the app
   * as a message from @support, or by mail only. An e-mailed ticket without a working relay
   * cannot be answered: `503 MAIL_RELAY_UNAVAILABLE`, and nothing is appended.
   */
  async answer(ticketId: number, text: string, staff: StaffActor): Promise<Ticket> {
    const p = this.p;
    if (!hasVisibleText(text)) fail('MESSAGE_EMPTY', { field: 'text', reason: 'the text has no visible characters' });
    return p.serial.run([key.ticket(ticketId)], async () => {
      const t = await loadTicket(p, ticketId);
      // A closed ticket is done; the person's next message opens a new one.
      if (t.row.state === 'closed') fail('TICKET_CLOSED');
      const change = p.journal.change();
      const now = p.clock.now();
      if (t.row.source === 'email') {
        if (!this.mailer || !t.row.from_email) fail('MAIL_RELAY_UNAVAILABLE');
        try {
          await this.mailer.send(t.row.from_email, t.row.subject ? `Re: ${t.row.subject}` : 'Your question to support', text);
        } catch (err) {
          p.log.error({ err, ticket: ticketId }, 'could not send the answer by e-mail');
          fail('MAIL_RELAY_UNAVAILABLE');
        }
      } else if (t.row.account_id !== null) {
        systemMessageOn(p, change, p.index.supportId, t.row.account_id, text, null, now);
      }
      answerTicket(change, t, text, staff, now);
      await p.journal.commit(change);
      return loadTicket(p, ticketId);
    });
  }

  /**
   * Support closes a ticket that needs nothing more (answered, or nothing to answer): nothing is
   * due of it any longer, and the person's next message is a new ticket. Closing it again:
   * `409 TICKET_CLOSED`.
   */
  async close(ticketId: number, note: string | null, staff: StaffActor): Promise<Ticket> {
    const p = this.p;
    return p.serial.run([key.ticket(ticketId)], async () => {
      const t = await loadTicket(p, ticketId);
      if (t.row.state === 'closed') fail('TICKET_CLOSED');
      const change = p.journal.change();
      closeTicket(change, t, note, staff, p.clock.now());
      await p.journal.commit(change);
      return loadTicket(p, ticketId);
    });
  }
}

/** The row that marks a mail as taken (`once_keys`, whatever the store). */
function onceRow(p: Platform, k: string) {
  return p.store.db.insertInto('once_keys').values({ key: k, at: p.clock.now() }).compile();
}
