import { describe, expect, it } from 'vitest';
import { protectionSchema } from './config.js';
import { capsAt, DAY, HOUR, nextSlot, qualityColour, seededRandom } from './protection.js';

const s = protectionSchema.parse({});
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

function schedule(n: number, connectedAt: number, now: number, colour: 'green' | 'yellow' | 'red' = 'green'): number[] {
  const times: number[] = [];
  const rnd = seededRandom('biz-1');
  for (let i = 0; i < n; i++) times.push(nextSlot(times, now, (t) => capsAt(s, connectedAt, t, colour), rnd));
  return times;
}

function maxIn(times: number[], window: number): number {
  let max = 0;
  for (const t of times) max = Math.max(max, times.filter((x) => x > t - window && x <= t).length);
  return max;
}

describe('sender protection', () => {
  it('a burst of 100 first contacts is spread within the caps, warm-up included', () => {
    const times = schedule(100, T0, T0);
    expect(new Set(times).size).toBe(100);
    // Day 1 of the warm-up: 10, at most 6 an hour.
    expect(times.filter((t) => t < T0 + DAY).length).toBeLessThanOrEqual(10);
    expect(
      maxIn(
        times.filter((t) => t < T0 + 3 * DAY),
        HOUR,
      ),
    ).toBeLessThanOrEqual(6);
    expect(maxIn(times, HOUR)).toBeLessThanOrEqual(15);
    expect(maxIn(times, DAY)).toBeLessThanOrEqual(40);
    const sorted = [...times].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(90_000);
  });

  it('an established number goes at its full caps; the spacing is seeded', () => {
    const a = schedule(50, T0 - 30 * DAY, T0);
    expect(a).toEqual(schedule(50, T0 - 30 * DAY, T0));
    expect(maxIn(a, DAY)).toBe(40);
    expect(maxIn(a, HOUR)).toBeLessThanOrEqual(15);
  });

  it('a worse colour tightens the caps', () => {
    expect(qualityColour(s, 100, 2, 0).colour).toBe('green');
    expect(qualityColour(s, 100, 5, 2).colour).toBe('yellow');
    expect(qualityColour(s, 100, 10, 5).colour).toBe('red');
    expect(qualityColour(s, 2, 1, 0).colour).toBe('yellow'); // small samples: out of at least 10
    const red = schedule(30, T0 - 30 * DAY, T0, 'red');
    expect(maxIn(red, DAY)).toBeLessThanOrEqual(10);
    expect(maxIn(red, HOUR)).toBeLessThanOrEqual(3);
  });
});
