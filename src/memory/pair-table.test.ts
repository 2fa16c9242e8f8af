import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairTable } from './pair-table.js';

const key = (a: number, b: number): string => `${a},${b}`;

describe('PairTable basics', () => {
  it('an empty table answers 0 / false', () => {
    const t = new PairTable(4);
    expect(t.size).toBe(0);
    expect(t.get(0, 0)).toBe(0);
    expect(t.get(1, 2)).toBe(0);
    expect(t.has(1, 2)).toBe(false);
    expect(t.delete(1, 2)).toBe(false);
  });

  it('set / get / has; pairs are ordered', () => {
    const t = new PairTable();
    t.set(1, 2, 10);
    expect(t.get(1, 2)).toBe(10);
    expect(t.has(1, 2)).toBe(true);
    expect(t.get(2, 1)).toBe(0);
    expect(t.has(2, 1)).toBe(false);
    t.set(2, 1, 20);
    expect(t.get(1, 2)).toBe(10);
    expect(t.get(2, 1)).toBe(20);
    expect(t.size).toBe(2);
  });

  it('overwriting keeps the size and changes the value', () => {
    const t = new PairTable();
    t.set(3, 4, 1);
    t.set(3, 4, 99);
    expect(t.get(3, 4)).toBe(99);
    expect(t.size).toBe(1);
  });

  it('delete removes only that pair, once', () => {
    const t = new PairTable();
    t.set(5, 6, 1);
    t.set(5, 7, 2);
    t.set(6, 5, 3);
    expect(t.delete(5, 6)).toBe(true);
    expect(t.delete(5, 6)).toBe(false);
    expect(t.get(5, 6)).toBe(0);
    expect(t.has(5, 6)).toBe(false);
    expect(t.get(5, 7)).toBe(2);
    expect(t.get(6, 5)).toBe(3);
    expect(t.size).toBe(2);
  });

  it('0 and the largest int32 are valid ids; negative or large values are kept exactly', () => {
    const t = new PairTable();
    t.set(0, 0, 7);
    t.set(2_147_483_647, 0, -5);
    t.set(0, 2_147_483_647, 2_147_483_647);
    expect(t.get(0, 0)).toBe(7);
    expect(t.get(2_147_483_647, 0)).toBe(-5);
    expect(t.get(0, 2_147_483_647)).toBe(2_147_483_647);
  });
});

describe('PairTable tombstones and rehash', () => {
  it('a deleted slot is reused, and entries probing past it stay reachable', () => {
    const t = new PairTable(1); // 16 slots: long probe chains
    for (let i = 0; i < 10; i++) t.set(i, i + 1, i + 100);
    for (let i = 0; i < 10; i += 2) expect(t.delete(i, i + 1)).toBe(true);
    for (let i = 1; i < 10; i += 2) expect(t.get(i, i + 1)).toBe(i + 100);
    for (let i = 0; i < 10; i += 2) expect(t.get(i, i + 1)).toBe(0);
    // re-insert the deleted keys and overwrite a surviving one: no duplicates appear
    for (let i = 0; i < 10; i += 2) t.set(i, i + 1, i + 200);
    t.set(1, 2, 999);
    expect(t.size).toBe(10);
    for (let i = 0; i < 10; i++) expect(t.get(i, i + 1)).toBe(i === 1 ? 999 : i % 2 === 0 ? i + 200 : i + 100);
    // deleting once must remove the pair completely (no stale copy further along the chain)
    for (let i = 0; i < 10; i++) expect(t.delete(i, i + 1)).toBe(true);
    for (let i = 0; i < 10; i++) expect(t.has(i, i + 1)).toBe(false);
    expect(t.size).toBe(0);
  });

  it('churn with a few live pairs neither loops forever nor grows without bound', () => {
    const t = new PairTable(4);
    const initial = t.bytes;
    let failedDeletes = 0;
    for (let i = 0; i < 50_000; i++) {
      t.set(i, i * 3, i + 1);
      if (i >= 3 && !t.delete(i - 3, (i - 3) * 3)) failedDeletes++;
    }
    expect(failedDeletes).toBe(0);
    expect(t.size).toBe(3);
    expect(t.bytes).toBeLessThanOrEqual(initial * 2);
    for (let i = 49_997; i < 50_000; i++) expect(t.get(i, i * 3)).toBe(i + 1);
    expect(t.get(49_996, 49_996 * 3)).toBe(0);
  });

  it('grows through many rehashes with every pair still there', () => {
    const t = new PairTable(1);
    const n = 100_000;
    for (let i = 0; i < n; i++) t.set(i % 317, i, i + 1);
    expect(t.size).toBe(n);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (t.get(i % 317, i) !== i + 1) wrong++;
    expect(wrong).toBe(0);
    expect(t.bytes).toBeGreaterThanOrEqual(n * 12);
    // delete half, then the other half is intact and the deleted are gone
    for (let i = 0; i < n; i += 2) t.delete(i % 317, i);
    expect(t.size).toBe(n / 2);
    for (let i = 0; i < n; i++) if (t.get(i % 317, i) !== (i % 2 === 1 ? i + 1 : 0)) wrong++;
    expect(wrong).toBe(0);
    // refill after deletes (tombstones everywhere)
    for (let i = 0; i < n; i += 2) t.set(i % 317, i, -(i + 1));
    for (let i = 0; i < n; i++) if (t.get(i % 317, i) !== (i % 2 === 1 ? i + 1 : -(i + 1))) wrong++;
    expect(wrong).toBe(0);
    expect(t.size).toBe(n);
  });
});

describe('PairTable model-based property (fast-check)', () => {
  type Op = { kind: 'set' | 'delete' | 'get'; a: number; b: number; v: number };
  const opArb: fc.Arbitrary<Op> = fc.record({
    kind: fc.constantFrom('set', 'set', 'delete', 'get') as fc.Arbitrary<Op['kind']>,
    a: fc.integer({ min: 0, max: 25 }),
    b: fc.integer({ min: 0, max: 25 }),
    v: fc.integer({ min: 1, max: 1_000_000 }),
  });

  it('behaves like a Map', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.array(opArb, { maxLength: 500 }), (capacity, ops) => {
        const t = new PairTable(capacity);
        const model = new Map<string, number>();
        for (const { kind, a, b, v } of ops) {
          if (kind === 'set') {
            t.set(a, b, v);
            model.set(key(a, b), v);
          } else if (kind === 'delete') {
            expect(t.delete(a, b)).toBe(model.delete(key(a, b)));
          } else {
            expect(t.get(a, b)).toBe(model.get(key(a, b)) ?? 0);
          }
          expect(t.size).toBe(model.size);
        }
        const wrong: string[] = [];
        for (let a = 0; a <= 25; a++) {
          for (let b = 0; b <= 25; b++) {
            if (t.get(a, b) !== (model.get(key(a, b)) ?? 0) || t.has(a, b) !== model.has(key(a, b))) wrong.push(key(a, b));
          }
        }
        expect(wrong).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
