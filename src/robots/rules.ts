import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import type { Counters } from './counters.js';
import type { RobotEvent } from './events.js';

/**
 * Robot rules: plain functions with a name, a description and default settings. A rule reads
 * the event and the counters (already updated for this event) and may propose one effect on the
 * event's subject. The engine applies at most one effect per event, after every rule ran.
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
  settings: S;
  at: number;
  /** The account is younger than the rule's idea of "new" (ms). */
  young(a: number, hours: number): boolean;
}

export interface Rule<S extends Record<string, number> = Record<string, number>> {
  name: string;
  description: string;
  /** Event types the rule looks at. */
  on: readonly RobotEvent['type'][];
  defaults: S;
  evaluate(ev: RobotEvent, ctx: RuleContext<S>): Effect | null;
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
      return ev.account;
  }
}

function rule<S extends Record<string, number>>(r: Rule<S>): Rule<S> {
  return r;
}

export const coldFanout = rule({
  name: 'cold_fanout',
  description: 'Starts chats with many strangers in an hour or a day; stricter for accounts under a day old.',
  on: ['message'],
  defaults: { hourly: 20, daily: 50, youngHourly: 8, youngDaily: 15, youngHours: 24, limitHours: 24 },
  evaluate(ev, { counters: c, settings: s, at, young }) {
    if (ev.type !== 'message' || !ev.stranger || !ev.newChat) return null;
    const y = young(ev.from, s.youngHours);
    const hour = c.hour(ev.from, 'coldChats', at);
    const day = c.day(ev.from, 'coldChats', at);
    if (hour > (y ? s.youngHourly : s.hourly) || day > (y ? s.youngDaily : s.daily)) return { action: 'limit', hours: s.limitHours };
    return null;
  },
});

export const sameText = rule({
  name: 'same_text',
  description:
    'Sends the same text (digits and spacing aside) to many strangers in a row, within hours: the run fades by half every `halfLifeHours` (rounded, it must reach `strangers`), so that it does not outlive a limit.',
  on: ['message'],
  defaults: { strangers: 8, halfLifeHours: 6, limitHours: 24 },
  evaluate(ev, { counters: c, settings: s, at }) {
    if (ev.type !== 'message' || !ev.stranger || !ev.newChat || ev.textHash === 0) return null;
    return c.runValue(ev.from, at, s.halfLifeHours * 3600_000) + 0.5 >= s.strangers ? { action: 'limit', hours: s.limitHours } : null;
  },
});

export const linksToStrangers = rule({
  name: 'links_to_strangers',
  description: 'Sends links or invite links to strangers; an invite link counts `inviteWeight` times (the engine weighs the `links` counter).',
  on: ['message'],
  defaults: { daily: 6, youngDaily: 3, youngHours: 24, inviteWeight: 2, limitHours: 24 },
  evaluate(ev, { counters: c, settings: s, at, young }) {
    if (ev.type !== 'message' || !ev.stranger || !(ev.link || ev.inviteLink)) return null;
    const n = c.day(ev.from, 'links', at);
    return n >= (young(ev.from, s.youngHours) ? s.youngDaily : s.daily) ? { action: 'limit', hours: s.limitHours } : null;
  },
});

export const reportsPerStranger = rule({
  name: 'reports_per_stranger',
  description:
    'Many of the strangers it wrote to report it. Reports weigh by the reporter (accuracy, age, muting); reports from accounts under a day old count together for at most `freshCap`; reports from people who wrote to it first do not count.',
  on: ['report'],
  defaults: { minWeight: 6, ratio: 0.2, freshCap: 2, limitHours: 24 },
  evaluate(ev, { counters: c, settings: s }) {
    if (ev.type !== 'report' || ev.initiated === false) return null;
    const weight = c.total(ev.to, 'reports') + Math.min(c.total(ev.to, 'freshReports'), s.freshCap);
    const contacted = Math.max(1, c.total(ev.to, 'coldChats'));
    return weight >= s.minWeight && weight / contacted >= s.ratio ? { action: 'limit', hours: s.limitHours } : null;
  },
});

export const blocksPerStranger = rule({
  name: 'blocks_per_stranger',
  description: 'Many of the strangers it wrote to block it. Blocks by people who wrote to it first do not count; a blocker under a day old weighs a quarter.',
  on: ['block'],
  defaults: { minBlocks: 6, ratio: 0.3, limitHours: 24 },
  evaluate(ev, { counters: c, settings: s }) {
    if (ev.type !== 'block' || !ev.stranger || ev.initiated === false) return null;
    const blocks = c.total(ev.to, 'blocks');
    const contacted = Math.max(1, c.total(ev.to, 'coldChats'));
    return blocks >= s.minBlocks && blocks / contacted >= s.ratio ? { action: 'limit', hours: s.limitHours } : null;
  },
});

export const massInvites = rule({
  name: 'mass_invites',
  description: 'Adds many people who have not saved it to groups and channels.',
  on: ['invite'],
  defaults: { hourly: 30, daily: 100, limitHours: 24 },
  evaluate(ev, { counters: c, settings: s, at }) {
    if (ev.type !== 'invite' || !ev.stranger) return null;
    return c.hour(ev.by, 'invites', at) > s.hourly || c.day(ev.by, 'invites', at) > s.daily ? { action: 'limit', hours: s.limitHours } : null;
  },
});

export const industrialScale = rule({
  name: 'industrial_scale',
  description: 'Writes to strangers at industrial scale: frozen under the industrial_spam policy.',
  on: ['message'],
  defaults: { daily: 300, total: 1000 },
  evaluate(ev, { counters: c, settings: s, at }) {
    if (ev.type !== 'message' || !ev.stranger) return null;
    return c.day(ev.from, 'cold', at) >= s.daily || c.total(ev.from, 'coldChats') >= s.total ? { action: 'freeze' } : null;
  },
});

export const BUILT_IN_RULES: Rule[] = [coldFanout, sameText, linksToStrangers, reportsPerStranger, blocksPerStranger, massInvites, industrialScale] as Rule[];

/** The operator's robots file (BANYA_ROBOTS_FILE): per-rule switches and settings, guard rails. */
export const robotsConfigSchema = z
  .object({
    rules: z
      .record(
        z.string(),
        z
          .object({
            enabled: z.boolean().default(true),
            /** Record what the rule would have done, without doing it. */
            shadow: z.boolean().default(false),
            settings: z.record(z.string(), z.number()).default({}),
          })
          .strict(),
      )
      .default({}),
    /** Automated actions per rule per day before the rule falls back to shadow mode for the day. */
    dailyActionCap: z.number().int().min(0).default(1000),
    /** After a manual decision or an overturned appeal, robots leave the account alone this long. */
    manualBlockHours: z
      .number()
      .min(0)
      .default(7 * 24),
  })
  .strict(); // A misspelt key ("shadwo", "dailyActionCapp") is an error, not silently ignored.
export type RobotsConfig = z.infer<typeof robotsConfigSchema>;

export function robotsConfig(input: unknown = {}): RobotsConfig {
  const parsed = robotsConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(`robots config: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')}`);
  const cfg = parsed.data;
  const known = new Set(BUILT_IN_RULES.map((r) => r.name));
  for (const [name, r] of Object.entries(cfg.rules)) {
    if (!known.has(name)) throw new ConfigError(`robots config: unknown rule "${name}" (known: ${[...known].join(', ')})`);
    const rule = BUILT_IN_RULES.find((x) => x.name === name)!;
    for (const key of Object.keys(r.settings)) {
      if (!(key in rule.defaults))
        throw new ConfigError(`robots config: rule "${name}" has no setting "${key}" (has: ${Object.keys(rule.defaults).join(', ')})`);
    }
  }
  return cfg;
}

export function loadRobotsConfig(file: string | undefined): RobotsConfig {
  if (!file) return robotsConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read robots file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return robotsConfig(raw);
}
