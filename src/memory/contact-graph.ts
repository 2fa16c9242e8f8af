/**
 * Directed "owner has saved other" edges, for millions of accounts in a few flat arrays.
 *
 * Each owner has a slice of one shared Int32 pool holding its contacts' ids sorted ascending,
 * so a lookup is a binary search over a few dozen ints. A slice that fills up moves to the end
 * of the pool with twice the room; the pool compacts itself when more than half is holes.
 *
 * Most lookups the gates make are of edges that are not there (is A, a stranger, in B's
 * contacts?), and for a popular B the binary search walks a long list through a dozen cache
 * misses. A one-hash Bloom filter over (owner, other), 8 bits per edge, answers about 88% of them
 * with one memory access. Bits are set on add and never cleared on remove (a stale bit only costs
 * the search); the filter is rebuilt from the edges once as many edges were added as it was sized
 * for.
 */
const FILTER_BITS_PER_EDGE = 8;
const FILTER_MIN_EDGES = 1024;

export class ContactGraph {
  private start: Int32Array;
  private len: Int32Array;
  private cap: Int32Array;
  private pool: Int32Array;
  private used = 0;
  private live = 0;
  private edges = 0;
  /** The Bloom filter: bit floor(edgeHash × filterScale) is set for every edge added. */
  private filter: Int32Array;
  private filterScale: number;
  /** Adds left before the filter is rebuilt larger. */
  private filterRoom: number;

  constructor(accountCapacity = 1024, poolCapacity = 4096) {
    this.start = new Int32Array(accountCapacity);
    this.len = new Int32Array(accountCapacity);
    this.cap = new Int32Array(accountCapacity);
    this.pool = new Int32Array(poolCapacity);
    this.filter = new Int32Array(0);
    this.filterScale = 0;
    this.filterRoom = 0;
    this.resetFilter(0);
  }

  /** Builds a graph from edges already sorted by owner, then by contact, without duplicates. */
  static fromSorted(owners: Int32Array, contacts: Int32Array, count: number, accountCapacity: number): ContactGraph {
    const g = new ContactGraph(accountCapacity, Math.max(4096, Math.ceil(count * 1.25)));
    let i = 0;
    while (i < count) {
      const owner = owners[i]!;
      let j = i;
      while (j < count && owners[j] === owner) j++;
      const n = j - i;
      const room = n + Math.max(2, n >> 2);
      g.ensureAccount(owner);
      g.start[owner] = g.used;
      g.len[owner] = n;
      g.cap[owner] = room;
      // Slices of small owners carry more slack than the 1.25 estimate: grow the pool as needed.
      if (g.used + room > g.pool.length) {
        const bigger = new Int32Array(Math.max(g.pool.length * 2, g.used + room));
        bigger.set(g.pool.subarray(0, g.used));
        g.pool = bigger;
      }
      g.pool.set(contacts.subarray(i, j), g.used);
      g.used += room;
      g.live += room;
      g.edges += n;
      i = j;
    }
    g.resetFilter(g.edges);
    for (let k = 0; k < count; k++) g.markEdge(owners[k]!, contacts[k]!);
    return g;
  }

  get size(): number {
    return this.edges;
  }

  has(owner: number, other: number): boolean {
    if (owner >= this.len.length) return false;
    const bit = Math.floor(edgeHash(owner, other) * this.filterScale);
    if ((this.filter[bit >>> 5]! & (1 << bit)) === 0) return false;
    let lo = this.start[owner]!;
    let hi = lo + this.len[owner]! - 1;
    const pool = this.pool;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = pool[mid]!;
      if (v === other) return true;
      if (v < other) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** Adds the edge; false when it was already there. */
  add(owner: number, other: number): boolean {
    this.ensureAccount(owner);
    const s = this.start[owner]!;
    const n = this.len[owner]!;
    const pos = this.lowerBound(s, n, other);
    if (pos < s + n && this.pool[pos] === other) return false;
    if (n === this.cap[owner]) {
      this.grow(owner);
      return this.add(owner, other);
    }
    this.pool.copyWithin(pos + 1, pos, s + n);
    this.pool[pos] = other;
    this.len[owner] = n + 1;
    this.edges++;
    this.markEdge(owner, other);
    if (--this.filterRoom < 0) this.rebuildFilter();
    return true;
  }

  /** Removes the edge; false when it was not there. */
  remove(owner: number, other: number): boolean {
    if (owner >= this.len.length) return false;
    const s = this.start[owner]!;
    const n = this.len[owner]!;
    const pos = this.lowerBound(s, n, other);
    if (pos >= s + n || this.pool[pos] !== other) return false;
    this.pool.copyWithin(pos, pos + 1, s + n);
    this.len[owner] = n - 1;
    this.edges--;
    return true;
  }

  /** The owner's contacts, ascending (a copy). */
  contactsOf(owner: number): Int32Array {
    if (owner >= this.len.length) return new Int32Array(0);
    const s = this.start[owner]!;
    return this.pool.slice(s, s + this.len[owner]!);
  }

  /** Bytes held by the arrays. */
  get bytes(): number {
    return this.start.byteLength + this.len.byteLength + this.cap.byteLength + this.pool.byteLength + this.filter.byteLength;
  }

  /** An empty filter sized for `edges` edges, and as many adds before it is rebuilt. */
  private resetFilter(edges: number): void {
    const sized = Math.max(FILTER_MIN_EDGES, edges);
    const words = Math.ceil((sized * FILTER_BITS_PER_EDGE) / 32);
    this.filter = new Int32Array(words);
    this.filterScale = (words * 32) / 4294967296;
    this.filterRoom = sized;
  }

  private markEdge(owner: number, other: number): void {
    const bit = Math.floor(edgeHash(owner, other) * this.filterScale);
    this.filter[bit >>> 5]! |= 1 << bit;
  }

  /** A filter for twice today's edges, without the bits of removed edges. */
  private rebuildFilter(): void {
    this.resetFilter(this.edges * 2);
    const pool = this.pool;
    for (let owner = 0; owner < this.len.length; owner++) {
      const s = this.start[owner]!;
      const n = this.len[owner]!;
      for (let k = s; k < s + n; k++) this.markEdge(owner, pool[k]!);
    }
  }

  private lowerBound(s: number, n: number, x: number): number {
    let lo = s;
    let hi = s + n;
    const pool = this.pool;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pool[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private ensureAccount(owner: number): void {
    if (owner < this.len.length) return;
    let n = this.len.length;
    while (n <= owner) n *= 2;
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.start = grow(this.start);
    this.len = grow(this.len);
    this.cap = grow(this.cap);
  }

  /** Moves the owner's slice to the end of the pool with twice the room. */
  private grow(owner: number): void {
    const oldCap = this.cap[owner]!;
    const newCap = Math.max(4, oldCap * 2);
    if (this.used + newCap > this.pool.length) {
      if (this.live < this.used / 2) this.compact();
      if (this.used + newCap > this.pool.length) {
        const bigger = new Int32Array(Math.max(this.pool.length * 2, this.used + newCap));
        bigger.set(this.pool.subarray(0, this.used));
        this.pool = bigger;
      }
    }
    const s = this.start[owner]!;
    const n = this.len[owner]!;
    this.pool.copyWithin(this.used, s, s + n);
    this.start[owner] = this.used;
    this.cap[owner] = newCap;
    this.used += newCap;
    this.live += newCap - oldCap;
  }

  /** Packs every slice to the front of a fresh pool, keeping each slice's room. */
  private compact(): void {
    const fresh = new Int32Array(Math.max(4096, Math.ceil(this.live * 1.5)));
    let at = 0;
    for (let owner = 0; owner < this.len.length; owner++) {
      const c = this.cap[owner]!;
      if (c === 0) continue;
      const s = this.start[owner]!;
      fresh.set(this.pool.subarray(s, s + this.len[owner]!), at);
      this.start[owner] = at;
      at += c;
    }
    this.pool = fresh;
    this.used = at;
    this.live = at;
  }
}

/** A 32-bit hash of an ordered pair, mixed so that its high bits (which pick the filter bit) vary. */
function edgeHash(owner: number, other: number): number {
  let h = Math.imul(owner, 0x9e3779b1) ^ Math.imul(other + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h >>> 0;
}
