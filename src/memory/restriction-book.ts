import { effectiveRestriction, isActive, limitEnd, type EffectiveRestriction, type RestrictionRecord } from '../domain/restriction.js';
import type { GateIndex } from './gate-index.js';

/**
 * The active restriction records of every restricted account, and the derived effective state
 * the gate reads. Whenever records change (or time passes an end), `refresh` recomputes.
 */
export class RestrictionBook {
  private readonly active = new Map<number, RestrictionRecord[]>();

  constructor(private readonly index: GateIndex) {}

  records(a: number): readonly RestrictionRecord[] {
    return this.active.get(a) ?? [];
  }

  add(a: number, r: RestrictionRecord, now: number): EffectiveRestriction {
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

  /** Recomputes the account's effective state; records that ended are dropped. */
  refresh(a: number, now: number): EffectiveRestriction {
    const list = (this.active.get(a) ?? []).filter((r) => isActive(r, now));
    if (list.length > 0) this.active.set(a, list);
    else this.active.delete(a);
    const eff = effectiveRestriction(list, now);
    this.index.setRestriction(a, eff, limitEnd(list, now));
    return eff;
  }

  accounts(): IterableIterator<number> {
    return this.active.keys();
  }
}
