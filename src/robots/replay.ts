import { reportWeight } from '../domain/reporting.js';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textSignals } from './events.js';
import type { Effect, RobotsConfig } from './rules.js';
import { isProblem, parseTraceLine, type Label, type ParseProblem, type TraceLine } from './trace.js';

/**
 * Replays a trace through the robots on a simulated clock. A small in-memory world answers what
 * the platform would: who saved whom, who wrote to whom, and the gate for limited senders (whose
 * messages to strangers no longer go out). The summary is TRACE.md's object.
 */

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
}

export interface ReplayReport {
  summary: ReplaySummary;
  perRule: Record<string, { hits: number; actions: number; shadowed: number }>;
  problems: ParseProblem[];
  /** [seconds since start, action] for every robot action, for the chart. */
  timeline: [number, 'limit' | 'freeze'][];
  /** Innocent or business accounts robots acted on, with the rule (to investigate). */
  falsePositives: { id: string; label: Label; rule: string }[];
  lines: number;
  messagesDenied: number;
}

const DAY = 86_400_000;

export class Replay {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [''];
  private readonly labels: (Label | undefined)[] = [undefined];
  private readonly created: number[] = [0];
  private readonly contacts = new Map<number, Set<number>>();
  private readonly wrote = new Set<number>();
  private readonly chats = new Set<number>();
  private readonly groups = new Map<string, { owner: number; members: Set<number> }>();
  private readonly limitedUntil = new Map<number, number>();
  private readonly frozen = new Set<number>();
  private readonly coldSent = new Map<number, number>();
  private readonly caughtAfter = new Map<number, number>();
  private readonly reportedByBrigade = new Set<number>();
  private readonly actedBy = new Map<number, string>();
  private readonly engine: RobotsEngine;
  readonly problems: ParseProblem[] = [];
  readonly timeline: [number, 'limit' | 'freeze'][] = [];
  private readonly actions: Record<string, number> = { limit: 0, freeze: 0 };
  lines = 0;
  messagesDenied = 0;

  constructor(config: RobotsConfig) {
    const sink: EffectSink = {
      apply: (account, rule, effect: Effect, at) => this.applyEffect(account, rule, effect, at),
      shadow: () => undefined,
      manualDecisionAt: () => 0,
      restricted: (account, at) => this.frozen.has(account) || (this.limitedUntil.get(account) ?? 0) > at,
    };
    this.engine = new RobotsEngine(config, sink);
  }

  private applyEffect(account: number, rule: string, effect: Effect, at: number): void {
    if (effect.action === 'limit') {
      this.limitedUntil.set(account, Math.max(this.limitedUntil.get(account) ?? 0, at + effect.hours * 3600_000));
      this.actions.limit!++;
      this.timeline.push([at / 1000, 'limit']);
    } else if (effect.action === 'freeze') {
      this.frozen.add(account);
      this.actions.freeze!++;
      this.timeline.push([at / 1000, 'freeze']);
    } else return;
    if (!this.caughtAfter.has(account)) this.caughtAfter.set(account, this.coldSent.get(account) ?? 0);
    if (!this.actedBy.has(account)) this.actedBy.set(account, rule);
  }

  private known(name: string, lineNo: number): number {
    const n = this.ids.get(name);
    if (n === undefined) throw Object.assign(new Error(`unknown id ${JSON.stringify(name)}`), { lineNo });
    return n;
  }

  private has(owner: number, other: number): boolean {
    return this.contacts.get(owner)?.has(other) ?? false;
  }

  private pair(a: number, b: number): number {
    return a * 0x200000 + b;
  }

  /** Feeds one raw line. */
  line(text: string): void {
    this.lines++;
    if (text.trim() === '') return;
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

  event(e: TraceLine): void {
    const at = Math.round(e.t * 1000);
    const lineNo = this.lines;
    switch (e.type) {
      case 'account': {
        if (this.ids.has(e.id)) throw new Error(`duplicate account ${e.id}`);
        const n = this.names.length;
        this.ids.set(e.id, n);
        this.names.push(e.id);
        this.labels.push(e.label);
        this.created.push(at);
        void this.engine.observe({ type: 'account', at: at || 1, account: n, voip: e.numberKind === 'voip' });
        return;
      }
      case 'contact': {
        const from = this.known(e.from, lineNo);
        const to = this.known(e.to, lineNo);
        let s = this.contacts.get(from);
        if (!s) this.contacts.set(from, (s = new Set()));
        s.add(to);
        return;
      }
      case 'block': {
        const from = this.known(e.from, lineNo);
        const to = this.known(e.to, lineNo);
        void this.engine.observe({ type: 'block', at, from, to, stranger: !this.has(from, to) });
        return;
      }
      case 'message': {
        const from = this.known(e.from, lineNo);
        const to = this.known(e.to, lineNo);
        const stranger = !this.has(to, from) && !this.wrote.has(this.pair(to, from));
        // The gate: a frozen sender writes to nobody; a limited one only to mutual contacts and replies.
        const limited = (this.limitedUntil.get(from) ?? 0) > at;
        if (this.frozen.has(from) || (limited && !(this.has(from, to) && this.has(to, from)) && !this.wrote.has(this.pair(to, from)))) {
          this.messagesDenied++;
          return;
        }
        const key = Math.min(from, to) * 0x200000 + Math.max(from, to);
        const newChat = !this.chats.has(key);
        this.chats.add(key);
        this.wrote.add(this.pair(from, to));
        if (stranger) this.coldSent.set(from, (this.coldSent.get(from) ?? 0) + 1);
        const s = textSignals(e.text);
        void this.engine.observe({ type: 'message', at, from, to, stranger, newChat, textHash: s.textHash, link: s.link, inviteLink: s.inviteLink });
        return;
      }
      case 'group':
        this.groups.set(e.id, { owner: this.known(e.owner, lineNo), members: new Set([this.known(e.owner, lineNo)]) });
        return;
      case 'invite': {
        const g = this.groups.get(e.group);
        if (!g) throw new Error(`unknown group ${JSON.stringify(e.group)}`);
        const by = this.known(e.by, lineNo);
        const account = this.known(e.account, lineNo);
        g.members.add(account);
        void this.engine.observe({ type: 'invite', at, by, account, stranger: !this.has(account, by) });
        return;
      }
      case 'post':
        if (!this.groups.has(e.group)) throw new Error(`unknown group ${JSON.stringify(e.group)}`);
        this.known(e.from, lineNo);
        return;
      case 'report': {
        const from = this.known(e.from, lineNo);
        const to = this.known(e.to, lineNo);
        const age = at - this.created[from]!;
        const weight = reportWeight({ confirmed: 0, dismissed: 0, muted: false, accountAgeMs: age, groupAdmin: false });
        if (this.labels[from] === 'brigader') this.reportedByBrigade.add(to);
        void this.engine.observe({ type: 'report', at, from, to, weight, fresh: age < DAY });
        return;
      }
    }
  }

  report(): ReplayReport {
    let spammers = 0;
    let caught = 0;
    let within20 = 0;
    let innocents = 0;
    let innocentsLimited = 0;
    let businessesLimited = 0;
    let brigadeVictimsLimited = 0;
    const toCatch: number[] = [];
    const falsePositives: ReplayReport['falsePositives'] = [];
    for (let n = 1; n < this.names.length; n++) {
      const label = this.labels[n];
      const acted = this.caughtAfter.has(n);
      if (label === 'spammer') {
        spammers++;
        if (acted) {
          caught++;
          const cold = this.caughtAfter.get(n)!;
          toCatch.push(cold);
          if (cold <= 20) within20++;
        }
      } else if (label === 'innocent' || label === 'business') {
        innocents++;
        if (acted) {
          innocentsLimited++;
          if (label === 'business') businessesLimited++;
          if (this.reportedByBrigade.has(n)) brigadeVictimsLimited++;
          falsePositives.push({ id: this.names[n]!, label, rule: this.actedBy.get(n) ?? '' });
        }
      }
    }
    toCatch.sort((a, b) => a - b);
    const median = toCatch.length === 0 ? 0 : toCatch.length % 2 ? toCatch[(toCatch.length - 1) / 2]! : (toCatch[toCatch.length / 2 - 1]! + toCatch[toCatch.length / 2]!) / 2;
    return {
      summary: {
        accounts: this.names.length - 1,
        spammers,
        caught,
        caughtWithin20: within20,
        medianColdMessagesToCatch: median,
        innocents,
        innocentsLimited,
        businessesLimited,
        brigadeVictimsLimited,
        actions: { ...this.actions },
      },
      perRule: Object.fromEntries(this.engine.stats),
      problems: this.problems,
      timeline: this.timeline,
      falsePositives,
      lines: this.lines,
      messagesDenied: this.messagesDenied,
    };
  }
}

/** An SVG chart of robot actions per hour of the trace. */
export function actionsChart(timeline: [number, 'limit' | 'freeze'][], width = 800, height = 240): string {
  const hours = timeline.length ? Math.floor(Math.max(...timeline.map(([t]) => t)) / 3600) + 1 : 1;
  const limits = new Array<number>(hours).fill(0);
  const freezes = new Array<number>(hours).fill(0);
  for (const [t, kind] of timeline) (kind === 'limit' ? limits : freezes)[Math.floor(t / 3600)]!++;
  const max = Math.max(1, ...limits.map((l, i) => l + freezes[i]!));
  const pad = 40;
  const bw = (width - pad * 2) / hours;
  const y = (v: number) => height - pad - (v / max) * (height - pad * 2);
  const bars: string[] = [];
  for (let i = 0; i < hours; i++) {
    const x = pad + i * bw;
    if (limits[i]) bars.push(`<rect x="${x.toFixed(1)}" y="${y(limits[i]!).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(height - pad - y(limits[i]!)).toFixed(1)}" fill="#e0a030"/>`);
    if (freezes[i]) {
      const top = y(limits[i]! + freezes[i]!);
      bars.push(`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(y(limits[i]!) - top).toFixed(1)}" fill="#3070c0"/>`);
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
