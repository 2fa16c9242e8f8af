/**
 * A set of ordered pairs of small non-negative integers (dense account ids): open addressing
 * over two typed arrays, so a look-up is one or two cache lines instead of a walk through a
 * Map of Sets. The replay asks "did b write to a?" several times per message, millions of times.
 */
export class PairSet {
  private a: Int32Array;
  private b: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 12) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.a = new Int32Array(n);
    this.b = new Int32Array(n);
    this.mask = n - 1;
  }

  private static slot(x: number, y: number, mask: number): number {
    let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(y + 0x7f4a7c15, 0x85ebca77);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    return (h ^ (h >>> 13)) & mask;
  }

  has(x: number, y: number): boolean {
    const a = this.a;
    const b = this.b;
    const mask = this.mask;
    const xa = x + 1;
    let i = PairSet.slot(x, y, mask);
    for (;;) {
      const k = a[i]!;
      if (k === 0) return false;
      if (k === xa && b[i] === y) return true;
      i = (i + 1) & mask;
    }
  }

  /** Adds the pair; true when it was not there yet. */
  add(x: number, y: number): boolean {
    if (x < 0 || y < 0 || x >= 0x7fffffff || y > 0x7fffffff) throw new RangeError(`pair (${x}, ${y}) out of range`);
    const a = this.a;
    const b = this.b;
    const mask = this.mask;
    const xa = x + 1;
    let i = PairSet.slot(x, y, mask);
    for (;;) {
      const k = a[i]!;
      if (k === 0) break;
      if (k === xa && b[i] === y) return false;
      i = (i + 1) & mask;
    }
    a[i] = xa;
    b[i] = y;
    if (++this.size * 2 > mask) this.grow();
    return true;
  }

  private grow(): void {
    const oldA = this.a;
    const oldB = this.b;
    const n = oldA.length * 2;
    this.a = new Int32Array(n);
    this.b = new Int32Array(n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < oldA.length; i++) if (oldA[i] !== 0) this.add(oldA[i]! - 1, oldB[i]!);
  }
}
