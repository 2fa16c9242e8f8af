import type { Recorded } from '../events/projector.js';
import type { Platform } from '../platform/context.js';
import type { RobotsConfig } from '../robots/rules.js';
import type { RobotsEngine } from '../robots/engine.js';
import { MinuteSeries } from './minute-series.js';

/**
 * What the console's overview and robots pages chart, and what `/metrics` exports: messages
 * sent, denials by code, reports, decisions, robots' actions, shadow hits and false positives,
 * the appeal backlog. Counts come from two places only: HTTP answers to sends (messages and
 * denials) and events as they commit (everything else), so a figure never counts a write that
 * did not happen.
 */

export interface FiguresView {
  now: string;
  minutes: number;
  /** Minute starts, oldest first (ISO). */
  at: string[];
  messages: number[];
  denials: Record<string, number[]>;
  reports: number[];
  decisions: Record<string, number[]>;
  appealsFiled: number[];
  appealsDecided: number[];
  appealBacklog: { open: number; overdue: number; oldestHours: number | null };
  robots: { rule: string; shadow: boolean; actions: number[]; shadowed: number[]; falsePositives: number[]; actionsToday: number; dailyCap: number; tripped: boolean }[];
}

const ROBOT_ACTIONS = new Set(['restriction_applied', 'account_frozen', 'account_banned']);

export class Figures {
  readonly series = new MinuteSeries();

  constructor(
    private readonly p: Platform,
    private readonly robots: RobotsEngine,
    private readonly robotsConfig: RobotsConfig,
  ) {}

  /** A send answered: 201 counts a message, an error its code. */
  send(status: number, code: string | undefined): void {
    const now = this.p.clock.now();
    if (status === 201) this.series.add('messages', now);
    else if (code) this.series.add(`denial:${code}`, now);
  }

  event(r: Recorded): void {
    const e = r.event;
    switch (e.type) {
      case 'report_filed':
        this.series.add('reports', r.at);
        return;
      case 'decision':
        this.series.add(`decision:${e.payload.action}`, r.at);
        return;
      case 'appeal_filed':
        this.series.add('appeals:filed', r.at);
        return;
      case 'appeal_decided':
        this.series.add('appeals:decided', r.at);
        return;
      case 'robot_shadow':
        this.series.add(`robot:shadow:${e.payload.rule}`, r.at);
        return;
      case 'robot_false_positive':
        this.series.add(`robot:fp:${e.payload.rule}`, r.at);
        return;
      default:
        if (ROBOT_ACTIONS.has(e.type) && r.actor.kind === 'robot' && r.actor.id) this.series.add(`robot:action:${r.actor.id}`, r.at);
    }
  }

  view(minutes: number): FiguresView {
    const now = this.p.clock.now();
    const s = this.series;
    const firstMinute = Math.floor(now / 60_000) - minutes + 1;
    const at = Array.from({ length: minutes }, (_, i) => new Date((firstMinute + i) * 60_000).toISOString());
    const denials: Record<string, number[]> = {};
    for (const name of s.names('denial:')) denials[name.slice(7)] = s.read(name, now, minutes);
    const decisions: Record<string, number[]> = {};
    for (const action of ['confirm', 'dismiss', 'escalate']) decisions[action] = s.read(`decision:${action}`, now, minutes);
    const dayStart = Math.floor(now / 86_400_000) * 86_400_000;
    const minutesToday = Math.floor((now - dayStart) / 60_000) + 1;
    const cap = this.robotsConfig.dailyActionCap;
    const robots = this.robots.ruleNames.map((rule) => {
      const actionsToday = s.total(`robot:action:${rule}`, now, minutesToday);
      return {
        rule,
        shadow: this.robotsConfig.rules[rule]?.shadow ?? false,
        actions: s.read(`robot:action:${rule}`, now, minutes),
        shadowed: s.read(`robot:shadow:${rule}`, now, minutes),
        falsePositives: s.read(`robot:fp:${rule}`, now, minutes),
        actionsToday,
        dailyCap: cap,
        tripped: actionsToday >= cap,
      };
    });
    let oldest: number | null = null;
    let overdue = 0;
    for (const a of this.p.enforcement.openAppeals.values()) {
      if (oldest === null || a.createdAt < oldest) oldest = a.createdAt;
      if (a.createdAt + 72 * 3600_000 <= now) overdue++;
    }
    return {
      now: new Date(now).toISOString(),
      minutes,
      at,
      messages: s.read('messages', now, minutes),
      denials,
      reports: s.read('reports', now, minutes),
      decisions,
      appealsFiled: s.read('appeals:filed', now, minutes),
      appealsDecided: s.read('appeals:decided', now, minutes),
      appealBacklog: { open: this.p.enforcement.openAppeals.size, overdue, oldestHours: oldest === null ? null : Math.round(((now - oldest) / 3600_000) * 10) / 10 },
      robots,
    };
  }
}
