import type { Counters } from './counters.js';
import type { RobotEvent } from './events.js';
import type { Evidence } from './signals.js';

/**
 * Robot rules: plain functions with a name, a description and default settings. A rule reads
 * the event and the counters (already updated for this event) and may propose one effect on the
 * event's subject. The engine applies at most one effect per event, after every rule ran. This
 * file holds what every rule is made of: the `Rule` and `RuleContext` types, the `Effect` a rule
 * proposes and the `FiredSignal`s it shows staff, `subjectOf` (whom an event is about), and the
 * `rule()` and `sig()` helpers the built-in rules in `rules/` are written with.
 */

/** A signal a rule read, with the value it had and the threshold it passed: shown to staff, never to the person. */
export interface FiredSignal {
  name: string;
  value: number;
  threshold: number;
  note?: string;
}

/**
 * What a rule proposes. The engine fills `signals` for the effect it applies or shadows: the
 * winning rule's signals, and those of the other rules that fired on the same event.
 */
export type Effect = (
  | { action: 'limit'; hours: number }
  | { action: 'freeze' }
  | { action: 'open_case'; priority: number }
  | { action: 'flag'; note: string }
) & { signals?: readonly FiredSignal[] };

export interface RuleContext<S> {
  counters: Counters;
  /** How people respond to accounts and campaigns (decaying, smoothed). */
  evidence: Evidence;
  settings: S;
  at: number;
  /** The account is younger than the rule's idea of "new" (ms). */
  young(a: number, hours: number): boolean;
  /**
   * How far the account has earned the benefit of the doubt from the people it reaches: 1 with
   * no evidence, up to 1 + 4 + 4 when strangers answer and save it and it mostly writes to people
   * who know it. Volume thresholds are multiplied by it.
   */
  trust(a: number): number;
  /** `youth` of the account (1 new … 0 established), raised for a VoIP number. */
  youth(a: number): number;
}

export interface Rule<S extends Record<string, number> = Record<string, number>> {
  name: string;
  description: string;
  /** Event types the rule looks at. */
  on: readonly RobotEvent['type'][];
  defaults: S;
  evaluate(ev: RobotEvent, ctx: RuleContext<S>): Effect | null;
  /**
   * Accounts besides the event's subject that the event implicates (a campaign's members, once
   * a complaint shows the campaign for what it is), each then judged by `judge`; none most of
   * the time.
   */
  implicated?(ev: RobotEvent, ctx: RuleContext<S>): ArrayLike<number> | null;
  /** The rule's effect on an implicated account, on what robots know of it now. */
  judge?(a: number, ctx: RuleContext<S>): Effect | null;
}

/** The account an event is about, for the rules: who sent, invited, or was reported or blocked. */
export function subjectOf(ev: RobotEvent): number {
  switch (ev.type) {
    case 'message':
    case 'post':
    case 'contact':
      return ev.type === 'contact' ? ev.to : ev.from;
    case 'join':
    case 'leave':
      return ev.account;
    case 'invite':
      return ev.by;
    case 'report':
    case 'block':
      return ev.to;
    case 'account':
    case 'decision':
      return ev.account;
  }
}

export function rule<S extends Record<string, number>>(r: Rule<S>): Rule<S> {
  return r;
}

/** A fired signal (allocated only when a rule fires). */
export function sig(name: string, value: number, threshold: number, note?: string): FiredSignal {
  return note === undefined ? { name, value: Math.round(value * 1000) / 1000, threshold } : { name, value: Math.round(value * 1000) / 1000, threshold, note };
}

export const DAY_MS = 86_400_000;

/**
 * Whom a feedback rule judges on `ev`: the account a complaint (a report, a block) is about, or
 * the one that just started a chat with a stranger; 0 for any other event.
 */
export function complainedOrCold(ev: RobotEvent): number {
  if (ev.type === 'report' || ev.type === 'block') return ev.to;
  if (ev.type === 'message' && ev.stranger && ev.newChat) return ev.from;
  return 0;
}
