/**
 * Per-account counters for robots, in flat typed arrays: for each counter an hour bucket, a day
 * bucket (tumbling windows of the injected clock) and a total. No object per account, so a
 * million accounts cost a few dozen megabytes and an update is a few array writes.
 */

export const COUNTERS = ['cold', 'coldChats', 'links', 'invites', 'reports', 'freshReports', 'blocks', 'sameText'] as const;
export type CounterName = (typeof COUNTERS)[number];

const HOUR = 3600_000;
const DAY = 24 * HOUR;

class Counter {
  hour: Float64Array;
  day: Float64Array;
  total: Float64Array;
  hourStamp: Int32Array;
  dayStamp: Int32Array;

  constructor(n: number) {
    this.hour = new Float64Array(n);
    this.day = new Float64Array(n);
    this.total = new Float64Array(n);
    this.hourStamp = new Int32Array(n);
    this.dayStamp = new Int32Array(n);
  }

  grow(n: number): void {
    const g = <T extends Float64Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.hour = g(this.hour);
    this.day = g(this.day);
    this.total = g(this.total);
    this.hourStamp = g(this.hourStamp);
    this.dayStamp = g(this.dayStamp);
  }
}

/** `value` after `elapsedMs` of exponential decay with the given half-life (never grows). */
export function decayed(value: number, elapsedMs: number, halfLifeMs: number): number {
  if (elapsedMs <= 0 || value === 0 || halfLifeMs === Infinity) return value;
  if (halfLifeMs <= 0) return 0;
  return value * 2 ** (-elapsedMs / halfLifeMs);
}

export class Counters {
  private readonly counters: Record<CounterName, Counter>;
  private capacity: number;
  /** When each account was created (ms); 0 when unknown (treated as established). */
  createdAt: Float64Array;
  /** The last text an account sent to a stranger, and how many strangers got it in a row. */
  lastText: Int32Array;
  /** The same-text run as a decaying value, and when it was last updated (ms). */
  run: Float64Array;
  runAt: Float64Array;

  constructor(capacity = 1024) {
    this.capacity = capacity;
    this.counters = Object.fromEntries(COUNTERS.map((c) => [c, new Counter(capacity)])) as Record<CounterName, Counter>;
    this.createdAt = new Float64Array(capacity);
    this.lastText = new Int32Array(capacity);
    this.run = new Float64Array(capacity);
    this.runAt = new Float64Array(capacity);
  }

  ensure(a: number): void {
    if (a < this.capacity) return;
    let n = Math.max(1, this.capacity);
    while (n <= a) n *= 2;
    for (const c of COUNTERS) this.counters[c].grow(n);
    const ca = new Float64Array(n);
    ca.set(this.createdAt);
    this.createdAt = ca;
    const lt = new Int32Array(n);
    lt.set(this.lastText);
    this.lastText = lt;
    const r = new Float64Array(n);
    r.set(this.run);
    this.run = r;
    const ra = new Float64Array(n);
    ra.set(this.runAt);
    this.runAt = ra;
    this.capacity = n;
  }

  add(a: number, name: CounterName, at: number, v = 1): void {
    this.ensure(a);
    const c = this.counters[name];
    const h = Math.floor(at / HOUR) | 0;
    const d = Math.floor(at / DAY) | 0;
    if (c.hourStamp[a] !== h) {
      c.hourStamp[a] = h;
      c.hour[a] = 0;
    }
    if (c.dayStamp[a] !== d) {
      c.dayStamp[a] = d;
      c.day[a] = 0;
    }
    c.hour[a]! += v;
    c.day[a]! += v;
    c.total[a]! += v;
  }

  /** Resets a counter's windows and total (e.g. the same-text run on a new text). */
  reset(a: number, name: CounterName): void {
    this.ensure(a);
    const c = this.counters[name];
    c.hour[a] = 0;
    c.day[a] = 0;
    c.total[a] = 0;
  }

  hour(a: number, name: CounterName, at: number): number {
    if (a >= this.capacity) return 0;
    const c = this.counters[name];
    return c.hourStamp[a] === (Math.floor(at / HOUR) | 0) ? c.hour[a]! : 0;
  }

  day(a: number, name: CounterName, at: number): number {
    if (a >= this.capacity) return 0;
    const c = this.counters[name];
    return c.dayStamp[a] === (Math.floor(at / DAY) | 0) ? c.day[a]! : 0;
  }

  total(a: number, name: CounterName): number {
    return a < this.capacity ? this.counters[name].total[a]! : 0;
  }

  /**
   * Adds `v` to the account's decaying run (halving every `halfLifeMs`), or starts it again at
   * `v` when `restart`; returns the new value.
   */
  bumpRun(a: number, at: number, halfLifeMs: number, v = 1, restart = false): number {
    this.ensure(a);
    const value = (restart ? 0 : this.runValue(a, at, halfLifeMs)) + v;
    this.run[a] = value;
    this.runAt[a] = at;
    return value;
  }

  /** The decaying run at `at`. */
  runValue(a: number, at: number, halfLifeMs: number): number {
    if (a >= this.capacity) return 0;
    return decayed(this.run[a]!, at - this.runAt[a]!, halfLifeMs);
  }

  /** Age of the account at `at` (ms); Infinity when its creation is unknown. */
  age(a: number, at: number): number {
    const c = a < this.capacity ? this.createdAt[a]! : 0;
    return c === 0 ? Infinity : at - c;
  }

  get bytes(): number {
    return COUNTERS.length * this.capacity * (8 * 3 + 4 * 2) + this.capacity * 28;
  }
}

/**
 * Decaying per-account values in flat arrays: each halves every `halfLifeMs` (an exponential
 * window instead of a lifetime count), stored as the value at its last update and when that was.
 */
export class Decaying {
  private v: Float64Array;
  private t: Float64Array;

  constructor(
    readonly halfLifeMs: number,
    capacity = 1024,
  ) {
    this.v = new Float64Array(capacity);
    this.t = new Float64Array(capacity);
  }

  private ensure(a: number): void {
    if (a < this.v.length) return;
    let n = Math.max(16, this.v.length);
    while (n <= a) n *= 2;
    const v = new Float64Array(n);
    v.set(this.v);
    const t = new Float64Array(n);
    t.set(this.t);
    this.v = v;
    this.t = t;
  }

  /** Adds `x` at `at`; returns the new value. */
  add(a: number, at: number, x = 1): number {
    this.ensure(a);
    const value = decayed(this.v[a]!, at - this.t[a]!, this.halfLifeMs) + x;
    this.v[a] = value;
    this.t[a] = at;
    return value;
  }

  value(a: number, at: number): number {
    if (a >= this.v.length) return 0;
    return decayed(this.v[a]!, at - this.t[a]!, this.halfLifeMs);
  }

  /** Multiplies the value by `f` (e.g. to forgive evidence a person decided about). */
  scale(a: number, at: number, f: number): void {
    if (a >= this.v.length) return;
    this.v[a] = decayed(this.v[a]!, at - this.t[a]!, this.halfLifeMs) * f;
    this.t[a] = at;
  }

  get bytes(): number {
    return this.v.length * 16;
  }
}
