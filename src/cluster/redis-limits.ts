import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { BucketRule } from '../domain/bucket.js';
import { addressKey, type LimitKind, type Limits } from '../platform/rate-limits.js';
import { StoreUnavailableError } from '../store/store.js';

/**
 * Token buckets in Redis, for several nodes: an account's requests, messages and reports spend
 * one bucket wherever the load balancer sends them. The same arithmetic as the in-process
 * buckets (`domain/bucket.ts`), run atomically by a script on Redis's own clock, so nodes'
 * clocks need not agree. A bucket's key expires once it would have refilled: a full bucket
 * carries no memory, so Redis holds only the accounts and addresses that are spending.
 */

const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if b[1] then
  tokens = math.min(burst, tonumber(b[1]) + (now - tonumber(b[2])) / 1000 * rate)
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) / rate))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return wait
`;

type Taker = Redis & { banyaTake(key: string, perSecond: number, burst: number): Promise<number> };

export class RedisLimiter implements Limits {
  private readonly redis: Taker;

  constructor(
    redis: Redis,
    private readonly config: Config['rateLimits'],
    /** Keys' prefix, so that several deployments (or test files) can share one Redis. */
    private readonly prefix = 'banya:',
  ) {
    redis.defineCommand('banyaTake', { numberOfKeys: 1, lua: TAKE });
    this.redis = redis as Taker;
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** Redis unreachable is the service's trouble, not the request's: 503, never a 500. */
  private take1(key: string, rule: BucketRule): Promise<number> {
    return this.redis.banyaTake(this.prefix + key, rule.perSecond, rule.burst).catch((err: unknown) => {
      throw new StoreUnavailableError(`the rate limits cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  take(kind: LimitKind, account: number): number | Promise<number> {
    if (!this.config.enabled) return 0;
    return this.take1(`rl:${kind}:${account}`, this.config[kind]);
  }

  takeForIp(ip: string): number | Promise<number> {
    if (!this.config.enabled) return 0;
    return this.take1(`rl:ip:${addressKey(ip)}`, this.config.requests);
  }

  takeAuthFailure(ip: string): number | Promise<number> {
    if (!this.config.enabled) return 0;
    return this.take1(`rl:auth:${addressKey(ip)}`, this.config.authFailures);
  }
}
