import { reportWeight } from '../domain/reporting.js';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textSignals } from './events.js';
import type { Effect, RobotsConfig } from './rules.js';
import { PairSet } from './pairs.js';
import { ReplayAccounts } from './replay-accounts.js';
import { MESSAGE_HEAD, readMessageLine } from './replay-lines.js';
import { HarmTally, type ReplayReport } from './replay-report.js';
import { isProblem, parseTraceLine, type ParseProblem, type TraceLine } from './trace.js';

/**
 * Replays a trace through the robots on a simulated clock. A small in-memory world answers what
 * the platform would (RULES.md): who saved whom, who wrote to whom, who blocked whom, groups and
 * their members and admins, the gate for restricted senders (a limited account writes only to
 * mutual contacts and replies, a frozen one to nobody), reports the API refuses
 * (`NOTHING_TO_REPORT`), a group's report threshold, and people's decisions and appeals (the
 * ladder's sanctions, reporters' records, the hold after a decision in the account's favour).
 *
 * The harm report is replay-report.ts's; the fast path for message lines, replay-lines.ts's.
 */

export type { ClassHarm, Harm, ReplayReport, ReplaySummary } from './replay-report.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The default ladder for `spam` (RULES.md §4): hours per strike; past the end, permanent. */
const SPAM_LADDER = [24, 72, 7 * 24, 30 * 24];
/**
 * In a group nobody "writes first"; who came to whom tells instead (the platform asks the same,
 * `groupInitiated` in src/platform/reports.ts). True when the subject came to the reporter: it
 * joined the group by itself (it is not the owner), and the reporter did not walk in after it;
 * or an admin whose report weighs as one reports a member someone added a day before. Otherwise
 * not known here (robots then count the report only if they saw the subject reach the reporter:
 * an invite): a crowd that joins a group to report its owner or a member already there, or that
 * adds someone to its own group to report them, was contacted by nobody.
 */
function cameToReporter(g: Pick<Group, 'owner' | 'members' | 'left'>, subject: number, reporter: number, groupAdmin: boolean): true | undefined {
  const s = g.members.get(subject) ?? g.left.get(subject);
  if (subject === g.owner || s === undefined) return undefined;
  if (!s.self) return groupAdmin ? true : undefined;
  const r = g.members.get(reporter);
  return r?.self && r.seq > s.seq ? undefined : true;
}

/** A group's threshold before its members' reports reach anything (RULES.md §3). */
const GROUP_REPORTERS = 3;

/** How someone became a member: when, by themselves or added, and in what order (two joins in one second still came one after the other). */
interface Membership {
  at: number;
  self: boolean;
  seq: number;
}

interface Group {
  /** Dense id, for the robots. */
  id: number;
  owner: number;
  admins: Set<number>;
  /** Member → when they became one, and whether they joined by themselves. */
  members: Map<number, Membership>;
  /** Former member → how they had been one (a spammer who posts and leaves is still reported as one who came). */
  left: Map<number, Membership>;
  posters: Set<number>;
  /** Subject → members who reported them here. */
  reporters: Map<number, Set<number>>;
}

export class Replay {
  private readonly accounts = new ReplayAccounts();
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
  // Scoring.
  private readonly tally = new HarmTally(this.accounts);

  private readonly engine: RobotsEngine;
  readonly problems: ParseProblem[] = [];
  readonly timeline: [number, 'limit' | 'freeze'][] = this.tally.timeline;
  lines = 0;
  messagesDenied = 0;
  private memberships = 0;
  /** The replay's clock (ms): the latest `t` read. A line dated before it happens at it; time never goes back. */
  private clock = 0;
  /** Lines dated before a line above them (read as happening at the clock). */
  linesOutOfOrder = 0;

  /**
   * `paced`: the trace's ids of accounts whose first contacts sender protection paces (a trace
   * has no such field: a business replayed as the CRM gateway would send for it).
   */
  constructor(config: RobotsConfig, options: { paced?: readonly string[] } = {}) {
    const paced = new Set(options.paced ?? []);
    const sink: EffectSink = {
      apply: (account, rule, effect: Effect, at) => this.applyEffect(account, rule, effect, at),
      shadow: (_account, _rule, _effect, _at, why) => {
        if (why === 'manual_decision') this.tally.heldAfterDecision++;
      },
      manualDecisionAt: (account) => this.manualAt.get(account) ?? 0,
      restricted: (account, at) => this.robotRestricted(account, at) || this.manualFrozen.has(account) || (this.manualLimitUntil.get(account) ?? 0) > at,
      ...(paced.size > 0 ? { paced: (account: number) => paced.has(this.accounts.names[account] ?? '') } : {}),
    };
    this.engine = new RobotsEngine(config, sink);
  }

  private robotRestricted(a: number, at: number): boolean {
    return this.robotFrozen.has(a) || (this.robotLimitUntil.get(a) ?? 0) > at;
  }

  private applyEffect(account: number, rule: string, effect: Effect, at: number): void {
    if (effect.action === 'limit') this.robotLimitUntil.set(account, Math.max(this.robotLimitUntil.get(account) ?? 0, at + effect.hours * HOUR));
    else if (effect.action === 'freeze') this.robotFrozen.add(account);
    else {
      if (effect.action === 'open_case') this.tally.raised(account);
      return;
    }
    this.robotRule.set(account, rule);
    this.tally.acted(account, rule, effect.action, at);
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
    // A byte-order mark before the first line (files saved by some editors and exporters).
    if (this.lines === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    if (text.startsWith(MESSAGE_HEAD) && readMessageLine(text, this.fastMessage)) return;
    const parsed = parseTraceLine(text, this.lines, this.clock / 1000);
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

  /** `message` for the fast path: a problem with the line is recorded as for any other line. */
  private readonly fastMessage = (from: string, to: string, text: string, t: number): void => {
    try {
      this.message(from, to, text, this.timeOf(t));
      this.tick(t);
    } catch (err) {
      this.problems.push({ line: this.lines, problem: err instanceof Error ? err.message : String(err) });
    }
  };

  /** The time a line dated `t` (ms) happens at: never before the line above. */
  private timeOf(t: number): number {
    return Math.max(t, this.clock);
  }

  /** Moves the clock to a line taken (a skipped line moves nothing), counting one out of order. */
  private tick(t: number): void {
    if (t < this.clock) this.linesOutOfOrder++;
    else this.clock = t;
  }

  event(e: TraceLine): void {
    const t = Math.round(e.t * 1000);
    this.take(e, this.timeOf(t));
    // Only now: a line that named an unknown id (thrown above) is skipped, its time with it.
    this.tick(t);
  }

  private take(e: TraceLine, at: number): void {
    switch (e.type) {
      case 'message':
        return this.message(e.from, e.to, e.text, at);
      case 'account': {
        // An aged account existed `ageDays` before t = 0 (TRACE.md), whenever it registers here.
        const created = e.ageDays ? -Math.round(e.ageDays * DAY) : at;
        const n = this.accounts.add(e.id, e.label, e.class, created);
        void this.engine.observe({ type: 'account', at: created || 1, account: n, voip: e.numberKind === 'voip' });
        return;
      }
      case 'contact': {
        const from = this.accounts.known(e.from);
        const to = this.accounts.known(e.to);
        if (this.contacts.add(from, to)) void this.engine.observe({ type: 'contact', at, from, to });
        return;
      }
      case 'block': {
        const from = this.accounts.known(e.from);
        const to = this.accounts.known(e.to);
        this.blocks.add(from, to);
        this.accounts.complaints[to]!++;
        void this.engine.observe({ type: 'block', at, from, to, stranger: !this.has(from, to), initiated: this.started.has(to, from) });
        return;
      }
      case 'group': {
        if (this.groups.has(e.id)) throw new Error(`duplicate group ${e.id}`);
        const owner = this.accounts.known(e.owner);
        const admins = new Set((e.admins ?? []).map((a) => this.accounts.known(a)));
        const members = new Map<number, Membership>([[owner, { at, self: true, seq: this.memberships++ }]]);
        for (const a of admins) members.set(a, { at, self: false, seq: this.memberships++ });
        this.groups.set(e.id, { id: this.groups.size + 1, owner, admins, members, left: new Map(), posters: new Set(), reporters: new Map() });
        return;
      }
      case 'invite': {
        const g = this.group(e.group);
        const by = this.accounts.known(e.by);
        const account = this.accounts.known(e.account);
        // A limited account may add only mutual contacts; a frozen one nobody.
        const verdict = this.gate(by, at, this.has(by, account) && this.has(account, by));
        if (verdict !== 'ok') {
          this.messagesDenied++;
          if (verdict === 'robot') this.tally.refusedByRobots(by);
          return;
        }
        const accepted = e.accepted ?? true;
        if (accepted && !g.members.has(account)) g.members.set(account, { at, self: false, seq: this.memberships++ });
        // Adding someone reaches them first, as a first message does.
        if (!this.wrote(account, by)) this.started.add(by, account);
        // A stranger as for a message: someone who asked to be added (wrote first) was not reached.
        const stranger = !this.has(account, by) && !this.wrote(account, by);
        void this.engine.observe({ type: 'invite', at, by, account, stranger, accepted, group: g.id });
        return;
      }
      case 'join': {
        const g = this.group(e.group);
        const account = this.accounts.known(e.account);
        if (!g.members.has(account)) g.members.set(account, { at, self: true, seq: this.memberships++ });
        void this.engine.observe({ type: 'join', at, group: g.id, account });
        return;
      }
      case 'leave': {
        const g = this.group(e.group);
        const account = this.accounts.known(e.account);
        const was = g.members.get(account);
        if (was === undefined) return;
        g.members.delete(account);
        g.left.set(account, was);
        void this.engine.observe({ type: 'leave', at, group: g.id, account });
        return;
      }
      case 'post': {
        const g = this.group(e.group);
        const from = this.accounts.known(e.from);
        const verdict = this.gate(from, at, true);
        if (verdict !== 'ok') {
          this.messagesDenied++;
          if (verdict === 'robot') this.tally.refusedByRobots(from);
          return;
        }
        g.posters.add(from);
        void this.engine.observe({ type: 'post', at, from, group: g.id, members: g.members.size, ...textSignals(e.text) });
        return;
      }
      case 'report':
        return this.reportLine(e.from, e.to, e.group, at);
      case 'decision':
        return this.decision(this.accounts.known(e.account), e.action, e.policy ?? 'spam', at);
      case 'appeal':
        return this.appeal(this.accounts.known(e.account), e.outcome, at);
      case 'label': {
        this.accounts.relabel(this.accounts.known(e.id), e.label);
        return;
      }
    }
  }

  private message(fromName: string, toName: string, text: string, at: number): void {
    const from = this.accounts.known(fromName);
    const to = this.accounts.known(toName);
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
      if (verdict === 'robot') this.tally.refusedByRobots(from);
      return;
    }
    // A new chat: neither side wrote before (the reply case is known already).
    const newChat = this.wroteTo.add(from, to) && !repliesTo;
    if (newChat) this.started.add(from, to);
    if (stranger) this.accounts.coldSent(from);
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
    const from = this.accounts.known(fromName);
    const to = this.accounts.known(toName);
    if (from === to) throw new Error('a report about oneself');
    const g = groupName === undefined ? undefined : this.group(groupName);
    if (this.accounts.labels[from] === 'brigader') this.tally.brigaded(to, this.accounts.classes[from] ?? 'brigader');
    // NOTHING_TO_REPORT: the subject never wrote to the reporter there (in a group: never posted
    // in it, or the reporter is no member and cannot see it).
    if (g ? !g.posters.has(to) || !g.members.has(from) : !this.wrote(to, from)) {
      this.tally.reportsRefused++;
      return;
    }
    const place = `${from}|${groupName ?? ''}`;
    let open = this.openReports.get(to);
    if (!open) this.openReports.set(to, (open = new Map()));
    if (open.has(place)) return; // the same report again while the first is open
    open.set(place, from);
    this.accounts.complaints[to]!++;
    let groupAdmin = false;
    if (g) {
      const admin = g.owner === from || g.admins.has(from);
      const member = g.members.get(to) ?? g.left.get(to);
      // An admin weighs as one only about a member (or one who was) who joined alone or was added a day before.
      groupAdmin = admin && member !== undefined && (member.self || member.at <= at - DAY);
      let rs = g.reporters.get(to);
      if (!rs) g.reporters.set(to, (rs = new Set()));
      rs.add(from);
      if (!admin && rs.size < GROUP_REPORTERS) return; // below the group's threshold
    }
    let rs = this.reportersOf.get(to);
    if (!rs) this.reportersOf.set(to, (rs = new Set()));
    rs.add(from);
    const age = at - this.accounts.created[from]!;
    const weight = reportWeight({
      confirmed: this.confirmed.get(from) ?? 0,
      dismissed: this.dismissed.get(from) ?? 0,
      muted: false,
      accountAgeMs: age,
      groupAdmin,
    });
    const initiated = g ? cameToReporter(g, to, from, groupAdmin) : this.started.has(to, from);
    void this.engine.observe({ type: 'report', at, from, to, weight, fresh: age < DAY, ...(initiated === undefined ? {} : { initiated }) });
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
    // 0 means "never decided" to the engine: a decision at the trace's first instant is 1 ms in.
    this.manualAt.set(a, Math.max(at, 1));
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
      this.tally.overturned(a, this.robotRule.get(a) ?? '');
      for (const r of this.reportersOf.get(a) ?? []) this.dismissed.set(r, (this.dismissed.get(r) ?? 0) + 1);
      this.reportersOf.delete(a);
    } else if ((this.strikes.get(a) ?? 0) > 0) this.strikes.set(a, this.strikes.get(a)! - 1);
    this.liftAll(a);
    this.openReports.delete(a);
    // 0 means "never decided" to the engine: a decision at the trace's first instant is 1 ms in.
    this.manualAt.set(a, Math.max(at, 1));
    void this.engine.observe({ type: 'decision', at, account: a, outcome: 'cleared' });
  }

  report(): ReplayReport {
    return this.tally.report(this.engine.stats, {
      problems: this.problems,
      lines: this.lines,
      linesOutOfOrder: this.linesOutOfOrder,
      messagesDenied: this.messagesDenied,
    });
  }
}
