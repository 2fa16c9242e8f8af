import { reportWeight } from '../domain/reporting.js';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textSignals } from './events.js';
import type { Effect, RobotsConfig } from './rules.js';
import { PairSet } from './pairs.js';
import { isProblem, LABELS, parseTraceLine, type Label, type ParseProblem, type TraceLine } from './trace.js';

/**
 * Replays a trace through the robots on a simulated clock. A small in-memory world answers what
 * the platform would (RULES.md): who saved whom, who wrote to whom, who blocked whom, groups and
 * their members and admins, the gate for restricted senders (a limited account writes only to
 * mutual contacts and replies, a frozen one to nobody), reports the API refuses
 * (`NOTHING_TO_REPORT`), a group's report threshold, and people's decisions and appeals (the
 * ladder's sanctions, reporters' records, the hold after a decision in the account's favour).
 *
 * The summary is TRACE.md's object, plus the harm done per label and per class.
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
  messagesDenied: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The default ladder for `spam` (RULES.md §4): hours per strike; past the end, permanent. */
const SPAM_LADDER = [24, 72, 7 * 24, 30 * 24];
/** A group's threshold before its members' reports reach anything (RULES.md §3). */
const GROUP_REPORTERS = 3;

const LABEL_BIT: Record<Label, number> = { innocent: 1, spammer: 2, business: 4, brigader: 8 };

interface Group {
  /** Dense id, for the robots. */
  id: number;
  owner: number;
  admins: Set<number>;
  /** Member → when they became one, and whether they joined by themselves. */
  members: Map<number, { at: number; self: boolean }>;
  posters: Set<number>;
  /** Subject → members who reported them here. */
  reporters: Map<number, Set<number>>;
}

interface Act {
  label: Label | undefined;
  cold: number;
  rule: string;
}

const MESSAGE_HEAD = '{"type":"message","t":';

/** Where the JSON string starting at `i` ends (its closing quote), or -1 when it has an escape or a control character. */
function plainString(l: string, i: number): number {
  for (const n = l.length; i < n; i++) {
    const c = l.charCodeAt(i);
    if (c === 34) return i;
    if (c === 92 || c < 32) return -1;
  }
  return -1;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export class Replay {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [''];
  private readonly labels: (Label | undefined)[] = [undefined];
  /** Every label an account had (bits of LABEL_BIT). */
  private readonly everLabels: number[] = [0];
  private readonly registeredAs: (Label | undefined)[] = [undefined];
  private readonly classes: (string | undefined)[] = [undefined];
  private readonly created: number[] = [0];
  /** Cold messages delivered under the current label. */
  private readonly cold: number[] = [0];
  // Pairs of dense ids in flat hash tables: asked several times per message.
  /** (a, b): a saved b's number. */
  private readonly contacts = new PairSet();
  /** (a, b): a wrote to b (a private chat exists when either side wrote). */
  private readonly wroteTo = new PairSet();
  /** (a, b): a blocked b. */
  private readonly blocks = new PairSet();
  /** (a, b): a started the private chat with b (wrote first). */
  private readonly started = new PairSet();
  private readonly groups = new Map<string, Group>();
  // Restrictions: robots' and people's apart, so that refusals are put down to the right one.
  private readonly robotLimitUntil = new Map<number, number>();
  private readonly robotFrozen = new Set<number>();
  /** The rule behind the account's latest robot restriction (for an overturned appeal). */
  private readonly robotRule = new Map<number, string>();
  private readonly manualLimitUntil = new Map<number, number>();
  private readonly manualFrozen = new Set<number>();
  private readonly strikes = new Map<number, number>();
  private readonly manualAt = new Map<number, number>();
  // Reporters' records and open reports (one per reporter, subject and place).
  private readonly confirmed = new Map<number, number>();
  private readonly dismissed = new Map<number, number>();
  private readonly openReports = new Map<number, Map<string, number>>();
  /** Reporters whose reports on the subject reached the rules (they answer for an overturn). */
  private readonly reportersOf = new Map<number, Set<number>>();
  /** Target → classes of the brigaders who reported it. */
  private readonly brigadeReported = new Map<number, Set<string>>();
  // Scoring.
  private readonly acts = new Map<number, Act[]>();
  /** Brigade targets robots restricted after being reported, per brigader class. */
  private readonly brigadeHits = new Map<string, Set<number>>();
  private readonly brigadeVictims = new Set<number>();
  private readonly refusedBy = new Map<string, number>();
  private readonly overturnedBy = new Map<string, number>();
  private readonly overturnedRule = new Map<string, number>();
  private hasClasses = false;
  private reportsRefused = 0;
  private heldAfterDecision = 0;

  private readonly engine: RobotsEngine;
  readonly problems: ParseProblem[] = [];
  readonly timeline: [number, 'limit' | 'freeze'][] = [];
  private readonly actions: Record<string, number> = { limit: 0, freeze: 0 };
  private readonly falsePositives: ReplayReport['falsePositives'] = [];
  lines = 0;
  messagesDenied = 0;

  constructor(config: RobotsConfig) {
    const sink: EffectSink = {
      apply: (account, rule, effect: Effect, at) => this.applyEffect(account, rule, effect, at),
      shadow: (_account, _rule, _effect, _at, why) => {
        if (why === 'manual_decision') this.heldAfterDecision++;
      },
      manualDecisionAt: (account) => this.manualAt.get(account) ?? 0,
      restricted: (account, at) => this.robotRestricted(account, at) || this.manualFrozen.has(account) || (this.manualLimitUntil.get(account) ?? 0) > at,
    };
    this.engine = new RobotsEngine(config, sink);
  }

  private robotRestricted(a: number, at: number): boolean {
    return this.robotFrozen.has(a) || (this.robotLimitUntil.get(a) ?? 0) > at;
  }

  private applyEffect(account: number, rule: string, effect: Effect, at: number): void {
    if (effect.action === 'limit') {
      this.robotLimitUntil.set(account, Math.max(this.robotLimitUntil.get(account) ?? 0, at + effect.hours * HOUR));
      this.actions.limit!++;
      this.timeline.push([at / 1000, 'limit']);
    } else if (effect.action === 'freeze') {
      this.robotFrozen.add(account);
      this.actions.freeze!++;
      this.timeline.push([at / 1000, 'freeze']);
    } else return;
    this.robotRule.set(account, rule);
    const label = this.labels[account];
    let list = this.acts.get(account);
    if (!list) this.acts.set(account, (list = []));
    list.push({ label, cold: this.cold[account]!, rule });
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
      const cls = this.classes[account];
      this.falsePositives.push({ id: this.names[account]!, label, ...(cls !== undefined ? { class: cls } : {}), rule });
    }
  }

  private known(name: string): number {
    const n = this.ids.get(name);
    if (n === undefined) throw new Error(`unknown id ${JSON.stringify(name)}`);
    return n;
  }

  private group(name: string): Group {
    const g = this.groups.get(name);
    if (!g) throw new Error(`unknown group ${JSON.stringify(name)}`);
    return g;
  }

  private has(owner: number, other: number): boolean {
    return this.contacts.has(owner, other);
  }

  private wrote(from: number, to: number): boolean {
    return this.wroteTo.has(from, to);
  }

  /** Counts a refusal the robots' restriction caused, under the account's label and class. */
  private refusedByRobots(a: number): void {
    const label = this.labels[a];
    if (label) this.refusedBy.set(label, (this.refusedBy.get(label) ?? 0) + 1);
    const cls = this.classes[a];
    if (cls !== undefined) this.refusedBy.set(`class:${cls}`, (this.refusedBy.get(`class:${cls}`) ?? 0) + 1);
  }

  /**
   * The gate for a restricted sender: 'ok', or who refused — 'robot' when robots' restriction
   * alone explains it, 'person' when a person's sanction does.
   */
  private gate(a: number, at: number, allowedWhenLimited: boolean): 'ok' | 'robot' | 'person' {
    const manualFrozen = this.manualFrozen.has(a);
    const manualLimited = (this.manualLimitUntil.get(a) ?? 0) > at;
    if (manualFrozen || (manualLimited && !allowedWhenLimited)) return 'person';
    if (this.robotFrozen.has(a)) return 'robot';
    if ((this.robotLimitUntil.get(a) ?? 0) > at && !allowedWhenLimited) return 'robot';
    return 'ok';
  }

  /** Feeds one raw line. */
  line(text: string): void {
    this.lines++;
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    if (text.startsWith(MESSAGE_HEAD) && this.messageLine(text)) return;
    const parsed = parseTraceLine(text, this.lines);
    if (isProblem(parsed)) {
      this.problems.push(parsed);
      return;
    }
    try {
      this.event(parsed);
    } catch (err) {
      this.problems.push({ line: this.lines, problem: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * A message line in the shape the generators write (`{"type":"message","t":N,"from":"…",
   * "to":"…","text":"…"}`, nothing escaped, within the format's limits), taken without building
   * the line's object: most lines of a trace are such. False, having done nothing, for anything
   * else; `parseTraceLine` then reads the line as any other.
   */
  private messageLine(l: string): boolean {
    const n = l.length;
    let i = MESSAGE_HEAD.length;
    const t0 = i;
    let c = l.charCodeAt(i);
    // A number ≥ 0 in JSON's plain form: digits (no leading zero), then perhaps a fraction.
    if (c === 48) i++;
    else if (c > 48 && c <= 57) for (i++; i < n && (c = l.charCodeAt(i)) >= 48 && c <= 57; i++);
    else return false;
    if (l.charCodeAt(i) === 46) {
      const f0 = ++i;
      for (; i < n && (c = l.charCodeAt(i)) >= 48 && c <= 57; i++);
      if (i === f0) return false;
    }
    const t = Number(l.slice(t0, i));
    if (!l.startsWith(',"from":"', i)) return false;
    const f0 = i + 9;
    const f1 = plainString(l, f0);
    if (f1 < 0 || f1 === f0 || f1 - f0 > 200 || !l.startsWith(',"to":"', f1 + 1)) return false;
    const o0 = f1 + 8;
    const o1 = plainString(l, o0);
    if (o1 < 0 || o1 === o0 || o1 - o0 > 200 || !l.startsWith(',"text":"', o1 + 1)) return false;
    const x0 = o1 + 10;
    const x1 = plainString(l, x0);
    if (x1 < 0 || x1 - x0 > 10_000 || x1 !== n - 2 || l.charCodeAt(n - 1) !== 125) return false;
    try {
      this.message(l.slice(f0, f1), l.slice(o0, o1), l.slice(x0, x1), Math.round(t * 1000));
    } catch (err) {
      this.problems.push({ line: this.lines, problem: err instanceof Error ? err.message : String(err) });
    }
    return true;
  }

  event(e: TraceLine): void {
    const at = Math.round(e.t * 1000);
    switch (e.type) {
      case 'message':
        return this.message(e.from, e.to, e.text, at);
      case 'account': {
        if (this.ids.has(e.id)) throw new Error(`duplicate account ${e.id}`);
        const n = this.names.length;
        this.ids.set(e.id, n);
        this.names.push(e.id);
        this.labels.push(e.label);
        this.registeredAs.push(e.label);
        this.everLabels.push(e.label ? LABEL_BIT[e.label] : 0);
        this.classes.push(e.class);
        if (e.class !== undefined) this.hasClasses = true;
        // An aged account existed before the trace: its creation lies before t = 0.
        const created = at - Math.round((e.ageDays ?? 0) * DAY);
        this.created.push(created);
        this.cold.push(0);
        void this.engine.observe({ type: 'account', at: created || 1, account: n, voip: e.numberKind === 'voip' });
        return;
      }
      case 'contact': {
        const from = this.known(e.from);
        const to = this.known(e.to);
        if (this.contacts.add(from, to)) void this.engine.observe({ type: 'contact', at, from, to });
        return;
      }
      case 'block': {
        const from = this.known(e.from);
        const to = this.known(e.to);
        this.blocks.add(from, to);
        void this.engine.observe({ type: 'block', at, from, to, stranger: !this.has(from, to), initiated: this.started.has(to, from) });
        return;
      }
      case 'group': {
        if (this.groups.has(e.id)) throw new Error(`duplicate group ${e.id}`);
        const owner = this.known(e.owner);
        const admins = new Set((e.admins ?? []).map((a) => this.known(a)));
        const members = new Map<number, { at: number; self: boolean }>([[owner, { at, self: true }]]);
        for (const a of admins) members.set(a, { at, self: false });
        this.groups.set(e.id, { id: this.groups.size + 1, owner, admins, members, posters: new Set(), reporters: new Map() });
        return;
      }
      case 'invite': {
        const g = this.group(e.group);
        const by = this.known(e.by);
        const account = this.known(e.account);
        // A limited account may add only mutual contacts; a frozen one nobody.
        const verdict = this.gate(by, at, this.has(by, account) && this.has(account, by));
        if (verdict !== 'ok') {
          this.messagesDenied++;
          if (verdict === 'robot') this.refusedByRobots(by);
          return;
        }
        const accepted = e.accepted ?? true;
        if (accepted && !g.members.has(account)) g.members.set(account, { at, self: false });
        // Adding someone reaches them first, as a first message does.
        if (!this.wrote(account, by)) this.started.add(by, account);
        void this.engine.observe({ type: 'invite', at, by, account, stranger: !this.has(account, by), accepted, group: g.id });
        return;
      }
      case 'join': {
        const g = this.group(e.group);
        const account = this.known(e.account);
        if (!g.members.has(account)) g.members.set(account, { at, self: true });
        void this.engine.observe({ type: 'join', at, group: g.id, account });
        return;
      }
      case 'leave': {
        const g = this.group(e.group);
        const account = this.known(e.account);
        if (g.members.delete(account)) void this.engine.observe({ type: 'leave', at, group: g.id, account });
        return;
      }
      case 'post': {
        const g = this.group(e.group);
        const from = this.known(e.from);
        const verdict = this.gate(from, at, true);
        if (verdict !== 'ok') {
          this.messagesDenied++;
          if (verdict === 'robot') this.refusedByRobots(from);
          return;
        }
        g.posters.add(from);
        void this.engine.observe({ type: 'post', at, from, group: g.id, members: g.members.size, ...textSignals(e.text) });
        return;
      }
      case 'report':
        return this.reportLine(e.from, e.to, e.group, at);
      case 'decision':
        return this.decision(this.known(e.account), e.action, e.policy ?? 'spam', at);
      case 'appeal':
        return this.appeal(this.known(e.account), e.outcome, at);
      case 'label': {
        const n = this.known(e.id);
        if (this.labels[n] === e.label) return;
        this.labels[n] = e.label;
        this.everLabels[n]! |= LABEL_BIT[e.label];
        // Cold messages to catch are counted afresh under the new label.
        this.cold[n] = 0;
        return;
      }
    }
  }

  private message(fromName: string, toName: string, text: string, at: number): void {
    const from = this.known(fromName);
    const to = this.known(toName);
    if (from === to) throw new Error('a message to oneself');
    const repliesTo = this.wrote(to, from);
    const stranger = !repliesTo && !this.has(to, from);
    if (this.blocks.has(to, from)) {
      this.messagesDenied++;
      return;
    }
    const verdict = this.gate(from, at, repliesTo || (this.has(from, to) && this.has(to, from)));
    if (verdict !== 'ok') {
      this.messagesDenied++;
      if (verdict === 'robot') this.refusedByRobots(from);
      return;
    }
    // A new chat: neither side wrote before (the reply case is known already).
    const newChat = this.wroteTo.add(from, to) && !repliesTo;
    if (newChat) this.started.add(from, to);
    if (stranger) this.cold[from]!++;
    const s = textSignals(text);
    void this.engine.observe({
      type: 'message',
      at,
      from,
      to,
      stranger,
      newChat,
      reply: repliesTo && this.started.has(to, from),
      textHash: s.textHash,
      link: s.link,
      inviteLink: s.inviteLink,
      domains: s.domains,
      bands: s.bands,
    });
  }

  private reportLine(fromName: string, toName: string, groupName: string | undefined, at: number): void {
    const from = this.known(fromName);
    const to = this.known(toName);
    if (from === to) throw new Error('a report about oneself');
    const g = groupName === undefined ? undefined : this.group(groupName);
    if (this.labels[from] === 'brigader') {
      let s = this.brigadeReported.get(to);
      if (!s) this.brigadeReported.set(to, (s = new Set()));
      s.add(this.classes[from] ?? 'brigader');
    }
    // NOTHING_TO_REPORT: the subject never wrote to the reporter there (in a group: never posted
    // in it, or the reporter is no member and cannot see it).
    if (g ? !g.posters.has(to) || !g.members.has(from) : !this.wrote(to, from)) {
      this.reportsRefused++;
      return;
    }
    const place = `${from}|${groupName ?? ''}`;
    let open = this.openReports.get(to);
    if (!open) this.openReports.set(to, (open = new Map()));
    if (open.has(place)) return; // the same report again while the first is open
    open.set(place, from);
    let groupAdmin = false;
    if (g) {
      const admin = g.owner === from || g.admins.has(from);
      const member = g.members.get(to);
      // An admin weighs as one only about a member who joined alone or was added a day before.
      groupAdmin = admin && member !== undefined && (member.self || member.at <= at - DAY);
      let rs = g.reporters.get(to);
      if (!rs) g.reporters.set(to, (rs = new Set()));
      rs.add(from);
      if (!admin && rs.size < GROUP_REPORTERS) return; // below the group's threshold
    }
    let rs = this.reportersOf.get(to);
    if (!rs) this.reportersOf.set(to, (rs = new Set()));
    rs.add(from);
    const age = at - this.created[from]!;
    const weight = reportWeight({
      confirmed: this.confirmed.get(from) ?? 0,
      dismissed: this.dismissed.get(from) ?? 0,
      muted: false,
      accountAgeMs: age,
      groupAdmin,
    });
    // In a group nobody "writes first": the subject posted there, which is what is reported.
    void this.engine.observe({ type: 'report', at, from, to, weight, fresh: age < DAY, ...(g ? {} : { initiated: this.started.has(to, from) }) });
  }

  /** A decision closes the subject's open reports; its reporters were right or wrong. */
  private closeReports(a: number, right: boolean): void {
    const open = this.openReports.get(a);
    if (!open) return;
    const book = right ? this.confirmed : this.dismissed;
    for (const r of new Set(open.values())) book.set(r, (book.get(r) ?? 0) + 1);
    this.openReports.delete(a);
  }

  private liftAll(a: number): void {
    this.robotLimitUntil.delete(a);
    this.robotFrozen.delete(a);
    this.manualLimitUntil.delete(a);
    this.manualFrozen.delete(a);
  }

  private decision(a: number, action: 'confirm' | 'dismiss' | 'lift', policy: string, at: number): void {
    // Robots hear of it as the platform tells them (src/robots/decisions.ts).
    void this.engine.observe({ type: 'decision', at, account: a, outcome: action === 'confirm' ? 'confirmed' : 'cleared' });
    if (action === 'confirm') {
      this.closeReports(a, true);
      if (policy === 'spam') {
        const n = (this.strikes.get(a) ?? 0) + 1;
        this.strikes.set(a, n);
        const hours = SPAM_LADDER[n - 1];
        const until = hours === undefined ? Infinity : at + hours * HOUR;
        this.manualLimitUntil.set(a, Math.max(this.manualLimitUntil.get(a) ?? 0, until));
      } else this.manualFrozen.add(a);
      return;
    }
    // In the account's favour: robots hold off from now on.
    this.manualAt.set(a, at);
    if (action === 'dismiss') this.closeReports(a, false);
    else {
      this.liftAll(a);
      this.strikes.delete(a);
    }
  }

  private appeal(a: number, outcome: 'overturn' | 'uphold', at: number): void {
    // An appeal is against the restriction in force: with none, there is nothing to decide.
    const restricted = this.robotRestricted(a, at) || this.manualFrozen.has(a) || (this.manualLimitUntil.get(a) ?? 0) > at;
    if (outcome === 'uphold' || !restricted) return;
    if (this.robotRestricted(a, at)) {
      // A robot rule caused it: a false positive for that rule, under the account's label.
      const rule = this.robotRule.get(a) ?? '';
      this.overturnedRule.set(rule, (this.overturnedRule.get(rule) ?? 0) + 1);
      const label = this.labels[a];
      if (label) this.overturnedBy.set(label, (this.overturnedBy.get(label) ?? 0) + 1);
      const cls = this.classes[a];
      if (cls !== undefined) this.overturnedBy.set(`class:${cls}`, (this.overturnedBy.get(`class:${cls}`) ?? 0) + 1);
      for (const r of this.reportersOf.get(a) ?? []) this.dismissed.set(r, (this.dismissed.get(r) ?? 0) + 1);
      this.reportersOf.delete(a);
    } else if ((this.strikes.get(a) ?? 0) > 0) this.strikes.set(a, this.strikes.get(a)! - 1);
    this.liftAll(a);
    this.openReports.delete(a);
    this.manualAt.set(a, at);
    void this.engine.observe({ type: 'decision', at, account: a, outcome: 'cleared' });
  }

  report(): ReplayReport {
    const emptyHarm = (): Harm => ({ accounts: 0, limited: 0, limitedWithin20: 0, medianColdToLimit: 0, refused: 0, repeatLimited: 0, overturned: 0 });
    const byLabel = Object.fromEntries(LABELS.map((l) => [l, emptyHarm()])) as Record<Label, Harm>;
    const coldByLabel = new Map<string, number[]>(LABELS.map((l) => [l, []]));
    const byClass: Record<string, ClassHarm> = {};
    const coldByClass = new Map<string, number[]>();
    for (let n = 1; n < this.names.length; n++) {
      const bits = this.everLabels[n]!;
      for (const l of LABELS) if (bits & LABEL_BIT[l]) byLabel[l].accounts++;
      const cls = this.classes[n];
      let ch: ClassHarm | undefined;
      if (cls !== undefined) {
        ch = byClass[cls];
        if (!ch) {
          // The first account of the class tells its label (a hijacked one starts innocent).
          ch = byClass[cls] = { label: null, ...emptyHarm() };
          coldByClass.set(cls, []);
        }
        ch.accounts++;
      }
      const acts = this.acts.get(n);
      if (!acts) continue;
      for (const l of LABELS) {
        const mine = acts.filter((x) => x.label === l);
        if (mine.length === 0) continue;
        const h = byLabel[l];
        h.limited++;
        if (mine[0]!.cold <= 20) h.limitedWithin20++;
        coldByLabel.get(l)!.push(mine[0]!.cold);
        if (mine.length > 1) h.repeatLimited++;
      }
      if (ch) {
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
    for (let n = 1; n < this.names.length; n++) {
      const cls = this.classes[n];
      if (cls !== undefined && byClass[cls]!.label === null) byClass[cls]!.label = this.initialLabel(n);
    }
    const spam = byLabel.spammer;
    const brigades: Record<string, { targets: number; targetsLimited: number }> = {};
    for (const classes of this.brigadeReported.values()) {
      for (const c of classes) (brigades[c] ??= { targets: 0, targetsLimited: 0 }).targets++;
    }
    for (const [c, s] of this.brigadeHits) (brigades[c] ??= { targets: 0, targetsLimited: 0 }).targetsLimited = s.size;
    const summary: ReplaySummary = {
      accounts: this.names.length - 1,
      spammers: spam.accounts,
      caught: spam.limited,
      caughtWithin20: spam.limitedWithin20,
      medianColdMessagesToCatch: spam.medianColdToLimit,
      innocents: byLabel.innocent.accounts + byLabel.business.accounts,
      innocentsLimited: byLabel.innocent.limited + byLabel.business.limited,
      businessesLimited: byLabel.business.limited,
      brigadeVictimsLimited: this.brigadeVictims.size,
      actions: { ...this.actions },
      byLabel,
      ...(this.hasClasses ? { byClass } : {}),
      ...(this.brigadeReported.size > 0 ? { brigades } : {}),
      reportsRefused: this.reportsRefused,
      heldAfterDecision: this.heldAfterDecision,
    };
    const perRule: ReplayReport['perRule'] = {};
    for (const [name, s] of this.engine.stats) perRule[name] = { ...s, overturned: this.overturnedRule.get(name) ?? 0 };
    return {
      summary,
      perRule,
      problems: this.problems,
      timeline: this.timeline,
      falsePositives: this.falsePositives,
      lines: this.lines,
      messagesDenied: this.messagesDenied,
    };
  }

  private initialLabel(n: number): Label | null {
    return this.registeredAs[n] ?? null;
  }
}

/** An SVG chart of robot actions per hour of the trace. */
export function actionsChart(timeline: [number, 'limit' | 'freeze'][], width = 800, height = 240): string {
  let last = 0;
  for (const [t] of timeline) if (t > last) last = t;
  const hours = timeline.length ? Math.floor(last / 3600) + 1 : 1;
  const limits = new Array<number>(hours).fill(0);
  const freezes = new Array<number>(hours).fill(0);
  for (const [t, kind] of timeline) (kind === 'limit' ? limits : freezes)[Math.floor(t / 3600)]!++;
  let max = 1;
  for (let i = 0; i < hours; i++) max = Math.max(max, limits[i]! + freezes[i]!);
  const pad = 40;
  const bw = (width - pad * 2) / hours;
  const y = (v: number) => height - pad - (v / max) * (height - pad * 2);
  const bars: string[] = [];
  for (let i = 0; i < hours; i++) {
    const x = pad + i * bw;
    if (limits[i])
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${y(limits[i]!).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(height - pad - y(limits[i]!)).toFixed(1)}" fill="#e0a030"/>`,
      );
    if (freezes[i]) {
      const top = y(limits[i]! + freezes[i]!);
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(y(limits[i]!) - top).toFixed(1)}" fill="#3070c0"/>`,
      );
    }
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad}" y="20">Robot actions per hour (limits orange, freezes blue); peak ${max}</text>`,
    `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#333"/>`,
    `<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#333"/>`,
    `<text x="${pad}" y="${height - pad + 16}">0 h</text>`,
    `<text x="${width - pad - 30}" y="${height - pad + 16}">${hours} h</text>`,
    ...bars,
    '</svg>',
  ].join('\n');
}
