import type { SelectQueryBuilder } from 'kysely';
import { fail } from '../domain/errors.js';
import type { TicketSource } from '../events/support.js';
import type { Change } from '../events/journal.js';
import type { Actor } from '../store/event-log.js';
import { publicId } from '../store/ids.js';
import type { Database } from '../store/database.js';
import { row, rows } from '../store/read.js';
import type { TicketEntriesTable } from '../store/schema/ticket-entries.js';
import type { TicketsTable } from '../store/schema/tickets.js';
import { DAY_MS } from './policy.js';
import { staffActor, type StaffActor } from './staff.js';
import type { Enforcement } from './state.js';

/**
 * Support tickets ("Ask a question", a message to @support, e-mail), with the same due times as
 * appeals: due 48 h after opening, overdue at 72 h. A ticket is a thread: every follow-up and
 * every answer is an entry of its own (RULES.md §5). Delivering answers is the desk's part.
 *
 * A follow-up within TICKET_REOPEN_MS of the last answer reopens the answered ticket: the same
 * thread, open again, due 48 h and overdue 72 h after the reopening. Later, a follow-up is a new
 * ticket.
 */

export const TICKET_DUE_MS = 48 * 3600_000;
export const TICKET_OVERDUE_MS = 72 * 3600_000;
/** How long after its last answer a follow-up still reopens a ticket (instead of opening a new one). */
export const TICKET_REOPEN_MS = 7 * DAY_MS;
export const TICKET_TEXT_MAX = 20_000;

export interface TicketEntryView {
  from: 'user' | 'support';
  text: string;
  at: string;
  via: TicketSource;
}

export interface TicketView {
  id: string;
  accountId?: string;
  source: TicketSource;
  fromEmail?: string;
  subject?: string;
  state: 'open' | 'answered' | 'closed';
  createdAt: string;
  dueAt: string;
  overdue: boolean;
  answeredAt?: string;
  /** When a follow-up last reopened it after an answer. */
  reopenedAt?: string;
  /** When support closed it. */
  closedAt?: string;
  entries: TicketEntryView[];
}

export interface Ticket {
  row: TicketsTable;
  entries: TicketEntriesTable[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function ticketView({ row, entries }: Ticket, now: number): TicketView {
  const v: TicketView = {
    id: publicId('ticket', row.id),
    source: row.source as TicketSource,
    state: row.state as TicketView['state'],
    createdAt: iso(row.created_at),
    dueAt: iso(row.due_at),
    overdue: row.state === 'open' && (row.overdue_at !== null || ticketOverdueAt(row) <= now),
    entries: entries.map((e) => ({ from: e.author as TicketEntryView['from'], text: e.text, at: iso(e.at), via: e.via as TicketSource })),
  };
  if (row.account_id !== null) v.accountId = publicId('account', row.account_id);
  if (row.from_email) v.fromEmail = row.from_email;
  if (row.subject) v.subject = row.subject;
  if (row.answered_at !== null) v.answeredAt = iso(row.answered_at);
  if (row.reopened_at !== null) v.reopenedAt = iso(row.reopened_at);
  if (row.closed_at !== null) v.closedAt = iso(row.closed_at);
  return v;
}

/** When the ticket's current open period becomes overdue: 72 h after it was opened or last reopened. */
export function ticketOverdueAt(row: Pick<TicketsTable, 'created_at' | 'reopened_at'>): number {
  return (row.reopened_at ?? row.created_at) + TICKET_OVERDUE_MS;
}

/** Whether a follow-up at `now` reopens a ticket in `state` last answered at `answeredAt` (less than TICKET_REOPEN_MS ago). */
function reopensAt(state: string, answeredAt: number | null, now: number): boolean {
  return state === 'answered' && answeredAt !== null && now < answeredAt + TICKET_REOPEN_MS;
}

/** Whether a follow-up at `now` reopens `t`: answered, and its last answer less than TICKET_REOPEN_MS ago. */
export function reopens(t: Ticket, now: number): boolean {
  return reopensAt(t.row.state, t.row.answered_at, now);
}

export interface NewTicket {
  accountId: number | null;
  source: TicketSource;
  fromEmail: string | null;
  subject: string | null;
  text: string;
}

function personActor(accountId: number | null): Actor {
  return accountId !== null ? { kind: 'account', id: publicId('account', accountId) } : { kind: 'system' };
}

/** Emits the opening of a ticket into `change`; its id and due time. */
export function openTicket(e: Enforcement, change: Change, t: NewTicket, now: number): { id: number; dueAt: number } {
  const id = e.ids.next('tickets');
  const dueAt = now + TICKET_DUE_MS;
  change.emit(now, personActor(t.accountId), t.accountId, {
    type: 'ticket_opened',
    payload: { ticketId: id, source: t.source, fromEmail: t.fromEmail, subject: t.subject, text: t.text.slice(0, TICKET_TEXT_MAX), dueAt },
  });
  return { id, dueAt };
}

export async function findTicket(e: Enforcement, id: number): Promise<Ticket | undefined> {
  const ticket = id > 0 ? await row(e.store, e.store.db.selectFrom('tickets').selectAll().where('id', '=', id)) : undefined;
  if (!ticket) return undefined;
  const entries = await rows(e.store, e.store.db.selectFrom('ticket_entries').selectAll().where('ticket_id', '=', id).orderBy('seq'));
  return { row: ticket, entries };
}

export async function loadTicket(e: Enforcement, id: number): Promise<Ticket> {
  const t = await findTicket(e, id);
  if (!t) fail('NOT_FOUND');
  return t;
}

/**
 * The ticket a further message goes to, if any: the open one, else the last answered one while
 * it still reopens (`reopens`). Nothing else: a follow-up to an older or closed ticket is new.
 */
async function followedTicket(
  e: Enforcement,
  q: SelectQueryBuilder<Database, 'tickets', { id: number; state: string; answered_at: number | null }>,
  now: number,
): Promise<Ticket | undefined> {
  const open = await row(e.store, q.where('state', '=', 'open').orderBy('id', 'desc').limit(1));
  if (open) return findTicket(e, open.id);
  const answered = await row(e.store, q.where('state', '=', 'answered').orderBy('answered_at', 'desc').orderBy('id', 'desc').limit(1));
  return answered && reopensAt(answered.state, answered.answered_at, now) ? findTicket(e, answered.id) : undefined;
}

/** The account's app ticket a further message joins (open) or reopens (answered lately), if any. */
export function followUpTicketOf(e: Enforcement, accountId: number, now: number): Promise<Ticket | undefined> {
  const q = e.store.db.selectFrom('tickets').select(['id', 'state', 'answered_at']).where('account_id', '=', accountId).where('source', '=', 'app');
  return followedTicket(e, q, now);
}

/**
 * The e-mailed ticket of this address (bound to `accountId`, or to nobody) a further mail joins
 * or reopens, if any: only a mail from the same address, bound the same way, ever finds it.
 */
export function followUpMailTicketOf(e: Enforcement, fromEmail: string, accountId: number | null, now: number): Promise<Ticket | undefined> {
  let q = e.store.db.selectFrom('tickets').select(['id', 'state', 'answered_at']).where('from_email', '=', fromEmail).where('source', '=', 'email');
  q = accountId === null ? q.where('account_id', 'is', null) : q.where('account_id', '=', accountId);
  return followedTicket(e, q, now);
}

function nextSeq(t: Ticket): number {
  return (t.entries.at(-1)?.seq ?? 0) + 1;
}

/** Emits a further message from the person, appended to the thread. */
export function addToTicket(change: Change, t: Ticket, text: string, via: TicketSource, now: number): void {
  change.emit(now, personActor(t.row.account_id), t.row.account_id, {
    type: 'ticket_updated',
    payload: { ticketId: t.row.id, text: text.slice(0, TICKET_TEXT_MAX), seq: nextSeq(t), via },
  });
}

/** Emits a follow-up that reopens the answered `t` (see `reopens`): a new open period, due 48 h on. */
export function reopenTicket(change: Change, t: Ticket, text: string, via: TicketSource, now: number): { id: number; dueAt: number } {
  const dueAt = now + TICKET_DUE_MS;
  change.emit(now, personActor(t.row.account_id), t.row.account_id, {
    type: 'ticket_reopened',
    payload: { ticketId: t.row.id, text: text.slice(0, TICKET_TEXT_MAX), seq: nextSeq(t), via, dueAt, answeredAt: t.row.answered_at ?? now },
  });
  return { id: t.row.id, dueAt };
}

/** Emits support's answer, appended to the thread; it goes back the way the ticket came. */
export function answerTicket(change: Change, t: Ticket, answer: string, staff: StaffActor, now: number): void {
  change.emit(now, staffActor(staff), t.row.account_id, {
    type: 'ticket_answered',
    payload: { ticketId: t.row.id, by: staff.ref, answer, seq: nextSeq(t), via: t.row.source as TicketSource },
  });
}

/**
 * Emits support's closing of `t`: it needs nothing more. Nothing is due of it any longer, and a
 * later message from the person opens a new ticket (`followedTicket` finds only open and
 * answered ones).
 */
export function closeTicket(change: Change, t: Ticket, note: string | null, staff: StaffActor, now: number): void {
  change.emit(now, staffActor(staff), t.row.account_id, { type: 'ticket_closed', payload: { ticketId: t.row.id, by: staff.ref, note } });
}

export async function listTickets(
  e: Enforcement,
  state: 'open' | 'answered' | 'closed' | undefined,
  limit: number,
  after: number,
  now: number,
): Promise<{ tickets: TicketView[]; nextCursor?: string }> {
  let q = e.store.db.selectFrom('tickets').selectAll().where('id', '>', after);
  if (state) q = q.where('state', '=', state);
  const found = await rows(e.store, q.orderBy('id', 'asc').limit(limit + 1));
  const page = found.slice(0, limit);
  const byTicket = new Map<number, TicketEntriesTable[]>(page.map((r) => [r.id, []]));
  if (page.length > 0) {
    const entries = await rows(
      e.store,
      e.store.db
        .selectFrom('ticket_entries')
        .selectAll()
        .where('ticket_id', 'in', [...byTicket.keys()])
        .orderBy('ticket_id')
        .orderBy('seq'),
    );
    for (const en of entries) byTicket.get(en.ticket_id)?.push(en);
  }
  const out: { tickets: TicketView[]; nextCursor?: string } = { tickets: page.map((row) => ticketView({ row, entries: byTicket.get(row.id) ?? [] }, now)) };
  if (found.length > limit) out.nextCursor = String(page[page.length - 1]!.id);
  return out;
}

/**
 * The scheduler's part: a ticket still open 72 h after it was opened, or last reopened, becomes
 * overdue; `dueAt` names that open period.
 */
export function ticketOverdue(change: Change, id: number, account: number | null, dueAt: number, at: number): void {
  change.emit(at, { kind: 'system' }, account, { type: 'ticket_overdue', payload: { ticketId: id, dueAt } });
}
