import { Counters } from './counters.js';
import type { RobotEvent } from './events.js';
import { BUILT_IN_RULES, subjectOf, type Effect, type RobotsConfig, type Rule, type RuleContext } from './rules.js';

/**
 * The rules engine: counts each event, runs every enabled rule on it, and applies at most one
 * effect — the strongest — through the sink, within guard rails: a rule in shadow mode only
 * records; a rule past its daily cap falls back to shadow; an account that a person decided on
 * (a dismissed case, an overturned appeal) is left alone for a while; an account robots already
 * limited is not limited again until that limit ends.
 */

export interface EffectSink {
  apply(account: number, rule: string, effect: Effect, at: number): Promise<void> | void;
  shadow(account: number, rule: string, effect: Effect, at: number, why: 'shadow' | 'daily_cap' | 'manual_decision'): Promise<void> | void;
  /** When a person last decided about the account (0 if never). */
  manualDecisionAt(account: number): number;
  /** Whether the account is already limited, frozen or banned at `at` (robots leave it be). */
  restricted(account: number, at: number): boolean;
}

/** What a block by an account under a day old weighs. */
export const FRESH_BLOCK = 0.25;

const STRENGTH: Record<Effect['action'], number> = { flag: 1, open_case: 2, limit: 3, freeze: 4 };

function stronger(a: Effect, b: Effect): boolean {
  if (STRENGTH[a.action] !== STRENGTH[b.action]) return STRENGTH[a.action] > STRENGTH[b.action];
  return a.action === 'limit' && b.action === 'limit' && a.hours > b.hours;
}

interface ActiveRule {
  rule: Rule;
  settings: Record<string, number>;
  shadow: boolean;
}

export class RobotsEngine {
  readonly counters = new Counters();
  private readonly rules: ActiveRule[];
  private readonly byType = new Map<RobotEvent['type'], ActiveRule[]>();
  /** Per rule: hits (effects proposed that won), actions taken, shadowed. */
  readonly stats = new Map<string, { hits: number; actions: number; shadowed: number }>();
  private readonly actionsToday = new Map<string, { day: number; n: number }>();
  /**
   * Until when robots leave an account alone after acting on it (so they do not stack limits),
   * and the person's decision known then: a newer one (a lift, an overturned appeal) ends the hold.
   */
  private readonly held = new Map<number, { until: number; manual: number }>();
  /** How much an invite link weighs in the `links` counter (links_to_strangers' `inviteWeight`). */
  private readonly inviteWeight: number;
  /** How fast the same-text run fades (same_text's `halfLifeHours`), ms. */
  private readonly sameTextHalfLife: number;

  constructor(
    private readonly config: RobotsConfig,
    private readonly sink: EffectSink,
    rules: Rule[] = BUILT_IN_RULES,
  ) {
    this.rules = rules
      .filter((r) => config.rules[r.name]?.enabled ?? true)
      .map((r) => ({ rule: r, settings: { ...r.defaults, ...config.rules[r.name]?.settings }, shadow: config.rules[r.name]?.shadow ?? false }));
    for (const type of ['account', 'message', 'post', 'contact', 'join', 'leave', 'invite', 'report', 'block'] as const) {
      this.byType.set(
        type,
        this.rules.filter((r) => r.rule.on.includes(type)),
      );
    }
    for (const r of this.rules) this.stats.set(r.rule.name, { hits: 0, actions: 0, shadowed: 0 });
    this.inviteWeight = this.rules.find((r) => r.rule.name === 'links_to_strangers')?.settings.inviteWeight ?? 1;
    this.sameTextHalfLife = (this.rules.find((r) => r.rule.name === 'same_text')?.settings.halfLifeHours ?? 6) * 3600_000;
  }

  get ruleNames(): string[] {
    return this.rules.map((r) => r.rule.name);
  }

  /** Updates the counters an event touches. */
  private count(ev: RobotEvent): void {
    const c = this.counters;
    switch (ev.type) {
      case 'account':
        c.ensure(ev.account);
        c.createdAt[ev.account] = ev.at || 1;
        return;
      case 'message':
        if (!ev.stranger) return;
        c.add(ev.from, 'cold', ev.at);
        if (ev.newChat) c.add(ev.from, 'coldChats', ev.at);
        if (ev.link || ev.inviteLink) c.add(ev.from, 'links', ev.at, ev.inviteLink ? this.inviteWeight : 1);
        // The same text to many *different* strangers: counted once per new chat.
        if (!ev.newChat || ev.textHash === 0) return;
        if (c.lastText[ev.from] === ev.textHash) {
          c.add(ev.from, 'sameText', ev.at);
          c.bumpRun(ev.from, ev.at, this.sameTextHalfLife);
        } else {
          c.lastText[ev.from] = ev.textHash;
          c.reset(ev.from, 'sameText');
          c.add(ev.from, 'sameText', ev.at);
          c.bumpRun(ev.from, ev.at, this.sameTextHalfLife, 1, true);
        }
        return;
      case 'invite':
        if (ev.stranger) c.add(ev.by, 'invites', ev.at);
        return;
      case 'post':
      case 'contact':
      case 'join':
      case 'leave':
        return;
      case 'report':
        // Feedback counts only from people the subject wrote to first (a crowd that wrote to an
        // innocent and reports the answer is no evidence).
        if (ev.initiated === false) return;
        c.add(ev.to, ev.fresh ? 'freshReports' : 'reports', ev.at, ev.weight);
        return;
      case 'block':
        if (!ev.stranger || ev.initiated === false) return;
        // A blocker under a day old weighs as a fresh reporter does (RULES.md §3): a quarter.
        c.add(ev.to, 'blocks', ev.at, c.age(ev.from, ev.at) < 86_400_000 ? FRESH_BLOCK : 1);
        return;
    }
  }

  /**
   * Takes one event. Returns a promise only when an effect is applied or recorded, so the
   * common case allocates nothing and waits for nothing.
   */
  private readonly ctx: RuleContext<Record<string, number>> = {
    counters: this.counters,
    settings: {},
    at: 0,
    young: (a, hours) => this.counters.age(a, this.ctx.at) < hours * 3600_000,
  };

  observe(ev: RobotEvent): Promise<void> | void {
    this.count(ev);
    const rules = this.byType.get(ev.type)!;
    if (rules.length === 0) return;
    const subject = subjectOf(ev);
    const at = ev.at;
    const held = this.held.get(subject);
    if (held && held.until > at && this.sink.manualDecisionAt(subject) === held.manual) return;
    let best: Effect | null = null;
    let bestRule: ActiveRule | null = null;
    // One context per engine, re-aimed at each event: the hot path allocates nothing.
    const ctx = this.ctx;
    ctx.at = at;
    for (const r of rules) {
      ctx.settings = r.settings;
      const e = r.rule.evaluate(ev, ctx);
      if (e && (!best || stronger(e, best))) {
        best = e;
        bestRule = r;
      }
    }
    if (!best || !bestRule) return;
    return this.act(subject, bestRule, best, at);
  }

  private act(subject: number, r: ActiveRule, effect: Effect, at: number): Promise<void> | void {
    const name = r.rule.name;
    const stats = this.stats.get(name)!;
    if (this.sink.restricted(subject, at)) return;
    stats.hits++;
    const manual = this.sink.manualDecisionAt(subject);
    const holdUntil = effect.action === 'limit' ? at + effect.hours * 3600_000 : effect.action === 'freeze' ? Infinity : at + 3600_000;
    this.held.set(subject, { until: holdUntil, manual });
    const manualHoldEnd = manual > 0 ? manual + this.config.manualBlockHours * 3600_000 : 0;
    if (manualHoldEnd > at && (effect.action === 'limit' || effect.action === 'freeze')) {
      // Held off, not done: look again once the person's hold ends (a freeze is not "forever").
      this.held.set(subject, { until: Math.min(holdUntil, manualHoldEnd), manual });
      stats.shadowed++;
      return this.sink.shadow(subject, name, effect, at, 'manual_decision');
    }
    if (r.shadow) {
      stats.shadowed++;
      return this.sink.shadow(subject, name, effect, at, 'shadow');
    }
    const day = Math.floor(at / 86_400_000);
    const today = this.actionsToday.get(name);
    const n = today && today.day === day ? today.n : 0;
    if (n >= this.config.dailyActionCap) {
      // Shadowed only for today: the cap resets at the next day, and so does this hold.
      this.held.set(subject, { until: Math.min(holdUntil, (day + 1) * 86_400_000), manual });
      stats.shadowed++;
      return this.sink.shadow(subject, name, effect, at, 'daily_cap');
    }
    this.actionsToday.set(name, { day, n: n + 1 });
    stats.actions++;
    return this.sink.apply(subject, name, effect, at);
  }
}
