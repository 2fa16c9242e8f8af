/**
 * A hash map from ordered pairs of non-negative int32 ids to a non-zero int32 value, with open
 * addressing over flat arrays: no object per entry, so millions of pairs cost a few bytes each.
 * Used for blocks (blocker, blocked) and private chats (lower id, higher id) → chat id.
 *
 * Two small bitsets, one bit per first id and one per second id (ids folded onto the bitset's
 * size), answer most misses before any hashing: a pair can be present only when both its ids have
 * their bit set. Bits are set on insert and rebuilt from the live entries on rehash, so a bit may
 * outlive its last pair (a harmless extra probe) but is never missing. For blocks, where most
 * accounts never block anyone, this makes the send gate's two block checks nearly free.
 */
const EMPTY = -1;
const TOMBSTONE = -2;

export class PairTable {
  private ka: Int32Array;
  private kb: Int32Array;
  private vals: Int32Array;
  private mask: number;
  /** Bit (id & filterMask) is set when some live pair may have this first (second) id. */
  private firstIds: Int32Array;
  private secondIds: Int32Array;
  private filterMask: number;
  private count = 0;
  private filled = 0; // live entries + tombstones

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.ka = new Int32Array(n).fill(EMPTY);
    this.kb = new Int32Array(n);
    this.vals = new Int32Array(n);
    this.mask = n - 1;
    this.firstIds = new Int32Array(n >>> 4);
    this.secondIds = new Int32Array(n >>> 4);
    this.filterMask = (n << 1) - 1;
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.ka.byteLength + this.kb.byteLength + this.vals.byteLength + this.firstIds.byteLength + this.secondIds.byteLength;
  }

  /** The value for (a, b), or 0 when absent. */
  get(a: number, b: number): number {
    const fa = a & this.filterMask;
    const fb = b & this.filterMask;
    if ((this.firstIds[fa >>> 5]! & (1 << fa)) === 0 || (this.secondIds[fb >>> 5]! & (1 << fb)) === 0) return 0;
    const ka = this.ka;
    let i = hash(a, b) & this.mask;
    for (;;) {
      const k = ka[i]!;
      if (k === EMPTY) return 0;
      if (k === a && this.kb[i] === b) return this.vals[i]!;
      i = (i + 1) & this.mask;
    }
  }

  has(a: number, b: number): boolean {
    return this.get(a, b) !== 0;
  }

  /** Sets (a, b) to `value` (non-zero). */
  set(a: number, b: number, value: number): void {
    if ((this.filled + 1) * 4 > this.ka.length * 3) this.rehash(this.count * 2 + 2 > this.ka.length / 2 ? this.ka.length * 2 : this.ka.length);
    let i = hash(a, b) & this.mask;
    let grave = -1;
    for (;;) {
      const k = this.ka[i]!;
      if (k === EMPTY) break;
      if (k === TOMBSTONE) {
        if (grave < 0) grave = i;
      } else if (k === a && this.kb[i] === b) {
        this.vals[i] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
    if (grave >= 0) i = grave;
    else this.filled++;
    const fa = a & this.filterMask;
    const fb = b & this.filterMask;
    this.firstIds[fa >>> 5]! |= 1 << fa;
    this.secondIds[fb >>> 5]! |= 1 << fb;
    this.ka[i] = a;
    this.kb[i] = b;
    this.vals[i] = value;
    this.count++;
  }

  delete(a: number, b: number): boolean {
    let i = hash(a, b) & this.mask;
    for (;;) {
      const k = this.ka[i]!;
      if (k === EMPTY) return false;
      if (k === a && this.kb[i] === b) {
        this.ka[i] = TOMBSTONE;
        this.vals[i] = 0;
        this.count--;
        return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  private rehash(size: number): void {
    const { ka, kb, vals } = this;
    this.ka = new Int32Array(size).fill(EMPTY);
    this.kb = new Int32Array(size);
    this.vals = new Int32Array(size);
    this.mask = size - 1;
    this.firstIds = new Int32Array(size >>> 4);
    this.secondIds = new Int32Array(size >>> 4);
    this.filterMask = (size << 1) - 1;
    this.count = 0;
    this.filled = 0;
    for (let i = 0; i < ka.length; i++) {
      const k = ka[i]!;
      if (k >= 0) this.set(k, kb[i]!, vals[i]!);
    }
  }
}

function hash(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}
