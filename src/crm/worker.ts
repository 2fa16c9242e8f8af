import { anyResumable, resumeFreed } from './connections.js';
import type { GatewayContext } from './context.js';
import { failHeldWhileLimited } from './failures.js';
import { deliverIncoming } from './inbound.js';
import { reportStatus, sendOut } from './outbound.js';
import type { Job } from './state.js';

/**
 * The gateway's worker: one job step at a time, in arrival order, under the CRM lease when there
 * are several nodes; paused connections resumed once their number is free again; the timers that
 * wake it (the next retry, held messages coming due, work another node left); and the release
 * of held messages at their slots.
 */

/** The CRM lease's runner, with several nodes (see `CrmWorker.guard`). */
export type LeaseGuard = <T>(job: () => Promise<T>, waitMs: number) => Promise<T | undefined>;

export class CrmWorker {
  private pumping = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private interval: NodeJS.Timeout | null = null;
  private closed = false;
  private watch: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  /**
   * With several nodes: runs the worker's work under the CRM lease, on one node at a time
   * (undefined: another node holds it). `waitMs` 0 skips at once.
   */
  private readonly guard: LeaseGuard | null;
  /** With several nodes, how often every node looks for work the lease's holder left (ms). */
  private readonly watchMs: number;

  constructor(
    private readonly ctx: GatewayContext,
    options: { guard?: LeaseGuard; watchMs?: number } = {},
  ) {
    this.guard = options.guard ?? null;
    this.watchMs = options.watchMs ?? 250;
  }

  /** Starts the timers and runs what is waiting. */
  start(): void {
    const p = this.ctx.p;
    if (this.guard) {
      // Jobs received on other nodes reach this memory through the feed, and so do restrictions
      // ended there: whichever node gets the lease next works them.
      this.watch = setInterval(() => {
        if (!this.pumping && this.ready()) this.kick();
      }, this.watchMs);
      this.watch.unref();
    }
    if (!p.clock.manual) {
      this.interval = setInterval(() => {
        const now = p.clock.now();
        // Held messages are due, or may have to fail because the number became limited.
        if (this.nextDue() < Infinity) this.runDue(now).catch((err: unknown) => p.log.error({ err }, 'crm: due work failed'));
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
      .catch((err: unknown) => this.ctx.p.log.error({ err }, 'crm: the worker failed'))
      .finally(() => {
        this.pumping = false;
        if (this.again && !this.closed) this.kick();
        else this.settle();
      });
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      // First the connections whose number was freed (a lift, an overturned appeal; at start, one
      // made while the gateway was down): their messages then go as on any active connection.
      await resumeFreed(this.ctx);
      const jobs = [...this.ctx.state.jobs.values()].filter((j) => j.state !== 'held').sort((a, b) => a.receivedAt - b.receivedAt);
      for (const j of jobs) {
        if (this.closed) return;
        if (j.retryAt > Date.now() || !this.ctx.state.jobs.has(j.key)) continue;
        await this.step(j, false);
      }
      await failHeldWhileLimited(this.ctx);
    } while (this.again && !this.closed);
  }

  /** Whether a job is ready to run now, or a paused connection may resume. */
  private ready(): boolean {
    const now = Date.now();
    for (const j of this.ctx.state.jobs.values()) if (j.state !== 'held' && j.retryAt <= now) return true;
    return anyResumable(this.ctx);
  }

  /** When nothing is ready: wake at the next retry; tell waiters the worker is idle. */
  private settle(): void {
    let next = Infinity;
    for (const j of this.ctx.state.jobs.values()) if (j.state !== 'held' && j.retryAt > 0) next = Math.min(next, j.retryAt);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (next < Infinity && !this.closed) {
      this.timer = setTimeout(() => this.kick(), Math.max(10, next - Date.now()));
      this.timer.unref();
    }
    if (!this.ready()) for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * Resolves once no job is ready to run and no paused connection waits to resume (tests; the
   * held jobs and those waiting a retry aside).
   */
  idle(): Promise<void> {
    if (!this.pumping && !this.ready()) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.kick();
    });
  }

  /** The clock time of the next held message due (Infinity: none). */
  nextDue(): number {
    let next = Infinity;
    for (const j of this.ctx.state.jobs.values()) if (j.state === 'held' && j.heldUntil !== null) next = Math.min(next, j.heldUntil);
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
    await failHeldWhileLimited(this.ctx);
    const due = [...this.ctx.state.jobs.values()]
      .filter((j) => j.state === 'held' && j.heldUntil !== null && j.heldUntil <= now)
      .sort((a, b) => a.heldUntil! - b.heldUntil!);
    // Sent into the messenger now, each at its time; their statuses are reported by the worker.
    for (const j of due) await this.step(j, true, false);
    if (due.length > 0) this.kick();
  }

  private async step(j: Job, release: boolean, report = true): Promise<void> {
    const { p, state } = this.ctx;
    await p.serial.run([`crm:${j.key}`, `crm:b:${j.businessAccountId}`], async () => {
      const cur = state.jobs.get(j.key);
      if (!cur) return;
      if (cur.direction === 'in') return deliverIncoming(this.ctx, cur);
      if (cur.state === 'received' || (cur.state === 'held' && release)) await sendOut(this.ctx, cur);
      const after = state.jobs.get(j.key);
      if (report && after && (after.state === 'sent' || after.state === 'failed') && after.retryAt <= Date.now()) await reportStatus(this.ctx, after);
    });
  }
}
