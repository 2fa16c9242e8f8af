import type { RobotsEngine } from './engine.js';
import { LABEL_BIT, type ReplayAccounts } from './replay-accounts.js';
import { LABELS, type Label, type ParseProblem } from './trace.js';

/**
 * The harm report of a replay: what robots did to each label and each class of account (caught,
 * how soon, refused, restricted again, overturned), to brigades' targets, and per rule. The
 * summary is TRACE.md's object, plus the harm done per label and per class.
 */

/** What robots did to one kind of account (a label, or a `class`). */
export interface Harm {
  /** Accounts that had this label (or class) at some point of the trace. */
  accounts: number;
  /** Of those, limited or frozen by robots while they had it. */
  limited: number;
  /** Of the limited, before their 21st cold message under it. */
  limitedWithin20: number;
  /** Median cold messages sent under this label before robots first acted (0 when none). */
  medianColdToLimit: number;
  /** Messages and invites the gate refused them because robots restricted them. */
  refused: number;
  /** Accounts robots restricted twice or more. */
  repeatLimited: number;
  /** Robot restrictions that an appeal overturned. */
  overturned: number;
  /** Accounts robots put before a person (raised their case: `early_review`) while they had it. */
  raised: number;
  /** Accounts robots limited, or put before a person, before their 21st cold message under it. */
  limitedOrRaisedWithin20: number;
  /**
   * Accounts that sent a 21st cold message under this label before anyone complained about them
   * (no block, no report the API takes): within 20, only a rule that needs no feedback could
   * have caught them. For spammers, the ceiling of every feedback rule.
   */
  unheardBy20: number;
}

export interface ClassHarm extends Harm {
  /** The label the class's accounts had when they registered. */
  label: Label | null;
}

export interface ReplaySummary {
  accounts: number;
  spammers: number;
  caught: number;
  caughtWithin20: number;
  medianColdMessagesToCatch: number;
  innocents: number;
  innocentsLimited: number;
  businessesLimited: number;
  brigadeVictimsLimited: number;
  actions: Record<string, number>;
  // Beyond TRACE.md's fixed fields:
  /** Harm per label. */
  byLabel: Record<Label, Harm>;
  /** Harm per `class`, when the trace names classes. */
  byClass?: Record<string, ClassHarm>;
  /** Per class of brigader: the accounts they reported, and how many of those robots restricted afterwards. */
  brigades?: Record<string, { targets: number; targetsLimited: number }>;
  /** Reports the API would refuse (`NOTHING_TO_REPORT`): they reached no rule. */
  reportsRefused: number;
  /** Effects robots held off because a person decided in the account's favour. */
  heldAfterDecision: number;
}

export interface ReplayReport {
  summary: ReplaySummary;
  perRule: Record<string, { hits: number; actions: number; shadowed: number; overturned: number }>;
  problems: ParseProblem[];
  /** [seconds since start, action] for every robot action, for the chart. */
  timeline: [number, 'limit' | 'freeze'][];
  /** Innocent or business accounts robots acted on, with the rule (to investigate). */
  falsePositives: { id: string; label: Label; class?: string; rule: string }[];
  lines: number;
  /** Lines dated before a line above them, read as happening then. */
  linesOutOfOrder: number;
  messagesDenied: number;
}

interface Act {
  label: Label | undefined;
  cold: number;
  rule: string;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The tally a replay keeps of robots' actions and their harm, and the report made from it. */
export class HarmTally {
  /** [seconds since start, action] for every robot action, for the chart. */
  readonly timeline: [number, 'limit' | 'freeze'][] = [];
  private readonly actions: Record<string, number> = { limit: 0, freeze: 0 };
  private readonly acts = new Map<number, Act[]>();
  /** Per account: its label and cold messages when robots first raised its case. */
  private readonly raises = new Map<number, { label: Label | undefined; cold: number }>();
  /** Target → classes of the brigaders who reported it. */
  private readonly brigadeReported = new Map<number, Set<string>>();
  /** Brigade targets robots restricted after being reported, per brigader class. */
  private readonly brigadeHits = new Map<string, Set<number>>();
  private readonly brigadeVictims = new Set<number>();
  private readonly refusedBy = new Map<string, number>();
  private readonly overturnedBy = new Map<string, number>();
  private readonly overturnedRule = new Map<string, number>();
  private readonly falsePositives: ReplayReport['falsePositives'] = [];
  /** Reports the API would refuse (`NOTHING_TO_REPORT`). */
  reportsRefused = 0;
  /** Effects robots held off because a person decided in the account's favour. */
  heldAfterDecision = 0;
  private readonly accounts: ReplayAccounts;

  constructor(accounts: ReplayAccounts) {
    this.accounts = accounts;
  }

  /** Robots limited or froze `account` under `rule`. */
  acted(account: number, rule: string, action: 'limit' | 'freeze', at: number): void {
    this.actions[action]!++;
    this.timeline.push([at / 1000, action]);
    const a = this.accounts;
    const label = a.labels[account];
    let list = this.acts.get(account);
    if (!list) this.acts.set(account, (list = []));
    list.push({ label, cold: a.cold[account]!, rule });
    const brigades = this.brigadeReported.get(account);
    if (brigades && (label === 'innocent' || label === 'business')) {
      this.brigadeVictims.add(account);
      for (const c of brigades) {
        let s = this.brigadeHits.get(c);
        if (!s) this.brigadeHits.set(c, (s = new Set()));
        s.add(account);
      }
    }
    if ((label === 'innocent' || label === 'business') && !list.slice(0, -1).some((x) => x.label === label)) {
      const cls = a.classes[account];
      this.falsePositives.push({ id: a.names[account]!, label, ...(cls !== undefined ? { class: cls } : {}), rule });
    }
  }

  /** Robots put `account` before a person (raised its case); the first time counts. */
  raised(account: number): void {
    if (this.raises.has(account)) return;
    this.raises.set(account, { label: this.accounts.labels[account], cold: this.accounts.cold[account]! });
  }

  /** A brigader of class `cls` reported `target`. */
  brigaded(target: number, cls: string): void {
    let s = this.brigadeReported.get(target);
    if (!s) this.brigadeReported.set(target, (s = new Set()));
    s.add(cls);
  }

  /** Counts a refusal the robots' restriction caused, under the account's label and class. */
  refusedByRobots(n: number): void {
    const label = this.accounts.labels[n];
    if (label) this.refusedBy.set(label, (this.refusedBy.get(label) ?? 0) + 1);
    const cls = this.accounts.classes[n];
    if (cls !== undefined) this.refusedBy.set(`class:${cls}`, (this.refusedBy.get(`class:${cls}`) ?? 0) + 1);
  }

  /** An appeal overturned robots' restriction of account `n` under `rule`: a false positive for the rule, under the account's label. */
  overturned(n: number, rule: string): void {
    this.overturnedRule.set(rule, (this.overturnedRule.get(rule) ?? 0) + 1);
    const label = this.accounts.labels[n];
    if (label) this.overturnedBy.set(label, (this.overturnedBy.get(label) ?? 0) + 1);
    const cls = this.accounts.classes[n];
    if (cls !== undefined) this.overturnedBy.set(`class:${cls}`, (this.overturnedBy.get(`class:${cls}`) ?? 0) + 1);
  }

  report(ruleStats: RobotsEngine['stats'], replay: Pick<ReplayReport, 'problems' | 'lines' | 'linesOutOfOrder' | 'messagesDenied'>): ReplayReport {
    const a = this.accounts;
    const emptyHarm = (): Harm => ({
      accounts: 0,
      limited: 0,
      limitedWithin20: 0,
      medianColdToLimit: 0,
      refused: 0,
      repeatLimited: 0,
      overturned: 0,
      raised: 0,
      limitedOrRaisedWithin20: 0,
      unheardBy20: 0,
    });
    const byLabel = Object.fromEntries(LABELS.map((l) => [l, emptyHarm()])) as Record<Label, Harm>;
    const coldByLabel = new Map<string, number[]>(LABELS.map((l) => [l, []]));
    const byClass: Record<string, ClassHarm> = {};
    const coldByClass = new Map<string, number[]>();
    // Accounts, not labels: one that was innocent and then a business is one innocent (TRACE.md).
    let innocents = 0;
    let innocentsLimited = 0;
    for (let n = 1; n < a.names.length; n++) {
      const bits = a.everLabels[n]!;
      if (bits & (LABEL_BIT.innocent | LABEL_BIT.business)) innocents++;
      if (this.acts.get(n)?.some((x) => x.label === 'innocent' || x.label === 'business')) innocentsLimited++;
      const unheard = a.unheard[n]!;
      for (const l of LABELS) {
        if (bits & LABEL_BIT[l]) byLabel[l].accounts++;
        if (unheard & LABEL_BIT[l]) byLabel[l].unheardBy20++;
      }
      const cls = a.classes[n];
      let ch: ClassHarm | undefined;
      if (cls !== undefined) {
        ch = byClass[cls];
        if (!ch) {
          // The first account of the class tells its label (a hijacked one starts innocent).
          ch = byClass[cls] = { label: null, ...emptyHarm() };
          coldByClass.set(cls, []);
        }
        ch.accounts++;
        if (unheard !== 0) ch.unheardBy20++;
      }
      const acts = this.acts.get(n);
      const raise = this.raises.get(n);
      if (raise) {
        if (raise.label) byLabel[raise.label].raised++;
        if (ch) ch.raised++;
      }
      if (!acts && !raise) continue;
      for (const l of LABELS) {
        const mine = acts ? acts.filter((x) => x.label === l) : [];
        const raisedSoon = raise !== undefined && raise.label === l && raise.cold <= 20;
        const h = byLabel[l];
        if (raisedSoon || (mine.length > 0 && mine[0]!.cold <= 20)) h.limitedOrRaisedWithin20++;
        if (mine.length === 0) continue;
        h.limited++;
        if (mine[0]!.cold <= 20) h.limitedWithin20++;
        coldByLabel.get(l)!.push(mine[0]!.cold);
        if (mine.length > 1) h.repeatLimited++;
      }
      if (ch) {
        if ((raise && raise.cold <= 20) || (acts && acts[0]!.cold <= 20)) ch.limitedOrRaisedWithin20++;
        if (!acts) continue;
        ch.limited++;
        if (acts[0]!.cold <= 20) ch.limitedWithin20++;
        coldByClass.get(cls!)!.push(acts[0]!.cold);
        if (acts.length > 1) ch.repeatLimited++;
      }
    }
    for (const l of LABELS) {
      byLabel[l].medianColdToLimit = median(coldByLabel.get(l)!);
      byLabel[l].refused = this.refusedBy.get(l) ?? 0;
      byLabel[l].overturned = this.overturnedBy.get(l) ?? 0;
    }
    for (const [cls, h] of Object.entries(byClass)) {
      h.medianColdToLimit = median(coldByClass.get(cls)!);
      h.refused = this.refusedBy.get(`class:${cls}`) ?? 0;
      h.overturned = this.overturnedBy.get(`class:${cls}`) ?? 0;
    }
    // A class's label: its accounts' label at registration (the first account's).
    for (let n = 1; n < a.names.length; n++) {
      const cls = a.classes[n];
      if (cls !== undefined && byClass[cls]!.label === null) byClass[cls]!.label = a.registeredAs[n] ?? null;
    }
    const spam = byLabel.spammer;
    const brigades: Record<string, { targets: number; targetsLimited: number }> = {};
    for (const classes of this.brigadeReported.values()) {
      for (const c of classes) (brigades[c] ??= { targets: 0, targetsLimited: 0 }).targets++;
    }
    for (const [c, s] of this.brigadeHits) (brigades[c] ??= { targets: 0, targetsLimited: 0 }).targetsLimited = s.size;
    const summary: ReplaySummary = {
      accounts: a.names.length - 1,
      spammers: spam.accounts,
      caught: spam.limited,
      caughtWithin20: spam.limitedWithin20,
      medianColdMessagesToCatch: spam.medianColdToLimit,
      innocents,
      innocentsLimited,
      businessesLimited: byLabel.business.limited,
      brigadeVictimsLimited: this.brigadeVictims.size,
      actions: { ...this.actions },
      byLabel,
      ...(a.hasClasses ? { byClass } : {}),
      ...(this.brigadeReported.size > 0 ? { brigades } : {}),
      reportsRefused: this.reportsRefused,
      heldAfterDecision: this.heldAfterDecision,
    };
    const perRule: ReplayReport['perRule'] = {};
    for (const [name, s] of ruleStats) perRule[name] = { ...s, overturned: this.overturnedRule.get(name) ?? 0 };
    return {
      summary,
      perRule,
      problems: replay.problems,
      timeline: this.timeline,
      falsePositives: this.falsePositives,
      lines: replay.lines,
      linesOutOfOrder: replay.linesOutOfOrder,
      messagesDenied: replay.messagesDenied,
    };
  }
}
