import { z } from 'zod';
import { fail } from '../domain/errors.js';
import type { OutJob } from '../events/crm.js';
import type { Change } from '../events/journal.js';
import type { Platform } from '../platform/context.js';
import { publicId } from '../store/ids.js';
import type { Actor } from '../store/event-log.js';
import { AmojoError, amojoCall, connectPath, disconnectPath, scopePath, statusPath } from './amojo.js';
import type { Channel, CrmConfigSource, Protection } from './config.js';
import { capsAt, DAY, HOUR, nextSlot, qualityColour, seededRandom, type Colour } from './protection.js';
import { verifySignature } from './sign.js';
import { attachCrmState, CrmState, jobKey, type Connection, type Job } from './state.js';
import { crmDb } from './tables.js';
import { failureReport, pausesChannel, standingText, type Failure, type FailureReason } from './texts.js';
import type { IncomingMessage, Recipient, Transport } from './transport.js';
import { row, rows } from '../store/read.js';

/**
 * The amoCRM/Kommo gateway (docs/CRM.md): connections, the outgoing-message webhook, the
 * durable outbox, sender protection and the clients' messages into the CRM. Every change of its
 * state is a CRM event; its memory follows the commits (src/crm/state.ts).
 *
 * A job moves received → (held →) sent | failed → reported, each move durable before the next
 * step, so a restart replays what was not finished: a send repeated after a crash returns the
 * first answer (the transport's idempotency key), and a status is reported at least once.
 */

const SYSTEM: Actor = { kind: 'system' };
// Jobs' events belong to no account's timeline (their payload names the business): a busy
// number's staff timeline keeps showing its restrictions, not thousands of deliveries.
const MAX_INTERNAL_RETRIES = 5;
/** The conversation ids banya gives the CRM: one per client. */
const CONVERSATION_PREFIX = 'banya-';

const webhookSchema = z.object({
  account_id: z.union([z.string(), z.number()]).optional(),
  message: z.object({
    receiver: z
      .object({ id: z.union([z.string(), z.number()]).optional(), phone: z.string().optional(), client_id: z.union([z.string(), z.number()]).optional() })
      .partial()
      .default({}),
    conversation: z
      .object({ id: z.union([z.string(), z.number()]).optional(), client_id: z.union([z.string(), z.number()]).optional() })
      .partial()
      .default({}),
    message: z.object({ id: z.union([z.string(), z.number()]), type: z.string().optional(), text: z.string().optional() }),
  }),
});

export type WebhookAnswer = 'accepted' | 'repeated' | 'forged' | 'unknown' | 'invalid';

export interface ConnectionView {
  scopeId: string;
  channelId: string;
  amojoAccountId: string;
  businessAccountId: string;
  status: string;
  reason: string | null;
  connectedAt: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class CrmGateway {
  readonly state = new CrmState();
  private pumping = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private interval: NodeJS.Timeout | null = null;
  private closed = false;
  private watch: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  /**
   * amojo unreachable for a channel: no call to it until `until` (real time), so that an outage
   * costs one timed-out call per backoff period, not one per waiting job.
   */
  private readonly amojoDown = new Map<string, { until: number; attempts: number }>();
  /**
   * With several nodes: runs the worker's work under the CRM lease, on one node at a time
   * (undefined: another node holds it). `waitMs` 0 skips at once.
   */
  guard: (<T>(job: () => Promise<T>, waitMs: number) => Promise<T | undefined>) | null = null;
  /** With several nodes, how often every node looks for work the lease's holder left (ms). */
  private readonly watchMs: number;

  constructor(
    private readonly p: Platform,
    readonly config: CrmConfigSource,
    private readonly transport: Transport,
    options: { guard?: CrmGateway['guard']; watchMs?: number } = {},
  ) {
    this.guard = options.guard ?? null;
    this.watchMs = options.watchMs ?? 250;
  }

  private get file() {
    return this.config.get();
  }

  /** Loads memory, subscribes connected numbers, and replays what a stop left unfinished. */
  async start(): Promise<void> {
    attachCrmState(this.p, this.state);
    await this.state.load(this.p.store, this.p.clock.now());
    for (const c of this.state.connections.values()) if (c.status !== 'disconnected') this.subscribe(c);
    // A connection made on another node: clients' messages that reach this node go to the CRM too.
    this.state.onConnected = (c) => this.subscribe(c);
    if (this.guard) {
      // Jobs received on other nodes reach this memory through the feed: whichever node gets the
      // lease next works them.
      this.watch = setInterval(() => {
        if (!this.pumping && this.ready()) this.kick();
      }, this.watchMs);
      this.watch.unref();
    }
    if (!this.p.clock.manual) {
      this.interval = setInterval(() => {
        const now = this.p.clock.now();
        // Held messages are due, or may have to fail because the number became limited.
        if (this.nextDue() < Infinity) this.runDue(now).catch((err: unknown) => this.p.log.error({ err }, 'crm: due work failed'));
      }, 1000);
      this.interval.unref();
    }
    this.kick();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.interval) clearInterval(this.interval);
    if (this.watch) clearInterval(this.watch);
  }

  // ---- connections -------------------------------------------------------------------------

  view(c: Connection): ConnectionView {
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

  async connect(channelId: string, amojoAccountId: string, business: number, actor: Actor): Promise<ConnectionView> {
    const channel = this.config.channel(channelId);
    if (!channel) fail('NOT_FOUND', { reason: `no channel ${channelId} in the CRM configuration` });
    if (!this.transport.usable(business)) fail('NOT_FOUND', { field: 'businessAccountId', reason: 'no such business account' });
    const other = this.state.connectionOf(business);
    if (other && other.amojoAccountId !== amojoAccountId) {
      fail('BAD_REQUEST', { field: 'businessAccountId', reason: `this business account is already connected (scope ${other.scopeId}); disconnect it first` });
    }
    let scopeId = `${channel.id}_${amojoAccountId}`;
    try {
      const res = await amojoCall(
        channel,
        'POST',
        connectPath(channel.id),
        { account_id: amojoAccountId, title: channel.title, hook_api_version: 'v2', is_time_window_disabled: true },
        this.file.timeoutMs,
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
    const at = this.p.clock.now();
    await this.p.serial.run([`crm:scope:${scopeId}`, `crm:b:${business}`], async () => {
      const change = this.p.journal.change();
      change.emit(at, actor, business, { type: 'crm_connected', payload: { scopeId, channelId: channel.id, amojoAccountId, businessAccountId: business } });
      await this.p.journal.commit(change);
    });
    const c = this.state.connections.get(scopeId)!;
    this.subscribe(c);
    this.kick();
    return this.view(c);
  }

  async disconnect(scopeId: string, actor: Actor): Promise<{ connection: ConnectionView; amojo: 'disconnected' | 'failed' }> {
    const c = this.state.connections.get(scopeId);
    if (!c) fail('NOT_FOUND');
    let amojo: 'disconnected' | 'failed' = 'disconnected';
    const channel = this.config.channel(c.channelId);
    try {
      if (!channel) throw new AmojoError('the channel is no longer configured', false, null);
      await amojoCall(channel, 'DELETE', disconnectPath(channel.id), { account_id: c.amojoAccountId }, this.file.timeoutMs);
    } catch (err) {
      amojo = 'failed';
      this.p.log.warn({ err, scopeId }, 'crm: amojo did not confirm the disconnect');
    }
    await this.p.serial.run([`crm:scope:${scopeId}`, `crm:b:${c.businessAccountId}`], async () => {
      const change = this.p.journal.change();
      const at = this.p.clock.now();
      change.emit(at, actor, c.businessAccountId, { type: 'crm_disconnected', payload: { scopeId } });
      await this.p.journal.commit(change);
    });
    this.transport.unsubscribe(c.businessAccountId);
    // Nothing queued is lost silently: every waiting message fails with 902 and its reason.
    await this.failWaiting((j) => j.scopeId === scopeId, { reason: 'DISCONNECTED' });
    this.kick();
    return { connection: this.view(this.state.connections.get(scopeId)!), amojo };
  }

  private subscribe(c: Connection): void {
    this.transport.subscribe(c.businessAccountId, (m) => this.incoming(m));
  }

  // ---- the outgoing webhook ---------------------------------------------------------------

  /** Verifies, stores durably and acknowledges; the work happens after. */
  async webhook(scopeId: string, raw: Buffer, signature: string | undefined): Promise<WebhookAnswer> {
    const c = this.state.connections.get(scopeId);
    if (!c) return 'unknown';
    const channel = this.config.channel(c.channelId);
    if (!channel) return 'unknown';
    const secrets = [channel.secret, ...(channel.previousSecret ? [channel.previousSecret] : [])];
    if (!secrets.some((s) => verifySignature(s, raw, signature))) return 'forged';
    let body: z.infer<typeof webhookSchema>;
    try {
      const parsed = webhookSchema.safeParse(JSON.parse(raw.toString('utf8')));
      if (!parsed.success) return 'invalid';
      body = parsed.data;
    } catch {
      return 'invalid';
    }
    const m = body.message;
    const msgid = String(m.message.id);
    const key = jobKey(scopeId, 'out', msgid);
    const job: OutJob = { text: m.message.text ?? '' };
    // Our conversation id is `banya-{client id}` (see deliverIncoming): it names the client too.
    const conv = m.conversation.client_id !== undefined ? String(m.conversation.client_id) : '';
    if (m.receiver.client_id !== undefined && String(m.receiver.client_id) !== '') job.clientId = String(m.receiver.client_id);
    else if (m.receiver.phone) job.phone = m.receiver.phone;
    else if (conv.startsWith(CONVERSATION_PREFIX)) job.clientId = conv.slice(CONVERSATION_PREFIX.length);
    if (m.conversation.id !== undefined) job.conversationRef = String(m.conversation.id);
    if (m.receiver.id !== undefined) job.receiverRef = String(m.receiver.id);
    const answer = await this.p.serial.run([`crm:${key}`], async (): Promise<WebhookAnswer> => {
      if (this.state.seen.has(key)) return 'repeated';
      const change = this.p.journal.change();
      change.emit(this.p.clock.now(), SYSTEM, null, {
        type: 'crm_job_received',
        payload: { scopeId, direction: 'out', msgid, businessAccountId: c.businessAccountId, job },
      });
      await this.p.journal.commit(change);
      return 'accepted';
    });
    if (answer === 'accepted') this.kick();
    return answer;
  }

  // ---- clients' messages into the CRM -----------------------------------------------------

  private async incoming(m: IncomingMessage): Promise<void> {
    const c = this.state.connectionOf(m.business);
    // Messages from before the connection are not the CRM's.
    if (!c || m.sentAt < c.connectedAt) return;
    const key = jobKey(c.scopeId, 'in', m.messageId);
    if (this.state.seen.has(key)) return;
    await this.p.serial.run([`crm:${key}`], async () => {
      if (this.state.seen.has(key)) return;
      const change = this.p.journal.change();
      change.emit(this.p.clock.now(), SYSTEM, null, {
        type: 'crm_inbound_received',
        payload: {
          scopeId: c.scopeId,
          direction: 'in',
          msgid: m.messageId,
          businessAccountId: m.business,
          job: { clientAccountId: m.client, text: m.text, sentAt: m.sentAt },
        },
      });
      await this.p.journal.commit(change);
    });
    this.kick();
  }

  // ---- the worker --------------------------------------------------------------------------

  /** Runs the worker soon (it runs one job step at a time, in arrival order). */
  kick(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    const work = this.guard ? this.guard(() => this.pump().then(() => true), 0) : this.pump().then(() => true);
    void work
      .then((done) => {
        // Another node holds the lease: it works the jobs (the watch looks again soon).
        if (done === undefined) this.again = false;
      })
      .catch((err: unknown) => this.p.log.error({ err }, 'crm: the worker failed'))
      .finally(() => {
        this.pumping = false;
        if (this.again && !this.closed) this.kick();
        else this.settle();
      });
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      const jobs = [...this.state.jobs.values()].filter((j) => j.state !== 'held').sort((a, b) => a.receivedAt - b.receivedAt);
      for (const j of jobs) {
        if (this.closed) return;
        if (j.retryAt > Date.now() || !this.state.jobs.has(j.key)) continue;
        await this.step(j, false);
      }
      await this.failHeldWhileLimited();
    } while (this.again && !this.closed);
  }

  /** Whether a job is ready to run now. */
  private ready(): boolean {
    const now = Date.now();
    for (const j of this.state.jobs.values()) if (j.state !== 'held' && j.retryAt <= now) return true;
    return false;
  }

  /** When nothing is ready: wake at the next retry; tell waiters the worker is idle. */
  private settle(): void {
    let next = Infinity;
    for (const j of this.state.jobs.values()) if (j.state !== 'held' && j.retryAt > 0) next = Math.min(next, j.retryAt);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (next < Infinity && !this.closed) {
      this.timer = setTimeout(() => this.kick(), Math.max(10, next - Date.now()));
      this.timer.unref();
    }
    const ready = [...this.state.jobs.values()].some((j) => j.state !== 'held' && j.retryAt <= Date.now());
    if (!ready) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves once no job is ready to run (tests; the held ones and those waiting a retry aside). */
  idle(): Promise<void> {
    if (!this.pumping && ![...this.state.jobs.values()].some((j) => j.state !== 'held' && j.retryAt <= Date.now())) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.kick();
    });
  }

  /** The clock time of the next held message due (Infinity: none). */
  nextDue(): number {
    let next = Infinity;
    for (const j of this.state.jobs.values()) if (j.state === 'held' && j.heldUntil !== null) next = Math.min(next, j.heldUntil);
    return next;
  }

  /** Releases the held messages due at `now` (the manual clock's advance waits for this). */
  async runDue(now: number): Promise<void> {
    if (this.guard) {
      await this.guard(() => this.runDueHere(now), 3000);
      return;
    }
    await this.runDueHere(now);
  }

  private async runDueHere(now: number): Promise<void> {
    await this.failHeldWhileLimited();
    const due = [...this.state.jobs.values()]
      .filter((j) => j.state === 'held' && j.heldUntil !== null && j.heldUntil <= now)
      .sort((a, b) => a.heldUntil! - b.heldUntil!);
    // Sent into the messenger now, each at its time; their statuses are reported by the worker.
    for (const j of due) await this.step(j, true, false);
    if (due.length > 0) this.kick();
  }

  /** Whether calls to this channel's amojo wait (then the job waits with it). */
  private waitingForAmojo(channel: Channel, j: Job): boolean {
    const down = this.amojoDown.get(channel.id);
    if (!down || down.until <= Date.now()) return false;
    j.retryAt = down.until;
    return true;
  }

  private amojoFailed(channel: Channel, j: Job): void {
    const f = this.file;
    const prev = this.amojoDown.get(channel.id);
    const attempts = (prev?.attempts ?? 0) + 1;
    const until = Date.now() + Math.min(f.retryMaxMs, f.retryBaseMs * 2 ** Math.min(attempts - 1, 20));
    this.amojoDown.set(channel.id, { until, attempts });
    j.retryAt = until;
    j.attempts++;
  }

  private backoff(j: Job): void {
    const f = this.file;
    j.retryAt = Date.now() + Math.min(f.retryMaxMs, f.retryBaseMs * 2 ** Math.min(j.attempts, 20));
    j.attempts++;
  }

  private async step(j: Job, release: boolean, report = true): Promise<void> {
    await this.p.serial.run([`crm:${j.key}`, `crm:b:${j.businessAccountId}`], async () => {
      const cur = this.state.jobs.get(j.key);
      if (!cur) return;
      if (cur.direction === 'in') return this.deliverIncoming(cur);
      if (cur.state === 'received' || (cur.state === 'held' && release)) await this.sendOut(cur);
      const after = this.state.jobs.get(j.key);
      if (report && after && (after.state === 'sent' || after.state === 'failed') && after.retryAt <= Date.now()) await this.reportStatus(after);
    });
  }

  private async sendOut(j: Job): Promise<void> {
    const out = j.out!;
    const c = this.state.connections.get(j.scopeId);
    if (!c || c.status === 'disconnected') return this.failJob(j, { reason: 'DISCONNECTED' });
    if (c.status === 'paused') return this.failJob(j, { reason: 'PAUSED' });
    const to: Recipient | null = out.clientId ? { clientId: out.clientId } : out.phone ? { phone: out.phone } : null;
    if (!to) return this.failJob(j, { reason: 'BAD_RECEIVER' });
    if (out.text.trim() === '') return this.failJob(j, { reason: 'UNSUPPORTED' });
    const business = j.businessAccountId;
    const peer = this.transport.resolve(business, to);
    const protection = this.config.protectionFor(publicId('account', business));
    if (peer?.stranger) {
      const ns = this.transport.numberStatus(business);
      // A limited number fails first contacts at once, with its until: nothing is held through a
      // limit, and the gate is not asked.
      if (ns.state === 'limited') return this.failJob(j, { reason: 'PEER_FLOOD', until: ns.until ?? null }, peer.account);
      if (protection.enabled && ns.state === 'free') {
        const now = this.p.clock.now();
        // No slot within reach (caps set to zero): look again in a day.
        const found = await this.slotFor(j, c, protection, now);
        const slot = Number.isFinite(found) ? found : now + DAY;
        if (slot > now) {
          if (j.state === 'held' && j.heldUntil === slot) return;
          const change = this.p.journal.change();
          change.emit(now, SYSTEM, null, { type: 'crm_job_held', payload: { scopeId: j.scopeId, msgid: j.msgid, peerId: peer.account, until: slot } });
          await this.p.journal.commit(change);
          return;
        }
      }
    }
    const res = await this.transport.send(business, to, out.text, `crm:${j.scopeId}:${j.msgid}`);
    if (res.ok) {
      const change = this.p.journal.change();
      const at = this.p.clock.now();
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
      await this.p.journal.commit(change);
      return;
    }
    if (res.code === 'FLOOD_WAIT') {
      if (j.floodTries < this.file.floodRetries) {
        j.floodTries++;
        j.retryAt = Date.now() + (res.retryAfter ?? 1) * 1000;
        return;
      }
      return this.failJob(j, { reason: 'FLOOD_WAIT' }, peer?.account ?? null);
    }
    if (res.retryable) {
      if (j.attempts < MAX_INTERNAL_RETRIES) return this.backoff(j);
      return this.failJob(j, { reason: 'INTERNAL' }, peer?.account ?? null);
    }
    return this.failJob(j, reasonOf(res.code, res.until, res.deleteAt), peer?.account ?? null);
  }

  /** When this first contact may go: its reserved slot while it still fits, else a new one. */
  private async slotFor(j: Job, c: Connection, s: Protection, now: number): Promise<number> {
    const colour = (await this.quality(j.businessAccountId, s)).colour;
    const caps = (t: number) => capsAt(s, c.connectedAt, t, colour);
    this.state.firstContactTimes(j.businessAccountId, now - DAY); // forgets those older than a day
    const own = this.state.firstContacts.get(j.businessAccountId);
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

  async quality(business: number, s: Protection): Promise<{ colour: Colour; ratio: number; contacted: number; blocks: number; reports: number }> {
    const db = crmDb(this.p.store);
    const counted = await row(
      this.p.store,
      db
        .selectFrom('crm_jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('business_account_id', '=', business)
        .where('first_contact', '=', 1)
        .where('sent_at', 'is not', null),
    );
    const contacted = counted?.n ?? 0;
    const { blocks, reports } = await this.transport.signals(business);
    return { ...qualityColour(s, contacted, blocks, reports), contacted, blocks, reports };
  }

  private async failJob(j: Job, f: Failure, peer: number | null = null, extra?: (c: Change) => void): Promise<void> {
    const lang = this.channelOf(j.scopeId)?.language ?? 'en';
    const { errorCode, text } = failureReport(f, lang);
    const change = this.p.journal.change();
    const at = this.p.clock.now();
    change.emit(at, SYSTEM, null, {
      type: 'crm_job_failed',
      payload: { scopeId: j.scopeId, direction: j.direction, msgid: j.msgid, reason: f.reason, errorCode, text, peerId: peer },
    });
    const c = this.state.connections.get(j.scopeId);
    if (pausesChannel(f.reason) && c && c.status === 'active') {
      change.emit(at, SYSTEM, j.businessAccountId, {
        type: 'crm_paused',
        payload: { scopeId: j.scopeId, reason: f.reason === 'USER_DEACTIVATED_BAN' ? 'banned' : 'frozen' },
      });
    }
    extra?.(change);
    await this.p.journal.commit(change);
  }

  /** Fails every message still waiting (received or held) that `which` selects. */
  private async failWaiting(which: (j: Job) => boolean, f: Failure): Promise<void> {
    for (const j of [...this.state.jobs.values()]) {
      if (j.direction !== 'out' || (j.state !== 'received' && j.state !== 'held') || !which(j)) continue;
      await this.p.serial.run([`crm:${j.key}`, `crm:b:${j.businessAccountId}`], async () => {
        const cur = this.state.jobs.get(j.key);
        if (cur && (cur.state === 'received' || cur.state === 'held')) await this.failJob(cur, f, cur.peerId);
      });
    }
  }

  /** Nothing is held through a limit: held first contacts of a limited number fail with 905. */
  private async failHeldWhileLimited(): Promise<void> {
    const limited = new Map<number, number | null>();
    for (const j of this.state.jobs.values()) {
      if (j.state !== 'held' || limited.has(j.businessAccountId)) continue;
      const ns = this.transport.numberStatus(j.businessAccountId);
      if (ns.state === 'limited') limited.set(j.businessAccountId, ns.until ?? null);
    }
    for (const [business, until] of limited) await this.failWaitingHeld(business, until);
  }

  private async failWaitingHeld(business: number, until: number | null): Promise<void> {
    for (const j of [...this.state.jobs.values()]) {
      if (j.state !== 'held' || j.businessAccountId !== business) continue;
      await this.p.serial.run([`crm:${j.key}`, `crm:b:${business}`], async () => {
        const cur = this.state.jobs.get(j.key);
        if (cur?.state === 'held') await this.failJob(cur, { reason: 'PEER_FLOOD', until }, cur.peerId);
      });
    }
    this.kick();
  }

  private channelOf(scopeId: string): Channel | undefined {
    const c = this.state.connections.get(scopeId);
    return c ? this.config.channel(c.channelId) : undefined;
  }

  private async reportStatus(j: Job): Promise<void> {
    const channel = this.channelOf(j.scopeId);
    if (!channel) return this.backoff(j); // the channel may come back to the file
    const body: Record<string, unknown> = { msgid: j.msgid };
    if (j.state === 'sent') body[channel.statusField] = 1;
    else {
      body[channel.statusField] = -1;
      body.error_code = j.errorCode;
      body.error = j.text;
    }
    if (this.waitingForAmojo(channel, j)) return;
    try {
      await amojoCall(channel, 'POST', statusPath(j.scopeId, j.msgid), body, this.file.timeoutMs);
      this.amojoDown.delete(channel.id);
    } catch (err) {
      if (err instanceof AmojoError && err.retryable) {
        this.p.log.warn({ err: err.message, msgid: j.msgid }, 'crm: delivery status not reported yet, retrying');
        return this.amojoFailed(channel, j);
      }
      this.p.log.error({ err, msgid: j.msgid }, 'crm: amojo refused the delivery status');
    }
    await this.p.journal.record(this.p.clock.now(), SYSTEM, null, {
      type: 'crm_job_reported',
      payload: { scopeId: j.scopeId, direction: 'out', msgid: j.msgid },
    });
  }

  private async deliverIncoming(j: Job): Promise<void> {
    const inJob = j.in!;
    const c = this.state.connections.get(j.scopeId);
    const channel = this.channelOf(j.scopeId);
    if (!c || c.status === 'disconnected') {
      const change = this.p.journal.change();
      const at = this.p.clock.now();
      const { errorCode, text } = failureReport({ reason: 'DISCONNECTED' }, channel?.language ?? 'en');
      change.emit(at, SYSTEM, null, {
        type: 'crm_job_failed',
        payload: { scopeId: j.scopeId, direction: 'in', msgid: j.msgid, reason: 'DISCONNECTED', errorCode, text, peerId: inJob.clientAccountId },
      });
      change.emit(at, SYSTEM, null, { type: 'crm_job_reported', payload: { scopeId: j.scopeId, direction: 'in', msgid: j.msgid } });
      await this.p.journal.commit(change);
      return;
    }
    if (!channel) return this.backoff(j);
    const client = inJob.clientAccountId;
    const ref = this.transport.clientRef(client);
    const conv = this.state.conversations.get(CrmState.conversationKey(j.scopeId, client));
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
        sender: { id: ref, ...(linking && conv.receiverRefId ? { ref_id: conv.receiverRefId } : {}), name: await this.transport.clientName(client) },
        message: { type: 'text', text: inJob.text },
      },
    };
    if (this.waitingForAmojo(channel, j)) return;
    try {
      await amojoCall(channel, 'POST', scopePath(j.scopeId), payload, this.file.timeoutMs);
      this.amojoDown.delete(channel.id);
    } catch (err) {
      if (err instanceof AmojoError && err.retryable) {
        this.p.log.warn({ err: err.message, msgid: j.msgid }, 'crm: a client message not delivered to amojo yet, retrying');
        return this.amojoFailed(channel, j);
      }
      // A refusal (a duplicate msgid after a crash, say) will not change by retrying.
      this.p.log.error({ err, msgid: j.msgid }, 'crm: amojo refused a client message');
    }
    const change = this.p.journal.change();
    const at = this.p.clock.now();
    change.emit(at, SYSTEM, null, { type: 'crm_job_reported', payload: { scopeId: j.scopeId, direction: 'in', msgid: j.msgid } });
    if (linking) change.emit(at, SYSTEM, null, { type: 'crm_conversation_linked', payload: { scopeId: j.scopeId, clientAccountId: client } });
    await this.p.journal.commit(change);
  }

  // ---- status and figures ------------------------------------------------------------------

  async status(c: Connection): Promise<Record<string, unknown>> {
    const business = c.businessAccountId;
    const s = this.config.protectionFor(publicId('account', business));
    const now = this.p.clock.now();
    const q = await this.quality(business, s);
    const caps = capsAt(s, c.connectedAt, now, q.colour);
    const ns = this.transport.numberStatus(business);
    const held = [...this.state.jobs.values()].filter((j) => j.scopeId === c.scopeId && j.state === 'held').sort((a, b) => a.heldUntil! - b.heldUntil!);
    const outbox = [...this.state.jobs.values()].filter((j) => j.scopeId === c.scopeId && j.state !== 'held');
    const dayStart = Math.floor(now / DAY) * DAY;
    const db = crmDb(this.p.store);
    const recent = await rows(
      this.p.store,
      db
        .selectFrom('crm_jobs')
        .select(['direction', 'state', 'first_contact', 'error_code', 'sent_at', 'received_at'])
        .where('scope_id', '=', c.scopeId)
        .where('received_at', '>=', dayStart - DAY),
    );
    const today = { firstContacts: 0, replies: 0, failed: 0, fromClients: 0 };
    for (const r of recent) {
      if (r.direction === 'in') {
        if (Number(r.received_at) >= dayStart) today.fromClients++;
      } else if (r.sent_at !== null && Number(r.sent_at) >= dayStart) {
        if (r.first_contact) today.firstContacts++;
        else today.replies++;
      } else if (r.error_code !== null && Number(r.received_at) >= dayStart) today.failed++;
    }
    const restriction: Record<string, unknown> = { state: ns.state };
    if (ns.kind) restriction.kind = ns.kind;
    if (ns.until !== undefined) restriction.until = ns.until === null ? null : iso(ns.until);
    if (ns.deleteAt !== undefined && ns.deleteAt !== null) restriction.deleteAt = iso(ns.deleteAt);
    if (ns.state !== 'free') restriction.appeal = 'spambot';
    restriction.text = standingText(ns, this.channelOf(c.scopeId)?.language ?? 'en');
    return {
      ...this.view(c),
      number: {
        restriction,
        quality: { colour: q.colour, ratio: Math.round(q.ratio * 1000) / 1000, strangersContacted: q.contacted, blocks: q.blocks, reports: q.reports },
        protection: { enabled: s.enabled, perHour: caps.perHour, perDay: caps.perDay, warmingUp: now - c.connectedAt < s.warmupDaily.length * DAY },
        today,
      },
      held: held.map((j) => ({ msgid: j.msgid, status: `queued until ${iso(j.heldUntil!)}`, until: iso(j.heldUntil!) })),
      outbox: { waiting: outbox.length, oldestAgeSeconds: ageSeconds(outbox, now) },
    };
  }

  /** Every connection, in short (the console's list): standing, colour, held and waiting. */
  async summaries(): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const c of this.state.connections.values()) {
      const ns = this.transport.numberStatus(c.businessAccountId);
      const q = await this.quality(c.businessAccountId, this.config.protectionFor(publicId('account', c.businessAccountId)));
      let held = 0;
      let waiting = 0;
      for (const j of this.state.jobs.values()) if (j.scopeId === c.scopeId) j.state === 'held' ? held++ : waiting++;
      const restriction: Record<string, unknown> = { state: ns.state };
      if (ns.state === 'limited') restriction.until = ns.until === null || ns.until === undefined ? null : iso(ns.until);
      out.push({ ...this.view(c), restriction, quality: q.colour, held, waiting });
    }
    return out.sort((a, b) => String(a.scopeId).localeCompare(String(b.scopeId)));
  }

  figures(): { outbox: number; outboxOldestSeconds: number; held: number; heldOldestSeconds: number } {
    const now = this.p.clock.now();
    const all = [...this.state.jobs.values()];
    const held = all.filter((j) => j.state === 'held');
    const outbox = all.filter((j) => j.state !== 'held');
    return { outbox: outbox.length, outboxOldestSeconds: ageSeconds(outbox, now), held: held.length, heldOldestSeconds: ageSeconds(held, now) };
  }
}

function ageSeconds(jobs: Job[], now: number): number {
  if (jobs.length === 0) return 0;
  return Math.max(0, Math.round((now - Math.min(...jobs.map((j) => j.receivedAt))) / 1000));
}

function reasonOf(code: string, until: number | null | undefined, deleteAt: number | null | undefined): Failure {
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
    default:
      return { reason: 'INTERNAL' };
  }
}
