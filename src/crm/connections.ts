import { fail } from '../domain/errors.js';
import { publicId } from '../store/ids.js';
import type { Actor } from '../store/event-log.js';
import { AmojoError, amojoCall, connectPath, disconnectPath } from './amojo.js';
import { type GatewayContext, iso, SYSTEM } from './context.js';
import { failWaiting } from './failures.js';
import { subscribe } from './inbound.js';
import type { Connection } from './state.js';

/**
 * Connections of CRM accounts to business numbers: connecting and disconnecting through amojo,
 * each recorded as a CRM event, a paused connection resumed once its number is neither frozen
 * nor banned, and a connection as the API shows it.
 */

export interface ConnectionView {
  scopeId: string;
  channelId: string;
  amojoAccountId: string;
  businessAccountId: string;
  status: string;
  reason: string | null;
  connectedAt: string;
}

export function connectionView(c: Connection): ConnectionView {
  return {
    scopeId: c.scopeId,
    channelId: c.channelId,
    amojoAccountId: c.amojoAccountId,
    businessAccountId: publicId('account', c.businessAccountId),
    status: c.status,
    reason: c.reason,
    connectedAt: iso(c.connectedAt),
  };
}

export async function connect(ctx: GatewayContext, channelId: string, amojoAccountId: string, business: number, actor: Actor): Promise<ConnectionView> {
  const channel = ctx.config.channel(channelId);
  if (!channel) fail('NOT_FOUND', { reason: `no channel ${channelId} in the CRM configuration` });
  if (!ctx.transport.usable(business)) fail('NOT_FOUND', { field: 'businessAccountId', reason: 'no such business account' });
  const other = ctx.state.connectionOf(business);
  if (other && other.amojoAccountId !== amojoAccountId) {
    // A conflict with what exists, not a malformed request: 409, as PHONE_TAKEN is.
    fail('CRM_ALREADY_CONNECTED', {
      field: 'businessAccountId',
      scopeId: other.scopeId,
      reason: 'this business account is already connected; disconnect it first',
    });
  }
  let scopeId = `${channel.id}_${amojoAccountId}`;
  try {
    const res = await amojoCall(
      channel,
      'POST',
      connectPath(channel.id),
      { account_id: amojoAccountId, title: channel.title, hook_api_version: 'v2', is_time_window_disabled: true },
      ctx.config.get().timeoutMs,
    );
    const s = (res.body as { scope_id?: unknown } | undefined)?.scope_id;
    if (typeof s === 'string' && s.length > 0) scopeId = s;
  } catch (err) {
    if (err instanceof AmojoError) {
      if (err.retryable) fail('SERVICE_UNAVAILABLE', { reason: `amojo did not connect the account: ${err.message}` });
      fail('BAD_REQUEST', { field: 'amojoAccountId', reason: `amojo refused to connect the account (${err.status})` });
    }
    throw err;
  }
  const at = ctx.p.clock.now();
  await ctx.p.serial.run([`crm:scope:${scopeId}`, `crm:b:${business}`], async () => {
    if (!ctx.state.connections.has(scopeId)) ctx.state.connectedAfterMessage.set(scopeId, ctx.p.ids.peek('messages'));
    const change = ctx.p.journal.change();
    change.emit(at, actor, business, { type: 'crm_connected', payload: { scopeId, channelId: channel.id, amojoAccountId, businessAccountId: business } });
    await ctx.p.journal.commit(change);
  });
  const c = ctx.state.connections.get(scopeId)!;
  subscribe(ctx, c);
  ctx.kick();
  return connectionView(c);
}

export async function disconnect(
  ctx: GatewayContext,
  scopeId: string,
  actor: Actor,
): Promise<{ connection: ConnectionView; amojo: 'disconnected' | 'failed' }> {
  const c = ctx.state.connections.get(scopeId);
  if (!c) fail('NOT_FOUND');
  let amojo: 'disconnected' | 'failed' = 'disconnected';
  const channel = ctx.config.channel(c.channelId);
  try {
    if (!channel) throw new AmojoError('the channel is no longer configured', false, null);
    await amojoCall(channel, 'DELETE', disconnectPath(channel.id), { account_id: c.amojoAccountId }, ctx.config.get().timeoutMs);
  } catch (err) {
    amojo = 'failed';
    ctx.p.log.warn({ err, scopeId }, 'crm: amojo did not confirm the disconnect');
  }
  await ctx.p.serial.run([`crm:scope:${scopeId}`, `crm:b:${c.businessAccountId}`], async () => {
    const change = ctx.p.journal.change();
    const at = ctx.p.clock.now();
    change.emit(at, actor, c.businessAccountId, { type: 'crm_disconnected', payload: { scopeId } });
    await ctx.p.journal.commit(change);
  });
  ctx.transport.unsubscribe(c.businessAccountId);
  // Nothing queued is lost silently: every waiting message fails with 902 and its reason.
  await failWaiting(ctx, (j) => j.scopeId === scopeId, { reason: 'DISCONNECTED' });
  ctx.kick();
  return { connection: connectionView(ctx.state.connections.get(scopeId)!), amojo };
}

/**
 * Whether a paused connection may go again: its number is neither frozen nor banned any more (a
 * lift, an overturned appeal) and its business account can still send.
 */
export function mayResume(ctx: GatewayContext, c: Connection): boolean {
  if (c.status !== 'paused' || !ctx.transport.usable(c.businessAccountId)) return false;
  const st = ctx.transport.numberStatus(c.businessAccountId).state;
  return st !== 'frozen' && st !== 'banned';
}

/** Whether some paused connection may go again (the worker has work). */
export function anyResumable(ctx: GatewayContext): boolean {
  for (const c of ctx.state.connections.values()) if (mayResume(ctx, c)) return true;
  return false;
}

/**
 * Records `crm_resumed` for a paused connection that may go again. The caller holds the
 * business's key (`crm:b:…`): the check and the write see the same memory, so a connection is
 * resumed once whichever path (the worker's pass, the next message) gets there first.
 */
export async function resumeIfFree(ctx: GatewayContext, scopeId: string): Promise<boolean> {
  const c = ctx.state.connections.get(scopeId);
  if (!c || !mayResume(ctx, c)) return false;
  await ctx.p.journal.record(ctx.p.clock.now(), SYSTEM, c.businessAccountId, { type: 'crm_resumed', payload: { scopeId } });
  return true;
}

/**
 * Resumes every paused connection whose number is neither frozen nor banned any more: run by the
 * worker (under the CRM lease with several nodes) when a restriction ends and at start, so that
 * a lift made while the gateway was down or busy resumes too.
 */
export async function resumeFreed(ctx: GatewayContext): Promise<void> {
  for (const c of [...ctx.state.connections.values()]) {
    if (!mayResume(ctx, c)) continue;
    await ctx.p.serial.run([`crm:scope:${c.scopeId}`, `crm:b:${c.businessAccountId}`], () => resumeIfFree(ctx, c.scopeId));
  }
}
