import pino, { type Logger } from 'pino';
import { ManualClock, refusePastEnd, SystemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { Core } from './core.js';
import { loadEnforcement } from './enforcement/load.js';
import { enforcementProjectors } from './enforcement/projectors.js';
import type { BanyaEvent } from './events/index.js';
import { Journal } from './events/journal.js';
import type { ProjectorsFor } from './events/projector.js';
import { Serializer } from './events/serial.js';
import { platformProjectors } from './platform/projectors.js';
import { supportProjectors } from './support/projectors.js';
import { crmProjectors } from './crm/projectors.js';
import { clusterProjectors } from './cluster/projectors.js';
import type { CrmGateway } from './crm/gateway.js';
import { openCrmConfig, startCrmGateway } from './crm/index.js';
import { loadPolicy } from './enforcement/policy.js';
import { Scheduler } from './enforcement/scheduler.js';
import { EnforcementState, type Enforcement } from './enforcement/state.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import { Figures } from './metrics/figures.js';
import { metricsRegistry } from './http/routes/metrics.js';
import { RestrictionBook } from './memory/restriction-book.js';
import { ensureSystemAccounts } from './platform/accounts.js';
import type { Platform } from './platform/context.js';
import { buildIndex, loadPlatformState } from './platform/load.js';
import { PhoneLookups } from './platform/lookups.js';
import { PendingImports } from './platform/pending.js';
import { RateLimiter } from './platform/rate-limits.js';
import { TokenRegistry } from './platform/tokens.js';
import { setUpAdminToken } from './platform/admin-token.js';
import { robotDecisionOf } from './robots/decisions.js';
import { RobotsEngine } from './robots/engine.js';
import { loadRobotState } from './robots/load.js';
import { robotMemoryGauges } from './metrics/robot-memory.js';
import { RobotMemory } from './robots/memory.js';
import { loadRobotsConfig } from './robots/rules.js';
import { enforcementSink } from './robots/sink.js';
import { SpamBot } from './spambot/bot.js';
import { Ids } from './store/ids.js';
import { PostgresStore } from './store/postgres.js';
import { ClusterNode, defaultNodeId } from './cluster/node.js';
import { RedisLimiter } from './cluster/redis-limits.js';
import { RedisLookups } from './cluster/redis-lookups.js';
import { RobotConsumer, RobotPublisher } from './cluster/robot-stream.js';
import type { EffectSink } from './robots/engine.js';
import { Redis } from 'ioredis';
import { SupportDesk } from './support/desk.js';
import { relayMailer } from './support/mailer.js';
import { startSmtpListener, type SmtpListener } from './support/smtp.js';
import { openStore } from './store/open.js';
import { StoreUnavailableError, type Store } from './store/store.js';
import { putSetting, readSetting } from './store/settings.js';

export interface AppOverrides {
  /** Started with --demo (the demo messenger may offer the demo's people on loopback). */
  demo?: boolean;
  /** Where the built web pages are (tests). */
  webDir?: string;
  logger?: Logger;
  /** Real monotonic time for rate limits (tests may drive it). */
  monotonicMs?: () => number;
}

export interface App {
  readonly config: Config;
  readonly platform: Platform;
  readonly scheduler: Scheduler;
  readonly robots: RobotsEngine;
  /** What robots heard, kept for the next start (off with several nodes and Redis: the stream keeps it). */
  readonly robotMemory: RobotMemory;
  /** The CRM gateway, when BANYA_CRM_CONFIG names a channels file. */
  readonly crm: CrmGateway | null;
  /** The SMTP listener's port, when support by e-mail is on. */
  readonly smtpPort: number | null;
  readonly smtp: SmtpListener | null;
  readonly desk: SupportDesk;
  readonly http: HttpServer;
  readonly figures: Figures;
  /** Set when this start generated the admin token (to be shown once, never logged). */
  readonly generatedAdminToken: string | null;
  /** Moves a manual clock (tests and the admin endpoint); null with the system clock. */
  readonly advanceClock: ((seconds: number) => Promise<number>) | null;
  listen(): Promise<string>;
  close(): Promise<void>;
}

const MANUAL_CLOCK_KEY = 'manual_clock_ms';

/**
 * `fn` run one call at a time, in the order called: two advances of the manual clock at once
 * would each read the time the other is moving.
 */
function oneAtATime<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (...args) => {
    const run = last.then(() => fn(...args));
    last = run.catch(() => undefined);
    return run;
  };
}

async function openClock(config: Config, store: Store): Promise<Clock> {
  if (config.clock !== 'manual') return new SystemClock();
  const stored = await readSetting(store, MANUAL_CLOCK_KEY);
  const clock = new ManualClock(stored ? Number(stored) : Date.now());
  if (!stored) await store.write([putSetting(store, MANUAL_CLOCK_KEY, String(clock.now()))]);
  return clock;
}

/** Every event type's projector; one left out does not compile. */
export const PROJECTORS: ProjectorsFor<BanyaEvent, Platform> = {
  ...enforcementProjectors,
  ...platformProjectors,
  ...supportProjectors,
  ...crmProjectors,
  ...clusterProjectors,
};

/** Builds the whole service on a data folder; tests start it in-process. */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.logger ?? pino({ level: config.logLevel, base: { service: 'banya' } });
  // Operator files first: a bad one stops the start before anything is opened.
  const policy = loadPolicy(config.policyFile);
  const robotsConfig = loadRobotsConfig(config.robotsFile);
  const crmConfig = openCrmConfig(config.crmConfig, log);
  const store = await openStore(config, {
    onError: (err, what) => log.error({ err }, what === 'commit' ? 'a batch of writes could not commit' : 'memory could not follow a committed write'),
  });
  const clock = await openClock(config, store);
  // Several nodes share a PostgreSQL store: ids come in reserved blocks, memory follows the feed.
  const pgStore = store instanceof PostgresStore ? store : null;
  const clusterOptions = pgStore
    ? { url: config.databaseUrl!, nodeId: config.cluster.nodeId ?? defaultNodeId(), pollMs: config.cluster.feedPollMs, leaseMs: config.cluster.leaseMs, log }
    : null;
  const ids = pgStore ? await Ids.reserved(store, (t) => (t === 'messages' ? 4096 : 256)) : await Ids.load(store);
  // Memory is loaded from one snapshot, the feed's cursor read in it; the other nodes go on committing.
  const snapshotCursor = pgStore ? await pgStore.beginSnapshot() : 0;
  const index = await buildIndex(store);
  const journal = new Journal(store);
  if (pgStore) journal.guarded = true;
  const core: Core = {
    config,
    store,
    index,
    restrictions: new RestrictionBook(index),
    clock,
    ids,
    log,
    bannedPhones: new Set(),
    journal,
    serial: new Serializer(),
  };
  const enforcement: Enforcement = { ...core, policy, enforcement: new EnforcementState() };
  const redis = config.cluster.redisUrl ? new Redis(config.cluster.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 }) : null;
  // Several nodes with Redis: robot events go to one stream that one node consumes (the robots'
  // lease), so each is counted once for the cluster; without Redis each node counts its own.
  const publisher = pgStore && redis ? new RobotPublisher(redis, { maxLen: config.cluster.robotStreamLength, log }) : null;
  // Otherwise the store remembers what this node's robots heard, for the next start to replay.
  const memory = new RobotMemory(store, { days: publisher ? 0 : config.robotMemoryDays, node: config.cluster.nodeId ?? '', now: () => clock.now(), log });
  // Whether sender protection paces an account (the CRM gateway, once started, answers).
  const pacing = { of: (_account: number): boolean => false };
  const robots = new RobotsEngine(robotsConfig, memory.actingThrough({ ...enforcementSink(enforcement), paced: (a) => pacing.of(a) }));
  const platform: Platform = {
    ...enforcement,
    tokens: new TokenRegistry(() => clock.now()),
    pending: new PendingImports(),
    lookups: new PhoneLookups(),
    idempotency: new Map(),
    limits: redis ? new RedisLimiter(redis, config.rateLimits) : new RateLimiter(config.rateLimits, overrides.monotonicMs),
    inbox: new Map(),
    ...(pgStore && redis ? { sharedLookups: new RedisLookups(redis) } : {}),
    // A robot's failure must never turn an acknowledged write into an error: log it and go on.
    robots: {
      observe(ev) {
        if (publisher) return publisher.publish(ev);
        memory.remember(ev);
        try {
          const done = robots.observe(ev);
          if (done) return done.catch((err: unknown) => log.error({ err, event: ev.type }, 'a robot effect failed'));
        } catch (err) {
          log.error({ err, event: ev.type }, 'a robot rule failed');
        }
      },
    },
  };
  journal.bind(PROJECTORS, platform);
  await loadPlatformState(core, platform);
  await loadEnforcement(platform);
  await loadRobotState(robots, store);
  if (pgStore) await pgStore.endSnapshot();
  if (memory.enabled) {
    const replayed = await memory.replay(robots);
    if (replayed.events > 0) log.info(replayed, 'robots rebuilt their evidence from what they heard before');
  } else {
    // Turned off (or the robots' stream keeps it): what was kept before is of no use any more.
    await memory.forget();
  }
  const cluster = pgStore && clusterOptions ? await ClusterNode.start(pgStore, journal, core.serial, snapshotCursor, clusterOptions) : null;
  // What the others committed while this node loaded, before it serves or runs time's work.
  await cluster?.fresh();
  const consumer =
    cluster && redis && clusterOptions
      ? new RobotConsumer(
          redis,
          store,
          async (live, onceKey) => {
            // The previous holder's effects are in memory before this node decides after them.
            await cluster.fresh();
            const base = enforcementSink(enforcement, onceKey);
            const sink: EffectSink = {
              ...base,
              paced: (a) => pacing.of(a),
              apply(account, rule, effect, at) {
                if (!live()) return;
                consumer!.noteAction(rule, at);
                return base.apply(account, rule, effect, at);
              },
              shadow(account, rule, effect, at, why) {
                if (!live()) return;
                return base.shadow(account, rule, effect, at, why);
              },
            };
            const engine = new RobotsEngine(robotsConfig, sink);
            await loadRobotState(engine, store);
            return engine;
          },
          { nodeId: clusterOptions.nodeId, leaseMs: clusterOptions.leaseMs, maxLen: config.cluster.robotStreamLength, log, now: () => clock.now() },
        )
      : null;
  consumer?.start();
  const scheduler = new Scheduler(platform);
  // With several nodes time's work runs on one at a time, under a lease (skipped when another has it).
  if (cluster) scheduler.guard = (job) => cluster.underLease(job);
  // Anything that came due while banya was down is applied now, once, at its own due time.
  await scheduler.runDue(clock.now());
  // With several nodes even the manual clock needs the timer: a node that died may leave work due.
  if (!clock.manual || cluster) scheduler.start();
  await ensureSystemAccounts(platform);
  const mailer = config.smtp.relayUrl ? relayMailer(config.smtp.relayUrl, config.smtp.supportAddress) : null;
  const desk = new SupportDesk(platform, mailer);
  desk.attach();
  const spamBot = new SpamBot(platform, desk.emails);
  await spamBot.load();
  spamBot.attach();
  // An appeal decided just before a stop may not have been told yet.
  await spamBot.resumeNotices().catch((err: unknown) => platform.log.error({ err }, 'could not tell the outcomes of appeals decided before the start'));
  // With several nodes every node may have the CRM setting: its worker runs under the `crm` lease.
  const crm = crmConfig ? await startCrmGateway(platform, crmConfig, cluster ? { guard: (job, waitMs) => cluster.underLease(job, waitMs, 'crm') } : {}) : null;
  if (crm) pacing.of = (a) => crm.paces(a);
  const smtp =
    config.smtp.port !== undefined
      ? await startSmtpListener(platform, desk, { host: config.smtp.host, port: config.smtp.port, supportAddress: config.smtp.supportAddress })
      : null;
  const generatedAdminToken = await setUpAdminToken(config, store, platform.tokens, clock);

  const advanceClock =
    clock instanceof ManualClock && cluster
      ? oneAtATime(async (seconds: number): Promise<number> => {
          // One clock for every node: each step is a `clock_set` event that moves every node's
          // clock, taken under the scheduler's lease, and what came due runs before the answer.
          const done = await cluster.underLease(async () => {
            refusePastEnd(seconds, clock.now());
            const target = clock.now() + Math.round(seconds * 1000);
            for (;;) {
              const next = crm ? crm.nextDue() : Infinity;
              const step = next > clock.now() && next < target ? next : target;
              // (a step that does not move the clock, such as an advance of 0, records nothing)
              if (step !== clock.now()) await journal.record(step, { kind: 'admin' }, null, { type: 'clock_set', payload: { at: step } });
              await scheduler.runDue(clock.now());
              await crm?.runDue(clock.now());
              if (step === target) break;
            }
            return clock.now();
          }, 3 * config.cluster.leaseMs);
          if (done === undefined) throw new StoreUnavailableError('another node holds the scheduler lease');
          return done;
        })
      : clock instanceof ManualClock
        ? oneAtATime(async (seconds: number): Promise<number> => {
            // Asked here, in turn: an advance taken before this one may have used up the room.
            refusePastEnd(seconds, clock.now());
            const target = clock.now() + Math.round(seconds * 1000);
            // Work due on the way (the CRM's held messages) runs at its own time, as real time would.
            for (;;) {
              const next = crm ? crm.nextDue() : Infinity;
              const step = next > clock.now() && next < target ? next : target;
              // The new time is durable before anything dated at it is: a crash in the middle of
              // the work due leaves the clock there, and the start finishes that work (app start
              // runs what is due), rather than a log holding expiries past the clock it restarts on.
              if (step !== clock.now()) await store.write([putSetting(store, MANUAL_CLOCK_KEY, String(step))]);
              clock.advance(step - clock.now());
              await scheduler.runDue(clock.now());
              await crm?.runDue(clock.now());
              if (step === target) break;
            }
            return clock.now();
          })
        : null;

  const figures = new Figures(platform, robots, robotsConfig, metricsRegistry(platform));
  if (memory.enabled) robotMemoryGauges(metricsRegistry(platform), memory);
  journal.onCommitted((r) => figures.event(r));
  // People's decisions reach robots once durable: complainers' records follow them.
  journal.onCommitted((r) => {
    const d = robotDecisionOf(r);
    if (d) void platform.robots.observe(d);
  });
  const http = await createHttpServer(platform, {
    advance: advanceClock,
    spamBot,
    desk,
    runDue: () => scheduler.runDue(clock.now()),
    ...(cluster ? { fresh: () => cluster.fresh() } : {}),
    figures,
    demo: overrides.demo ?? false,
    ...(overrides.webDir ? { webDir: overrides.webDir } : {}),
  });

  let closed = false;
  return {
    config,
    platform,
    scheduler,
    robots,
    robotMemory: memory,
    crm,
    smtpPort: smtp?.port ?? null,
    smtp,
    desk,
    http,
    figures,
    generatedAdminToken,
    advanceClock,
    async listen() {
      return http.server.listen({ port: config.port, host: config.host });
    },
    async close() {
      if (closed) return;
      closed = true;
      scheduler.stop();
      await consumer?.close();
      await publisher?.flush();
      await cluster?.close();
      redis?.disconnect();
      crm?.close();
      await smtp?.close();
      mailer?.close();
      await http.server.close();
      await memory.close();
      await store.close();
    },
  };
}
