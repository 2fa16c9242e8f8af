import { describe, expect, it } from 'vitest';
import { MinuteSeries, SLOTS } from './minute-series.js';

const M = 60_000;

describe('MinuteSeries', () => {
  it('counts per minute and reads the last minutes oldest first', () => {
    const s = new MinuteSeries();
    const t0 = 1_000 * M;
    s.add('x', t0);
    s.add('x', t0 + 10_000, 2);
    s.add('x', t0 + M);
    expect(s.read('x', t0 + M, 3)).toEqual([0, 3, 1]);
    expect(s.total('x', t0 + M, 3)).toBe(4);
    expect(s.read('unknown', t0, 2)).toEqual([0, 0]);
  });

  it('forgets minutes older than a day even where their slot is reused', () => {
    const s = new MinuteSeries();
    const t0 = 5_000 * M;
    s.add('x', t0, 7);
    s.add('x', t0 + SLOTS * M, 1); // same slot, a day later
    expect(s.read('x', t0 + SLOTS * M, 1)).toEqual([1]);
    expect(s.total('x', t0 + SLOTS * M, SLOTS)).toBe(1);
  });
});
