import type { Redis } from 'ioredis';
import { LOOKUP_WINDOW_MS, type SharedLookups } from '../platform/lookups.js';

/**
 * The daily cap on number lookups (API.md, contact import) shared by every node: per account a
 * sorted set of the numbers looked up (member: the number's key, score: when first looked up on
 * the cluster's clock). One script prunes what passed the window, finds the numbers not looked up
 * within it, and either records them all or none and answers the wait — the same rolling 24 h,
 * the same "looking a number up again costs nothing" and the same wait as the in-process record
 * (`PhoneLookups`), which each node still keeps and writes to the table.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local win = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)
local fresh = {}
local seen = {}
for i = 4, #ARGV do
  local k = ARGV[i]
  if not seen[k] then
    seen[k] = true
    if not redis.call('ZSCORE', KEYS[1], k) then fresh[#fresh + 1] = k end
  end
end
if #fresh == 0 then return 0 end
local used = redis.call('ZCARD', KEYS[1])
if used + #fresh > cap then
  if #fresh > cap or used == 0 then return math.ceil(win / 1000) end
  local r = redis.call('ZRANGE', KEYS[1], used + #fresh - cap - 1, used + #fresh - cap - 1, 'WITHSCORES')
  return math.max(1, math.ceil((tonumber(r[2]) + win - now) / 1000))
end
for _, k in ipairs(fresh) do redis.call('ZADD', KEYS[1], now, k) end
redis.call('PEXPIRE', KEYS[1], win + 60000)
return 0
`;

type Reserver = Redis & { banyaLookups(key: string, now: number, win: number, cap: number, ...keys: string[]): Promise<number> };

export class RedisLookups implements SharedLookups {
  private readonly redis: Reserver;
  constructor(
    redis: Redis,
    private readonly prefix = 'banya:',
  ) {
    redis.defineCommand('banyaLookups', { numberOfKeys: 1, lua: RESERVE });
    this.redis = redis as Reserver;
  }

  reserve(account: number, keys: readonly number[], cap: number, now: number): Promise<number> {
    if (keys.length === 0) return Promise.resolve(0);
    return this.redis.banyaLookups(`${this.prefix}lk:${account}`, now, LOOKUP_WINDOW_MS, cap, ...keys.map(String));
  }
}
