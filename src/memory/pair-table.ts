/**
 * A hash map from ordered pairs of non-negative int32 ids to a non-zero int32 value, with open
 * addressing over flat arrays: no object per entry, so millions of pairs cost a few bytes each.
 * Used for blocks (blocker, blocked) and private chats (lower id, higher id) → chat id.
 *
 * Each slot's first id, second id and value sit side by side, so a lookup in a table far larger
 * than the CPU caches costs one memory access, not three.
 *
 * Most lookups are misses (most accounts block nobody; most pairs have no chat), so two filters
 * answer them before the slots are touched:
 * - two bits per id (ids folded onto the bitset's size): "some pair may start with this id" and
 *   "some pair may end with it". No hashing, and (a, b) and (b, a) read the same two words;
 * - one bit per pair hash, 8 per slot (a one-hash Bloom filter), for pairs of ids that both
 *   appear somewhere: about 5% of absent pairs get through to the slots.
 * Bits are set on insert and rebuilt from the live pairs on rehash: a bit may outlive its last
 * pair (a harmless extra probe) but is never missing.
 */
const EMPTY = -1;
const TOMBSTONE = -2;
/** Int32s per slot: first id (or EMPTY / TOMBSTONE), second id, value. */
const SLOT = 3;

export class PairTable {
  private slots: Int32Array;
  /** Number of slots − 1 (a power of two − 1). */
  private mask: number;
  /** Per id (folded by filterMask), bit 2k: first id of a pair, bit 2k + 1: second id. */
  private idBits: Int32Array;
  private filterMask: number;
  /** Bit (hash >>> pairShift) is set when some live pair may have this hash. */
  private pairBits: Int32Array;
  private pairShift: number;
  private count = 0;
  private filled = 0; // live entries + tombstones

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.slots = emptySlots(n);
    this.mask = n - 1;
    this.idBits = new Int32Array(n >>> 3);
    this.filterMask = n * 2 - 1;
    this.pairBits = new Int32Array(n >>> 2);
    this.pairShift = pairShift(n);
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.slots.byteLength + this.idBits.byteLength + this.pairBits.byteLength;
  }

  /** The value for (a, b), or 0 when absent. */
  get(a: number, b: number): number {
    const fa = a & this.filterMask;
    const fb = b & this.filterMask;
    const bits = this.idBits;
    // one branch for both bits: almost always "absent", which the CPU predicts well
    if (((bits[fa >>> 4]! >>> ((fa & 15) << 1)) & (bits[fb >>> 4]! >>> (((fb & 15) << 1) + 1)) & 1) === 0) return 0;
    const h = hash(a, b);
    const p = h >>> this.pairShift;
    if ((this.pairBits[p >>> 5]! & (1 << p)) === 0) return 0;
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const at = i * SLOT;
      const k = slots[at]!;
      if (k === EMPTY) return 0;
      if (k === a && slots[at + 1] === b) return slots[at + 2]!;
      i = (i + 1) & mask;
    }
  }

  has(a: number, b: number): boolean {
    return this.get(a, b) !== 0;
  }

  /** Sets (a, b) to `value` (non-zero). */
  set(a: number, b: number, value: number): void {
    const n = this.mask + 1;
    if ((this.filled + 1) * 4 > n * 3) this.rehash(this.count * 2 + 2 > n / 2 ? n * 2 : n);
    const slots = this.slots;
    const h = hash(a, b);
    let i = h & this.mask;
    let grave = -1;
    for (;;) {
      const at = i * SLOT;
      const k = slots[at]!;
      if (k === EMPTY) break;
      if (k === TOMBSTONE) {
        if (grave < 0) grave = i;
      } else if (k === a && slots[at + 1] === b) {
        slots[at + 2] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
    if (grave >= 0) i = grave;
    else this.filled++;
    const fa = a & this.filterMask;
    const fb = b & this.filterMask;
    this.idBits[fa >>> 4]! |= 1 << ((fa & 15) << 1);
    this.idBits[fb >>> 4]! |= 2 << ((fb & 15) << 1);
    const p = h >>> this.pairShift;
    this.pairBits[p >>> 5]! |= 1 << p;
    const at = i * SLOT;
    slots[at] = a;
    slots[at + 1] = b;
    slots[at + 2] = value;
    this.count++;
  }

  delete(a: number, b: number): boolean {
    const slots = this.slots;
    let i = hash(a, b) & this.mask;
    for (;;) {
      const at = i * SLOT;
      const k = slots[at]!;
      if (k === EMPTY) return false;
      if (k === a && slots[at + 1] === b) {
        slots[at] = TOMBSTONE;
        slots[at + 2] = 0;
        this.count--;
        return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots = emptySlots(size);
    this.mask = size - 1;
    this.idBits = new Int32Array(size >>> 3);
    this.filterMask = size * 2 - 1;
    this.pairBits = new Int32Array(size >>> 2);
    this.pairShift = pairShift(size);
    this.count = 0;
    this.filled = 0;
    for (let at = 0; at < old.length; at += SLOT) {
      const k = old[at]!;
      if (k >= 0) this.set(k, old[at + 1]!, old[at + 2]!);
    }
  }
}

/** For n slots (a power of two), the shift that maps a 32-bit hash onto 8n bits. */
function pairShift(n: number): number {
  return Math.max(0, 32 - 3 - Math.log2(n));
}

function emptySlots(n: number): Int32Array {
  const slots = new Int32Array(n * SLOT);
  for (let at = 0; at < slots.length; at += SLOT) slots[at] = EMPTY;
  return slots;
}

function hash(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}
