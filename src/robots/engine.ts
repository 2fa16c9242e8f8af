import { Counters } from './counters.js';
import type { RobotEvent } from './events.js';
import { isShortened } from './links.js';
import { ageWeight, Evidence, keyHash, smoothed, youth } from './signals.js';
import { BUILT_IN_RULES, subjectOf, type Effect, type FiredSignal, type RobotsConfig, type Rule, type RuleContext } from './rules.js';

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
  /**
   * Whether the account's first contacts are paced by sender protection (a business connected
   * through the CRM gateway): its volume thresholds trust it at least `PACED_TRUST`, so that the
   * protection's caps stay below them. Its strangers' complaints count as anyone's.
   */
  paced?(account: number): boolean;
}

/**
 * The trust a paced sender has at least. The protection's defaults (10, 20, 30 first contacts on
 * the warm-up's days, 6 an hour, then 40 a day, 15 an hour) stay under every volume threshold
 * times 4 whatever the account's age: links_to_strangers needs 20 on a new account's first day.
 */
export const PACED_TRUST = 4;

/** Complainers remembered per account until a person decides about it. */
export const MAX_COMPLAINERS = 256;

/** What a block by an account under a day old weighs. */
export const FRESH_BLOCK = 0.25;

const STRENGTH: Record<Effect['action'], number> = { flag: 1, open_case: 2, limit: 3, freeze: 4 };
const LIMIT = STRENGTH.limit;
/** How long robots leave an account be after a softer effect, unless something stronger comes: a flag an hour, a raised case a day. */
const SOFT_HOLD = { flag: 3600_000, open_case: 86_400_000 } as const;

function stronger(a: Effect, b: Effect): boolean {
  if (STRENGTH[a.action] !== STRENGTH[b.action]) return STRENGTH[a.action] > STRENGTH[b.action];
  return a.action === 'limit' && b.action === 'limit' && a.hours > b.hours;
}

interface ActiveRule {
  rule: Rule;
  settings: Record<string, number>;
  shadow: boolean;
}

/** Events that may implicate accounts besides their subject (complaints). */
const SWEEP_EVENTS = new Set<RobotEvent['type']>(['report', 'block']);

/** Half-life of the feedback and campaign sums. */
export const FEEDBACK_HALF_LIFE = 3 * 86_400_000;
/** What a declined invite, and a quick leave of a group one was added to, weigh as a complaint. */
export const DECLINE_WEIGHT = 0.1;
export const LEAVE_WEIGHT = 0.15;

/** The landing key a text's campaign goes by: its first domain or handle, else a shortened link. */
function landingOf(domains: readonly string[] | undefined): number {
  if (!domains || domains.length === 0) return 0;
  for (const d of domains) if (!isShortened(d)) return keyHash(d);
  return keyHash(domains[0]!);
}

export class RobotsEngine {
  readonly counters = new Counters();
  readonly evidence = new Evidence(FEEDBACK_HALF_LIFE);
  private readonly rules: ActiveRule[];
  /** Rules that may implicate accounts besides an event's subject. */
  private readonly sweeps: ActiveRule[];
  private readonly byType = new Map<RobotEvent['type'], ActiveRule[]>();
  /** Per rule: hits (effects proposed that won), actions taken, shadowed. */
  readonly stats = new Map<string, { hits: number; actions: number; shadowed: number }>();
  private readonly actionsToday = new Map<string, { day: number; n: number }>();
  /**
   * Until when robots leave an account alone after acting on it (so they do not stack limits),
   * and the person's decision known then: a newer one (a lift, an overturned appeal) ends the hold.
   */
  private readonly held = new Map<number, { until: number; manual: number; strength: number }>();
  /** Per account: who complained about it since a person last decided (at most MAX_COMPLAINERS). */
  private readonly complainers = new Map<number, number[]>();
  /** Per complainer: how many of the accounts they complained about a person confirmed or cleared. */
  private readonly records = new Map<number, { confirmed: number; cleared: number }>();
  /** How much an invite link weighs in the `links` counter (links_to_strangers' `inviteWeight`). */
  private readonly inviteWeight: number;
  /** How fast the same-text run fades (same_text's `halfLifeHours`), ms. */
  private readonly sameTextHalfLife: number;
  /** How soon after an opener its link must follow (opener_link's `windowMinutes`), ms. */
  private readonly openerWindow: number;
  /** What a complaint by someone who had answered the account weighs, times its weight (bait's `answererWeight`). */
  private readonly answererWeight: number;

  constructor(
    private readonly config: RobotsConfig,
    private readonly sink: EffectSink,
    rules: Rule[] = BUILT_IN_RULES,
  ) {
    this.rules = rules
      .filter((r) => config.rules[r.name]?.enabled ?? true)
      .map((r) => ({ rule: r, settings: { ...r.defaults, ...config.rules[r.name]?.settings }, shadow: config.rules[r.name]?.shadow ?? false }));
    for (const type of ['account', 'message', 'post', 'contact', 'join', 'leave', 'invite', 'report', 'block', 'decision'] as const) {
      this.byType.set(
        type,
        this.rules.filter((r) => r.rule.on.includes(type)),
      );
    }
    for (const r of this.rules) this.stats.set(r.rule.name, { hits: 0, actions: 0, shadowed: 0 });
    this.sweeps = this.rules.filter((r) => r.rule.implicated !== undefined && r.rule.judge !== undefined);
    this.inviteWeight = this.rules.find((r) => r.rule.name === 'links_to_strangers')?.settings.inviteWeight ?? 1;
    this.sameTextHalfLife = (this.rules.find((r) => r.rule.name === 'same_text')?.settings.halfLifeHours ?? 6) * 3600_000;
    this.openerWindow = (this.rules.find((r) => r.rule.name === 'opener_link')?.settings.windowMinutes ?? 10) * 60_000;
    this.answererWeight = this.rules.find((r) => r.rule.name === 'bait')?.settings.answererWeight ?? 1;
  }

  /**
   * Carries on a daily cap's count from elsewhere (the robots' consumer taking over from another
   * node): each rule's count for `day` becomes at least `counts[rule]`.
   */
  restoreActions(day: number, counts: Readonly<Record<string, number>>): void {
    for (const [rule, n] of Object.entries(counts)) {
      const t = this.actionsToday.get(rule);
      if (!t || t.day !== day || t.n < n) this.actionsToday.set(rule, { day, n });
    }
  }

  /**
   * While true, events are counted and nothing else: no rule runs, so no effect, no hold, no
   * count toward a daily cap. For rebuilding the evidence from what was heard before (a start's
   * replay, a new holder of the robots' stream): what was done then is done, and a hold or a cap
   * count made up now, with today's restrictions and settings, would hold robots off for the
   * wrong reasons. Rules only read the evidence, so skipping them leaves it as a live run would
   * (src/robots/memory.test.ts compares the two).
   */
  quiet = false;

  get ruleNames(): string[] {
    return this.rules.map((r) => r.rule.name);
  }

  /** Updates the counters an event touches. */
  private count(ev: RobotEvent): void {
    const c = this.counters;
    const e = this.evidence;
    if (e.watchingSince === 0 && ev.type !== 'account') e.watchingSince = ev.at || 1;
    switch (ev.type) {
      case 'account':
        c.ensure(ev.account);
        c.createdAt[ev.account] = ev.at || 1;
        e.setVoip(ev.account, ev.voip);
        return;
      case 'message': {
        const at = ev.at;
        // An answer to a chat the recipient started: a good sign about the recipient, once per chat.
        if (ev.reply && e.reached.has(ev.to, ev.from) && e.answered.add(ev.to, ev.from)) {
          e.pos.add(ev.to, at, 1);
          e.answers.add(ev.to, at, 1);
          e.patient.pos.add(ev.to, at, 1);
          e.feedback(ev.to, at, 0, 1);
          // Someone who knew the account answering its link says nothing of how strangers take it.
          if (e.linkedKnown.has(ev.to, ev.from)) e.knownPos.add(ev.to, at, 1);
        }
        if (!ev.stranger) {
          if (ev.newChat) e.known.add(ev.from, at);
          // A link to someone who knows the account reaches them too: if they complain, it counts
          // (a hijacked account writing its friends).
          if ((ev.link || ev.inviteLink) && e.reached.add(ev.from, ev.to)) {
            e.reach(ev.from, at, false);
            e.linkedKnown.add(ev.from, ev.to);
            e.linkToKnown(ev.from, at);
            e.patient.reach(ev.from, at);
            e.pitched.add(ev.from, at);
          }
          return;
        }
        c.add(ev.from, 'cold', at);
        if (ev.newChat) {
          c.add(ev.from, 'coldChats', at);
          e.reach(ev.from, at, true);
          e.patient.reach(ev.from, at);
          e.reached.add(ev.from, ev.to);
        }
        if (ev.link || ev.inviteLink) c.add(ev.from, 'links', at, ev.inviteLink ? this.inviteWeight : 1);
        // What the chat carries to the stranger, in its first message or in the ones after an
        // opener ("hi", then the pitch) while the stranger has not answered.
        const landing = landingOf(ev.domains);
        // A chat counts as carrying a link once, whether its first message had it or a later one
        // did while the stranger had not answered (an opener: "hi", then the pitch).
        if ((landing !== 0 || ev.link) && (ev.newChat || e.reached.has(ev.from, ev.to)) && e.landed.add(ev.from, ev.to)) {
          e.landing.add(ev.from, at);
          e.pitched.add(ev.from, at);
        }
        // A chat begun by a message that carried nothing, whose link follows within minutes,
        // before the stranger answered (`opener_link`).
        if (ev.newChat) {
          if (landing === 0 && !ev.link && !ev.inviteLink) e.openers.opened(ev.from, ev.to, at);
        } else if (landing !== 0 || ev.link || ev.inviteLink) e.openers.linked(ev.from, ev.to, at, this.openerWindow);
        if (landing === 0 && ev.textHash === 0) return;
        const sameLanding = landing !== 0 && e.landingOf(ev.from) === landing;
        const shared = e.text(ev.from, at, landing, ev.bands);
        if (ev.textHash === 0) return;
        // The same text (or nearly: it shares a near-duplicate band, or sends people to the same
        // place) to many *different* strangers.
        if (c.lastText[ev.from] === ev.textHash || shared > 0 || sameLanding) {
          c.lastText[ev.from] = ev.textHash;
          c.bumpRun(ev.from, at, this.sameTextHalfLife);
        } else {
          c.lastText[ev.from] = ev.textHash;
          c.bumpRun(ev.from, at, this.sameTextHalfLife, 1, true);
        }
        return;
      }
      case 'post':
        e.text(ev.from, ev.at, landingOf(ev.domains), ev.bands);
        return;
      case 'contact':
        // Saving the number of someone who wrote first: a good sign about them.
        if (e.reached.has(ev.to, ev.from) && e.answered.add(ev.to, ev.from)) {
          e.pos.add(ev.to, ev.at, 1);
          e.answers.add(ev.to, ev.at, 1);
          e.patient.pos.add(ev.to, ev.at, 1);
          e.feedback(ev.to, ev.at, 0, 1);
        }
        return;
      case 'join':
        return;
      case 'leave': {
        const by = e.groupInviter.get(ev.group);
        if (by === undefined || !e.reached.has(by, ev.account)) return;
        this.complain(by, ev.account, ev.at, LEAVE_WEIGHT);
        return;
      }
      case 'invite':
        if (!ev.stranger) return;
        c.add(ev.by, 'invites', ev.at);
        e.pitched.add(ev.by, ev.at);
        e.reach(ev.by, ev.at, true);
        e.patient.reach(ev.by, ev.at, false);
        e.reached.add(ev.by, ev.account);
        if (ev.group !== undefined) e.groupInviter.set(ev.group, ev.by);
        e.invited(ev.by, ev.at);
        if (ev.accepted === false) this.complain(ev.by, ev.account, ev.at, DECLINE_WEIGHT);
        return;
      case 'report': {
        // Feedback counts only from people the subject wrote to first (a crowd that wrote to an
        // innocent and reports the answer is no evidence).
        if (!this.contacted(ev.to, ev.from, ev.initiated)) return;
        c.add(ev.to, ev.fresh ? 'freshReports' : 'reports', ev.at, ev.weight);
        (ev.fresh ? e.freshReports : e.reports).add(ev.to, ev.at, ev.weight);
        this.complain(ev.to, ev.from, ev.at, Math.min(1.5, ev.weight), ev.fresh, ev.initiated);
        return;
      }
      case 'decision':
        this.decided(ev.account, ev.at, ev.outcome === 'confirmed');
        return;
      case 'block': {
        if (!this.contacted(ev.to, ev.from, ev.initiated)) return;
        const age = c.age(ev.from, ev.at);
        // A blocker under a day old weighs as a fresh reporter does (RULES.md §3): a quarter.
        if (ev.stranger) {
          c.add(ev.to, 'blocks', ev.at, age < 86_400_000 ? FRESH_BLOCK : 1);
          e.blocks.add(ev.to, ev.at, age < 86_400_000 ? FRESH_BLOCK : 1);
        }
        this.complain(ev.to, ev.from, ev.at, ageWeight(age) * this.recordOf(ev.from), age < 86_400_000, ev.initiated);
        return;
      }
    }
  }

  /**
   * Whether `to` contacted `from` first, so that a complaint by `from` is evidence about `to`:
   * the place says so (`initiated`: a private chat `to` started), or, where it does not (a
   * group), robots saw `to` reach `from` (a new chat, an invite). A crowd that joins a public
   * group and reports or blocks its owner was not contacted by anyone.
   */
  private contacted(to: number, from: number, initiated: boolean | undefined): boolean {
    return initiated === true || (initiated === undefined && this.evidence.reached.has(to, from));
  }

  /**
   * A complaint by `from` about `to`: counted only when `to` reached `from` first (or the place
   * says so: a report's `initiated`), weighted, and passed on to `to`'s campaigns.
   */
  private complain(to: number, from: number, at: number, w: number, fresh = false, initiated?: boolean): void {
    const e = this.evidence;
    // Only from someone `to` reached first (the place may tell: `initiated`), and one person
    // complains once, however many ways (a report and a block, a leave after a decline).
    if (w <= 0 || initiated === false || (initiated === undefined && !e.reached.has(to, from)) || !e.complained.add(to, from)) return;
    // Someone who answered and then complained did not welcome the account: the answer no longer
    // counts for it (the pitch after a harmless question), and the complaint is bait's evidence:
    // they read more than a first message, and the account had reached them first.
    const answered = e.answered.has(to, from);
    if (answered) w *= this.answererWeight;
    (fresh ? e.freshNeg : e.neg).add(to, at, w);
    (fresh ? e.patient.freshNeg : e.patient.neg).add(to, at, w);
    const known = e.linkedKnown.has(to, from);
    if (known) e.knownNeg.add(to, at, w);
    const unanswer = answered ? Math.min(1, e.pos.value(to, at)) : 0;
    if (answered) {
      const back = Math.min(1, e.patient.pos.value(to, at));
      if (back > 0) e.patient.pos.add(to, at, -back);
    }
    if (unanswer > 0) {
      e.pos.add(to, at, -unanswer);
      if (known) e.knownPos.add(to, at, -Math.min(unanswer, e.knownPos.value(to, at)));
    }
    const campaignWeight = fresh ? w * 0.25 : w;
    if (answered) e.baited.add(to, at, campaignWeight);
    e.feedback(to, at, campaignWeight, -unanswer, answered ? campaignWeight : 0);
    let list = this.complainers.get(to);
    if (!list) this.complainers.set(to, (list = []));
    if (list.length < MAX_COMPLAINERS) list.push(from);
  }

  /**
   * A person decided about `a`: those who complained about it since the last decision were right
   * (confirmed) or wrong (cleared), which their record keeps; a clearing also forgives the
   * complaints robots counted against `a`.
   */
  private decided(a: number, at: number, confirmed: boolean): void {
    const list = this.complainers.get(a);
    if (list) {
      for (const c of list) {
        const r = this.records.get(c) ?? { confirmed: 0, cleared: 0 };
        if (confirmed) r.confirmed++;
        else r.cleared++;
        this.records.set(c, r);
      }
      this.complainers.delete(a);
    }
    if (confirmed) return;
    const e = this.evidence;
    e.neg.scale(a, at, 0);
    e.freshNeg.scale(a, at, 0);
    e.knownNeg.scale(a, at, 0);
    e.patient.forgive(a, at);
  }

  /**
   * A complainer's record, as a report's weight follows the reporter's (RULES.md §3): the share
   * of their complaints a person confirmed, smoothed (1 with no history, towards 0 when people
   * keep clearing whom they complain about, up to 1.5 when they are right).
   */
  recordOf(a: number): number {
    const r = this.records.get(a);
    if (!r) return 1;
    return (1.5 * (r.confirmed + 1)) / (r.confirmed + r.cleared + 1.5);
  }

  /**
   * Takes one event. Returns a promise only when an effect is applied or recorded, so the
   * common case allocates nothing and waits for nothing.
   */
  private readonly ctx: RuleContext<Record<string, number>> = {
    counters: this.counters,
    settings: {},
    at: 0,
    evidence: this.evidence,
    young: (a, hours) => this.counters.age(a, this.ctx.at) < hours * 3600_000,
    trust: (a) => {
      const e = this.evidence;
      const at = this.ctx.at;
      const contacts = e.contacts.value(a, at);
      const known = e.known.value(a, at);
      const t = 1 + (4 * Math.max(0, smoothed(e.pos.value(a, at), contacts, 0.1, 5) - 0.1)) / 0.9 + (4 * known) / (known + contacts + 1);
      return t < PACED_TRUST && this.sink.paced?.(a) ? PACED_TRUST : t;
    },
    youth: (a) => {
      const y = youth(this.counters.age(a, this.ctx.at));
      return this.evidence.isVoip(a) ? Math.min(1, y * 1.5 + 0.05) : y;
    },
  };

  observe(ev: RobotEvent): Promise<void> | void {
    this.count(ev);
    if (this.quiet) return;
    const rules = this.byType.get(ev.type)!;
    if (rules.length === 0) return;
    // A quick leave complains about whoever added the person, not about the person.
    const subject = ev.type === 'leave' ? (this.evidence.groupInviter.get(ev.group) ?? ev.account) : subjectOf(ev);
    const at = ev.at;
    const swept = this.sweeps.length > 0 && SWEEP_EVENTS.has(ev.type) ? this.sweep(ev, subject) : undefined;
    // Held at a limit's strength or more: no rule runs at all (the common case of a held account).
    if (this.isHeld(subject, at, LIMIT)) return swept;
    let best: Effect | null = null;
    let bestRule: ActiveRule | null = null;
    let others: FiredSignal[] | null = null;
    // One context per engine, re-aimed at each event: the hot path allocates nothing.
    const ctx = this.ctx;
    ctx.at = at;
    for (const r of rules) {
      ctx.settings = r.settings;
      const e = r.rule.evaluate(ev, ctx);
      if (!e) continue;
      if (!best || stronger(e, best)) {
        if (best?.signals) (others ??= []).push(...best.signals);
        best = e;
        bestRule = r;
      } else if (e.signals) (others ??= []).push(...e.signals);
    }
    if (!best || !bestRule) return swept;
    // Held by a softer effect (a case raised for a person): only a stronger one goes through.
    if (this.isHeld(subject, at, STRENGTH[best.action])) return swept;
    // The effect carries what fired: the winning rule's signals first, then the others'.
    if (others) best = { ...best, signals: [...(best.signals ?? []), ...others] };
    const done = this.act(subject, bestRule, best, at);
    return swept && done ? Promise.all([swept, done]).then(() => undefined) : (done ?? swept);
  }

  /**
   * Whether robots leave `a` alone at `at` for an effect of `strength`: what they did last (a
   * limit, a raised case) holds off effects no stronger than itself until it runs out, or until a
   * person's decision since; a person's decision holds them off too.
   */
  private isHeld(a: number, at: number, strength: number): boolean {
    const held = this.held.get(a);
    return held !== undefined && held.until > at && held.strength >= strength && this.sink.manualDecisionAt(a) === held.manual;
  }

  /**
   * The accounts an event implicates besides its subject (`Rule.implicated`), each judged by its
   * rule (`Rule.judge`) within the same guard rails as a subject: one effect each at most.
   */
  private sweep(ev: RobotEvent, subject: number): Promise<void> | undefined {
    const ctx = this.ctx;
    ctx.at = ev.at;
    let pending: Promise<void>[] | undefined;
    for (const r of this.sweeps) {
      if (!r.rule.on.includes(ev.type)) continue;
      ctx.settings = r.settings;
      const accounts = r.rule.implicated!(ev, ctx);
      if (!accounts || accounts.length === 0) continue;
      // Copied: judging reads the campaign table, whose slots a lookup may move.
      for (const a of Array.from(accounts)) {
        if (a === subject || this.isHeld(a, ev.at, LIMIT) || this.sink.restricted(a, ev.at)) continue;
        ctx.settings = r.settings;
        const effect = r.rule.judge!(a, ctx);
        if (!effect || this.isHeld(a, ev.at, STRENGTH[effect.action])) continue;
        const p = this.act(a, r, effect, ev.at);
        if (p) (pending ??= []).push(p);
      }
    }
    return pending ? Promise.all(pending).then(() => undefined) : undefined;
  }

  private act(subject: number, r: ActiveRule, effect: Effect, at: number): Promise<void> | void {
    const name = r.rule.name;
    const stats = this.stats.get(name)!;
    if (this.sink.restricted(subject, at)) return;
    stats.hits++;
    const manual = this.sink.manualDecisionAt(subject);
    const strength = STRENGTH[effect.action];
    const holdUntil = effect.action === 'limit' ? at + effect.hours * 3600_000 : effect.action === 'freeze' ? Infinity : at + SOFT_HOLD[effect.action];
    this.held.set(subject, { until: holdUntil, manual, strength });
    const manualHoldEnd = manual > 0 ? manual + this.config.manualBlockHours * 3600_000 : 0;
    // A person's decision in its favour holds off limits, freezes and raised cases alike (a
    // moderator who just cleared an account is not handed it again the next hour); flags only record.
    if (manualHoldEnd > at && effect.action !== 'flag') {
      // Held off, not done: look again once the person's hold ends (a freeze is not "forever").
      this.held.set(subject, { until: Math.min(holdUntil, manualHoldEnd), manual, strength });
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
      this.held.set(subject, { until: Math.min(holdUntil, (day + 1) * 86_400_000), manual, strength });
      stats.shadowed++;
      return this.sink.shadow(subject, name, effect, at, 'daily_cap');
    }
    this.actionsToday.set(name, { day, n: n + 1 });
    stats.actions++;
    return this.sink.apply(subject, name, effect, at);
  }
}
