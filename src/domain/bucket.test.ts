import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { takeToken, type BucketRule } from './bucket.js';

function slots(n = 4): { tokens: Float64Array; last: Float64Array } {
  return { tokens: new Float64Array(n), last: new Float64Array(n) };
}

/** Takes until refused at one instant; returns how many were taken and the wait answered. */
function drain(s: ReturnType<typeof slots>, i: number, now: number, rule: BucketRule): { taken: number; wait: number } {
  let taken = 0;
  for (;;) {
    const w = takeToken(s.tokens, s.last, i, now, rule);
    if (w !== 0) return { taken, wait: w };
    taken++;
    if (taken > 1e6) throw new Error('bucket never empties');
  }
}

const T0 = 5_000_000; // any monotonic instant > 0

describe('takeToken', () => {
  it('a slot never seen starts full: exactly `burst` tokens at one instant', () => {
    const s = slots();
    expect(drain(s, 0, T0, { perSecond: 1, burst: 5 })).toEqual({ taken: 5, wait: 1 });
  });

  it('returns 0 when taken and decrements the tokens', () => {
    const s = slots();
    expect(takeToken(s.tokens, s.last, 1, T0, { perSecond: 1, burst: 3 })).toBe(0);
    expect(s.tokens[1]).toBe(2);
    expect(s.last[1]).toBe(T0);
  });

  it('refills at perSecond', () => {
    const rule = { perSecond: 2, burst: 4 };
    const s = slots();
    drain(s, 0, T0, rule);
    // 0.4 s later: 0.8 token, not enough
    expect(takeToken(s.tokens, s.last, 0, T0 + 400, rule)).toBe(1);
    // 0.5 s after the start: 1 token
    expect(takeToken(s.tokens, s.last, 0, T0 + 500, rule)).toBe(0);
    expect(takeToken(s.tokens, s.last, 0, T0 + 500, rule)).toBeGreaterThan(0);
    // 1.5 s after the start: 2 more tokens
    expect(drain(s, 0, T0 + 1500, rule).taken).toBe(2);
  });

  it('answers whole seconds, at least 1, enough for a token to be there', () => {
    const s = slots();
    const slow = { perSecond: 0.2, burst: 2 };
    const d = drain(s, 0, T0, slow);
    expect(d).toEqual({ taken: 2, wait: 5 });
    expect(takeToken(s.tokens, s.last, 0, T0 + 4_999, slow)).toBeGreaterThanOrEqual(1);
    expect(takeToken(s.tokens, s.last, 0, T0 + 5_000, slow)).toBe(0);

    const fast = { perSecond: 100, burst: 1 };
    const f = slots();
    expect(drain(f, 0, T0, fast)).toEqual({ taken: 1, wait: 1 }); // 0.01 s rounds up to 1
  });

  it('a refused call does not spend anything: the partial refill keeps accruing', () => {
    const rule = { perSecond: 1, burst: 1 };
    const s = slots();
    drain(s, 0, T0, rule);
    expect(takeToken(s.tokens, s.last, 0, T0 + 300, rule)).toBe(1);
    expect(takeToken(s.tokens, s.last, 0, T0 + 600, rule)).toBe(1);
    expect(takeToken(s.tokens, s.last, 0, T0 + 1000, rule)).toBe(0);
  });

  it('never holds more than burst, however long it was idle', () => {
    const rule = { perSecond: 10, burst: 3 };
    const s = slots();
    expect(takeToken(s.tokens, s.last, 0, T0, rule)).toBe(0);
    expect(drain(s, 0, T0 + 86_400_000, rule).taken).toBe(3);
    expect(s.tokens[0]).toBeLessThan(1);
  });

  it('slots are independent', () => {
    const rule = { perSecond: 1, burst: 2 };
    const s = slots();
    drain(s, 0, T0, rule);
    expect(drain(s, 1, T0, rule).taken).toBe(2);
    expect(takeToken(s.tokens, s.last, 0, T0, rule)).toBe(1);
  });

  it('property: tokens stay within [0, burst]; waiting the answered seconds always yields a token', () => {
    const ruleArb = fc.record({
      perSecond: fc.constantFrom(0.2, 0.25, 0.5, 1, 3, 20, 50),
      burst: fc.integer({ min: 1, max: 50 }),
    });
    fc.assert(
      fc.property(ruleArb, fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 80 }), (rule, gaps) => {
        const s = slots(1);
        let now = T0;
        for (const g of gaps) {
          now += g;
          const w = takeToken(s.tokens, s.last, 0, now, rule);
          expect(s.tokens[0]).toBeGreaterThanOrEqual(0);
          expect(s.tokens[0]).toBeLessThanOrEqual(rule.burst);
          if (w !== 0) {
            expect(Number.isInteger(w)).toBe(true);
            expect(w).toBeGreaterThanOrEqual(1);
            // a copy of the state: waiting exactly w seconds is enough
            const copy = { tokens: Float64Array.from(s.tokens), last: Float64Array.from(s.last) };
            expect(takeToken(copy.tokens, copy.last, 0, now + w * 1000, rule)).toBe(0);
          }
        }
      }),
    );
  });

  it('property: no more than burst + perSecond × elapsed tokens are ever taken', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(0.5, 1, 5),
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 200 }),
        (burst, perSecond, gaps) => {
          const rule = { perSecond, burst };
          const s = slots(1);
          let now = T0;
          let taken = 0;
          for (const g of gaps) {
            now += g;
            if (takeToken(s.tokens, s.last, 0, now, rule) === 0) taken++;
          }
          expect(taken).toBeLessThanOrEqual(burst + Math.floor((perSecond * (now - T0)) / 1000) + 1e-9);
        },
      ),
    );
  });
});
