import { publicId } from '../store/ids.js';
import { statusPath } from './amojo.js';
import type { Protection } from './config.js';
import { channelOf, type GatewayContext, SYSTEM } from './context.js';
import { resumeIfFree } from './connections.js';
import { failJob, reasonOf } from './failures.js';
import { capsAt, DAY, HOUR, nextSlot, seededRandom } from './protection.js';
import { quality } from './standing.js';
import type { Connection, Job } from './state.js';
import type { Failure } from './texts.js';
import type { NumberStatus, Recipient } from './transport.js';

/**
 * A manager's message on its way out: checks of the connection and the recipient, sender
 * protection (a first contact is held until its slot), the send through the transport with its
 * retries, and the delivery status reported back to amojo.
 */

const MAX_INTERNAL_RETRIES = 5;

export async function sendOut(ctx: GatewayContext, j: Job): Promise<void> {
  const out = j.out!;
  const c = ctx.state.connections.get(j.scopeId);
  if (!c || c.status === 'disconnected') return failJob(ctx, j, { reason: 'DISCONNECTED' });
  // A business account its owner deleted sends nothing more (its tokens stopped working too).
  if (!ctx.transport.usable(j.businessAccountId)) return failJob(ctx, j, { reason: 'SENDER_DELETED' });
  if (c.status === 'paused') {
    // Paused for a frozen or banned number. The worker resumes it as soon as the number is
    // neither (a lift, an overturned appeal); should this message come first, it resumes it here.
    if (!(await resumeIfFree(ctx, c.scopeId))) return failJob(ctx, j, pausedFailure(ctx.transport.numberStatus(j.businessAccountId)));
  }
  const to: Recipient | null = out.clientId ? { clientId: out.clientId } : out.phone ? { phone: out.phone } : null;
  if (!to) return failJob(ctx, j, { reason: 'BAD_RECEIVER' });
  // Media (a caption alone would be reported as the picture delivered), then an empty text.
  if (out.type !== undefined || out.text.trim() === '') return failJob(ctx, j, { reason: out.type !== undefined ? 'UNSUPPORTED' : 'TEXT_EMPTY' });
  // The limit the API's schema puts on a text (counted in code points, as the schema does).
  const maxLength = ctx.p.config.messageMaxLength;
  if ([...out.text].length > maxLength) return failJob(ctx, j, { reason: 'TEXT_TOO_LONG', maxLength });
  const business = j.businessAccountId;
  const peer = ctx.transport.resolve(business, to);
  const protection = ctx.config.protectionFor(publicId('account', business));
  if (peer?.stranger) {
    const ns = ctx.transport.numberStatus(business);
    // A limited number fails first contacts at once, with its until: nothing is held through a
    // limit, and the gate is not asked.
    if (ns.state === 'limited') return failJob(ctx, j, { reason: 'PEER_FLOOD', until: ns.until ?? null }, peer.account);
    if (protection.enabled && ns.state === 'free') {
      const now = ctx.p.clock.now();
      // No slot within reach (caps set to zero): look again in a day.
      const found = await slotFor(ctx, j, c, protection, now);
      const slot = Number.isFinite(found) ? found : now + DAY;
      if (slot > now) {
        if (j.state === 'held' && j.heldUntil === slot) return;
        const change = ctx.p.journal.change();
        change.emit(now, SYSTEM, null, { type: 'crm_job_held', payload: { scopeId: j.scopeId, msgid: j.msgid, peerId: peer.account, until: slot } });
        await ctx.p.journal.commit(change);
        return;
      }
    }
  }
  const res = await ctx.transport.send(business, to, out.text, `crm:${j.scopeId}:${j.msgid}`);
  if (res.ok) {
    const change = ctx.p.journal.change();
    const at = ctx.p.clock.now();
    change.emit(at, SYSTEM, null, {
      type: 'crm_job_sent',
      payload: { scopeId: j.scopeId, msgid: j.msgid, peerId: res.peer, firstContact: peer?.stranger ?? false, banyaMessageId: res.messageId },
    });
    // A "write first": the client's first answer is linked to this CRM conversation.
    if (!out.clientId && out.conversationRef && res.peer !== 0) {
      change.emit(at, SYSTEM, null, {
        type: 'crm_conversation_opened',
        payload: { scopeId: j.scopeId, clientAccountId: res.peer, refId: out.conversationRef, receiverRefId: out.receiverRef ?? null },
      });
    }
    await ctx.p.journal.commit(change);
    return;
  }
  if (res.code === 'FLOOD_WAIT') {
    if (j.floodTries < ctx.config.get().floodRetries) {
      j.floodTries++;
      j.retryAt = Date.now() + (res.retryAfter ?? 1) * 1000;
      return;
    }
    return failJob(ctx, j, { reason: 'FLOOD_WAIT' }, peer?.account ?? null);
  }
  if (res.retryable) {
    if (j.attempts < MAX_INTERNAL_RETRIES) return ctx.retries.backoff(j);
    return failJob(ctx, j, { reason: 'INTERNAL' }, peer?.account ?? null);
  }
  return failJob(ctx, j, reasonOf(res.code, res.until, res.deleteAt), peer?.account ?? null);
}

/** When this first contact may go: its reserved slot while it still fits, else a new one. */
async function slotFor(ctx: GatewayContext, j: Job, c: Connection, s: Protection, now: number): Promise<number> {
  const colour = (await quality(ctx, j.businessAccountId, s)).colour;
  const caps = (t: number) => capsAt(s, c.connectedAt, t, colour);
  ctx.state.firstContactTimes(j.businessAccountId, now - DAY); // forgets those older than a day
  const own = ctx.state.firstContacts.get(j.businessAccountId);
  const mine = own?.get(j.key);
  const times = [...(own?.entries() ?? [])].filter(([k]) => k !== j.key).map(([, t]) => t);
  if (mine !== undefined && mine <= now) {
    // Released at its slot: it goes unless what was sent meanwhile fills the windows.
    const cap = caps(now);
    const hour = times.filter((t) => t > now - HOUR && t <= now).length;
    const day = times.filter((t) => t > now - DAY && t <= now).length;
    if (hour < cap.perHour && day < cap.perDay) return now;
  }
  return nextSlot(times, now, caps, seededRandom(`${j.businessAccountId}:${j.key}`));
}

/** Tells amojo how a sent or failed message ended (at least once: retried until amojo answers). */
export async function reportStatus(ctx: GatewayContext, j: Job): Promise<void> {
  const channel = channelOf(ctx, j.scopeId);
  if (!channel) return ctx.retries.backoff(j); // the channel may come back to the file
  const body: Record<string, unknown> = { msgid: j.msgid };
  if (j.state === 'sent') body[channel.statusField] = 1;
  else {
    body[channel.statusField] = -1;
    body.error_code = j.errorCode;
    body.error = j.text;
  }
  const answered = await ctx.retries.postForJob(channel, j, statusPath(j.scopeId, j.msgid), body, {
    retrying: 'crm: delivery status not reported yet, retrying',
    refused: 'crm: amojo refused the delivery status',
  });
  if (!answered) return;
  await ctx.p.journal.record(ctx.p.clock.now(), SYSTEM, null, {
    type: 'crm_job_reported',
    payload: { scopeId: j.scopeId, direction: 'out', msgid: j.msgid },
  });
}

/**
 * Why a paused connection's message fails: each one tells the manager what the first did — the
 * number frozen (with its deletion date) or banned, and what to do — not only that it is paused.
 */
function pausedFailure(ns: NumberStatus): Failure {
  if (ns.state === 'frozen') return { reason: 'FROZEN_METHOD_INVALID', deleteAt: ns.deleteAt ?? null };
  if (ns.state === 'banned') return { reason: 'USER_DEACTIVATED_BAN' };
  return { reason: 'PAUSED' };
}
