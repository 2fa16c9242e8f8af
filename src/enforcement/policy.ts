import fs from 'node:fs';
import { z } from 'zod';
import { DEFAULT_LADDER, type Ladder } from '../domain/ladder.js';

/**
 * Durations an operator may configure: up to a century. Longer ones would put a computed end past
 * the last date JavaScript can represent (a limit "until" that cannot be written), and no policy
 * needs them: a limit without end is `permanent`.
 */
const MAX_DAYS = 36_525;
const MAX_HOURS = MAX_DAYS * 24;

/**
 * The operator's enforcement policy: the ladder and the numbers around it. A JSON file named by
 * BANYA_POLICY_FILE, validated at start; anything left out keeps its default.
 */

const step = z.discriminatedUnion('action', [
  z.object({ action: z.literal('limit'), hours: z.number().positive().max(MAX_HOURS) }),
  z.object({ action: z.literal('limit_permanent') }),
  z.object({ action: z.literal('freeze') }),
  z.object({ action: z.literal('ban') }),
  z.object({ action: z.literal('takedown_public_groups_ban') }),
]);

export const policySchema = z.object({
  ladder: z.record(z.string().regex(/^[a-z_]{1,40}$/), z.array(step).min(1)).default(DEFAULT_LADDER),
  /** A strike stops counting this many days after its decision. */
  strikeLifetimeDays: z.number().positive().max(MAX_DAYS).default(365),
  /** A frozen account is banned this many days after freezing, unless an appeal succeeds. */
  freezeDays: z.number().positive().max(MAX_DAYS).default(14),
  /** Messages captured as evidence when none are named. */
  evidenceMessages: z.number().int().min(1).max(100).default(10),
  /** Group leniency: distinct members, or admins of the group, whose reports raise a case. */
  groupThreshold: z.object({ members: z.number().int().min(1), admins: z.number().int().min(1) }).default({ members: 3, admins: 1 }),
  /** A claim on a case lapses after this many minutes. */
  claimMinutes: z
    .number()
    .positive()
    .max(MAX_DAYS * 24 * 60)
    .default(15),
  /** Number prefixes (E.164, with +) of virtual/VoIP ranges: new accounts on them start limited. */
  voipPrefixes: z.array(z.string().regex(/^\+[0-9]{1,15}$/)).default(['+882', '+883']),
});

export type Policy = z.infer<typeof policySchema> & { ladder: Ladder };

export const DEFAULT_POLICY: Policy = policySchema.parse({});

export class PolicyError extends Error {
  override name = 'PolicyError';
}

export function parsePolicy(input: unknown, source = 'policy'): Policy {
  const r = policySchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PolicyError(`${source} is not valid:\n${lines.join('\n')}`);
  }
  for (const key of ['spam', 'industrial_spam']) {
    if (!r.data.ladder[key]) throw new PolicyError(`${source}: the ladder needs a "${key}" policy`);
  }
  return r.data;
}

export function loadPolicy(file: string | undefined): Policy {
  if (!file) return DEFAULT_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PolicyError(`cannot read policy file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parsePolicy(raw, file);
}

export const DAY_MS = 24 * 3600_000;
