import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairSet } from './pairs.js';

describe('PairSet', () => {
  it('answers as a Set of "x,y" strings does, through growth (seeded)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(300), fc.nat(300)), { maxLength: 2000 }), (ops) => {
        const p = new PairSet(4);
        const ref = new Set<string>();
        for (const [add, x, y] of ops) {
          if (add) expect(p.add(x, y)).toBe(!ref.has(`${x},${y}`));
          if (add) ref.add(`${x},${y}`);
          else expect(p.has(x, y)).toBe(ref.has(`${x},${y}`));
        }
        expect(p.size).toBe(ref.size);
      }),
      { seed: 5, numRuns: 100 },
    );
  });

  it('is ordered: (a, b) is not (b, a); 0 is an id like any other', () => {
    const p = new PairSet();
    p.add(0, 1);
    expect(p.has(0, 1)).toBe(true);
    expect(p.has(1, 0)).toBe(false);
    expect(p.has(0, 0)).toBe(false);
    expect(() => p.add(-1, 2)).toThrow(RangeError);
  });
});
