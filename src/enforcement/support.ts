import type { CompiledQuery } from 'kysely';
import { fail } from '../domain/errors.js';
import { publicId } from '../store/ids.js';
import type { TicketsTable } from '../store/schema/tickets.js';
import { staffActor, type StaffActor } from './staff.js';
import { record } from './events.js';
import type { Enforcement } from './state.js';

/**
 * Support tickets ("Ask a question" and e-mail), with the same due times as appeals: due 48 h
 * after opening, overdue at 72 h. Answers are delivered by the caller (support account, e-mail).
 */

export const TICKET_DUE_MS = 48 * 3600_000;
export const TICKET_OVERDUE_MS = 72 * 3600_000;

export interface TicketView {
  id: string;
  accountId?: string;
  source: 'app' | 'email';
  fromEmail?: string;
  subject?: string;
  text: string;
  state: 'open' | 'answered';
  createdAt: string;
  dueAt: string;
  overdue: boolean;
  answer?: string;
  answeredAt?: string;
}

export function ticketView(row: TicketsTable, now: number): TicketView {
  const v: TicketView = {
    id: publicId('ticket', row.id),
    source: row.source as TicketView['source'],
    text: row.text,
    state: row.state as TicketView['state'],
    createdAt: new Date(Number(row.created_at)).toISOString(),
    dueAt: new Date(Number(row.due_at)).toISOString(),
    overdue: row.state === 'open' && (row.overdue_at !== null || Number(row.created_at) + TICKET_OVERDUE_MS <= now),
  };
  if (row.account_id !== null) v.accountId = publicId('account', row.account_id);
  if (row.from_email) v.fromEmail = row.from_email;
  if (row.subject) v.subject = row.subject;
  if (row.answer) v.answer = row.answer;
  if (row.answered_at !== null) v.answeredAt = new Date(Number(row.answered_at)).toISOString();
  return v;
}

export interface NewTicket {
  accountId: number | null;
  source: 'app' | 'email';
  fromEmail: string | null;
  subject: string | null;
  text: string;
}

export async function openTicket(e: Enforcement, t: NewTicket): Promise<TicketsTable> {
  const now = e.clock.now();
  const id = e.ids.next('tickets');
  const row: TicketsTable = {
    id,
    account_id: t.accountId,
    source: t.source,
    from_email: t.fromEmail,
    subject: t.subject,
    text: t.text.slice(0, 20_000),
    state: 'open',
    created_at: now,
    due_at: now + TICKET_DUE_MS,
    overdue_at: null,
    answered_at: null,
    answered_by: null,
    answer: null,
  };
  e.enforcement.openTickets.add(id);
  e.enforcement.overdue.push(now + TICKET_OVERDUE_MS, { kind: 'ticket', id, account: t.accountId });
  const actor = t.accountId !== null ? { kind: 'account' as const, id: publicId('account', t.accountId) } : { kind: 'system' as const };
  await e.store.write([
    e.store.db.insertInto('tickets').values(row).compile(),
    record(e, now, actor, t.accountId, { type: 'ticket_opened', payload: { ticketId: id, source: t.source, fromEmail: t.fromEmail, subject: t.subject, text: row.text, dueAt: row.due_at } }),
  ]);
  return row;
}

export async function loadTicket(e: Enforcement, id: number): Promise<TicketsTable> {
  const row = id > 0 ? await e.store.first<TicketsTable>(e.store.db.selectFrom('tickets').selectAll().where('id', '=', id)) : undefined;
  if (!row) fail('NOT_FOUND');
  return row;
}

/** The account's open ticket, if any (a further message joins it). */
export async function openTicketOf(e: Enforcement, accountId: number): Promise<TicketsTable | undefined> {
  return e.store.first<TicketsTable>(e.store.db.selectFrom('tickets').selectAll().where('account_id', '=', accountId).where('state', '=', 'open').orderBy('id', 'desc').limit(1));
}

/** Adds a further message from the person to their open ticket. */
export async function addToTicket(e: Enforcement, row: TicketsTable, text: string): Promise<void> {
  const now = e.clock.now();
  const joined = `${row.text}\n\n${text}`.slice(0, 20_000);
  await e.store.write([
    e.store.db.updateTable('tickets').set({ text: joined }).where('id', '=', row.id).compile(),
    record(e, now, { kind: 'account', id: publicId('account', row.account_id ?? 0) }, row.account_id, { type: 'ticket_updated', payload: { ticketId: row.id, text: joined } }),
  ]);
}

export async function answerTicket(e: Enforcement, id: number, answer: string, staff: StaffActor): Promise<TicketsTable> {
  const row = await loadTicket(e, id);
  const now = e.clock.now();
  e.enforcement.openTickets.delete(id);
  await e.store.write([
    e.store.db.updateTable('tickets').set({ state: 'answered', answer, answered_at: now, answered_by: staff.ref }).where('id', '=', id).compile(),
    record(e, now, staffActor(staff), row.account_id, { type: 'ticket_answered', payload: { ticketId: id, by: staff.ref, answer } }),
  ]);
  return loadTicket(e, id);
}

export async function listTickets(e: Enforcement, state: 'open' | 'answered' | undefined, limit: number, after: number, now: number): Promise<{ tickets: TicketView[]; nextCursor?: string }> {
  let q = e.store.db.selectFrom('tickets').selectAll().where('id', '>', after);
  if (state) q = q.where('state', '=', state);
  const rows = await e.store.all<TicketsTable>(q.orderBy('id', 'asc').limit(limit + 1));
  const page = rows.slice(0, limit);
  const out: { tickets: TicketView[]; nextCursor?: string } = { tickets: page.map((r) => ticketView(r, now)) };
  if (rows.length > limit) out.nextCursor = String(page[page.length - 1]!.id);
  return out;
}

export function ticketOverdueStatements(e: Enforcement, id: number, account: number | null, at: number): CompiledQuery[] {
  return [
    e.store.db.updateTable('tickets').set({ overdue_at: at }).where('id', '=', id).where('state', '=', 'open').compile(),
    record(e, at, { kind: 'system' }, account, { type: 'ticket_overdue', payload: { ticketId: id } }),
  ];
}
