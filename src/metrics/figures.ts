import type { Recorded } from '../events/projector.js';
import type { Platform } from '../platform/context.js';
import type { RobotsConfig } from '../robots/rules.js';
import type { RobotsEngine } from '../robots/engine.js';
import { Counter, Gauge, type Registry } from 'prom-client';
import { MinuteSeries } from './minute-series.js';
import type { FiguresView } from './figures-view.js';

/**
 * What the console's overview and robots pages chart, and what `/metrics` exports: messages
 * sent, denials by code, reports, decisions, robots' actions, shadow hits and false positives,
 * the appeal backlog. Counts come from two places only: HTTP answers to sends (messages and
 * denials) and events as they commit (everything else), so a figure never counts a write that
 * did not happen.
 */

const ROBOT_ACTIONS = new Set(['restriction_applied', 'account_frozen', 'account_banned']);

/** Appeals older than this are overdue (RULES.md: support answers within 72 hours). */
const APPEAL_DUE_MS = 72 * 3600_000;

/** The same figures for Prometheus: counters fed where the series are, on the registry `/metrics` serves. */
class Exported {
  readonly messages: Counter;
  readonly denials: Counter<'code'>;
  readonly reports: Counter;
  readonly decisions: Counter<'action'>;
  readonly appealsFiled: Counter;
  readonly appealsDecided: Counter;
  readonly robotActions: Counter<'rule'>;
  readonly robotShadow: Counter<'rule'>;
  readonly robotFalsePositives: Counter<'rule'>;

  constructor(registry: Registry, backlog: () => { open: number; overdue: number; oldestSeconds: number }) {
    const registers = [registry];
    this.messages = new Counter({ name: 'banya_messages_sent_total', help: 'Messages sent (201 answers to POST /v1/messages)', registers });
    this.denials = new Counter({ name: 'banya_send_denials_total', help: 'Sends denied, by error code', labelNames: ['code'], registers });
    this.reports = new Counter({ name: 'banya_reports_filed_total', help: 'Reports filed', registers });
    this.decisions = new Counter({ name: 'banya_decisions_total', help: 'Moderators’ decisions on cases, by action', labelNames: ['action'], registers });
    this.appealsFiled = new Counter({ name: 'banya_appeals_filed_total', help: 'Appeals filed', registers });
    this.appealsDecided = new Counter({ name: 'banya_appeals_decided_total', help: 'Appeals decided', registers });
    this.robotActions = new Counter({ name: 'banya_robot_actions_total', help: 'Sanctions applied by robot rules, by rule', labelNames: ['rule'], registers });
    this.robotShadow = new Counter({
      name: 'banya_robot_shadow_hits_total',
      help: 'What robot rules would have done but did not (shadow mode, daily cap, held off), by rule',
      labelNames: ['rule'],
      registers,
    });
    this.robotFalsePositives = new Counter({
      name: 'banya_robot_false_positives_total',
      help: 'Robot sanctions overturned on appeal, by rule',
      labelNames: ['rule'],
      registers,
    });
    const gauge = (name: string, help: string, pick: (b: ReturnType<typeof backlog>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(pick(backlog()));
        },
      });
    gauge('banya_appeals_open', 'Appeals waiting for support', (b) => b.open);
    gauge('banya_appeals_overdue', 'Open appeals past their 72-hour due time', (b) => b.overdue);
    gauge('banya_appeals_oldest_age_seconds', 'Age of the oldest open appeal (injected clock); 0 when none', (b) => b.oldestSeconds);
  }
}

export class Figures {
  readonly series = new MinuteSeries();
  private readonly exported: Exported | null;

  /** With `registry` (the one `GET /metrics` serves), every figure is also exported to Prometheus. */
  constructor(
    private readonly p: Platform,
    private readonly robots: RobotsEngine,
    private readonly robotsConfig: RobotsConfig,
    registry?: Registry,
  ) {
    this.exported = registry
      ? new Exported(registry, () => {
          const b = this.backlog(this.p.clock.now());
          return { open: b.open, overdue: b.overdue, oldestSeconds: b.oldest === null ? 0 : Math.floor((this.p.clock.now() - b.oldest) / 1000) };
        })
      : null;
  }

  private backlog(now: number): { open: number; overdue: number; oldest: number | null } {
    let oldest: number | null = null;
    let overdue = 0;
    for (const a of this.p.enforcement.openAppeals.values()) {
      if (oldest === null || a.createdAt < oldest) oldest = a.createdAt;
      if (a.createdAt + APPEAL_DUE_MS <= now) overdue++;
    }
    return { open: this.p.enforcement.openAppeals.size, overdue, oldest };
  }

  /** A send answered: 201 counts a message, an error its code. */
  send(status: number, code: string | undefined): void {
    const now = this.p.clock.now();
    if (status === 201) {
      this.series.add('messages', now);
      this.exported?.messages.inc();
    } else if (code) {
      this.series.add(`denial:${code}`, now);
      this.exported?.denials.inc({ code });
    }
  }

  event(r: Recorded): void {
    const e = r.event;
    const x = this.exported;
    switch (e.type) {
      case 'report_filed':
        this.series.add('reports', r.at);
        x?.reports.inc();
        return;
      case 'decision':
        this.series.add(`decision:${e.payload.action}`, r.at);
        x?.decisions.inc({ action: e.payload.action });
        return;
      case 'appeal_filed':
        this.series.add('appeals:filed', r.at);
        x?.appealsFiled.inc();
        return;
      case 'appeal_decided':
        this.series.add('appeals:decided', r.at);
        x?.appealsDecided.inc();
        return;
      case 'robot_shadow':
        this.series.add(`robot:shadow:${e.payload.rule}`, r.at);
        x?.robotShadow.inc({ rule: e.payload.rule });
        return;
      case 'robot_false_positive':
        this.series.add(`robot:fp:${e.payload.rule}`, r.at);
        x?.robotFalsePositives.inc({ rule: e.payload.rule });
        return;
      default:
        if (ROBOT_ACTIONS.has(e.type) && r.actor.kind === 'robot' && r.actor.id) {
          this.series.add(`robot:action:${r.actor.id}`, r.at);
          x?.robotActions.inc({ rule: r.actor.id });
        }
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
    const { open, overdue, oldest } = this.backlog(now);
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
      appealBacklog: {
        open,
        overdue,
        oldestHours: oldest === null ? null : Math.round(((now - oldest) / 3600_000) * 10) / 10,
      },
      robots,
    };
  }
}
