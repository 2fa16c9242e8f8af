/**
 * Support's events: tickets and their entries, and the e-mail addresses accounts verify.
 *
 * A ticket is a thread: `ticket_opened` holds its first entry, each follow-up (`ticket_updated`)
 * and each answer (`ticket_answered`) appends one, numbered by `seq`. Logs written before tickets
 * were threads hold the older shapes, which the projectors still read: a `ticket_updated` without
 * `seq` carries the whole joined text of the first entry, a `ticket_answered` without `seq`
 * replaces the single answer (entry 2).
 *
 * A follow-up soon after an answer (`ticket_reopened`) appends its entry and opens the ticket
 * again for a new period: due and overdue count from the reopening, and `ticket_overdue` names
 * the period it marks by its `dueAt` (older logs: absent, the ticket's only period).
 *
 * E-mail codes never enter the log: only a salted hash of each code.
 */
export type TicketSource = 'app' | 'email';

export type SupportEvent =
  | { type: 'ticket_opened'; payload: { ticketId: number; source: string; fromEmail: string | null; subject: string | null; text: string; dueAt: number } }
  | { type: 'ticket_updated'; payload: { ticketId: number; text: string; seq?: number; via?: TicketSource } }
  | { type: 'ticket_answered'; payload: { ticketId: number; by: string; answer: string; seq?: number; via?: TicketSource } }
  /** A follow-up to an answered ticket: appended as entry `seq`, the ticket open again, due at `dueAt`. */
  | { type: 'ticket_reopened'; payload: { ticketId: number; text: string; seq: number; via: TicketSource; dueAt: number; answeredAt: number } }
  | { type: 'ticket_overdue'; payload: { ticketId: number; dueAt?: number } }
  /** Support closed the ticket (`by`: the staff member's reference); a later message from the person is a new ticket. */
  | { type: 'ticket_closed'; payload: { ticketId: number; by: string; note: string | null } }
  /** A code was mailed to `address` for the event's account; `codeHash` = HMAC-SHA256(secret, salt:account:address:code), the secret kept out of the log. */
  | { type: 'email_verification_started'; payload: { address: string; salt: string; codeHash: string; expiresAt: number } }
  /** A wrong code was given; `attempts` is the count so far for the pending code. */
  | { type: 'email_code_rejected'; payload: { address: string; attempts: number } }
  /** The account proved it controls `address`; any other account's claim to it ends. */
  | { type: 'email_verified'; payload: { address: string } };
