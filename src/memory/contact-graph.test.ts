import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContactGraph } from './contact-graph.js';

const list = (a: Int32Array): number[] => Array.from(a);

/** Asserts the graph holds exactly the model's edges. */
function expectSame(g: ContactGraph, model: Map<number, Set<number>>, owners: Iterable<number>): void {
  let edges = 0;
  for (const owner of owners) {
    const want = [...(model.get(owner) ?? [])].sort((x, y) => x - y);
    edges += want.length;
    expect(list(g.contactsOf(owner)), `contacts of ${owner}`).toEqual(want);
  }
  expect(g.size).toBe(edges);
}

describe('ContactGraph basics', () => {
  it('an empty graph has nothing, for any owner including ones beyond capacity', () => {
    const g = new ContactGraph(8, 16);
    expect(g.size).toBe(0);
    expect(g.has(0, 1)).toBe(false);
    expect(g.has(3, 3)).toBe(false);
    expect(g.has(1_000_000, 1)).toBe(false);
    expect(list(g.contactsOf(5))).toEqual([]);
    expect(list(g.contactsOf(1_000_000))).toEqual([]);
    expect(g.remove(1_000_000, 1)).toBe(false);
    expect(g.remove(2, 1)).toBe(false);
  });

  it('add returns true once, then false; edges are directed', () => {
    const g = new ContactGraph();
    expect(g.add(1, 2)).toBe(true);
    expect(g.add(1, 2)).toBe(false);
    expect(g.has(1, 2)).toBe(true);
    expect(g.has(2, 1)).toBe(false);
    expect(g.size).toBe(1);
    expect(g.add(2, 1)).toBe(true);
    expect(g.has(2, 1)).toBe(true);
    expect(g.size).toBe(2);
  });

  it('contactsOf is ascending whatever the insertion order, and a copy', () => {
    const g = new ContactGraph();
    for (const c of [50, 3, 999, 7, 0, 42, 8]) g.add(10, c);
    const got = g.contactsOf(10);
    expect(list(got)).toEqual([0, 3, 7, 8, 42, 50, 999]);
    got[0] = 12345;
    expect(g.has(10, 0)).toBe(true);
    expect(g.has(10, 12345)).toBe(false);
  });

  it('remove returns true once, then false, and keeps the rest sorted', () => {
    const g = new ContactGraph();
    for (const c of [5, 1, 9, 3, 7]) g.add(4, c);
    expect(g.remove(4, 3)).toBe(true);
    expect(g.remove(4, 3)).toBe(false);
    expect(g.remove(4, 4)).toBe(false);
    expect(g.has(4, 3)).toBe(false);
    expect(list(g.contactsOf(4))).toEqual([1, 5, 7, 9]);
    expect(g.size).toBe(4);
    // removing the first and the last
    expect(g.remove(4, 1)).toBe(true);
    expect(g.remove(4, 9)).toBe(true);
    expect(list(g.contactsOf(4))).toEqual([5, 7]);
    // and re-adding
    expect(g.add(4, 3)).toBe(true);
    expect(list(g.contactsOf(4))).toEqual([3, 5, 7]);
  });

  it('owners do not see each other’s contacts', () => {
    const g = new ContactGraph();
    g.add(1, 100);
    g.add(2, 200);
    g.add(3, 100);
    expect(g.has(1, 200)).toBe(false);
    expect(g.has(2, 100)).toBe(false);
    expect(list(g.contactsOf(1))).toEqual([100]);
    expect(list(g.contactsOf(3))).toEqual([100]);
    g.remove(1, 100);
    expect(g.has(3, 100)).toBe(true);
  });

  it('owner 0 and large contact ids work', () => {
    const g = new ContactGraph(4, 8);
    g.add(0, 2_147_483_647);
    g.add(0, 1);
    expect(g.has(0, 2_147_483_647)).toBe(true);
    expect(list(g.contactsOf(0))).toEqual([1, 2_147_483_647]);
  });
});

describe('ContactGraph growth', () => {
  it('many owners beyond the initial capacity, interleaved so every slice relocates many times', () => {
    const g = new ContactGraph(4, 16);
    const bytesBefore = g.bytes;
    const owners = 3000;
    const perOwner = 40;
    const model = new Map<number, Set<number>>();
    let wrong = 0;
    // interleave: round r adds one contact to every owner, so slices keep moving past each other
    for (let r = 0; r < perOwner; r++) {
      for (let o = 0; o < owners; o++) {
        const c = (o * 7919 + r * 104_729) % 100_000;
        const fresh = !(model.get(o)?.has(c) ?? false);
        if (g.add(o, c) !== fresh) wrong++;
        if (!model.has(o)) model.set(o, new Set());
        model.get(o)!.add(c);
      }
    }
    expect(wrong).toBe(0);
    expect(g.bytes).toBeGreaterThan(bytesBefore);
    expectSame(g, model, model.keys());
    for (let o = 0; o < owners; o += 97) {
      for (const c of model.get(o)!) expect(g.has(o, c)).toBe(true);
      expect(g.has(o, 100_001)).toBe(false);
    }
  });

  it('one owner with tens of thousands of contacts', () => {
    const g = new ContactGraph(2, 4);
    const n = 20_000;
    for (let i = n - 1; i >= 0; i--) g.add(1, i * 3); // descending: every insert at the front
    expect(g.size).toBe(n);
    const got = g.contactsOf(1);
    expect(got.length).toBe(n);
    expect(got.every((v, i) => v === i * 3)).toBe(true);
    expect(g.has(1, 3 * 12_345)).toBe(true);
    expect(g.has(1, 3 * 12_345 + 1)).toBe(false);
  });

  it('pool compaction keeps every slice (exercised directly: the growth pattern alone never leaves half the pool holes)', () => {
    const g = new ContactGraph(4, 16);
    const model = new Map<number, Set<number>>();
    for (let o = 0; o < 200; o++) {
      model.set(o, new Set());
      for (let k = 0; k < (o % 13) + 1; k++) {
        const c = (o * 31 + k * 17) % 500;
        g.add(o, c);
        model.get(o)!.add(c);
      }
    }
    for (let o = 0; o < 200; o += 3) {
      const first = [...model.get(o)!][0]!;
      g.remove(o, first);
      model.get(o)!.delete(first);
    }
    (g as unknown as { compact(): void }).compact();
    expectSame(g, model, model.keys());
    // and it keeps working afterwards
    for (let o = 0; o < 200; o++) {
      g.add(o, 10_000 + o);
      model.get(o)!.add(10_000 + o);
    }
    expectSame(g, model, model.keys());
  });
});

describe('ContactGraph.fromSorted', () => {
  it('builds the same graph as adding one by one, and takes further adds and removes', () => {
    const edges: [number, number][] = [
      [1, 2],
      [1, 5],
      [1, 9],
      [2, 1],
      [7, 3],
      [7, 4],
      [7, 8],
      [7, 100],
      [2000, 1],
    ];
    const owners = Int32Array.from(edges.map((e) => e[0]));
    const contacts = Int32Array.from(edges.map((e) => e[1]));
    const g = ContactGraph.fromSorted(owners, contacts, edges.length, 16); // 2000 is past the capacity
    expect(g.size).toBe(edges.length);
    for (const [o, c] of edges) expect(g.has(o, c)).toBe(true);
    expect(g.has(2, 5)).toBe(false);
    expect(list(g.contactsOf(7))).toEqual([3, 4, 8, 100]);
    expect(list(g.contactsOf(2000))).toEqual([1]);
    // beyond the slack of each slice
    for (let c = 200; c < 260; c++) g.add(1, c);
    expect(g.contactsOf(1).length).toBe(63);
    expect(list(g.contactsOf(7))).toEqual([3, 4, 8, 100]);
    expect(g.remove(7, 4)).toBe(true);
    expect(list(g.contactsOf(7))).toEqual([3, 8, 100]);
    expect(g.add(3, 1)).toBe(true);
  });

  it('honours count: edges past it are ignored', () => {
    const g = ContactGraph.fromSorted(Int32Array.from([1, 1, 2]), Int32Array.from([2, 3, 1]), 2, 8);
    expect(g.size).toBe(2);
    expect(g.has(2, 1)).toBe(false);
  });

  it('many owners with one contact each (their slack exceeds the pool estimate)', () => {
    // regression: each single-contact slice takes 3 slots, more than the 1.25 × edges the pool
    // was sized for, and the build threw "offset is out of bounds"
    const n = 5000;
    const owners = new Int32Array(n);
    const contacts = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      owners[i] = i + 1;
      contacts[i] = (i * 13) % 977;
    }
    const g = ContactGraph.fromSorted(owners, contacts, n, n + 1);
    expect(g.size).toBe(n);
    let missing = 0;
    for (let i = 0; i < n; i++) if (!g.has(i + 1, (i * 13) % 977)) missing++;
    expect(missing).toBe(0);
    g.add(n, 5000);
    expect(g.has(n, 5000)).toBe(true);
    expect(g.has(n - 1, 5000)).toBe(false);
  });

  it('property: equals a Map<number, Set<number>> built from the same sorted edges', () => {
    const edgesArb = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 200 })), {
      maxLength: 400,
      selector: ([o, c]) => o * 1000 + c,
    });
    fc.assert(
      fc.property(edgesArb, fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 200 })), { maxLength: 50 }), (edges, extra) => {
        edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        const g = ContactGraph.fromSorted(Int32Array.from(edges.map((e) => e[0])), Int32Array.from(edges.map((e) => e[1])), edges.length, 8);
        const model = new Map<number, Set<number>>();
        for (const [o, c] of edges) {
          if (!model.has(o)) model.set(o, new Set());
          model.get(o)!.add(c);
        }
        const all = Array.from({ length: 61 }, (_, i) => i);
        expectSame(g, model, all);
        for (const [o, c] of extra) {
          const fresh = !(model.get(o)?.has(c) ?? false);
          expect(g.add(o, c)).toBe(fresh);
          if (!model.has(o)) model.set(o, new Set());
          model.get(o)!.add(c);
        }
        expectSame(g, model, all);
      }),
      { numRuns: 200 },
    );
  });
});

describe('ContactGraph model-based property (fast-check)', () => {
  type Op = { kind: 'add' | 'remove' | 'has'; owner: number; other: number };
  const opArb: fc.Arbitrary<Op> = fc.record({
    kind: fc.constantFrom('add', 'add', 'remove', 'has') as fc.Arbitrary<Op['kind']>,
    owner: fc.integer({ min: 0, max: 40 }),
    other: fc.integer({ min: 0, max: 60 }),
  });

  it('behaves like Map<number, Set<number>> under random add/remove sequences', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 600 }), (ops) => {
        const g = new ContactGraph(4, 8); // tiny: owners and pool grow during the run
        const model = new Map<number, Set<number>>();
        for (const { kind, owner, other } of ops) {
          const set = model.get(owner) ?? new Set<number>();
          model.set(owner, set);
          if (kind === 'add') {
            expect(g.add(owner, other)).toBe(!set.has(other));
            set.add(other);
          } else if (kind === 'remove') {
            expect(g.remove(owner, other)).toBe(set.has(other));
            set.delete(other);
          } else {
            expect(g.has(owner, other)).toBe(set.has(other));
          }
        }
        expectSame(
          g,
          model,
          Array.from({ length: 41 }, (_, i) => i),
        );
        const wrong: string[] = [];
        for (let o = 0; o <= 40; o++) for (let c = 0; c <= 60; c++) if (g.has(o, c) !== (model.get(o)?.has(c) ?? false)) wrong.push(`${o}>${c}`);
        expect(wrong).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
