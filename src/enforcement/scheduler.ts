import type { Change } from '../events/journal.js';
import { key } from '../events/serial.js';
import type { Actor } from '../store/event-log.js';
import { emitAppealOverdue } from './appeals.js';
import { ticketOverdue } from './tickets.js';
import { emitEnd, emitRestriction } from './restrictions.js';
import { emitNumberBan } from './sanctions.js';
import type { Enforcement } from './state.js';

/**
 * Time's effects (RULES.md §4, §7): limits end at `until`, frozen accounts become banned at
 * `deleteAt`, strikes stop counting. Everything due is applied in time order, each at its own
 * due time, so a restart or a jump of the manual clock gives the same history as real time.
 */

const SYSTEM: Actor = { kind: 'system' };

export class Scheduler {
  private running: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  /** With several nodes: runs the work under the scheduler's lease, or skips it (undefined). */
  guard: ((job: () => Promise<void>) => Promise<void | undefined>) | null = null;

  constructor(private readonly e: Enforcement) {}

  /** Applies everything due at or before `now`. Calls are serialised. */
  runDue(now: number): Promise<void> {
    const next = this.running.then(async () => {
      if (this.guard) await this.guard(() => this.apply(now));
      else await this.apply(now);
    });
    this.running = next.catch(() => undefined);
    return next;
  }

  /** With the system clock: checks every second (cheap when nothing is due). */
  start(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const now = this.e.clock.now();
      if (this.nextDue() <= now) this.runDue(now).catch((err: unknown) => this.e.log.error({ err }, 'scheduler failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  nextDue(): number {
    return Math.min(this.e.restrictions.due.peekTime(), this.e.enforcement.strikeExpiries.peekTime(), this.e.enforcement.overdue.peekTime());
  }

  private async apply(now: number): Promise<void> {
    const e = this.e;
    const touched = new Set<number>();
    for (;;) {
      const rAt = e.restrictions.due.peekTime();
      const sAt = e.enforcement.strikeExpiries.peekTime();
      const oAt = e.enforcement.overdue.peekTime();
      if (Math.min(rAt, sAt, oAt) > now) break;
      if (oAt < rAt && oAt < sAt) {
        const { at, item } = e.enforcement.overdue.popDue(now)!;
        if (item.kind === 'appeal') {
          await this.step(
            item.account!,
            (change) => {
              if (e.enforcement.openAppeals.get(item.account!)?.id !== item.id || e.enforcement.markedOverdue.has(`appeal:${item.id}`)) return;
              emitAppealOverdue(change, item.id, item.account!, at);
            },
            () => e.enforcement.overdue.push(at, item),
          );
        } else {
          // Only for the open period it was queued for: a reopened ticket counts from its reopening.
          const dueAt = e.enforcement.openTickets.get(item.id);
          if (dueAt === undefined || dueAt !== item.dueAt || e.enforcement.markedOverdue.has(`ticket:${item.id}@${dueAt}`)) continue;
          const change = e.journal.change();
          ticketOverdue(change, item.id, item.account, dueAt, at);
          await this.commit(change, () => e.enforcement.overdue.push(at, item));
        }
      } else if (rAt <= sAt) {
        const { at, item } = e.restrictions.due.popDue(now)!;
        touched.add(item.account);
        await this.step(
          item.account,
          async (change) => {
            const r = e.restrictions.find(item.account, item.restrictionId);
            if (!r) return; // lifted or ended meanwhile
            if (item.kind === 'limit_end') {
              emitEnd(change, item.account, r.id, 'expired', 'expired', SYSTEM, at);
              return;
            }
            // An open appeal holds the deletion; its decision settles it (RULES.md §5).
            if (e.enforcement.openAppeals.has(item.account)) return;
            emitEnd(change, item.account, r.id, 'deleted', 'deleted', SYSTEM, at);
            emitRestriction(e, change, item.account, { state: 'banned', kind: r.kind }, SYSTEM, at);
            await emitNumberBan(e, change, item.account, SYSTEM, at);
          },
          () => e.restrictions.due.push(at, item),
        );
      } else {
        const { at, item } = e.enforcement.strikeExpiries.popDue(now)!;
        await this.step(
          item.account,
          (change) => {
            const s = e.enforcement.strikesOf(item.account).find((x) => x.id === item.strikeId);
            if (!s || s.removed || s.expired) return;
            change.emit(at, SYSTEM, item.account, { type: 'strike_expired', payload: { strikeId: s.id } });
          },
          () => e.enforcement.strikeExpiries.push(at, item),
        );
      }
    }
    // Each change was applied at its due time; the state the next request sees is the one at `now`.
    for (const a of touched) e.restrictions.refresh(a, now);
  }

  /** One due item under its account's key: checked again there, emitted, committed. */
  private step(account: number, decide: (change: Change) => void | Promise<void>, retry: () => void): Promise<void> {
    return this.e.serial.run([key.account(account)], async () => {
      const change = this.e.journal.change();
      await decide(change);
      await this.commit(change, retry);
    });
  }

  /** Commits; a refused write puts the item back, for the next run. */
  private async commit(change: Change, retry: () => void): Promise<void> {
    try {
      await this.e.journal.commit(change);
    } catch (err) {
      retry();
      throw err;
    }
  }
}
