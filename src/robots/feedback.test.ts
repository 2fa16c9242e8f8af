import { describe, expect, it } from 'vitest';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textSignals } from './events.js';
import { BUILT_IN_RULES, robotsConfig, type Effect } from './rules.js';

/**
 * Feedback counts only from people the subject wrote to first, and a blocker under a day old
 * weighs a quarter: a brigade that writes to its target and blocks or reports the answer wins
 * nothing, while the people a spammer wrote to still count in full.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 6);

function world(rule: string) {
  const applied: { account: number; rule: string; effect: Effect }[] = [];
  const sink: EffectSink = {
    apply: (account, r, effect) => void applied.push({ account, rule: r, effect }),
    shadow: () => undefined,
    manualDecisionAt: () => 0,
    restricted: () => false,
  };
  const cfg = robotsConfig({ rules: Object.fromEntries(BUILT_IN_RULES.map((r) => [r.name, r.name === rule ? {} : { enabled: false }])) });
  const engine = new RobotsEngine(cfg, sink);
  let next = 1;
  const account = (ageMs: number) => {
    const id = next++;
    void engine.observe({ type: 'account', at: T0 - ageMs, account: id, voip: false });
    return id;
  };
  const cold = (from: number, to: number, at: number) => {
    const s = textSignals('hello, a question for you');
    void engine.observe({ type: 'message', at, from, to, stranger: true, newChat: true, ...s });
  };
  return { engine, applied, account, cold };
}

describe('blocks_per_stranger', () => {
  it('does not count blocks by people who wrote first (a brigade that lured an answer)', () => {
    const w = world('blocks_per_stranger');
    const target = w.account(100 * DAY);
    for (let i = 0; i < 20; i++) {
      const b = w.account(5 * DAY);
      void w.engine.observe({ type: 'block', at: T0 + i * MIN, from: b, to: target, stranger: true, initiated: false });
    }
    expect(w.applied).toEqual([]);
    expect(w.engine.counters.total(target, 'blocks')).toBe(0);
  });

  it('counts blocks by people the subject wrote to, in full when they are a day old', () => {
    const w = world('blocks_per_stranger');
    const s = w.account(2 * DAY);
    const rs = Array.from({ length: 10 }, () => w.account(30 * DAY));
    rs.forEach((r, i) => w.cold(s, r, T0 + i * MIN));
    for (let i = 0; i < 6; i++) void w.engine.observe({ type: 'block', at: T0 + HOUR + i, from: rs[i]!, to: s, stranger: true, initiated: true });
    expect(w.applied.map((a) => a.account)).toEqual([s]);
  });

  it('weighs a blocker under a day old a quarter: 6 fresh blocks are 1.5, not 6', () => {
    const w = world('blocks_per_stranger');
    const s = w.account(2 * DAY);
    const rs = Array.from({ length: 10 }, () => w.account(HOUR));
    rs.forEach((r, i) => w.cold(s, r, T0 + i * MIN));
    for (let i = 0; i < 10; i++) void w.engine.observe({ type: 'block', at: T0 + HOUR + i, from: rs[i]!, to: s, stranger: true, initiated: true });
    expect(w.engine.counters.total(s, 'blocks')).toBe(2.5);
    expect(w.applied).toEqual([]);
  });

  it('counts as before when the platform does not say who wrote first', () => {
    const w = world('blocks_per_stranger');
    const s = w.account(2 * DAY);
    const rs = Array.from({ length: 10 }, () => w.account(30 * DAY));
    rs.forEach((r, i) => w.cold(s, r, T0 + i * MIN));
    for (let i = 0; i < 6; i++) void w.engine.observe({ type: 'block', at: T0 + HOUR + i, from: rs[i]!, to: s, stranger: true });
    expect(w.applied.map((a) => a.account)).toEqual([s]);
  });
});

describe('reports_per_stranger', () => {
  it('does not count reports by people who wrote first, however many and however old', () => {
    const w = world('reports_per_stranger');
    const target = w.account(100 * DAY);
    for (let i = 0; i < 30; i++) void w.engine.observe({ type: 'report', at: T0 + i * MIN, from: w.account(10 * DAY), to: target, weight: 1, fresh: false, initiated: false });
    expect(w.applied).toEqual([]);
    expect(w.engine.counters.total(target, 'reports')).toBe(0);
  });

  it('counts reports by people the subject wrote to', () => {
    const w = world('reports_per_stranger');
    const s = w.account(2 * DAY);
    const rs = Array.from({ length: 10 }, () => w.account(30 * DAY));
    rs.forEach((r, i) => w.cold(s, r, T0 + i * MIN));
    for (let i = 0; i < 6; i++) void w.engine.observe({ type: 'report', at: T0 + HOUR + i, from: rs[i]!, to: s, weight: 1, fresh: false, initiated: true });
    expect(w.applied.map((a) => a.account)).toEqual([s]);
  });
});
