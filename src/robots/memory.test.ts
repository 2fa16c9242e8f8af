import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RobotsEngine, type EffectSink } from './engine.js';
import type { RobotEvent } from './events.js';
import { generateAdversarialTrace } from './adversarial.js';
import { decodeItem, encodeItem } from './memory.js';
import { Replay } from './replay.js';
import { robotsConfig } from './rules.js';

/** What the robots' memory keeps of an event is the event: a message's tuple reads back equal. */

const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const account = fc.integer({ min: 0, max: 10_000_000 });
const message = fc.record(
  {
    type: fc.constant('message' as const),
    at: fc.integer({ min: 1, max: 2 ** 46 }),
    from: account,
    to: account,
    stranger: fc.boolean(),
    newChat: fc.boolean(),
    reply: fc.boolean(),
    textHash: int,
    link: fc.boolean(),
    inviteLink: fc.boolean(),
    domains: fc.array(fc.string({ minLength: 1, maxLength: 30 }), { maxLength: 3 }),
    bands: fc.array(int, { maxLength: 8 }),
  },
  { requiredKeys: ['type', 'at', 'from', 'to', 'stranger', 'newChat', 'textHash', 'link', 'inviteLink'] },
);

/** Encoded, written as JSON and read back, as the store holds it. */
function roundTrip(ev: RobotEvent, last: number): unknown {
  return decodeItem(JSON.parse(JSON.stringify(encodeItem(ev, last))), last);
}

describe("the robots' memory", () => {
  it('keeps a message as a tuple that reads back as the same event', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 86_400_000 }), (ev, later) => {
        const last = ev.at + later;
        expect(Array.isArray(encodeItem(ev, last))).toBe(true);
        expect(roundTrip(ev, last)).toEqual(ev);
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('keeps a message with a field the tuple does not know whole, and every other event as it is', () => {
    const extra = { type: 'message', at: 5, from: 1, to: 2, stranger: true, newChat: true, textHash: 9, link: false, inviteLink: false, tone: 'warm' };
    expect(encodeItem(extra as unknown as RobotEvent, 10)).toBe(extra);
    expect(roundTrip(extra as unknown as RobotEvent, 10)).toEqual(extra);
    const others: RobotEvent[] = [
      { type: 'account', at: 1, account: 3, voip: true },
      { type: 'report', at: 2, from: 3, to: 4, weight: 0.5, fresh: false, initiated: true },
      { type: 'block', at: 3, from: 3, to: 4, stranger: true },
      { type: 'invite', at: 4, by: 3, account: 5, stranger: true, accepted: false, group: 8 },
      { type: 'decision', at: 5, account: 4, outcome: 'cleared' },
    ];
    for (const ev of others) expect(roundTrip(ev, 10)).toEqual(ev);
    expect(roundTrip({ acted: 'cold_fanout', at: 7 } as never, 10)).toEqual({ acted: 'cold_fanout', at: 7 });
  });

  it('reads what is not an event as nothing (a damaged row, another version)', () => {
    for (const bad of [
      null,
      3,
      'x',
      {},
      { type: 'message' },
      { type: 'nonsense', at: 1 },
      { type: 'join', at: 'soon' },
      [1, 2],
      [0, 1, 2, 'x'],
      [0, 1, 2, 0, 0, 'a.com'],
      [0, 1, 2, 0, 0, 0, ['x']],
    ])
      expect(decodeItem(bad, 10)).toBeNull();
  });
});

describe('a quiet engine (a replay)', () => {
  it('ends with the evidence a live engine ends with: rules only read it', () => {
    // The robot events of a small adversarial trace, as the replay publishes them.
    const replay = new Replay(robotsConfig({}));
    const inner = (replay as unknown as { engine: RobotsEngine }).engine;
    const events: RobotEvent[] = [];
    const observe = inner.observe.bind(inner);
    inner.observe = (ev) => {
      events.push(ev);
      return observe(ev);
    };
    for (const line of generateAdversarialTrace({ seed: 3, accounts: 600, days: 4 })) replay.event(line);
    expect(events.length).toBeGreaterThan(10_000);

    const limited = new Map<number, number>();
    const sink: EffectSink = {
      apply(account, _rule, effect, at) {
        if (effect.action === 'limit') limited.set(account, at + effect.hours * 3600_000);
      },
      shadow() {},
      manualDecisionAt: () => 0,
      restricted: (a, at) => (limited.get(a) ?? 0) > at,
    };
    const live = new RobotsEngine(robotsConfig({}), sink);
    const quiet = new RobotsEngine(robotsConfig({}), sink);
    quiet.quiet = true;
    for (const ev of events) {
      void live.observe(ev);
      void quiet.observe(ev);
    }
    expect(limited.size).toBeGreaterThan(0);
    expect(quiet.counters).toEqual(live.counters);
    // Every field of the evidence but its scratch buffer (what the last read left in it).
    const fields = (e: RobotsEngine) => Object.fromEntries(Object.entries(e.evidence).filter(([k]) => k !== 'buf'));
    expect(Object.keys(fields(live)).length).toBeGreaterThan(20);
    expect(fields(quiet)).toEqual(fields(live));
  });
});
