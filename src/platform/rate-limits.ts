import { performance } from 'node:perf_hooks';
import type { Config } from '../config.js';
import { takeToken, type BucketRule } from '../domain/bucket.js';

export type LimitKind = 'requests' | 'messages' | 'reports';

/**
 * Per-account token buckets (and per-IP ones for requests without a valid token). They run on
 * real monotonic time, never on the manual clock (RULES.md §7).
 */
export class RateLimiter {
  private readonly slots: Record<LimitKind, { tokens: Float64Array; last: Float64Array }>;
  private readonly byIp = new Map<string, number>();
  private readonly ipTokens = new Float64Array(4096);
  private readonly ipLast = new Float64Array(4096);

  constructor(
    private readonly config: Config['rateLimits'],
    private readonly monotonicMs: () => number = () => performance.now() + 1,
  ) {
    const fresh = () => ({ tokens: new Float64Array(1024), last: new Float64Array(1024) });
    this.slots = { requests: fresh(), messages: fresh(), reports: fresh() };
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** 0 when allowed, else seconds to wait. */
  take(kind: LimitKind, account: number): number {
    if (!this.config.enabled) return 0;
    const s = this.slots[kind];
    if (account >= s.tokens.length) {
      let n = s.tokens.length;
      while (n <= account) n *= 2;
      const t = new Float64Array(n);
      t.set(s.tokens);
      const l = new Float64Array(n);
      l.set(s.last);
      s.tokens = t;
      s.last = l;
    }
    return takeToken(s.tokens, s.last, account, this.monotonicMs(), this.config[kind] as BucketRule);
  }

  /** Requests without a valid token, by client address (a bounded table of recent addresses). */
  takeForIp(ip: string): number {
    if (!this.config.enabled) return 0;
    let slot = this.byIp.get(ip);
    if (slot === undefined) {
      if (this.byIp.size >= this.ipTokens.length) this.byIp.clear(); // forget old addresses
      slot = this.byIp.size;
      this.byIp.set(ip, slot);
      this.ipLast[slot] = 0;
    }
    return takeToken(this.ipTokens, this.ipLast, slot, this.monotonicMs(), this.config.requests);
  }
}
