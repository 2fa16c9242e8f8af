import type { Platform } from '../platform/context.js';
import type { Actor } from '../store/event-log.js';
import type { Channel, CrmConfigSource } from './config.js';
import type { Retries } from './retry.js';
import type { CrmState } from './state.js';
import type { Transport } from './transport.js';

/**
 * What the gateway's parts share (src/crm/gateway.ts builds it once): the platform, the channels
 * file, the transport to the messenger, the gateway's memory, the retry pacing, and a way to run
 * the worker soon. Also the few constants and helpers every part speaks with.
 */

export interface GatewayContext {
  readonly p: Platform;
  readonly config: CrmConfigSource;
  readonly transport: Transport;
  readonly state: CrmState;
  readonly retries: Retries;
  /** Runs the worker soon (src/crm/worker.ts). */
  kick(): void;
}

// Jobs' events belong to no account's timeline (their payload names the business): a busy
// number's staff timeline keeps showing its restrictions, not thousands of deliveries.
export const SYSTEM: Actor = { kind: 'system' };

/** The conversation ids banya gives the CRM: one per client. */
export const CONVERSATION_PREFIX = 'banya-';

export const iso = (ms: number) => new Date(ms).toISOString();

/** The channel of a connection, while both exist. */
export function channelOf(ctx: GatewayContext, scopeId: string): Channel | undefined {
  const c = ctx.state.connections.get(scopeId);
  return c ? ctx.config.channel(c.channelId) : undefined;
}
