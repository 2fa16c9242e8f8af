import type { Platform } from '../platform/context.js';
import type { Actor } from '../store/event-log.js';
import type { CrmConfigSource, Protection } from './config.js';
import { connect, type ConnectionView, connectionView, disconnect } from './connections.js';
import type { GatewayContext } from './context.js';
import { subscribe } from './inbound.js';
import type { Colour } from './protection.js';
import { Retries } from './retry.js';
import { connectionStatus, figures, quality, summaries } from './standing.js';
import { publicId } from '../store/ids.js';
import { attachCrmState, type Connection, CrmState } from './state.js';
import type { Transport } from './transport.js';
import { receiveWebhook, type WebhookAnswer } from './webhook.js';
import { CrmWorker, type LeaseGuard } from './worker.js';

export type { ConnectionView } from './connections.js';
export type { WebhookAnswer } from './webhook.js';

/**
 * The amoCRM/Kommo gateway (docs/CRM.md): connections, the outgoing-message webhook, the
 * durable outbox, sender protection and the clients' messages into the CRM. Every change of its
 * state is a CRM event; its memory follows the commits (src/crm/state.ts).
 *
 * A job moves received → (held →) sent | failed → reported, each move durable before the next
 * step, so a restart replays what was not finished: a send repeated after a crash returns the
 * first answer (the transport's idempotency key), and a status is reported at least once.
 *
 * This class is the gateway's one entry. It builds the context its parts share and hands each
 * call to the part that owns it (docs/ARCHITECTURE.md lists them): connections.ts, webhook.ts,
 * outbound.ts and failures.ts, inbound.ts, worker.ts, retry.ts, standing.ts.
 */

export class CrmGateway {
  readonly state = new CrmState();
  private readonly ctx: GatewayContext;
  private readonly worker: CrmWorker;

  constructor(
    p: Platform,
    readonly config: CrmConfigSource,
    transport: Transport,
    options: { guard?: LeaseGuard; watchMs?: number } = {},
  ) {
    this.ctx = { p, config, transport, state: this.state, retries: new Retries(p, config), kick: () => this.worker.kick() };
    this.worker = new CrmWorker(this.ctx, options);
  }

  /** Whether sender protection paces the account's first contacts: connected, and protection on for it (the robots' `paced`). */
  paces(account: number): boolean {
    return this.state.businesses.has(account) && this.config.protectionFor(publicId('account', account)).enabled;
  }

  /**
   * Loads memory, subscribes connected numbers, and replays what a stop left unfinished (paused
   * connections whose number was freed meanwhile resume).
   */
  async start(): Promise<void> {
    const { p } = this.ctx;
    attachCrmState(p, this.state);
    await this.state.load(p.store, p.clock.now());
    for (const c of this.state.connections.values()) if (c.status !== 'disconnected') subscribe(this.ctx, c);
    // A connection made on another node: clients' messages that reach this node go to the CRM too.
    this.state.onConnected = (c) => subscribe(this.ctx, c);
    // A freeze or ban ended here (a lift, an overturned appeal): the worker resumes the paused
    // connection now, not at the next message. Ended on another node, the worker's watch sees it.
    p.journal.onCommitted((r) => {
      const e = r.event.type;
      if ((e === 'restriction_lifted' || e === 'restriction_expired') && r.accountId !== null && this.state.connectionOf(r.accountId)?.status === 'paused') {
        this.worker.kick();
      }
    });
    this.worker.start();
  }

  close(): void {
    this.worker.close();
  }

  // ---- connections -------------------------------------------------------------------------

  view(c: Connection): ConnectionView {
    return connectionView(c);
  }

  connect(channelId: string, amojoAccountId: string, business: number, actor: Actor): Promise<ConnectionView> {
    return connect(this.ctx, channelId, amojoAccountId, business, actor);
  }

  disconnect(scopeId: string, actor: Actor): Promise<{ connection: ConnectionView; amojo: 'disconnected' | 'failed' }> {
    return disconnect(this.ctx, scopeId, actor);
  }

  // ---- the outgoing webhook ---------------------------------------------------------------

  /** Verifies, stores durably and acknowledges; the work happens after. */
  webhook(scopeId: string, raw: Buffer, signature: string | undefined): Promise<WebhookAnswer> {
    return receiveWebhook(this.ctx, scopeId, raw, signature);
  }

  // ---- the worker --------------------------------------------------------------------------

  /** Runs the worker soon (it runs one job step at a time, in arrival order). */
  kick(): void {
    this.worker.kick();
  }

  /** Resolves once no job is ready to run and no paused connection waits to resume (tests). */
  idle(): Promise<void> {
    return this.worker.idle();
  }

  /** The clock time of the next held message due (Infinity: none). */
  nextDue(): number {
    return this.worker.nextDue();
  }

  /** Releases the held messages due at `now` (the manual clock's advance waits for this). */
  runDue(now: number): Promise<void> {
    return this.worker.runDue(now);
  }

  // ---- status and figures ------------------------------------------------------------------

  quality(business: number, s: Protection): Promise<{ colour: Colour; ratio: number; contacted: number; blocks: number; reports: number }> {
    return quality(this.ctx, business, s);
  }

  status(c: Connection): Promise<Record<string, unknown>> {
    return connectionStatus(this.ctx, c);
  }

  /** Every connection, in short (the console's list): standing, colour, held and waiting. */
  summaries(): Promise<Record<string, unknown>[]> {
    return summaries(this.ctx);
  }

  figures(): { outbox: number; outboxOldestSeconds: number; held: number; heldOldestSeconds: number } {
    return figures(this.ctx);
  }
}
