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

/** Starts where the data folder's stored time says (or at the real time on first use). */
export class ManualClock implements Clock {
  readonly manual = true;
  constructor(private at: number) {}
  now(): number {
    return this.at;
  }
  advance(ms: number): number {
    this.at += ms;
    return this.at;
  }
}
