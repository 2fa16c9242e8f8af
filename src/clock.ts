import { fail } from './domain/errors.js';
/** Time for every rule (RULES.md §7): the real clock, or a manual one that only an admin moves. */
export interface Clock {
  readonly manual: boolean;
  /** Milliseconds since the epoch. */
  now(): number;
}

export class SystemClock implements Clock {
  readonly manual = false;
  now(): number {
    return Date.now();
  }
}

/**
 * The latest time the manual clock may show: the end of year 9999. Every time the API writes
 * keeps a four-digit ISO year, and dates computed from it (an `until` years later) stay far
 * from JavaScript's last date (year 275760), past which `toISOString` throws.
 */
export const MAX_CLOCK_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Starts where the data folder's stored time says (or at the real time on first use). */
export class ManualClock implements Clock {
  readonly manual = true;
  constructor(private at: number) {}
  now(): number {
    return this.at;
  }
  /** Moves to `at` if that is later (the cluster's clock, told by a `clock_set` event). */
  moveTo(at: number): void {
    if (at > this.at && at <= MAX_CLOCK_MS) this.at = at;
  }

  advance(ms: number): number {
    if (!(ms >= 0) || (ms > 0 && this.at + ms > MAX_CLOCK_MS)) throw new RangeError(`the manual clock cannot move ${ms} ms from ${this.at}`);
    this.at += ms;
    return this.at;
  }
}

/**
 * Refuses an advance of the manual clock from `now` that would pass MAX_CLOCK_MS: 400, with how
 * far it may go. Asked where the advance is taken (after any advance before it), not only when
 * the request arrives.
 */
export function refusePastEnd(seconds: number, now: number): void {
  if (!(seconds > 0) || now + Math.round(seconds * 1000) <= MAX_CLOCK_MS) return;
  const latest = new Date(MAX_CLOCK_MS).toISOString();
  fail('BAD_REQUEST', {
    field: 'advanceSeconds',
    reason: `the clock cannot pass ${latest}`,
    latest,
    maxAdvanceSeconds: Math.max(0, Math.floor((MAX_CLOCK_MS - now) / 1000)),
  });
}
