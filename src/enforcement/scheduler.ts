import type { CompiledQuery } from 'kysely';
import type { Actor } from '../store/event-log.js';
import { appealOverdueStatements } from './appeals.js';
import { record } from './events.js';
import { ticketOverdue } from './tickets.js';
import { endStatements, restrictStatements } from './restrictions.js';
import { banNumberStatements } from './sanctions.js';
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

  constructor(private readonly e: Enforcement) {}

  /** Applies everything due at or before `now`. Calls are serialised. */
  runDue(now: number): Promise<void> {
    const next = this.running.then(() => this.apply(now));
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
      const writes: CompiledQuery[] = [];
      if (oAt < rAt && oAt < sAt) {
        const { at, item } = e.enforcement.overdue.popDue(now)!;
        if (item.kind === 'appeal') {
          if (e.enforcement.openAppeals.get(item.account!)?.id !== item.id) continue;
          writes.push(...appealOverdueStatements(e, item.id, item.account!, at));
        } else {
          if (!e.enforcement.openTickets.has(item.id)) continue;
          const change = e.journal.change();
          ticketOverdue(change, item.id, item.account, at);
          await e.journal.commit(change);
          continue;
        }
      } else if (rAt <= sAt) {
        const { at, item } = e.restrictions.due.popDue(now)!;
        const r = e.restrictions.find(item.account, item.restrictionId);
        if (!r) continue; // lifted or ended meanwhile
        touched.add(item.account);
        if (item.kind === 'limit_end') {
          writes.push(...endStatements(e, item.account, r.id, 'expired', SYSTEM, at));
        } else {
          // An open appeal holds the deletion; its decision settles it (RULES.md §5).
          if (e.enforcement.openAppeals.has(item.account)) continue;
          writes.push(...endStatements(e, item.account, r.id, 'deleted', SYSTEM, at));
          writes.push(...restrictStatements(e, item.account, { state: 'banned', kind: r.kind }, SYSTEM, at).writes);
          writes.push(...(await banNumberStatements(e, item.account, SYSTEM, at)));
        }
      } else {
        const { at, item } = e.enforcement.strikeExpiries.popDue(now)!;
        const s = e.enforcement.strikesOf(item.account).find((x) => x.id === item.strikeId);
        if (!s || s.removed) continue;
        writes.push(
          e.store.db.updateTable('strikes').set({ expired_at: at }).where('id', '=', s.id).compile(),
          record(e, at, SYSTEM, item.account, { type: 'strike_expired', payload: { strikeId: s.id } }),
        );
      }
      await e.store.write(writes);
    }
    // Each change was applied at its due time; the state the next request sees is the one at `now`.
    for (const a of touched) e.restrictions.refresh(a, now);
  }
}
