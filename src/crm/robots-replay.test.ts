import { describe, expect, it } from 'vitest';
import { Replay } from '../robots/replay.js';
import { robotsConfig } from '../robots/rules.js';
import type { TraceLine } from '../robots/trace.js';
import { protectionSchema } from './config.js';
import { capsAt, nextSlot, qualityColour, seededRandom } from './protection.js';

/**
 * The default protection against the default robots: a business's CRM traffic, paced by the
 * protection and known to the robots as paced (`EffectSink.paced`), replayed through the default
 * robots, never limits the number, links and all; the same traffic unpaced does (so the replay
 * can tell).
 */

const s = protectionSchema.parse({});

function word(i: number): string {
  let out = '';
  let n = i + 27;
  while (n > 0) {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26);
  }
  return out;
}

/** 300 first contacts (2% of recipients block, 0.5% report, an hour after), some replies unless `replies` is false. */
function traffic(paced: boolean, replies = true): TraceLine[] {
  const lines: TraceLine[] = [{ type: 'account', t: 0, id: 'shop', phone: '+447700900001', label: 'business' }];
  const n = 300;
  for (let i = 0; i < n; i++) lines.push({ type: 'account', t: 0, id: `c${i}`, phone: `+4477009${String(10000 + i)}`, label: 'innocent' });
  const times: number[] = [];
  let blocks = 0;
  let reports = 0;
  const rnd = seededRandom('replay');
  for (let i = 0; i < n; i++) {
    const now = i === 0 ? 1000 : paced ? times[i - 1]! : times[i - 1]! + 1000;
    const colour = qualityColour(s, i, blocks, reports).colour;
    const t = paced ? nextSlot(times, now, (x) => capsAt(s, 0, x, colour), rnd) : now;
    times.push(t);
    lines.push({
      type: 'message',
      t: t / 1000,
      from: 'shop',
      to: `c${i}`,
      text: `Dear ${word(i)}, the ${word(i * 7 + 3)} you asked about is in our ${word(i * 13 + 5)} shop: https://shop.example/p/${i}`,
    });
    if (i % 50 === 49) {
      lines.push({ type: 'block', t: t / 1000 + 3600, from: `c${i}`, to: 'shop' });
      blocks++;
    }
    if (i % 200 === 199) {
      lines.push({ type: 'report', t: t / 1000 + 3600, from: `c${i}`, to: 'shop' });
      reports++;
    }
    if (replies && i % 10 === 0) {
      lines.push({ type: 'message', t: t / 1000 + 600, from: `c${i}`, to: 'shop', text: 'thanks, how much is it' });
      lines.push({ type: 'message', t: t / 1000 + 660, from: 'shop', to: `c${i}`, text: 'twenty, delivery included' });
    }
  }
  return lines.sort((a, b) => a.t - b.t);
}

describe('sender protection against the robots', () => {
  it("a business's paced CRM traffic, a link in every message, replayed through the default robots is never limited", () => {
    const replay = new Replay(robotsConfig({}), { paced: ['shop'] });
    for (const l of traffic(true)) replay.event(l);
    const r = replay.report();
    expect(replay.problems).toEqual([]);
    expect(r.summary.businessesLimited).toBe(0);
    expect(r.falsePositives).toEqual([]);
  });

  it('the robots must know the protection paces it: a new number nobody answers yet, its links paced, is limited when they do not', () => {
    for (const [paced, limited] of [
      [['shop'], 0],
      [[], 1],
    ] as const) {
      const replay = new Replay(robotsConfig({}), { paced });
      for (const l of traffic(true, false)) replay.event(l);
      expect(replay.report().summary.businessesLimited).toBe(limited);
    }
  });

  it('the same traffic without the protection is limited, paced sender or not (the replay can tell)', () => {
    for (const paced of [[], ['shop']]) {
      const replay = new Replay(robotsConfig({}), { paced });
      for (const l of traffic(false)) replay.event(l);
      expect(replay.report().summary.businessesLimited).toBe(1);
    }
  });
});
