/**
 * Numbers imported by accounts that could not find them yet. By number (who waits for it) and by
 * importer, oldest first (so that an importer's waiting numbers can be bounded).
 */
export class PendingImports {
  private readonly byPhone = new Map<number, Set<number>>();
  private readonly byOwner = new Map<number, Set<number>>();

  /** The accounts waiting for the number `key`. */
  importers(key: number): ReadonlySet<number> | undefined {
    return this.byPhone.get(key);
  }

  has(key: number, owner: number): boolean {
    return this.byPhone.get(key)?.has(owner) ?? false;
  }

  add(key: number, owner: number): void {
    let set = this.byPhone.get(key);
    if (!set) this.byPhone.set(key, (set = new Set()));
    set.add(owner);
    let mine = this.byOwner.get(owner);
    if (!mine) this.byOwner.set(owner, (mine = new Set()));
    mine.add(key);
  }

  remove(key: number, owner: number): void {
    const set = this.byPhone.get(key);
    if (set) {
      set.delete(owner);
      if (set.size === 0) this.byPhone.delete(key);
    }
    const mine = this.byOwner.get(owner);
    if (mine) {
      mine.delete(key);
      if (mine.size === 0) this.byOwner.delete(owner);
    }
  }

  /** How many numbers `owner` waits for. */
  countOf(owner: number): number {
    return this.byOwner.get(owner)?.size ?? 0;
  }

  /** The `n` numbers `owner` has waited for longest. */
  oldestOf(owner: number, n: number): number[] {
    const out: number[] = [];
    if (n <= 0) return out;
    for (const k of this.byOwner.get(owner) ?? []) {
      out.push(k);
      if (out.length === n) break;
    }
    return out;
  }

  /** Numbers waited for, all importers together. */
  get size(): number {
    return this.byPhone.size;
  }
}
