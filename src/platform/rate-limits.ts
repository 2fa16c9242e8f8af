import { performance } from 'node:perf_hooks';
import type { Config } from '../config.js';
import { takeToken, type BucketRule } from '../domain/bucket.js';

export type LimitKind = 'requests' | 'messages' | 'reports';

/** How many of the least recently used addresses are looked at to find one to forget. */
const EVICTION_SCAN = 16;

/**
 * The key an address is limited by: IPv4 as it is (also when mapped into IPv6), IPv6 by its
 * /64 prefix, the smallest block one subscriber is normally given, so that an attacker holding
 * a /64 cannot pass for 2^64 different clients.
 */
export function addressKey(ip: string): string {
  const bare = ip.split('%')[0]!.toLowerCase();
  if (!bare.includes(':')) return bare;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1]!;
  const hextets = (part: string): string[] => (part === '' ? [] : part.split(':').flatMap((h) => (h.includes('.') ? ['0', '0'] : [h])));
  const [head = '', tail] = bare.split('::');
  const left = hextets(head);
  const right = tail === undefined ? [] : hextets(tail);
  const all = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${all
    .slice(0, 4)
    .map((h) => h.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Token buckets per client address, in a table of bounded size. When the table is full, a
 * newcomer takes the slot of a least recently used address whose bucket has refilled (a full
 * bucket carries no memory: forgetting it changes nothing). A bucket that is still refilling is
 * never forgotten, so flooding the table with new addresses cannot reset anyone's limit; while
 * every slot is refilling, a newcomer waits until the oldest one has refilled. Holding the table
 * takes an attacker `capacity × perSecond` requests a second, far beyond what one server
 * answers.
 */
export class AddressBuckets {
  /** Address key → slot, least recently used first (a Map keeps insertion order). */
  private readonly slots = new Map<string, number>();
  private readonly tokens: Float64Array;
  private readonly last: Float64Array;

  constructor(
    private readonly rule: BucketRule,
    readonly capacity: number,
  ) {
    this.tokens = new Float64Array(capacity);
    this.last = new Float64Array(capacity);
  }

  /** Addresses held now. */
  get size(): number {
    return this.slots.size;
  }

  /** 0 when a token was taken, else seconds to wait. `nowMs` is monotonic and > 0. */
  take(ip: string | undefined, nowMs: number): number {
    // A socket already gone has no address: such requests share one bucket.
    const key = ip ? addressKey(ip) : '';
    let slot = this.slots.get(key);
    if (slot !== undefined) {
      this.slots.delete(key);
      this.slots.set(key, slot);
    } else {
      slot = this.admit(nowMs);
      if (slot < 0) return -slot;
      this.slots.set(key, slot);
      this.last[slot] = 0; // starts full
    }
    return takeToken(this.tokens, this.last, slot, nowMs, this.rule);
  }

  /** A free slot for a new address, or minus the seconds until one frees up. */
  private admit(nowMs: number): number {
    if (this.slots.size < this.capacity) return this.slots.size;
    let scanned = 0;
    let oldest = -1;
    for (const [key, slot] of this.slots) {
      if (oldest < 0) oldest = slot;
      if (this.refilled(slot, nowMs)) {
        this.slots.delete(key);
        return slot;
      }
      if (++scanned >= EVICTION_SCAN) break;
    }
    const missing = this.rule.burst - this.level(oldest, nowMs);
    return -Math.max(1, Math.ceil(missing / this.rule.perSecond));
  }

  private level(slot: number, nowMs: number): number {
    const seen = this.last[slot]!;
    if (seen === 0) return this.rule.burst;
    return Math.min(this.rule.burst, this.tokens[slot]! + ((nowMs - seen) / 1000) * this.rule.perSecond);
  }

  private refilled(slot: number, nowMs: number): boolean {
    return this.level(slot, nowMs) >= this.rule.burst;
  }
}

/**
 * What the API's limits need: a token from a bucket, 0 when taken, else the seconds to wait. In
 * process (one node, synchronous) or in Redis (several nodes, `cluster/redis-limits.ts`).
 */
export interface Limits {
  readonly enabled: boolean;
  take(kind: LimitKind, account: number): number | Promise<number>;
  takeForIp(ip: string): number | Promise<number>;
  takeAuthFailure(ip: string): number | Promise<number>;
}

/**
 * Per-account token buckets (and per-address ones for requests without a valid token). They
 * run on real monotonic time, never on the manual clock (RULES.md §7).
 */
export class RateLimiter implements Limits {
  private readonly slots: Record<LimitKind, { tokens: Float64Array; last: Float64Array }>;
  private readonly byIp: AddressBuckets;
  private readonly authFailures: AddressBuckets;

  constructor(
    private readonly config: Config['rateLimits'],
    private readonly monotonicMs: () => number = () => performance.now() + 1,
  ) {
    const fresh = () => ({ tokens: new Float64Array(1024), last: new Float64Array(1024) });
    this.slots = { requests: fresh(), messages: fresh(), reports: fresh() };
    this.byIp = new AddressBuckets(config.requests, config.maxAddresses);
    this.authFailures = new AddressBuckets(config.authFailures, config.maxAddresses);
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

  /** Requests without a valid token, by client address. */
  takeForIp(ip: string): number {
    if (!this.config.enabled) return 0;
    return this.byIp.take(ip, this.monotonicMs());
  }

  /** Requests whose token is not valid, by client address (guessing tokens is slow). */
  takeAuthFailure(ip: string): number {
    if (!this.config.enabled) return 0;
    return this.authFailures.take(ip, this.monotonicMs());
  }
}
