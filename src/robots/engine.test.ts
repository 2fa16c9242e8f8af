import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textSignals } from './events.js';
import { BUILT_IN_RULES, robotsConfig, robotsConfigSchema, type Effect, type FiredSignal, type RobotsConfig, type Rule } from './rules.js';

/**
 * The engine's guard rails, against a recording sink: one effect per event (the strongest), no
 * stacking while its own limit runs, shadow mode, the daily cap, the hold after a person's
 * decision, disabled rules, and the robots file's validation.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2025-01-06 00:00 UTC. */
const T0 = Date.UTC(2025, 0, 6);

interface Call {
  account: number;
  rule: string;
  effect: Effect;
  at: number;
}

class RecordingSink implements EffectSink {
  readonly applied: Call[] = [];
  readonly shadowed: (Call & { why: string })[] = [];
  readonly manual = new Map<number, number>();
  readonly restrictedAccounts = new Set<number>();
  /** The signals that came with each applied effect (kept apart, so that effects compare as before). */
  readonly signals: (readonly FiredSignal[] | undefined)[] = [];
  apply(account: number, rule: string, effect: Effect, at: number): void {
    const { signals, ...bare } = effect;
    this.signals.push(signals);
    this.applied.push({ account, rule, effect: bare as Effect, at });
  }
  shadow(account: number, rule: string, effect: Effect, at: number, why: 'shadow' | 'daily_cap' | 'manual_decision'): void {
    const { signals: _, ...bare } = effect;
    this.shadowed.push({ account, rule, effect: bare as Effect, at, why });
  }
  manualDecisionAt(account: number): number {
    return this.manual.get(account) ?? 0;
  }
  restricted(account: number): boolean {
    return this.restrictedAccounts.has(account);
  }
}

type RuleFile = Record<string, { enabled?: boolean; shadow?: boolean; settings?: Record<string, number> }>;

/** Only the named rules enabled; the rest switched off. */
function onlyRules(rules: RuleFile, rest: { dailyActionCap?: number; manualBlockHours?: number } = {}): RobotsConfig {
  return robotsConfig({ rules: Object.fromEntries(BUILT_IN_RULES.map((r) => [r.name, rules[r.name] ?? { enabled: false }])), ...rest });
}

class World {
  readonly sink = new RecordingSink();
  readonly engine: RobotsEngine;
  private nextId = 1;
  constructor(config: RobotsConfig, rules?: Rule[]) {
    this.engine = new RobotsEngine(config, this.sink, rules);
  }
  account(ageMs = 30 * DAY): number {
    const id = this.nextId++;
    void this.engine.observe({ type: 'account', at: T0 - ageMs, account: id, voip: false });
    return id;
  }
  /** `from` starts a chat with a new stranger. */
  cold(from: number, at: number, text = 'hi'): Promise<void> | void {
    const to = this.account();
    const s = textSignals(text);
    return this.engine.observe({ type: 'message', at, from, to, stranger: true, newChat: true, textHash: s.textHash, link: s.link, inviteLink: s.inviteLink });
  }
  /** `n` new stranger chats starting at `at`, a second apart. */
  burst(from: number, at: number, n: number, text = 'hi'): void {
    for (let i = 0; i < n; i++) void this.cold(from, at + i * 1000, text);
  }
  get applied(): Call[] {
    return this.sink.applied;
  }
  get shadowed(): (Call & { why: string })[] {
    return this.sink.shadowed;
  }
}

/** cold_fanout for established accounts at more than 2 new stranger chats an hour. */
// Volume rules limit on volume alone here (`hardFactor` 1): these tests are about the engine, not about thin evidence.
const fanout2 = (extra: Record<string, unknown> = {}) => ({ cold_fanout: { settings: { hourly: 2, daily: 10_000, hardFactor: 1 }, ...extra } });
const limit = (hours: number) => ({ action: 'limit', hours });

describe('one effect per event, the strongest', () => {
  it('a freeze beats a limit proposed on the same event', () => {
    const w = new World(onlyRules({ ...fanout2(), industrial_scale: { settings: { daily: 3 } } }));
    const a = w.account();
    w.burst(a, T0, 2);
    expect(w.applied).toEqual([]);
    void w.cold(a, T0 + 5000);
    expect(w.applied).toEqual([{ account: a, rule: 'industrial_scale', effect: { action: 'freeze' }, at: T0 + 5000 }]);
    expect(w.shadowed).toEqual([]);
    expect(w.engine.stats.get('cold_fanout')).toEqual({ hits: 0, actions: 0, shadowed: 0 });
    expect(w.engine.stats.get('industrial_scale')).toEqual({ hits: 1, actions: 1, shadowed: 0 });
  });

  it('of two limits the longer wins, whichever rule proposes it', () => {
    const template = 'Great offer for you today only, write me back';
    for (const [fanoutHours, sameHours, winner, hours] of [
      [24, 72, 'same_text', 72],
      [96, 72, 'cold_fanout', 96],
    ] as const) {
      const w = new World(
        onlyRules({
          cold_fanout: { settings: { hourly: 2, youngPlainHourly: 2, daily: 10_000, limitHours: fanoutHours, hardFactor: 1 } },
          same_text: { settings: { strangers: 3, limitHours: sameHours, hardFactor: 1 } },
        }),
      );
      // Young: an established account's run must be far longer (same_text's youth curve).
      const a = w.account(HOUR);
      w.burst(a, T0, 2, template);
      expect(w.applied).toEqual([]);
      void w.cold(a, T0 + 5000, template);
      expect(w.applied).toEqual([{ account: a, rule: winner, effect: limit(hours), at: T0 + 5000 }]);
    }
  });

  it('ranks flag < open_case < limit < freeze, and applies nothing when no rule proposes', () => {
    const proposing = (name: string, effect: Effect | null): Rule => ({ name, description: name, on: ['block'], defaults: {}, evaluate: () => effect });
    const cases: [Rule[], string | null][] = [
      [[proposing('flag', { action: 'flag', note: 'x' }), proposing('case', { action: 'open_case', priority: 5 })], 'case'],
      [[proposing('case', { action: 'open_case', priority: 5 }), proposing('flag', { action: 'flag', note: 'x' })], 'case'],
      [[proposing('lim', { action: 'limit', hours: 1 }), proposing('case', { action: 'open_case', priority: 50 })], 'lim'],
      [[proposing('frz', { action: 'freeze' }), proposing('lim', { action: 'limit', hours: 10_000 })], 'frz'],
      [[proposing('none', null)], null],
    ];
    for (const [rules, winner] of cases) {
      const w = new World(robotsConfig({}), rules);
      void w.engine.observe({ type: 'block', at: T0, from: 1, to: 2, stranger: true });
      expect(w.applied.map((c) => c.rule)).toEqual(winner ? [winner] : []);
    }
  });

  it("answers synchronously when nothing happens, and hands back the sink's promise when something does", async () => {
    let resolved = false;
    const sink: EffectSink = {
      apply: () => new Promise<void>((r) => setTimeout(() => ((resolved = true), r()), 5)),
      shadow: () => undefined,
      manualDecisionAt: () => 0,
      restricted: () => false,
    };
    const engine = new RobotsEngine(onlyRules(fanout2()), sink);
    const ev = (to: number, at: number) => ({
      type: 'message' as const,
      at,
      from: 1,
      to,
      stranger: true,
      newChat: true,
      textHash: 0,
      link: false,
      inviteLink: false,
    });
    expect(engine.observe(ev(2, T0))).toBeUndefined();
    expect(engine.observe(ev(3, T0))).toBeUndefined();
    const p = engine.observe(ev(4, T0));
    expect(p).toBeInstanceOf(Promise);
    expect(resolved).toBe(false);
    await p;
    expect(resolved).toBe(true);
  });
});

describe('no stacking', () => {
  it('does not limit again while its own limit runs, and limits again once it ended', () => {
    const w = new World(onlyRules({ cold_fanout: { settings: { hourly: 2, daily: 10_000, limitHours: 6, hardFactor: 1 } } }));
    const a = w.account();
    w.burst(a, T0, 3);
    expect(w.applied).toHaveLength(1);
    // Every hour of the limit it keeps going: nothing more (the sink says it is free all along).
    for (let h = 0; h < 6; h++) w.burst(a, T0 + h * HOUR + 10 * MIN, 10);
    expect(w.applied).toHaveLength(1);
    expect(w.shadowed).toEqual([]);
    w.burst(a, T0 + 6 * HOUR + 2000, 3);
    expect(w.applied).toEqual([
      { account: a, rule: 'cold_fanout', effect: limit(6), at: T0 + 2000 },
      { account: a, rule: 'cold_fanout', effect: limit(6), at: T0 + 6 * HOUR + 4000 },
    ]);
  });

  it('holds one account only: another is limited meanwhile', () => {
    const w = new World(onlyRules(fanout2()));
    const a = w.account();
    const b = w.account();
    w.burst(a, T0, 3);
    w.burst(b, T0 + MIN, 3);
    expect(w.applied.map((c) => c.account)).toEqual([a, b]);
  });

  it('leaves an account the platform already restricts alone, recording nothing', () => {
    const w = new World(onlyRules(fanout2()));
    const a = w.account();
    w.sink.restrictedAccounts.add(a);
    w.burst(a, T0, 30);
    expect(w.applied).toEqual([]);
    expect(w.shadowed).toEqual([]);
    expect(w.engine.stats.get('cold_fanout')).toEqual({ hits: 0, actions: 0, shadowed: 0 });
    // Once free, it is limited on its next excess.
    w.sink.restrictedAccounts.delete(a);
    void w.cold(a, T0 + 40_000);
    expect(w.applied).toEqual([{ account: a, rule: 'cold_fanout', effect: limit(24), at: T0 + 40_000 }]);
  });
});

describe('shadow mode', () => {
  it('records what the rule would have done and does not do it', () => {
    // A run that hardly fades, so that one same-text chat an hour stays under cold_fanout.
    const w = new World(onlyRules({ ...fanout2({ shadow: true }), same_text: { settings: { halfLifeHours: 10_000, strangers: 7, hardFactor: 1 } } }));
    const a = w.account();
    w.burst(a, T0, 3);
    expect(w.applied).toEqual([]);
    expect(w.shadowed).toEqual([{ account: a, rule: 'cold_fanout', effect: limit(24), at: T0 + 2000, why: 'shadow' }]);
    expect(w.engine.stats.get('cold_fanout')).toEqual({ hits: 1, actions: 0, shadowed: 1 });
    // A rule not in shadow mode still acts.
    const b = w.account(HOUR);
    for (let i = 0; i < 8; i++) void w.cold(b, T0 + i * HOUR, 'Great offer for you today only, write me back');
    expect(w.applied).toEqual([{ account: b, rule: 'same_text', effect: limit(24), at: T0 + 7 * HOUR }]);
  });
});

describe('the daily cap', () => {
  it('falls back to shadow past the cap for the rest of the day, per rule, and resets the next day', () => {
    const template = 'Great offer for you today only, write me back';
    const w = new World(onlyRules({ ...fanout2(), same_text: { settings: { strangers: 3, halfLifeHours: 10_000, hardFactor: 1 } } }, { dailyActionCap: 2 }));
    const [a, b, c, d, e] = [w.account(), w.account(), w.account(), w.account(HOUR), w.account()];
    w.burst(a, T0 + 1 * HOUR, 3);
    w.burst(b, T0 + 2 * HOUR, 3);
    w.burst(c, T0 + 3 * HOUR, 3);
    expect(w.applied.map((x) => x.account)).toEqual([a, b]);
    expect(w.shadowed).toEqual([{ account: c, rule: 'cold_fanout', effect: limit(24), at: T0 + 3 * HOUR + 2000, why: 'daily_cap' }]);
    // Another rule has its own count.
    for (let i = 0; i < 3; i++) void w.cold(d, T0 + (4 + i) * HOUR, template);
    expect(w.applied.map((x) => [x.account, x.rule])).toEqual([
      [a, 'cold_fanout'],
      [b, 'cold_fanout'],
      [d, 'same_text'],
    ]);
    // Late on the same day, still capped.
    w.burst(e, T0 + 23 * HOUR, 3);
    expect(w.shadowed.map((x) => [x.account, x.why])).toEqual([
      [c, 'daily_cap'],
      [e, 'daily_cap'],
    ]);
    // The next day: the cap is fresh, for a new account and for those shadowed yesterday.
    w.burst(c, T0 + DAY + 10 * MIN, 3);
    w.burst(e, T0 + DAY + 20 * MIN, 3);
    expect(w.applied.slice(3)).toEqual([
      { account: c, rule: 'cold_fanout', effect: limit(24), at: T0 + DAY + 10 * MIN + 2000 },
      { account: e, rule: 'cold_fanout', effect: limit(24), at: T0 + DAY + 20 * MIN + 2000 },
    ]);
    const f = w.account();
    w.burst(f, T0 + DAY + 30 * MIN, 3);
    expect(w.applied).toHaveLength(5);
    expect(w.shadowed.at(-1)).toMatchObject({ account: f, why: 'daily_cap' });
    expect(w.engine.stats.get('cold_fanout')).toEqual({ hits: 7, actions: 4, shadowed: 3 });
  });

  it('with a cap of 0 only shadows', () => {
    const w = new World(onlyRules(fanout2(), { dailyActionCap: 0 }));
    const a = w.account();
    w.burst(a, T0, 3);
    expect(w.applied).toEqual([]);
    expect(w.shadowed.map((x) => x.why)).toEqual(['daily_cap']);
  });
});

describe('the hold after a person decided', () => {
  it('shadows limits for manualBlockHours after the decision, then limits', () => {
    const w = new World(onlyRules(fanout2(), { manualBlockHours: 48 }));
    const a = w.account();
    w.sink.manual.set(a, T0);
    w.burst(a, T0 + HOUR, 3);
    expect(w.applied).toEqual([]);
    expect(w.shadowed).toEqual([{ account: a, rule: 'cold_fanout', effect: limit(24), at: T0 + HOUR + 2000, why: 'manual_decision' }]);
    w.burst(a, T0 + 47 * HOUR, 3);
    expect(w.applied).toEqual([]);
    expect(w.shadowed.map((x) => x.why)).toEqual(['manual_decision', 'manual_decision']);
    // Just past the hold (even though the last shadowed limit would still be running).
    w.burst(a, T0 + 48 * HOUR + MIN, 3);
    expect(w.applied).toEqual([{ account: a, rule: 'cold_fanout', effect: limit(24), at: T0 + 48 * HOUR + MIN + 2000 }]);
  });

  it('shadows a freeze during the hold and freezes after it', () => {
    const w = new World(onlyRules({ industrial_scale: { settings: { daily: 3 } } }, { manualBlockHours: 48 }));
    const a = w.account();
    w.sink.manual.set(a, T0);
    w.burst(a, T0 + HOUR, 3);
    expect(w.applied).toEqual([]);
    expect(w.shadowed).toEqual([{ account: a, rule: 'industrial_scale', effect: { action: 'freeze' }, at: T0 + HOUR + 2000, why: 'manual_decision' }]);
    w.burst(a, T0 + 2 * DAY + HOUR, 3);
    expect(w.applied).toEqual([{ account: a, rule: 'industrial_scale', effect: { action: 'freeze' }, at: T0 + 2 * DAY + HOUR + 2000 }]);
  });

  it('a decision after robots limited (a lift, an overturn) starts the hold at once, and ends their own', () => {
    const w = new World(onlyRules(fanout2(), { manualBlockHours: 48 }));
    const a = w.account();
    w.burst(a, T0, 3);
    expect(w.applied).toHaveLength(1);
    // Support lifts it an hour later, within robots' own 24 h: the person's hold replaces it, and
    // what it does next is recorded, not acted on.
    w.sink.manual.set(a, T0 + HOUR);
    w.burst(a, T0 + 2 * HOUR, 3);
    expect(w.shadowed).toEqual([{ account: a, rule: 'cold_fanout', effect: limit(24), at: T0 + 2 * HOUR + 2000, why: 'manual_decision' }]);
    expect(w.applied).toHaveLength(1);
    // Recorded once, not on every further message.
    w.burst(a, T0 + 2 * HOUR + 5000, 10);
    expect(w.shadowed).toHaveLength(1);
    // After the hold it is limited again.
    w.burst(a, T0 + HOUR + 48 * HOUR + MIN, 3);
    expect(w.applied.slice(1)).toEqual([{ account: a, rule: 'cold_fanout', effect: limit(24), at: T0 + 49 * HOUR + MIN + 2000 }]);
  });

  it('a decision at the very instant robots acted (a manual clock) holds once, without a record per message', () => {
    const w = new World(onlyRules(fanout2(), { manualBlockHours: 48 }));
    const a = w.account();
    for (let i = 0; i < 3; i++) void w.cold(a, T0);
    expect(w.applied).toHaveLength(1);
    w.sink.manual.set(a, T0);
    for (let i = 0; i < 20; i++) void w.cold(a, T0);
    expect(w.applied).toHaveLength(1);
    expect(w.shadowed.map((x) => [x.at, x.why])).toEqual([[T0, 'manual_decision']]);
  });

  it('a freeze overturned by a person is held off, and frozen again after the hold', () => {
    const w = new World(onlyRules({ industrial_scale: { settings: { daily: 3 } } }, { manualBlockHours: 48 }));
    const a = w.account();
    w.burst(a, T0, 3);
    expect(w.applied).toEqual([{ account: a, rule: 'industrial_scale', effect: { action: 'freeze' }, at: T0 + 2000 }]);
    // Robots never freeze twice on their own ...
    w.burst(a, T0 + 3 * DAY, 10);
    expect(w.applied).toHaveLength(1);
    // ... but once a person overturned it, the account is watched again: held, then frozen.
    w.sink.manual.set(a, T0 + 3 * DAY + HOUR);
    w.burst(a, T0 + 4 * DAY, 3);
    expect(w.applied).toHaveLength(1);
    expect(w.shadowed).toEqual([{ account: a, rule: 'industrial_scale', effect: { action: 'freeze' }, at: T0 + 4 * DAY + 2000, why: 'manual_decision' }]);
    w.burst(a, T0 + 5 * DAY + 2 * HOUR, 3);
    expect(w.applied.slice(1)).toEqual([{ account: a, rule: 'industrial_scale', effect: { action: 'freeze' }, at: T0 + 5 * DAY + 2 * HOUR + 2000 }]);
  });

  it('holds back raised cases too (a person just cleared it: reports still open cases), not flags, nor acts on decisions older than the hold', () => {
    const opener: Rule = {
      name: 'opener',
      description: 'opens a case on every block',
      on: ['block'],
      defaults: {},
      evaluate: () => ({ action: 'open_case', priority: 3 }),
    };
    const w = new World(robotsConfig({ manualBlockHours: 48 }), [opener]);
    w.sink.manual.set(2, T0);
    void w.engine.observe({ type: 'block', at: T0 + HOUR, from: 1, to: 2, stranger: true });
    expect(w.applied).toEqual([]);
    expect(w.shadowed).toMatchObject([{ account: 2, rule: 'opener', why: 'manual_decision' }]);
    // After the hold, the case is raised.
    void w.engine.observe({ type: 'block', at: T0 + 49 * HOUR, from: 3, to: 2, stranger: true });
    expect(w.applied).toEqual([{ account: 2, rule: 'opener', effect: { action: 'open_case', priority: 3 }, at: T0 + 49 * HOUR }]);
    const flagger: Rule = { ...opener, name: 'flagger', evaluate: () => ({ action: 'flag', note: 'seen' }) };
    const f = new World(robotsConfig({ manualBlockHours: 48 }), [flagger]);
    f.sink.manual.set(2, T0);
    void f.engine.observe({ type: 'block', at: T0 + HOUR, from: 1, to: 2, stranger: true });
    expect(f.applied).toMatchObject([{ account: 2, rule: 'flagger', effect: { action: 'flag' } }]);

    const v = new World(onlyRules(fanout2(), { manualBlockHours: 48 }));
    const a = v.account();
    v.sink.manual.set(a, T0 - 48 * HOUR);
    v.burst(a, T0, 3);
    expect(v.applied).toHaveLength(1);
    expect(v.shadowed).toEqual([]);
  });
});

describe('disabled rules', () => {
  it('never fire, are not listed and keep no stats, even in shadow mode', () => {
    const w = new World(robotsConfig({ rules: { cold_fanout: { enabled: false, shadow: true } } }));
    const young = w.account(HOUR);
    w.burst(young, T0, 100);
    expect(w.applied).toEqual([]);
    expect(w.shadowed).toEqual([]);
    expect(w.engine.ruleNames).not.toContain('cold_fanout');
    expect(w.engine.ruleNames).toEqual(BUILT_IN_RULES.map((r) => r.name).filter((n) => n !== 'cold_fanout'));
    expect(w.engine.stats.has('cold_fanout')).toBe(false);
    // The same with the rule on: put before a person on the 31st (young, texts without links: more
    // than 30 an hour), limited on volume alone on the 91st (three times as many), nobody complaining.
    const on = new World(robotsConfig({}));
    const y2 = on.account(HOUR);
    on.burst(y2, T0, 100);
    expect(on.applied).toEqual([
      { account: y2, rule: 'cold_fanout', effect: { action: 'open_case', priority: 3 }, at: T0 + 30_000 },
      { account: y2, rule: 'cold_fanout', effect: limit(24), at: T0 + 90_000 },
    ]);
  });

  it('all off: nothing happens at all', () => {
    const w = new World(onlyRules({}));
    expect(w.engine.ruleNames).toEqual([]);
    const a = w.account(HOUR);
    w.burst(a, T0, 500, 'Great offer for you at deals.example, write me back');
    for (let i = 0; i < 50; i++) void w.engine.observe({ type: 'report', at: T0 + i, from: 1000 + i, to: a, weight: 5, fresh: false });
    for (let i = 0; i < 50; i++) void w.engine.observe({ type: 'block', at: T0 + i, from: 1000 + i, to: a, stranger: true });
    for (let i = 0; i < 500; i++) void w.engine.observe({ type: 'invite', at: T0 + i, by: a, account: 2000 + i, stranger: true });
    expect(w.applied).toEqual([]);
    expect(w.shadowed).toEqual([]);
  });
});

describe('robotsConfig', () => {
  it('has defaults: every rule on, not in shadow, a daily cap of 1000 and a hold of 7 days', () => {
    const cfg = robotsConfig({});
    expect(cfg).toEqual({ rules: {}, dailyActionCap: 1000, manualBlockHours: 168 });
    expect(robotsConfig()).toEqual(cfg);
    expect(robotsConfig({ rules: { cold_fanout: { shadow: true } } }).rules.cold_fanout).toEqual({ enabled: true, shadow: true, settings: {} });
  });

  it('takes known rules with known settings, over the defaults', () => {
    const cfg = robotsConfig({
      rules: { cold_fanout: { settings: { youngPlainHourly: 3, hardFactor: 1 } }, mass_invites: { enabled: false } },
      dailyActionCap: 5,
      manualBlockHours: 1,
    });
    expect(cfg.rules.cold_fanout!.settings).toEqual({ youngPlainHourly: 3, hardFactor: 1 });
    const w = new World(cfg);
    expect(w.engine.ruleNames).not.toContain('mass_invites');
    const a = w.account(HOUR);
    w.burst(a, T0, 4);
    expect(w.applied).toEqual([{ account: a, rule: 'cold_fanout', effect: limit(24), at: T0 + 3000 }]);
  });

  it('rejects an unknown rule, naming it', () => {
    expect(() => robotsConfig({ rules: { cold_fanot: { enabled: true } } })).toThrow(/unknown rule "cold_fanot"/);
    expect(() => robotsConfig({ rules: { cold_fanout: {}, nope: { shadow: true } } })).toThrow(/unknown rule "nope"/);
  });

  it('rejects an unknown setting of a known rule, naming it', () => {
    expect(() => robotsConfig({ rules: { cold_fanout: { settings: { hourlyy: 3 } } } })).toThrow(/"cold_fanout" has no setting "hourlyy"/);
    // A setting of another rule is unknown here.
    expect(() => robotsConfig({ rules: { same_text: { settings: { freshCap: 3 } } } })).toThrow(/no setting "freshCap"/);
  });

  it('rejects unknown guard rails and ill-typed values', () => {
    for (const bad of [
      { dailyCap: 3 },
      { rules: { cold_fanout: { enabled: 'yes' } } },
      { rules: { cold_fanout: { settings: { hourly: '20' } } } },
      { rules: { cold_fanout: { shadwo: true } } },
      { dailyActionCap: -1 },
      { dailyActionCap: 1.5 },
      { manualBlockHours: -3 },
      { rules: [] },
      'cold_fanout',
      null,
    ]) {
      expect(() => robotsConfig(bad), JSON.stringify(bad)).toThrow();
    }
    expect(robotsConfigSchema.safeParse({ manualBlockHours: 0 }).success).toBe(true);
    // A misspelt switch must not leave a rule acting for real: it is named in the error.
    expect(() => robotsConfig({ rules: { cold_fanout: { shadwo: true } } })).toThrow(/rules\.cold_fanout: Unrecognized key: "shadwo"/);
    expect(() => robotsConfig({ dailyCap: 3 })).toThrow(/Unrecognized key: "dailyCap"/);
    for (const bad of [{ dailyCap: 3 }, { rules: { x: {} } }, { rules: { cold_fanout: { settings: { y: 1 } } } }]) {
      expect(() => robotsConfig(bad)).toThrow(ConfigError);
    }
  });
});
