import { z } from 'zod';

/**
 * Everything banya reads from its environment, validated once into a typed object.
 * Tests build a Config with `configFrom({...})` instead of touching process.env.
 */

const bucket = z.object({
  /** Sustained rate, tokens per second. */
  perSecond: z.number().positive(),
  /** How many may be spent at once after a quiet period. */
  burst: z.number().int().positive(),
});
export type BucketConfig = z.infer<typeof bucket>;

export const configSchema = z.object({
  dataDir: z.string().min(1).default('./data'),
  port: z.number().int().min(0).max(65535).default(8080),
  host: z.string().default('127.0.0.1'),
  /** Fixed admin token; when absent one is generated on a data folder's first start. */
  adminToken: z.string().min(16, 'BANYA_ADMIN_TOKEN must be at least 16 characters').optional(),
  clock: z.enum(['system', 'manual']).default('system'),
  /**
   * `process`: a write is acknowledged once SQLite has handed it to the OS (survives a crash of
   * the process). `power`: also fsynced before acknowledging (survives power loss), slower.
   */
  durability: z.enum(['process', 'power']).default('process'),
  /** JSON file with the enforcement policy (ladder, lifetimes, thresholds, VoIP prefixes). */
  policyFile: z.string().optional(),
  /** JSON file with the robots' settings: rules on/off, shadow mode, thresholds, guard rails. */
  robotsFile: z.string().optional(),
  /** JSON file with the CRM (amoCRM/Kommo) channels and sender protection (docs/CRM.md). */
  crmConfig: z.string().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  bodyLimitBytes: z.number().int().positive().default(64 * 1024),
  messageMaxLength: z.number().int().positive().default(4096),
  /** Support by e-mail: a listener for mail to the support address (off without a port). */
  smtp: z
    .object({
      port: z.number().int().min(0).max(65535).optional(),
      host: z.string().default('127.0.0.1'),
      supportAddress: z.string().email().default('support@banya.local'),
      /** Where answers to e-mailed tickets are sent from, through this relay (smtp://host:port). */
      relayUrl: z.string().url().optional(),
    })
    .default({ host: '127.0.0.1', supportAddress: 'support@banya.local' }),
  rateLimits: z
    .object({
      /** Every authenticated request of an account (and unauthenticated ones per IP). */
      requests: bucket.default({ perSecond: 50, burst: 500 }),
      /** Messages an account sends (gate row 8). SpamBot and support are exempt. */
      messages: bucket.default({ perSecond: 20, burst: 200 }),
      /** Reports an account files. */
      reports: bucket.default({ perSecond: 0.2, burst: 30 }),
      enabled: z.boolean().default(true),
    })
    .default({
      requests: { perSecond: 50, burst: 500 },
      messages: { perSecond: 20, burst: 200 },
      reports: { perSecond: 0.2, burst: 30 },
      enabled: true,
    }),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Builds a validated config from plain values (defaults filled in). */
export function configFrom(input: ConfigInput): Config {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

function num(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ConfigError(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return n;
}

function str(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

function bool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

/** Reads BANYA_* variables. Unset variables fall back to the schema's defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const defaults = configSchema.parse({}).rateLimits;
  const b = (prefix: string, d: BucketConfig): BucketConfig => ({
    perSecond: num(env, `${prefix}_PER_SECOND`) ?? d.perSecond,
    burst: num(env, `${prefix}_BURST`) ?? d.burst,
  });
  return configFrom({
    dataDir: str(env, 'BANYA_DATA_DIR'),
    port: num(env, 'BANYA_PORT'),
    host: str(env, 'BANYA_HOST'),
    adminToken: str(env, 'BANYA_ADMIN_TOKEN'),
    clock: str(env, 'BANYA_CLOCK') as Config['clock'] | undefined,
    durability: str(env, 'BANYA_DURABILITY') as Config['durability'] | undefined,
    policyFile: str(env, 'BANYA_POLICY_FILE'),
    robotsFile: str(env, 'BANYA_ROBOTS_FILE'),
    crmConfig: str(env, 'BANYA_CRM_CONFIG'),
    logLevel: str(env, 'BANYA_LOG_LEVEL') as Config['logLevel'] | undefined,
    bodyLimitBytes: num(env, 'BANYA_BODY_LIMIT_BYTES'),
    smtp: {
      port: num(env, 'BANYA_SMTP_PORT'),
      host: str(env, 'BANYA_SMTP_HOST') ?? '127.0.0.1',
      supportAddress: str(env, 'BANYA_SUPPORT_ADDRESS') ?? 'support@banya.local',
      relayUrl: str(env, 'BANYA_SMTP_RELAY'),
    },
    rateLimits: {
      requests: b('BANYA_RATE_REQUESTS', defaults.requests),
      messages: b('BANYA_RATE_MESSAGES', defaults.messages),
      reports: b('BANYA_RATE_REPORTS', defaults.reports),
      enabled: bool(env, 'BANYA_RATE_LIMITS') ?? true,
    },
  });
}
