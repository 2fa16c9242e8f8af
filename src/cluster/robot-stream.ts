import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RobotsEngine } from '../robots/engine.js';
import type { RobotEvent } from '../robots/events.js';
import type { Store } from '../store/store.js';
import { isConflict } from '../store/store.js';
import { Lease } from './lease.js';

/**
 * The robots with several nodes (docs/DECISIONS.md, "Robots with several nodes: one consumer of
 * a Redis stream"). Every node publishes what robots learn to one Redis stream, batched per turn
 * of its event loop; one node at a time — the holder of the `robots` lease — reads the stream in
 * order and runs the one robots engine on it, so each event is counted once for the cluster and
 * the daily caps are one count. Effects go through enforcement's door with a once key named
 * after the stream entry, so an entry applied twice (a takeover resuming a little before where
 * the last holder stopped) changes nothing the second time.
 *
 * Keys (under the prefix): `robots` the stream (trimmed to about `maxLen` entries), `robots:cursor`
 * the last entry whose effects are durable, `robots:caps:<day>` the actions per rule that day.
 */

export interface RobotStreamOptions {
  nodeId: string;
  /** How long the robots' lease lasts unrenewed (ms). */
  leaseMs: number;
  /** About how many entries the stream keeps (MAXLEN ~): the tail a new holder rebuilds counters from. */
  maxLen: number;
  log: Logger;
  /** Keys' prefix, shared with the rate limits. */
  prefix?: string;
  /** The cluster's clock (ms), for the day whose cap count a new holder carries on. */
  now: () => number;
}

const DAY_MS = 86_400_000;
/** Entries read per XREAD/XRANGE. */
const PAGE = 500;

/** Sets the cursor only forward (a holder that lost its lease cannot move it back). */
const ADVANCE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local a, b = string.match(cur, '(%d+)-(%d+)')
  local c, d = string.match(ARGV[1], '(%d+)-(%d+)')
  a, b, c, d = tonumber(a), tonumber(b), tonumber(c), tonumber(d)
  if c < a or (c == a and d <= b) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/** Publishes robot events to the stream: one pipelined XADD batch per turn of the event loop. */
export class RobotPublisher {
  private buffer: string[] = [];
  private scheduled = false;
  readonly stats = { published: 0, batches: 0, lost: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly options: Pick<RobotStreamOptions, 'maxLen' | 'log' | 'prefix'>,
  ) {}

  private get key(): string {
    return `${this.options.prefix ?? 'banya:'}robots`;
  }

  publish(ev: RobotEvent): void {
    this.buffer.push(JSON.stringify(ev));
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  /** Sends what is buffered; resolves once Redis has it (or gave up). */
  async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.buffer;
    if (batch.length === 0) return;
    this.buffer = [];
    const pipe = this.redis.pipeline();
    for (const e of batch) pipe.xadd(this.key, 'MAXLEN', '~', String(this.options.maxLen), '*', 'e', e);
    try {
      const results = (await pipe.exec()) ?? [];
      const failed = results.filter(([err]) => err).length;
      this.stats.published += batch.length - failed;
      this.stats.lost += failed;
      if (failed > 0) this.options.log.warn({ failed }, 'robot events could not be published');
    } catch (err) {
      this.stats.lost += batch.length;
      this.options.log.warn({ err, events: batch.length }, 'robot events could not be published');
    }
    this.stats.batches++;
  }
}

type Mode = 'replay' | 'live';

/**
 * Reads the stream under the `robots` lease and runs the engine on it. A node that takes the
 * lease starts a fresh engine (`makeEngine`), replays the stream's retained tail up to the
 * stored cursor with effects off (the last holder applied them) to rebuild the decaying
 * counters, carries on the day's cap counts, then applies entries after the cursor.
 */
export class RobotConsumer {
  private readonly lease: Lease;
  private readonly reader: Redis;
  private engine: RobotsEngine | null = null;
  private mode: Mode = 'live';
  /** The stream entry being observed: its effect's once key. */
  private current = '';
  /** The entry's actions in the batch being applied, per `rule\tday`. */
  private actions = new Map<string, number>();
  private closed = false;
  private loop: Promise<void> | null = null;
  private renew: NodeJS.Timeout | null = null;
  readonly stats = { consumed: 0, replayed: 0, takeovers: 0, duplicates: 0 };

  constructor(
    redis: Redis,
    store: Store,
    /** A new engine whose sink applies effects when `live()` and records nothing otherwise. */
    private readonly makeEngine: (live: () => boolean, onceKey: () => string) => Promise<RobotsEngine>,
    private readonly options: RobotStreamOptions,
  ) {
    this.lease = new Lease(store, 'robots', options.nodeId, options.leaseMs);
    // Its own connection: XREAD BLOCK holds it.
    this.reader = redis.duplicate();
    this.reader.defineCommand('banyaRobotsAdvance', { numberOfKeys: 1, lua: ADVANCE });
  }

  private k(name: string): string {
    return `${this.options.prefix ?? 'banya:'}${name}`;
  }

  /** Whether this node runs the robots now. */
  get holding(): boolean {
    return this.engine !== null && this.lease.held;
  }

  /** The once key of the effect being applied (the stream entry that caused it). */
  private onceKey = (): string => `robot:${this.current}`;

  /** The action counted in the daily cap: recorded with the batch's cursor. */
  noteAction(rule: string, at: number): void {
    const k = `${rule}\t${Math.floor(at / DAY_MS)}`;
    this.actions.set(k, (this.actions.get(k) ?? 0) + 1);
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let cursor = '0-0';
    while (!this.closed) {
      try {
        if (!this.lease.held || this.engine === null) {
          this.stopRenewing();
          this.engine = null;
          if (!(await this.lease.acquire())) {
            await sleep(Math.max(50, Math.floor(this.options.leaseMs / 5)));
            continue;
          }
          cursor = await this.takeOver();
          continue;
        }
        const got = (await this.reader.xread('COUNT', PAGE, 'BLOCK', 100, 'STREAMS', this.k('robots'), cursor)) as [string, [string, string[]][]][] | null;
        const entries = got?.[0]?.[1] ?? [];
        if (entries.length === 0 || this.closed) continue;
        if (!this.lease.held) continue; // lost meanwhile: the next holder reads these
        await this.apply(entries);
        const last = entries[entries.length - 1]![0];
        // The day's cap counts and the cursor move together (MULTI): a holder killed between
        // them would otherwise count a batch's actions twice, or not at all.
        const tx = this.reader.multi() as unknown as ReturnType<Redis['multi']> & { banyaRobotsAdvance(key: string, id: string): unknown };
        for (const [k, n] of this.actions) {
          const [rule, day] = k.split('\t') as [string, string];
          tx.hincrby(this.k(`robots:caps:${day}`), rule, n);
          tx.pexpire(this.k(`robots:caps:${day}`), 3 * DAY_MS);
        }
        this.actions.clear();
        tx.banyaRobotsAdvance(this.k('robots:cursor'), last);
        await tx.exec();
        cursor = last;
      } catch (err) {
        if (this.closed) return;
        this.options.log.warn({ err }, 'the robots could not read their stream');
        this.engine = null;
        await sleep(200);
      }
    }
  }

  /** Applies entries live: every effect awaited, so the cursor moves only past durable effects. */
  private async apply(entries: [string, string[]][]): Promise<void> {
    const engine = this.engine!;
    this.mode = 'live';
    const pending: Promise<void>[] = [];
    for (const [id, fields] of entries) {
      const ev = parse(fields);
      if (!ev) continue;
      this.current = id;
      this.stats.consumed++;
      try {
        const done = engine.observe(ev);
        if (done) pending.push(done.catch((err: unknown) => this.failed(err, ev)));
      } catch (err) {
        this.options.log.error({ err, event: ev.type }, 'a robot rule failed');
      }
    }
    await Promise.all(pending);
  }

  private failed(err: unknown, ev: RobotEvent): void {
    // The effect's once key was taken: the entry was applied before (by the last holder).
    if (isConflict(err)) this.stats.duplicates++;
    else this.options.log.error({ err, event: ev.type }, 'a robot effect failed');
  }

  /**
   * A fresh engine rebuilt from the retained tail up to the cursor (effects off), with the day's
   * cap counts carried on. Returns the cursor to read after.
   */
  private async takeOver(): Promise<string> {
    this.stats.takeovers++;
    this.renew = setInterval(() => void this.lease.acquire().catch(() => {}), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.renew.unref();
    this.mode = 'replay';
    const engine = await this.makeEngine(
      () => this.mode === 'live',
      () => this.onceKey(),
    );
    const cursor = (await this.reader.get(this.k('robots:cursor'))) ?? '0-0';
    let from = '-';
    engine.quiet = true;
    if (cursor !== '0-0') {
      for (;;) {
        const page = (await this.reader.xrange(this.k('robots'), from, cursor, 'COUNT', PAGE)) as [string, string[]][];
        for (const [id, fields] of page) {
          const ev = parse(fields);
          if (!ev) continue;
          this.current = id;
          try {
            // Effects are off: whatever the engine would do, the last holder did (or its once key stands).
            const done = engine.observe(ev);
            if (done) await done.catch(() => {});
          } catch {}
          this.stats.replayed++;
        }
        if (page.length < PAGE) break;
        from = `(${page[page.length - 1]![0]}`;
      }
    }
    this.actions.clear();
    const day = Math.floor(this.options.now() / DAY_MS);
    const caps = await this.reader.hgetall(this.k(`robots:caps:${day}`));
    engine.restoreActions(day, Object.fromEntries(Object.entries(caps).map(([rule, n]) => [rule, Number(n)])));
    engine.quiet = false;
    this.mode = 'live';
    this.engine = engine;
    this.options.log.info({ cursor, replayed: this.stats.replayed }, 'this node runs the robots');
    return cursor;
  }

  private stopRenewing(): void {
    if (this.renew) clearInterval(this.renew);
    this.renew = null;
  }

  /** Stops reading and gives the lease back (another node takes over at once). */
  async close(): Promise<void> {
    this.closed = true;
    this.stopRenewing();
    this.reader.disconnect();
    await this.loop?.catch(() => {});
    if (this.engine) await this.lease.release().catch(() => {});
    this.engine = null;
  }
}

function parse(fields: string[]): RobotEvent | null {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'e') {
      try {
        return JSON.parse(fields[i + 1]!) as RobotEvent;
      } catch {
        return null;
      }
    }
  }
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
