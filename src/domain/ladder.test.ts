import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countingStrikes, DEFAULT_LADDER, sanctionFor, type Ladder } from './ladder.js';

/** RULES.md §4: the default ladder, strike by strike, and which strikes still count. */

const NOW = 1_750_000_000_000;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const FREEZE = 14 * DAY;
const T = { now: NOW, freezeMs: FREEZE };
const YEAR = 365 * DAY;

describe('sanctionFor: the default ladder', () => {
  it('spam: limited 24 h → 72 h → 7 days → 30 days → permanently, and the last step repeats', () => {
    const hours = [24, 72, 7 * 24, 30 * 24];
    hours.forEach((h, i) => {
      expect(sanctionFor(DEFAULT_LADDER, 'spam', i, T)).toEqual({ state: 'limited', kind: 'report', until: NOW + h * HOUR, strike: i + 1 });
    });
    for (const n of [4, 5, 6, 50]) {
      expect(sanctionFor(DEFAULT_LADDER, 'spam', n, T)).toEqual({ state: 'limited', kind: 'permanent', until: null, strike: n + 1 });
    }
  });

  it('scam and industrial_spam freeze, with deleteAt after the freeze period, every time', () => {
    for (const policy of ['scam', 'industrial_spam']) {
      for (const n of [0, 1, 5]) {
        expect(sanctionFor(DEFAULT_LADDER, policy, n, T)).toEqual({ state: 'frozen', kind: policy, deleteAt: NOW + FREEZE, strike: n + 1 });
      }
    }
  });

  it('public content: take down and ban from public groups, then freeze (and freeze again)', () => {
    for (const policy of ['violence', 'pornography', 'illegal_drugs']) {
      const first = sanctionFor(DEFAULT_LADDER, policy, 0, T);
      expect(first).toEqual({ state: 'free', publicGroupsBan: true, takedown: true, strike: 1 });
      expect(sanctionFor(DEFAULT_LADDER, policy, 1, T)).toEqual({ state: 'frozen', kind: policy, deleteAt: NOW + FREEZE, strike: 2 });
      expect(sanctionFor(DEFAULT_LADDER, policy, 7, T)).toEqual({ state: 'frozen', kind: policy, deleteAt: NOW + FREEZE, strike: 8 });
    }
  });

  it('child_abuse bans at once, always', () => {
    for (const n of [0, 1, 3]) expect(sanctionFor(DEFAULT_LADDER, 'child_abuse', n, T)).toEqual({ state: 'banned', kind: 'child_abuse', strike: n + 1 });
  });

  it('covers exactly the default policies of RULES.md', () => {
    expect(Object.keys(DEFAULT_LADDER).sort()).toEqual(['child_abuse', 'illegal_drugs', 'industrial_spam', 'pornography', 'scam', 'spam', 'violence']);
  });

  it("follows an operator's ladder, and refuses a policy it does not know", () => {
    const ladder: Ladder = { spam: [{ action: 'limit', hours: 1 }, { action: 'ban' }], industrial_spam: [{ action: 'freeze' }] };
    expect(sanctionFor(ladder, 'spam', 0, T)).toMatchObject({ state: 'limited', until: NOW + HOUR });
    expect(sanctionFor(ladder, 'spam', 1, T)).toMatchObject({ state: 'banned', kind: 'spam' });
    expect(sanctionFor(ladder, 'spam', 9, T)).toMatchObject({ state: 'banned' });
    expect(() => sanctionFor(ladder, 'violence', 0, T)).toThrow(RangeError);
    expect(() => sanctionFor({ spam: [] }, 'spam', 0, T)).toThrow(RangeError);
  });

  it('never lowers the sanction as strikes grow (spam ends never shrink)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100 }), (n) => {
        const a = sanctionFor(DEFAULT_LADDER, 'spam', n, T);
        const b = sanctionFor(DEFAULT_LADDER, 'spam', n + 1, T);
        expect(b.strike).toBe(a.strike + 1);
        expect(b.until ?? Infinity).toBeGreaterThanOrEqual(a.until ?? Infinity);
      }),
    );
  });
});

describe('countingStrikes', () => {
  const s = (policy: string, ageMs: number, removed = false) => ({ policy, createdAt: NOW - ageMs, removed });

  it('counts only the policy asked about', () => {
    const strikes = [s('spam', DAY), s('spam', 2 * DAY), s('scam', DAY), s('violence', HOUR)];
    expect(countingStrikes(strikes, 'spam', NOW, YEAR)).toBe(2);
    expect(countingStrikes(strikes, 'scam', NOW, YEAR)).toBe(1);
    expect(countingStrikes(strikes, 'child_abuse', NOW, YEAR)).toBe(0);
    expect(countingStrikes([], 'spam', NOW, YEAR)).toBe(0);
  });

  it('ignores removed strikes', () => {
    expect(countingStrikes([s('spam', DAY, true), s('spam', DAY)], 'spam', NOW, YEAR)).toBe(1);
    expect(countingStrikes([s('spam', DAY, true)], 'spam', NOW, YEAR)).toBe(0);
  });

  it('stops counting a strike exactly the lifetime after its decision', () => {
    expect(countingStrikes([s('spam', YEAR - 1)], 'spam', NOW, YEAR)).toBe(1);
    expect(countingStrikes([s('spam', YEAR)], 'spam', NOW, YEAR)).toBe(0);
    expect(countingStrikes([s('spam', 366 * DAY), s('spam', 364 * DAY)], 'spam', NOW, YEAR)).toBe(1);
  });

  it('together with sanctionFor: an expired strike makes the next offence a first again', () => {
    const n = countingStrikes([s('spam', 366 * DAY)], 'spam', NOW, YEAR);
    expect(sanctionFor(DEFAULT_LADDER, 'spam', n, T)).toMatchObject({ until: NOW + DAY, strike: 1 });
  });

  it('equals a count by hand over random histories', () => {
    const strike = fc.record({
      policy: fc.constantFrom('spam', 'scam', 'violence'),
      createdAt: fc.integer({ min: NOW - 2 * YEAR, max: NOW }),
      removed: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(strike, { maxLength: 30 }), fc.constantFrom('spam', 'scam', 'violence'), (strikes, policy) => {
        const want = strikes.filter((x) => x.policy === policy && !x.removed && NOW - x.createdAt < YEAR).length;
        expect(countingStrikes(strikes, policy, NOW, YEAR)).toBe(want);
      }),
    );
  });
});
