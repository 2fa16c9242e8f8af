import { describe, expect, it } from 'vitest';
import { COUNTERS, Counters, decayed } from './counters.js';

/** Per-account windows of the robots: tumbling hour and day buckets on the injected clock, a total. */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** Monday 2025-01-06 00:00:00 UTC: a day (and hour) boundary. */
const T0 = Date.UTC(2025, 0, 6);

describe('hour window', () => {
  it('counts within a clock hour and starts again at the next one', () => {
    const c = new Counters();
    c.add(7, 'cold', T0 + 10 * HOUR);
    c.add(7, 'cold', T0 + 10 * HOUR + 30 * 60_000);
    c.add(7, 'cold', T0 + 11 * HOUR - 1);
    expect(c.hour(7, 'cold', T0 + 11 * HOUR - 1)).toBe(3);
    // The last millisecond of the hour still belongs to it; the next one does not.
    expect(c.hour(7, 'cold', T0 + 11 * HOUR)).toBe(0);
    c.add(7, 'cold', T0 + 11 * HOUR);
    expect(c.hour(7, 'cold', T0 + 11 * HOUR)).toBe(1);
    // The day and the total go on.
    expect(c.day(7, 'cold', T0 + 11 * HOUR)).toBe(4);
    expect(c.total(7, 'cold')).toBe(4);
  });

  it('is a tumbling window: 59 minutes apart across a boundary are different hours', () => {
    const c = new Counters();
    c.add(1, 'invites', T0 + 10 * HOUR + 59 * 60_000);
    c.add(1, 'invites', T0 + 11 * HOUR + 58 * 60_000);
    expect(c.hour(1, 'invites', T0 + 11 * HOUR + 58 * 60_000)).toBe(1);
  });

  it('reads 0 for a stale bucket without writing, and resets it on the next add', () => {
    const c = new Counters();
    for (let i = 0; i < 5; i++) c.add(2, 'links', T0 + 3 * HOUR + i);
    expect(c.hour(2, 'links', T0 + 5 * HOUR)).toBe(0);
    // Coming back to the same hour, the bucket is still there (reads do not reset).
    expect(c.hour(2, 'links', T0 + 3 * HOUR + 10)).toBe(5);
    c.add(2, 'links', T0 + 5 * HOUR);
    expect(c.hour(2, 'links', T0 + 5 * HOUR)).toBe(1);
    expect(c.hour(2, 'links', T0 + 3 * HOUR + 10)).toBe(0);
  });
});

describe('day window', () => {
  it('rolls over at UTC midnight, not 24 hours after the first event', () => {
    const c = new Counters();
    c.add(3, 'coldChats', T0 + 23 * HOUR);
    c.add(3, 'coldChats', T0 + DAY - 1);
    expect(c.day(3, 'coldChats', T0 + DAY - 1)).toBe(2);
    expect(c.hour(3, 'coldChats', T0 + DAY - 1)).toBe(2);
    expect(c.day(3, 'coldChats', T0 + DAY)).toBe(0);
    c.add(3, 'coldChats', T0 + DAY);
    expect(c.day(3, 'coldChats', T0 + DAY)).toBe(1);
    expect(c.hour(3, 'coldChats', T0 + DAY)).toBe(1);
    expect(c.total(3, 'coldChats')).toBe(3);
  });

  it('keeps the day across hour boundaries', () => {
    const c = new Counters();
    for (let h = 0; h < 24; h++) c.add(4, 'cold', T0 + h * HOUR + 1);
    expect(c.day(4, 'cold', T0 + 23 * HOUR + 5)).toBe(24);
    expect(c.hour(4, 'cold', T0 + 23 * HOUR + 5)).toBe(1);
    // A week later nothing of it is left in the windows.
    expect(c.day(4, 'cold', T0 + 7 * DAY)).toBe(0);
    expect(c.total(4, 'cold')).toBe(24);
  });
});

describe('values and accounts', () => {
  it('adds weights, keeps counters and accounts apart, and resets one counter', () => {
    const c = new Counters();
    c.add(5, 'reports', T0, 0.25);
    c.add(5, 'reports', T0, 1.5);
    c.add(5, 'freshReports', T0, 0.25);
    c.add(6, 'reports', T0, 2);
    expect(c.total(5, 'reports')).toBeCloseTo(1.75);
    expect(c.total(5, 'freshReports')).toBeCloseTo(0.25);
    expect(c.total(6, 'reports')).toBe(2);
    expect(c.total(6, 'freshReports')).toBe(0);
    c.reset(5, 'reports');
    expect([c.hour(5, 'reports', T0), c.day(5, 'reports', T0), c.total(5, 'reports')]).toEqual([0, 0, 0]);
    expect(c.total(5, 'freshReports')).toBeCloseTo(0.25);
    expect(c.total(6, 'reports')).toBe(2);
  });

  it('knows ages: unknown creation means established', () => {
    const c = new Counters();
    expect(c.age(9, T0)).toBe(Infinity);
    expect(c.age(1_000_000, T0)).toBe(Infinity);
    c.ensure(9);
    c.createdAt[9] = T0 - 2 * HOUR;
    expect(c.age(9, T0)).toBe(2 * HOUR);
  });
});

describe('growth beyond the initial capacity', () => {
  it('keeps every value, stamp, creation time and last text when it grows', () => {
    const c = new Counters(4);
    const before = c.bytes;
    c.add(1, 'cold', T0 + HOUR, 3);
    c.add(3, 'sameText', T0 + HOUR);
    c.ensure(2);
    c.createdAt[2] = T0 - DAY;
    c.lastText[3] = 12345;
    // Ids far past the capacity read as zero and cost nothing until written.
    expect(c.total(4000, 'cold')).toBe(0);
    expect(c.hour(4000, 'cold', T0)).toBe(0);
    expect(c.day(4000, 'cold', T0)).toBe(0);
    expect(c.bytes).toBe(before);

    c.add(4000, 'blocks', T0 + HOUR);
    expect(c.bytes).toBeGreaterThan(before);
    expect(c.bytes).toBe((COUNTERS.length * (8 * 3 + 4 * 2) + 28) * 4096);
    expect(c.total(4000, 'blocks')).toBe(1);
    expect(c.hour(4000, 'blocks', T0 + HOUR)).toBe(1);
    expect(c.day(4000, 'blocks', T0 + HOUR)).toBe(1);
    expect(c.total(1, 'cold')).toBe(3);
    expect(c.hour(1, 'cold', T0 + HOUR)).toBe(3);
    expect(c.day(1, 'cold', T0 + HOUR)).toBe(3);
    expect(c.total(3, 'sameText')).toBe(1);
    expect(c.age(2, T0)).toBe(DAY);
    expect(c.lastText[3]).toBe(12345);
    // The windows still roll over for old slots after growing.
    expect(c.hour(1, 'cold', T0 + 2 * HOUR)).toBe(0);
    c.add(1, 'cold', T0 + 2 * HOUR);
    expect(c.hour(1, 'cold', T0 + 2 * HOUR)).toBe(1);
    expect(c.total(1, 'cold')).toBe(4);
  });

  it('grows in steps while many accounts are written in turn', () => {
    const c = new Counters(2);
    for (let a = 0; a < 5000; a++) c.add(a, 'coldChats', T0 + (a % 3) * HOUR, a % 7);
    for (let a = 0; a < 5000; a++) {
      expect(c.total(a, 'coldChats')).toBe(a % 7);
      expect(c.hour(a, 'coldChats', T0 + (a % 3) * HOUR)).toBe(a % 7);
      expect(c.day(a, 'coldChats', T0 + 2 * HOUR)).toBe(a % 7);
    }
  });

  it('grows from a zero capacity', () => {
    const c = new Counters(0);
    c.add(0, 'cold', T0);
    c.add(5, 'cold', T0);
    expect(c.total(0, 'cold') + c.total(5, 'cold')).toBe(2);
  });
});

describe('the decaying run', () => {
  it('halves every half-life, adds on top, restarts on request, and survives growth', () => {
    const c = new Counters(2);
    expect(c.bumpRun(1, T0, HOUR)).toBe(1);
    expect(c.bumpRun(1, T0, HOUR)).toBe(2);
    expect(c.runValue(1, T0 + HOUR, HOUR)).toBe(1);
    expect(c.bumpRun(1, T0 + 2 * HOUR, HOUR)).toBe(1.5);
    expect(c.bumpRun(1, T0 + 2 * HOUR, HOUR, 1, true)).toBe(1);
    c.ensure(1000);
    expect(c.runValue(1, T0 + 3 * HOUR, HOUR)).toBe(0.5);
    expect(c.runValue(999, T0, HOUR)).toBe(0);
    expect(c.runValue(5000, T0, HOUR)).toBe(0);
  });

  it('decayed() never grows the value and is exact at whole half-lives', () => {
    expect(decayed(8, 3 * HOUR, HOUR)).toBe(1);
    expect(decayed(8, 0, HOUR)).toBe(8);
    expect(decayed(8, -5, HOUR)).toBe(8);
    expect(decayed(8, HOUR, Infinity)).toBe(8);
    expect(decayed(8, HOUR, 0)).toBe(0);
  });
});
