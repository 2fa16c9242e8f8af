import type { Change } from '../events/journal.js';
import { channelOf, type GatewayContext, SYSTEM } from './context.js';
import type { Job } from './state.js';
import { type Failure, type FailureReason, failureReport, pausesChannel } from './texts.js';

/**
 * How an outgoing message fails: the messenger's codes mapped to the CRM's failure reasons, the
 * `crm_job_failed` event with the code and text in the channel's language (pausing the channel
 * for a banned or frozen number), and the waiting messages failed together on a disconnect or
 * while their number is limited.
 */

export async function failJob(ctx: GatewayContext, j: Job, f: Failure, peer: number | null = null, extra?: (c: Change) => void): Promise<void> {
  const lang = channelOf(ctx, j.scopeId)?.language ?? 'en';
  const { errorCode, text } = failureReport(f, lang);
  const change = ctx.p.journal.change();
  const at = ctx.p.clock.now();
  change.emit(at, SYSTEM, null, {
    type: 'crm_job_failed',
    payload: { scopeId: j.scopeId, direction: j.direction, msgid: j.msgid, reason: f.reason, errorCode, text, peerId: peer },
  });
  const c = ctx.state.connections.get(j.scopeId);
  if (pausesChannel(f.reason) && c && c.status === 'active') {
    change.emit(at, SYSTEM, j.businessAccountId, {
      type: 'crm_paused',
      payload: { scopeId: j.scopeId, reason: f.reason === 'USER_DEACTIVATED_BAN' ? 'banned' : 'frozen' },
    });
  }
  extra?.(change);
  await ctx.p.journal.commit(change);
}

/** Fails every message still waiting (received or held) that `which` selects. */
export async function failWaiting(ctx: GatewayContext, which: (j: Job) => boolean, f: Failure): Promise<void> {
  for (const j of [...ctx.state.jobs.values()]) {
    if (j.direction !== 'out' || (j.state !== 'received' && j.state !== 'held') || !which(j)) continue;
    await ctx.p.serial.run([`crm:${j.key}`, `crm:b:${j.businessAccountId}`], async () => {
      const cur = ctx.state.jobs.get(j.key);
      if (cur && (cur.state === 'received' || cur.state === 'held')) await failJob(ctx, cur, f, cur.peerId);
    });
  }
}

/** Nothing is held through a limit: held first contacts of a limited number fail with 905. */
export async function failHeldWhileLimited(ctx: GatewayContext): Promise<void> {
  const limited = new Map<number, number | null>();
  for (const j of ctx.state.jobs.values()) {
    if (j.state !== 'held' || limited.has(j.businessAccountId)) continue;
    const ns = ctx.transport.numberStatus(j.businessAccountId);
    if (ns.state === 'limited') limited.set(j.businessAccountId, ns.until ?? null);
  }
  for (const [business, until] of limited) await failWaitingHeld(ctx, business, until);
}

async function failWaitingHeld(ctx: GatewayContext, business: number, until: number | null): Promise<void> {
  for (const j of [...ctx.state.jobs.values()]) {
    if (j.state !== 'held' || j.businessAccountId !== business) continue;
    await ctx.p.serial.run([`crm:${j.key}`, `crm:b:${business}`], async () => {
      const cur = ctx.state.jobs.get(j.key);
      if (cur?.state === 'held') await failJob(ctx, cur, { reason: 'PEER_FLOOD', until }, cur.peerId);
    });
  }
  ctx.kick();
}

/** The failure a refused send stands for: the messenger's code (and its limit's dates). */
export function reasonOf(code: string, until: number | null | undefined, deleteAt: number | null | undefined): Failure {
  switch (code) {
    case 'PHONE_NOT_OCCUPIED':
    case 'INPUT_USER_DEACTIVATED':
    case 'USER_IS_BLOCKED':
    case 'YOU_BLOCKED_USER':
    case 'USER_PRIVACY_RESTRICTED':
    case 'USER_DEACTIVATED_BAN':
      return { reason: code as FailureReason };
    case 'PEER_FLOOD':
      return { reason: 'PEER_FLOOD', until: until ?? null };
    case 'FROZEN_METHOD_INVALID':
      return { reason: 'FROZEN_METHOD_INVALID', deleteAt: deleteAt ?? null };
    case 'PEER_ID_INVALID':
    case 'PHONE_NUMBER_INVALID':
    case 'USERNAME_NOT_OCCUPIED':
    case 'BAD_REQUEST':
      return { reason: 'BAD_RECEIVER' };
    case 'MESSAGE_EMPTY':
      return { reason: 'TEXT_EMPTY' };
    default:
      return { reason: 'INTERNAL' };
  }
}
