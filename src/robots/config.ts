import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { BUILT_IN_RULES } from './rules/built-in.js';

/**
 * The robots config: the schema of the operator's robots file (per-rule switches, shadow mode and
 * settings; the guard rails), `robotsConfig` that validates it against the built-in rules (an
 * unknown rule or setting is an error) and `loadRobotsConfig` that reads it from disk.
 */

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
