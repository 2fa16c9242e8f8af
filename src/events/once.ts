import type { BanyaEvent } from './index.js';

/**
 * The once key an event takes when several nodes share the database: the thing that may happen
 * only once (a case decided, a restriction ended, an appeal decided or overdue, a strike's end).
 * Two nodes that both decided it from their memories write the same key; the database refuses
 * the second, whose node catches up and decides again (`Serializer.retry`). Null: nothing to guard
 * here (the event's own rows have their unique indexes, or it may repeat).
 */
export function onceKeyOf(e: BanyaEvent): string | null {
  switch (e.type) {
    case 'decision':
      return e.payload.action === 'escalate' ? null : `decided:${e.payload.caseId}`;
    case 'restriction_lifted':
    case 'restriction_expired':
      return `ended:${e.payload.restrictionId}`;
    case 'appeal_decided':
      return `appeal_decided:${e.payload.appealId}`;
    case 'appeal_overdue':
      return `appeal_overdue:${e.payload.appealId}`;
    case 'strike_expired':
      return `strike_expired:${e.payload.strikeId}`;
    case 'strike_removed':
      return `strike_removed:${e.payload.strikeId}`;
    case 'ticket_overdue':
      // Once per open period: a reopened ticket may become overdue again.
      return e.payload.dueAt === undefined ? `ticket_overdue:${e.payload.ticketId}` : `ticket_overdue:${e.payload.ticketId}@${e.payload.dueAt}`;
    // A CRM job is received, sent, failed and reported once, whichever node's webhook or worker
    // did it (the message id is the CRM's, the scope its connection's).
    case 'crm_job_received':
    case 'crm_inbound_received':
      return `crm_received:${e.payload.scopeId}|${e.payload.direction}|${e.payload.msgid}`;
    case 'crm_job_sent':
      return `crm_sent:${e.payload.scopeId}|out|${e.payload.msgid}`;
    case 'crm_job_failed':
      return `crm_failed:${e.payload.scopeId}|${e.payload.direction}|${e.payload.msgid}`;
    case 'crm_job_reported':
      return `crm_reported:${e.payload.scopeId}|${e.payload.direction}|${e.payload.msgid}`;
    default:
      return null;
  }
}
