import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../config.js';
import { Ids } from '../store/ids.js';
import { SqliteStore } from '../store/sqlite.js';
import { redisAvailable, startRedis, type TestRedis } from '../../test/helpers/redis.js';
import { FeedFollower, type FeedRow, type FeedSource } from './feed.js';
import { Lease } from './lease.js';
import { RedisLimiter } from './redis-limits.js';
import { RedisLookups } from './redis-lookups.js';
import { LOOKUP_WINDOW_MS, PhoneLookups, reserveShared } from '../platform/lookups.js';
import type { Platform } from '../platform/context.js';
import { StoreUnavailableError } from '../store/store.js';
import { seededRandom } from '../crm/protection.js';

describe('lease', () => {
  it('is held by one owner at a time, renewed by its holder, taken over once expired', async () => {
    const store = await SqliteStore.openInMemory();
    let now = 1_000_000;
    const a = new Lease(store, 'scheduler', 'node-a', 2000, () => now);
    const b = new Lease(store, 'scheduler', 'node-b', 2000, () => now);
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    now += 1500;
    expect(await a.acquire()).toBe(true); // renewed until now + 2000
    now += 1500;
    expect(await b.acquire()).toBe(false);
    expect((await b.holder())?.owner).toBe('node-a');
    now += 600; // a stopped renewing: expired
    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false);
    await b.release();
    expect(await a.acquire()).toBe(true);
    await store.close();
  });
});

describe('id blocks', () => {
  it('two nodes on one database never hand out the same id', async () => {
    const store = await SqliteStore.openInMemory();
    const a = await Ids.reserved(store, () => 8);
    const b = await Ids.reserved(store, () => 8);
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      for (const ids of [a, b]) {
        const id = ids.next('accounts');
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
      await new Promise((r) => setImmediate(r)); // lets the next block arrive
    }
    // Dense: the gaps are at most the unused rest of each node's blocks.
    expect(Math.max(...seen)).toBeLessThanOrEqual(200 + 4 * 8);
    await store.close();
  });
});

describe('feed follower', () => {
  function source(rows: FeedRow[]): FeedSource & { reads: number; heads: number } {
    return {
      reads: 0,
      heads: 0,
      async eventsAfter(cursor, limit) {
        this.reads++;
        await new Promise((r) => setTimeout(r, 1));
        return rows.filter((r) => r.id > cursor).slice(0, limit);
      },
      async head() {
        this.heads++;
        await new Promise((r) => setTimeout(r, 1));
        return rows.length === 0 ? 0 : rows[rows.length - 1]!.id;
      },
    };
  }
  const row = (id: number): FeedRow => ({ id, at: id, type: 'x', actor_kind: 'system', actor_id: null, account_id: null, payload: '{}' });

  it('applies every event once, in id order, whatever asks for it and in which order', async () => {
    const rows = [1, 2, 3, 5, 6, 9].map(row); // 4, 7, 8: ids of rolled-back writes
    const applied: number[] = [];
    const f = new FeedFollower(source(rows), (r) => applied.push(r.id), 0, { pageRows: 2 });
    await Promise.all([f.reach(5), f.reach(2), f.fresh(), f.reach(9), f.reach(3)]);
    expect(applied).toEqual([1, 2, 3, 5, 6, 9]);
    expect(f.cursor).toBe(9);
    rows.push(row(10));
    await f.fresh();
    await f.reach(10);
    expect(applied).toEqual([1, 2, 3, 5, 6, 9, 10]);
  });

  it('starts from its cursor: what memory already holds is not applied again', async () => {
    const applied: number[] = [];
    const f = new FeedFollower(source([1, 2, 3].map(row)), (r) => applied.push(r.id), 2);
    await f.fresh();
    expect(applied).toEqual([3]);
  });

  it('a burst of freshness checks shares head reads', async () => {
    const s = source([row(1)]);
    const f = new FeedFollower(s, () => {}, 0);
    await Promise.all(Array.from({ length: 50 }, () => f.fresh()));
    expect(s.heads).toBeLessThanOrEqual(2);
  });
});

describe('the shared look-up quota, from the use cases', () => {
  const platform = (reserve: () => Promise<number>) =>
    ({ sharedLookups: { reserve }, config: { lookupsPerDay: 5 }, clock: { now: () => 1_000 } }) as unknown as Platform;
  it('a wait is FLOOD_WAIT with its retryAfter; Redis unreachable is "unavailable", not an error of the request', async () => {
    await expect(
      reserveShared(
        platform(async () => 0),
        1,
        [7],
      ),
    ).resolves.toBeUndefined();
    await expect(
      reserveShared(
        platform(async () => 42),
        1,
        [7],
      ),
    ).rejects.toMatchObject({ code: 'FLOOD_WAIT', details: { retryAfter: 42 } });
    await expect(
      reserveShared(
        platform(async () => {
          throw new Error('connect ECONNREFUSED');
        }),
        1,
        [7],
      ),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('rate limits in Redis, Redis unreachable', () => {
  it('a limit that cannot be read is "unavailable" (503), not an error of the request', async () => {
    const config = configFrom({ dataDir: '/tmp/x', rateLimits: { messages: { perSecond: 1, burst: 5 } } }).rateLimits;
    // Port 1 on loopback: nothing listens there; no retries, so the command fails at once.
    const r = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    const limits = new RedisLimiter(r, config, 'down:');
    await expect(limits.take('messages', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(limits.takeForIp('192.0.2.1')).rejects.toBeInstanceOf(StoreUnavailableError);
    r.disconnect();
  });
});

describe.runIf(redisAvailable())('rate limits in Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two nodes spend one bucket per account', async () => {
    const config = configFrom({ dataDir: '/tmp/x', rateLimits: { messages: { perSecond: 0.001, burst: 5 } } }).rateLimits;
    const r1 = new Redis(redis.url);
    const r2 = new Redis(redis.url);
    const a = new RedisLimiter(r1, config, 'test1:');
    const b = new RedisLimiter(r2, config, 'test1:');
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      waits.push(await a.take('messages', 7));
      waits.push(await b.take('messages', 7));
    }
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    expect(waits.slice(5).every((w) => w >= 1)).toBe(true);
    // Another account has its own bucket.
    expect(await b.take('messages', 8)).toBe(0);
    r1.disconnect();
    r2.disconnect();
  });

  it('the shared look-up quota answers as the in-process record does, and two nodes share it', async () => {
    const rnd = seededRandom('lookups-1');
    const cap = 5;
    const memory = new PhoneLookups();
    const r1 = new Redis(redis.url);
    const r2 = new Redis(redis.url);
    const nodes = [new RedisLookups(r1, 'test2:'), new RedisLookups(r2, 'test2:')];
    let now = 1_800_000_000_000;
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      now += Math.floor(rnd() * 0.1 * LOOKUP_WINDOW_MS);
      const a = 1 + Math.floor(rnd() * 2);
      const keys = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => 100 + Math.floor(rnd() * 12));
      const fresh = memory.fresh(a, keys, now);
      const expected = fresh.length === 0 ? 0 : memory.wait(a, fresh.length, cap, now);
      if (expected === 0) memory.put(a, fresh, now);
      else refused++;
      // Whichever node asks: one record.
      expect(await nodes[i % 2]!.reserve(a, keys, cap, now), `step ${i}`).toBe(expected);
    }
    expect(refused).toBeGreaterThan(20); // the cap was reached often, not a vacuous pass
    r1.disconnect();
    r2.disconnect();
  });
});
