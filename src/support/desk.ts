import { fail } from '../domain/errors.js';
import type { Lang } from '../domain/texts.js';
import type { StaffActor } from '../enforcement/staff.js';
import { addToTicket, answerTicket, openTicket, openTicketOf } from '../enforcement/support.js';
import type { TicketsTable } from '../store/schema/tickets.js';
import type { Platform } from '../platform/context.js';
import { Turns } from '../platform/turns.js';
import { requireWritable } from '../platform/guards.js';
import { systemMessage } from '../platform/messages.js';
import type { Mailer } from './mailer.js';

const ACK: Record<Lang, string> = {
  en: 'Thank you, your question has reached support. We usually answer within two or three days, here in this chat.',
  ru: 'Спасибо, ваш вопрос передан в поддержку. Обычно мы отвечаем в течение двух-трёх дней — здесь, в этом чате.',
};

/**
 * The support desk: questions from the app and from e-mail become tickets; staff answers reach
 * the person as messages from the support account, and by e-mail for e-mailed tickets.
 */
export class SupportDesk {
  /** Each person's messages to @support are taken one at a time, so parts sent at once join one ticket. */
  private readonly turns = new Turns();

  constructor(
    private readonly p: Platform,
    private readonly mailer: Mailer | null,
  ) {}

  attach(): void {
    // Writing to @support in the app is asking a question too.
    this.p.inbox.set(this.p.index.supportId, (from, text, lang) => this.turns.run(from, () => this.take(from, text, lang)));
  }


  /** A message to @support: joins the person's open ticket, or opens one and acknowledges it. */
  private async take(from: number, text: string, lang: Lang): Promise<void> {
    const open = await openTicketOf(this.p, from);
    if (open) await addToTicket(this.p, open, text);
    else {
      await openTicket(this.p, { accountId: from, source: 'app', fromEmail: null, subject: null, text });
      await this.p.store.write(systemMessage(this.p, this.p.index.supportId, from, ACK[lang], null, this.p.clock.now()));
    }
  }

  /** "Ask a question" in the app. */
  async ask(accountId: number, text: string): Promise<TicketsTable> {
    requireWritable(this.p, accountId);
    if (text.trim().length === 0) fail('BAD_REQUEST', { field: 'text', reason: 'text is empty' });
    return openTicket(this.p, { accountId, source: 'app', fromEmail: null, subject: null, text: text.trim() });
  }

  /** A staff answer, delivered in the app and, for e-mailed tickets, by e-mail. */
  async answer(ticketId: number, text: string, staff: StaffActor): Promise<TicketsTable> {
    const row = await answerTicket(this.p, ticketId, text, staff);
    if (row.account_id !== null) {
      await this.p.store.write(systemMessage(this.p, this.p.index.supportId, row.account_id, text, null, this.p.clock.now()));
    }
    if (row.source === 'email' && row.from_email) {
      if (this.mailer) {
        await this.mailer.send(row.from_email, row.subject ? `Re: ${row.subject}` : 'Your question to support', text).catch((err: unknown) => {
          this.p.log.error({ err, ticket: ticketId }, 'could not send the answer by e-mail');
        });
      } else this.p.log.warn({ ticket: ticketId }, 'no SMTP relay configured: the answer was not e-mailed');
    }
    return row;
  }
}
