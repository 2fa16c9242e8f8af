import { CONVERSATION_PREFIX, channelOf, type GatewayContext, SYSTEM } from './context.js';
import { parseId } from '../store/ids.js';
import { scopePath } from './amojo.js';
import { type Connection, CrmState, type Job, jobKey } from './state.js';
import { failureReport } from './texts.js';
import type { IncomingMessage } from './transport.js';

/**
 * Clients' messages into the CRM: the transport's subscription for a connected number, each
 * message recorded durably as a job, and its delivery to amojo by the worker (linking the
 * conversation a "write first" opened).
 */

/** Clients' messages to this connection's number become jobs for the CRM. */
export function subscribe(ctx: GatewayContext, c: Connection): void {
  ctx.transport.subscribe(c.businessAccountId, (m) => receiveIncoming(ctx, m));
}

async function receiveIncoming(ctx: GatewayContext, m: IncomingMessage): Promise<void> {
  const c = ctx.state.connectionOf(m.business);
  // Messages from before the connection are not the CRM's.
  if (!c || m.sentAt < c.connectedAt) return;
  if (m.sentAt === c.connectedAt && parseId('message', m.messageId) <= (ctx.state.connectedAfterMessage.get(c.scopeId) ?? 0)) return;
  const key = jobKey(c.scopeId, 'in', m.messageId);
  if (ctx.state.seen.has(key)) return;
  await ctx.p.serial.run([`crm:${key}`], async () => {
    if (ctx.state.seen.has(key)) return;
    const change = ctx.p.journal.change();
    change.emit(ctx.p.clock.now(), SYSTEM, null, {
      type: 'crm_inbound_received',
      payload: {
        scopeId: c.scopeId,
        direction: 'in',
        msgid: m.messageId,
        businessAccountId: m.business,
        job: { clientAccountId: m.client, text: m.text, sentAt: m.sentAt },
      },
    });
    await ctx.p.journal.commit(change);
  });
  ctx.kick();
}

export async function deliverIncoming(ctx: GatewayContext, j: Job): Promise<void> {
  const inJob = j.in!;
  const c = ctx.state.connections.get(j.scopeId);
  const channel = channelOf(ctx, j.scopeId);
  if (!c || c.status === 'disconnected') {
    const change = ctx.p.journal.change();
    const at = ctx.p.clock.now();
    const { errorCode, text } = failureReport({ reason: 'DISCONNECTED' }, channel?.language ?? 'en');
    change.emit(at, SYSTEM, null, {
      type: 'crm_job_failed',
      payload: { scopeId: j.scopeId, direction: 'in', msgid: j.msgid, reason: 'DISCONNECTED', errorCode, text, peerId: inJob.clientAccountId },
    });
    change.emit(at, SYSTEM, null, { type: 'crm_job_reported', payload: { scopeId: j.scopeId, direction: 'in', msgid: j.msgid } });
    await ctx.p.journal.commit(change);
    return;
  }
  if (!channel) return ctx.retries.backoff(j);
  const client = inJob.clientAccountId;
  const ref = ctx.transport.clientRef(client);
  const conv = ctx.state.conversations.get(CrmState.conversationKey(j.scopeId, client));
  const linking = conv !== undefined && !conv.linked;
  const payload = {
    event_type: 'new_message',
    payload: {
      timestamp: Math.floor(inJob.sentAt / 1000),
      msec_timestamp: inJob.sentAt,
      msgid: j.msgid,
      conversation_id: CONVERSATION_PREFIX + ref,
      ...(linking ? { conversation_ref_id: conv.refId } : {}),
      silent: false,
      sender: { id: ref, ...(linking && conv.receiverRefId ? { ref_id: conv.receiverRefId } : {}), name: await ctx.transport.clientName(client) },
      message: { type: 'text', text: inJob.text },
    },
  };
  const delivered = await ctx.retries.postForJob(channel, j, scopePath(j.scopeId), payload, {
    retrying: 'crm: a client message not delivered to amojo yet, retrying',
    refused: 'crm: amojo refused a client message',
  });
  if (!delivered) return;
  const change = ctx.p.journal.change();
  const at = ctx.p.clock.now();
  change.emit(at, SYSTEM, null, { type: 'crm_job_reported', payload: { scopeId: j.scopeId, direction: 'in', msgid: j.msgid } });
  if (linking) change.emit(at, SYSTEM, null, { type: 'crm_conversation_linked', payload: { scopeId: j.scopeId, clientAccountId: client } });
  await ctx.p.journal.commit(change);
}
