import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFrom } from '../config.js';
import { addressKey, AddressBuckets, RateLimiter } from './rate-limits.js';

const rule = { perSecond: 10, burst: 20 };

/** Spends the whole burst of `ip` at `now`; the next take must wait. */
function exhaust(b: AddressBuckets, ip: string, now: number): void {
  for (let i = 0; i < rule.burst; i++) expect(b.take(ip, now)).toBe(0);
  expect(b.take(ip, now)).toBeGreaterThan(0);
}

describe('AddressBuckets', () => {
  it('limits one address and refills it on time', () => {
    const b = new AddressBuckets(rule, 8);
    exhaust(b, '10.0.0.1', 1000);
    expect(b.take('10.0.0.2', 1000)).toBe(0); // others are not affected
    expect(b.take('10.0.0.1', 1000 + 100)).toBe(0); // one token after 1/perSecond
  });

  it('never holds more than its capacity', () => {
    const b = new AddressBuckets(rule, 64);
    for (let i = 0; i < 10_000; i++) b.take(`10.1.${i >> 8}.${i & 255}`, 1000 + i * 1000);
    expect(b.size).toBe(64);
  });

  it('a flood of new addresses does not reset a bucket that is still refilling', () => {
    for (const step of [0.001, 0.04]) {
      const b = new AddressBuckets(rule, 128);
      let now = 1000;
      exhaust(b, '192.0.2.1', now);
      // Far more addresses than the table holds, each spending a token, within the victim's
      // refill time (burst / perSecond = 2 s); with the larger step the flood's own buckets
      // refill (in 0.1 s) and are forgotten as it goes.
      for (let i = 0; i < 20_000; i++) {
        now += step;
        b.take(`198.51.${i >> 8}.${i & 255}`, now);
      }
      expect(b.size).toBe(128);
      // The victim has what it refilled in the meantime, not a fresh burst.
      const refilled = Math.floor(((now - 1000) / 1000) * rule.perSecond - 1e-6);
      expect(refilled).toBeLessThan(rule.burst);
      for (let i = 0; i < refilled; i++) expect(b.take('192.0.2.1', now)).toBe(0);
      expect(b.take('192.0.2.1', now)).toBeGreaterThan(0);
    }
  });

  it('forgets the least recently used full buckets first, and a newcomer waits while none has refilled', () => {
    const b = new AddressBuckets(rule, 4);
    const now = 1000;
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) exhaust(b, ip, now);
    // Every slot is refilling: the newcomer waits (about the 2 s the oldest needs), nobody is forgotten.
    const wait = b.take('10.0.0.5', now);
    expect(wait).toBeGreaterThanOrEqual(2);
    expect(wait).toBeLessThanOrEqual(3);
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) expect(b.take(ip, now)).toBeGreaterThan(0);
    // Once they have refilled, the newcomer takes a slot.
    expect(b.take('10.0.0.5', now + 2_500)).toBe(0);
    expect(b.size).toBe(4);
  });

  it('a recently used full bucket outlives an older one', () => {
    const b = new AddressBuckets(rule, 2);
    b.take('10.0.0.1', 1000);
    b.take('10.0.0.2', 1000);
    exhaust(b, '10.0.0.1', 5000); // 1 is now the most recent
    b.take('10.0.0.3', 5000); // evicts 2, which was full and least recently used
    expect(b.take('10.0.0.1', 5000)).toBeGreaterThan(0); // 1 kept its state
  });

  it('no sequence of takes forgets a bucket before it has refilled (seeded)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 300 })), { maxLength: 400 }), (steps) => {
        const cap = 8;
        const b = new AddressBuckets(rule, cap);
        const model = new Map<number, { tokens: number; at: number }>();
        let now = 1;
        for (const [who, dt] of steps) {
          now += dt;
          const wait = b.take(`10.9.0.${who}`, now);
          const m = model.get(who);
          if (m && wait === 0) {
            // A remembered bucket that is allowed must really have had a token.
            const level = Math.min(rule.burst, m.tokens + ((now - m.at) / 1000) * rule.perSecond);
            expect(level).toBeGreaterThanOrEqual(1 - 1e-9);
          }
          if (m && Math.min(rule.burst, m.tokens + ((now - m.at) / 1000) * rule.perSecond) < 1) expect(wait).toBeGreaterThan(0);
          const level = m ? Math.min(rule.burst, m.tokens + ((now - m.at) / 1000) * rule.perSecond) : rule.burst;
          if (wait === 0) model.set(who, { tokens: level - 1, at: now });
          else if (m) model.set(who, { tokens: level, at: now });
          // Forget buckets of the model that are full: the limiter may forget them too.
          for (const [k, v] of model) if (Math.min(rule.burst, v.tokens + ((now - v.at) / 1000) * rule.perSecond) >= rule.burst) model.delete(k);
        }
        expect(b.size).toBeLessThanOrEqual(cap);
      }),
      { seed: 4096, numRuns: 300 },
    );
  });
});

describe('addressKey', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6 and counts IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8:0001:0002::ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});

describe('RateLimiter', () => {
  it('keeps an exhausted address limited through a flood of 10,000 other addresses', () => {
    let now = 1;
    const config = configFrom({ rateLimits: { requests: { perSecond: 1, burst: 5 } } }).rateLimits;
    const limits = new RateLimiter(config, () => now);
    for (let i = 0; i < 5; i++) expect(limits.takeForIp('192.0.2.9')).toBe(0);
    expect(limits.takeForIp('192.0.2.9')).toBeGreaterThan(0);
    for (let i = 0; i < 10_000; i++) limits.takeForIp(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    now += 10;
    expect(limits.takeForIp('192.0.2.9')).toBeGreaterThan(0);
  });

  it('limits failed authentication per address on its own bucket', () => {
    let now = 1;
    const config = configFrom({ rateLimits: { authFailures: { perSecond: 1, burst: 3 } } }).rateLimits;
    const limits = new RateLimiter(config, () => now);
    for (let i = 0; i < 3; i++) expect(limits.takeAuthFailure('10.0.0.1')).toBe(0);
    expect(limits.takeAuthFailure('10.0.0.1')).toBeGreaterThan(0);
    expect(limits.takeAuthFailure('10.0.0.2')).toBe(0);
    expect(limits.takeForIp('10.0.0.1')).toBe(0); // the general bucket is separate
    now += 1000;
    expect(limits.takeAuthFailure('10.0.0.1')).toBe(0);
  });
});
