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
  /** PostgreSQL instead of the embedded store: `postgres://user@host/db` or `postgres:///db?host=/socket/dir`. */
  databaseUrl: z.string().min(1).optional(),
  /**
   * Several nodes on one PostgreSQL (docs/SCALING.md): Redis for the shared rate limits, this
   * node's name (its lease owner), how often the event feed is polled without notifications, and
   * how long the scheduler's lease lasts without renewal.
   */
  cluster: z
    .object({
      redisUrl: z.string().min(1).optional(),
      nodeId: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/, 'BANYA_NODE_ID is letters, digits, ".", "_" or "-"')
        .optional(),
      feedPollMs: z.number().int().min(10).default(500),
      leaseMs: z.number().int().min(100).default(5000),
      /** About how many robot events the Redis stream retains: the tail a new robots' consumer rebuilds its counters from. */
      robotStreamLength: z.number().int().min(1000).default(500_000),
    })
    .default({ feedPollMs: 500, leaseMs: 5000, robotStreamLength: 500_000 }),
  port: z.number().int().min(0).max(65535).default(8080),
  host: z.string().default('127.0.0.1'),
  /** Fixed admin token; when absent one is generated on a data folder's first start. */
  adminToken: z.string().min(16, 'BANYA_ADMIN_TOKEN must be at least 16 characters').optional(),
  /** During a rotation of a configured admin token: the one it replaces, still accepted until unset. */
  adminTokenPrevious: z.string().min(16, 'BANYA_ADMIN_TOKEN_PREVIOUS must be at least 16 characters').optional(),
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
  /**
   * How many days of what robots heard the store keeps, for a restart to rebuild their evidence
   * from (src/robots/memory.ts); 0: none, robots begin empty at every start. Not used with
   * several nodes and Redis, whose robots' stream keeps its own tail.
   */
  robotMemoryDays: z.number().int().min(0).max(366).default(30),
  /** JSON file with the CRM (amoCRM/Kommo) channels and sender protection (docs/CRM.md). */
  crmConfig: z.string().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  bodyLimitBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** Connection limits of the HTTP server: slow or idle clients do not hold sockets forever. */
  http: z
    .object({
      /** The request line and headers must arrive within this, ms. */
      headersTimeoutMs: z.number().int().min(1).default(10_000),
      /** The whole request, body included, must arrive within this, ms. */
      requestTimeoutMs: z.number().int().min(1).default(30_000),
      /** An idle keep-alive connection is closed after this, ms. */
      keepAliveTimeoutMs: z.number().int().min(1).default(5_000),
      /** Connections open at once; more are closed as they arrive. */
      maxConnections: z.number().int().min(1).default(1024),
      /**
       * `POST /v1/messages` answered by a dedicated handler in front of Fastify, on the same
       * server (src/http/send-fast-path.ts; the same answers, for less CPU); off: Fastify's route.
       */
      sendFastPath: z.boolean().default(true),
    })
    .refine((h) => h.headersTimeoutMs <= h.requestTimeoutMs, {
      message: 'BANYA_HTTP_HEADERS_TIMEOUT_MS must not exceed BANYA_HTTP_REQUEST_TIMEOUT_MS',
      path: ['headersTimeoutMs'],
    })
    .default({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 1024, sendFastPath: true }),
  messageMaxLength: z.number().int().positive().default(4096),
  /** Distinct new phone numbers an account may look up per rolling 24 h (imports, resolve, sends by number). */
  lookupsPerDay: z.number().int().positive().default(5000),
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
      /** Requests, per client address, whose token is not valid (on top of `requests`). */
      authFailures: bucket.default({ perSecond: 1, burst: 30 }),
      /** Client addresses tracked at once (an IPv6 address counts by its /64). */
      maxAddresses: z.number().int().min(1).default(16_384),
      enabled: z.boolean().default(true),
    })
    .default({
      requests: { perSecond: 50, burst: 500 },
      messages: { perSecond: 20, burst: 200 },
      reports: { perSecond: 0.2, burst: 30 },
      authFailures: { perSecond: 1, burst: 30 },
      maxAddresses: 16_384,
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
  const defaults = configSchema.parse({});
  const b = (prefix: string, d: BucketConfig): BucketConfig => ({
    perSecond: num(env, `${prefix}_PER_SECOND`) ?? d.perSecond,
    burst: num(env, `${prefix}_BURST`) ?? d.burst,
  });
  return configFrom({
    dataDir: str(env, 'BANYA_DATA_DIR'),
    databaseUrl: str(env, 'BANYA_DATABASE_URL'),
    cluster: {
      redisUrl: str(env, 'BANYA_REDIS_URL'),
      nodeId: str(env, 'BANYA_NODE_ID'),
      feedPollMs: num(env, 'BANYA_FEED_POLL_MS') ?? defaults.cluster.feedPollMs,
      leaseMs: num(env, 'BANYA_LEASE_MS') ?? defaults.cluster.leaseMs,
      robotStreamLength: num(env, 'BANYA_ROBOT_STREAM_LENGTH') ?? defaults.cluster.robotStreamLength,
    },
    port: num(env, 'BANYA_PORT'),
    host: str(env, 'BANYA_HOST'),
    adminToken: str(env, 'BANYA_ADMIN_TOKEN'),
    adminTokenPrevious: str(env, 'BANYA_ADMIN_TOKEN_PREVIOUS'),
    clock: str(env, 'BANYA_CLOCK') as Config['clock'] | undefined,
    durability: str(env, 'BANYA_DURABILITY') as Config['durability'] | undefined,
    policyFile: str(env, 'BANYA_POLICY_FILE'),
    robotsFile: str(env, 'BANYA_ROBOTS_FILE'),
    robotMemoryDays: num(env, 'BANYA_ROBOT_MEMORY_DAYS'),
    crmConfig: str(env, 'BANYA_CRM_CONFIG'),
    logLevel: str(env, 'BANYA_LOG_LEVEL') as Config['logLevel'] | undefined,
    bodyLimitBytes: num(env, 'BANYA_BODY_LIMIT_BYTES'),
    http: {
      headersTimeoutMs: num(env, 'BANYA_HTTP_HEADERS_TIMEOUT_MS') ?? defaults.http.headersTimeoutMs,
      requestTimeoutMs: num(env, 'BANYA_HTTP_REQUEST_TIMEOUT_MS') ?? defaults.http.requestTimeoutMs,
      keepAliveTimeoutMs: num(env, 'BANYA_HTTP_KEEP_ALIVE_TIMEOUT_MS') ?? defaults.http.keepAliveTimeoutMs,
      maxConnections: num(env, 'BANYA_HTTP_MAX_CONNECTIONS') ?? defaults.http.maxConnections,
      sendFastPath: bool(env, 'BANYA_SEND_FAST_PATH') ?? defaults.http.sendFastPath,
    },
    lookupsPerDay: num(env, 'BANYA_LOOKUPS_PER_DAY'),
    smtp: {
      port: num(env, 'BANYA_SMTP_PORT'),
      host: str(env, 'BANYA_SMTP_HOST') ?? '127.0.0.1',
      supportAddress: str(env, 'BANYA_SUPPORT_ADDRESS') ?? 'support@banya.local',
      relayUrl: str(env, 'BANYA_SMTP_RELAY'),
    },
    rateLimits: {
      requests: b('BANYA_RATE_REQUESTS', defaults.rateLimits.requests),
      messages: b('BANYA_RATE_MESSAGES', defaults.rateLimits.messages),
      reports: b('BANYA_RATE_REPORTS', defaults.rateLimits.reports),
      authFailures: b('BANYA_RATE_AUTH_FAILURES', defaults.rateLimits.authFailures),
      maxAddresses: num(env, 'BANYA_RATE_MAX_ADDRESSES') ?? defaults.rateLimits.maxAddresses,
      enabled: bool(env, 'BANYA_RATE_LIMITS') ?? true,
    },
  });
}
