import type { Counters } from './counters.js';
import type { RobotEvent } from './events.js';
import { type Evidence, smoothed } from './signals.js';

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

/** The settings every volume rule has for `volumeEffect`. */
export interface VolumeSettings {
  /** Complaints (weighted, as for the feedback rules) that make the volume harm… */
  harmComplaints: number;
  /** …at this smoothed rate among the strangers reached (prior 2%, strength 10, as stranger_feedback's). */
  harmRatio: number;
  /** How many times its threshold the volume must pass to be limited on alone. */
  hardFactor: number;
  /** Answers from the strangers reached (and saves) that make volume alone no reason to limit: someone welcomed it. */
  welcomeAnswers: number;
  /** What a case raised for a person gets added to its priority. */
  reviewPriority: number;
  limitHours: number;
}

/**
 * What a volume rule does once `volume` passed its threshold `need`. Volume alone is thin
 * evidence: a new employee's first day, a community admin's launch and a template spammer's hour
 * all look alike in counts, and only the people reached tell them apart. So the account is
 * limited when those strangers have begun to complain (`harmComplaints` at a rate of
 * `harmRatio`, not outweighed by their answers), or when the volume is `hardFactor` times its
 * threshold while nobody it reached has answered it (`welcomeAnswers`); otherwise a person is
 * asked to look (its case raised by `reviewPriority`), and the limit waits for complaints.
 */
export function volumeEffect(e: Evidence, a: number, at: number, s: VolumeSettings, volume: number, need: number, signals: FiredSignal[]): Effect {
  const neg = e.complaints(a, at);
  const harm = neg >= s.harmComplaints && e.pos.value(a, at) < neg && smoothed(neg, e.contacts.value(a, at), 0.02, 10) >= s.harmRatio;
  if (harm) return { action: 'limit', hours: s.limitHours, signals: [...signals, sig('complaints', neg, s.harmComplaints)] };
  if (volume > need * s.hardFactor && e.pos.value(a, at) < s.welcomeAnswers)
    return { action: 'limit', hours: s.limitHours, signals: [...signals, sig('volume_alone', volume, need * s.hardFactor)] };
  return { action: 'open_case', priority: s.reviewPriority, signals: [...signals, sig('complaints', neg, s.harmComplaints, 'none yet: a person looks')] };
}

/**
 * Whom a feedback rule judges on `ev`: the account a complaint (a report, a block) is about, or
 * the one that just started a chat with a stranger; 0 for any other event.
 */
export function complainedOrCold(ev: RobotEvent): number {
  if (ev.type === 'report' || ev.type === 'block') return ev.to;
  if (ev.type === 'message' && ev.stranger && ev.newChat) return ev.from;
  return 0;
}
