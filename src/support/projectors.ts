import { sql, type CompiledQuery } from 'kysely';
import { TICKET_OVERDUE_MS } from '../enforcement/tickets.js';
import type { SupportEvent } from '../events/index.js';
import type { ProjectorsFor } from '../events/projector.js';
import type { Platform } from '../platform/context.js';

/**
 * Support's projectors: tickets and their entries, verified addresses and pending codes.
 * Old logs hold the tickets' earlier payloads (no `seq`): they still replay, to exactly what the
 * data step of the ticket-entries migration made of the rows they had written.
 */
export const supportProjectors: ProjectorsFor<SupportEvent, Platform> = {
  ticket_opened: {
    sql({ at, accountId, event: { payload: x } }, db) {
      return [
        db
          .insertInto('tickets')
          .values({
            id: x.ticketId,
            account_id: accountId,
            source: x.source,
            from_email: x.fromEmail,
            subject: x.subject,
            state: 'open',
            created_at: at,
            due_at: x.dueAt,
            overdue_at: null,
            answered_at: null,
            reopened_at: null,
            closed_at: null,
          })
          .compile(),
        db.insertInto('ticket_entries').values({ ticket_id: x.ticketId, seq: 1, author: 'user', text: x.text, at, via: x.source, by_staff: null }).compile(),
      ];
    },
    memory({ at, accountId, event: { payload: x } }, m) {
      m.enforcement.openTickets.set(x.ticketId, x.dueAt);
      m.enforcement.overdue.push(at + TICKET_OVERDUE_MS, { kind: 'ticket', id: x.ticketId, account: accountId, dueAt: x.dueAt });
    },
  },
  ticket_updated: {
    sql({ at, event: { payload: x } }, db) {
      // Before threads a follow-up rewrote the first entry with the whole joined text.
      if (x.seq === undefined)
        return [db.updateTable('ticket_entries').set({ text: x.text }).where('ticket_id', '=', x.ticketId).where('seq', '=', 1).compile()];
      return [
        db
          .insertInto('ticket_entries')
          .values({ ticket_id: x.ticketId, seq: x.seq, author: 'user', text: x.text, at, via: x.via ?? 'app', by_staff: null })
          .compile(),
      ];
    },
  },
  ticket_answered: {
    sql({ at, event: { payload: x } }, db) {
      const out: CompiledQuery[] = [];
      if (x.seq === undefined) {
        // Before threads a ticket had one answer (entry 2), which a second answer replaced.
        out.push(
          db
            .insertInto('ticket_entries')
            .columns(['ticket_id', 'seq', 'author', 'text', 'at', 'via', 'by_staff'])
            .expression(
              db
                .selectFrom('tickets')
                .select((eb) => [
                  'id',
                  sql.lit(2).as('seq'),
                  sql.lit('support').as('author'),
                  eb.val(x.answer).as('text'),
                  eb.val(at).as('at'),
                  'source',
                  eb.val(x.by).as('by_staff'),
                ])
                .where('id', '=', x.ticketId),
            )
            .onConflict((oc) => oc.columns(['ticket_id', 'seq']).doUpdateSet({ text: x.answer, at, by_staff: x.by }))
            .compile(),
        );
      } else {
        out.push(
          db
            .insertInto('ticket_entries')
            .values({ ticket_id: x.ticketId, seq: x.seq, author: 'support', text: x.answer, at, via: x.via ?? 'app', by_staff: x.by })
            .compile(),
        );
      }
      out.push(db.updateTable('tickets').set({ state: 'answered', answered_at: at }).where('id', '=', x.ticketId).compile());
      return out;
    },
    memory({ event: { payload: x } }, m) {
      m.enforcement.openTickets.delete(x.ticketId);
    },
  },
  ticket_reopened: {
    sql({ at, event: { payload: x } }, db) {
      return [
        db.insertInto('ticket_entries').values({ ticket_id: x.ticketId, seq: x.seq, author: 'user', text: x.text, at, via: x.via, by_staff: null }).compile(),
        // A new open period: due from now, and not overdue (whatever the last period was).
        db.updateTable('tickets').set({ state: 'open', due_at: x.dueAt, overdue_at: null, reopened_at: at }).where('id', '=', x.ticketId).compile(),
      ];
    },
    memory({ at, accountId, event: { payload: x } }, m) {
      m.enforcement.openTickets.set(x.ticketId, x.dueAt);
      m.enforcement.overdue.push(at + TICKET_OVERDUE_MS, { kind: 'ticket', id: x.ticketId, account: accountId, dueAt: x.dueAt });
    },
  },
  ticket_overdue: {
    sql({ at, event: { payload: x } }, db) {
      // Logs from before reopening name no period: the ticket had only one.
      let q = db.updateTable('tickets').set({ overdue_at: at }).where('id', '=', x.ticketId).where('state', '=', 'open');
      if (x.dueAt !== undefined) q = q.where('due_at', '=', x.dueAt);
      return [q.compile()];
    },
    memory({ event: { payload: x } }, m) {
      const dueAt = x.dueAt ?? m.enforcement.openTickets.get(x.ticketId);
      m.enforcement.markedOverdue.add(`ticket:${x.ticketId}@${dueAt}`);
    },
  },
  ticket_closed: {
    sql({ at, event: { payload: x } }, db) {
      return [db.updateTable('tickets').set({ state: 'closed', closed_at: at }).where('id', '=', x.ticketId).compile()];
    },
    memory({ event: { payload: x } }, m) {
      // Nothing is due of a closed ticket: it is never marked overdue.
      m.enforcement.openTickets.delete(x.ticketId);
    },
  },
  email_verification_started: {
    sql({ at, accountId, event: { payload: x } }, db) {
      const row = { account_id: accountId ?? 0, address: x.address, salt: x.salt, code_hash: x.codeHash, sent_at: at, expires_at: x.expiresAt, attempts: 0 };
      return [
        db
          .insertInto('email_codes')
          .values(row)
          .onConflict((oc) =>
            oc
              .columns(['account_id', 'address'])
              .doUpdateSet({ salt: row.salt, code_hash: row.code_hash, sent_at: at, expires_at: row.expires_at, attempts: 0 }),
          )
          .compile(),
      ];
    },
  },
  email_code_rejected: {
    sql({ accountId, event: { payload: x } }, db) {
      return [
        db
          .updateTable('email_codes')
          .set({ attempts: x.attempts })
          .where('account_id', '=', accountId ?? 0)
          .where('address', '=', x.address)
          .compile(),
      ];
    },
  },
  email_verified: {
    sql({ at, accountId, event: { payload: x } }, db) {
      const account = accountId ?? 0;
      return [
        db.deleteFrom('email_codes').where('account_id', '=', account).where('address', '=', x.address).compile(),
        db
          .insertInto('account_emails')
          .values({ address: x.address, account_id: account, verified_at: at })
          .onConflict((oc) => oc.column('address').doUpdateSet({ account_id: account, verified_at: at }))
          .compile(),
      ];
    },
  },
};
