import { effectiveRestriction, limitEnd, type EffectiveRestriction, type RestrictionRecord } from '../domain/restriction.js';
import { DueQueue } from './due-queue.js';
import type { GateIndex } from './gate-index.js';

/** A record that falls due: a limit's end, or a frozen account's deletion. */
export interface RestrictionDue {
  account: number;
  restrictionId: number;
  kind: 'limit_end' | 'freeze_end';
}

/**
 * The active restriction records of every restricted account, and the derived effective state
 * the gate reads. Whenever records change (or time passes an end), `refresh` recomputes.
 */
export class RestrictionBook {
  private readonly active = new Map<number, RestrictionRecord[]>();
  /** Ends and deletions to apply, earliest first (entries may be stale: check the record). */
  readonly due = new DueQueue<RestrictionDue>();

  constructor(private readonly index: GateIndex) {}

  find(a: number, id: number): RestrictionRecord | undefined {
    return this.active.get(a)?.find((r) => r.id === id);
  }

  records(a: number): readonly RestrictionRecord[] {
    return this.active.get(a) ?? [];
  }

  add(a: number, r: RestrictionRecord, now: number): EffectiveRestriction {
    if (r.state === 'limited' && r.until !== null) this.due.push(r.until, { account: a, restrictionId: r.id, kind: 'limit_end' });
    if (r.state === 'frozen' && r.deleteAt !== null) this.due.push(r.deleteAt, { account: a, restrictionId: r.id, kind: 'freeze_end' });
    const list = this.active.get(a);
    if (list) list.push(r);
    else this.active.set(a, [r]);
    return this.refresh(a, now);
  }

  remove(a: number, id: number, now: number): EffectiveRestriction {
    const list = this.active.get(a)?.filter((r) => r.id !== id) ?? [];
    if (list.length > 0) this.active.set(a, list);
    else this.active.delete(a);
    return this.refresh(a, now);
  }

  /**
   * Recomputes the account's effective state at `now`. Records past their end stay until the
   * scheduler ends them (with their event); they no longer count.
   */
  refresh(a: number, now: number): EffectiveRestriction {
    const list = this.active.get(a) ?? [];
    const eff = effectiveRestriction(list, now);
    this.index.setRestriction(a, eff, limitEnd(list, now));
    return eff;
  }

  accounts(): IterableIterator<number> {
    return this.active.keys();
  }
}
