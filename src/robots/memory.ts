import type { Logger } from 'pino';
import { param, statement, type Statement } from '../store/statement.js';
import type { Store } from '../store/store.js';
import type { EffectSink, RobotsEngine } from './engine.js';
import type { RobotEvent } from './events.js';

/**
 * The robots' memory on the store (table `robot_events`): every event the platform publishes to
 * robots is kept for `days`, so that a restart rebuilds the robots' evidence — the decaying
 * feedback, who was reached and who answered, the campaigns, complainers' records, the day's
 * caps — instead of beginning it empty. With several nodes and Redis the robots' stream does
 * this (src/cluster/robot-stream.ts); this is for a single node, and for each node of a cluster
 * without Redis (each remembers, and replays, what it heard itself).
 *
 * Events are buffered and written once per turn of the event loop, one row per turn (a JSON
 * array), in a write unit that joins the store's group commit: a row per event cost a fifth of
 * the send path's CPU, a row per turn a few percent (docs/PERFORMANCE.md). The platform's write
 * an event follows is already durable, and the robots' copy of it is evidence, not the
 * platform's truth, so it does not hold up the answer: what a crash takes is at most the last
 * turn's events.
 */

const DAY_MS = 86_400_000;
/** Rows (turns' batches) read per page while replaying. */
const PAGE = 200;
/** How often the rows past the memory's days are deleted, and how many rows a deletion takes at a time. */
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_CHUNK = 2000;
/** How long a batch gathers on PostgreSQL before its row is written. */
const PG_GATHER_MS = 20;

type Row = { at: number; node: string; events: string };

export interface RobotMemoryOptions {
  /** How many days of events are kept and replayed; 0: none (robots begin empty at each start). */
  days: number;
  /** This node's name in a cluster; '' on a single node. */
  node: string;
  now: () => number;
  log: Logger;
}

export interface ReplayReport {
  events: number;
  /** Actions robots took then (remembered for the day's caps). */
  actions: number;
  /** Rows that did not read as an event (kept by a later version, or damaged): skipped. */
  skipped: number;
  ms: number;
}

export class RobotMemory {
  private buffer: Remembered[] = [];
  private scheduled = false;
  private closed = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly insert: Statement<Row>;
  private lastPrune = 0;
  readonly stats = { written: 0, lost: 0, pruned: 0 };
  /** What the last `replay` read (at start). */
  lastReplay: ReplayReport = { events: 0, actions: 0, skipped: 0, ms: 0 };

  constructor(
    private readonly store: Store,
    private readonly options: RobotMemoryOptions,
  ) {
    this.insert = statement<Row>(
      store.db.insertInto('robot_events').values({ at: param<number>('at'), node: param<string>('node'), events: param<string>('events') }),
    );
  }

  get enabled(): boolean {
    return this.options.days > 0;
  }

  /**
   * The sink robots act through, remembering each action taken, for the day's caps to carry on
   * after a restart: the replay runs no rule (`RobotsEngine.quiet`), so it cannot tell what was
   * done then.
   */
  actingThrough(sink: EffectSink): EffectSink {
    return {
      ...sink,
      apply: (account, rule, effect, at) => {
        this.remember({ acted: rule, at });
        return sink.apply(account, rule, effect, at);
      },
    };
  }

  /** Remembers an event the platform published, or an action (written with the next turn's batch). */
  remember(ev: Remembered): void {
    if (!this.enabled || this.closed) return;
    this.buffer.push(ev);
    if (this.scheduled) return;
    this.scheduled = true;
    // On PostgreSQL a row of its own is a transaction of its own: gather a little longer there.
    if (this.store.kind === 'postgres') setTimeout(() => void this.flush(), PG_GATHER_MS);
    else setImmediate(() => void this.flush());
  }

  /** Writes what is buffered; resolves once it is durable (or given up on, logged). Never rejects. */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.buffer;
    if (batch.length === 0) return this.writing;
    this.buffer = [];
    const now = this.options.now();
    let write: Promise<void>;
    try {
      // The row's time: its last event's (whole ms), never later than now, so that a clock that
      // stepped back does not keep a row past its days.
      let last = 0;
      for (const r of batch) if (r.at > last) last = r.at;
      const at = Math.min(Math.ceil(last), Math.ceil(now));
      const items = batch.map((r) => encodeItem(r, at));
      write = this.store.write([this.insert.bind({ at, node: this.options.node, events: JSON.stringify(items) })]).then(
        () => {
          this.stats.written += batch.length;
        },
        (err: unknown) => this.lost(batch.length, err),
      );
    } catch (err) {
      write = Promise.resolve(this.lost(batch.length, err));
    }
    this.writing = this.writing.then(() => write);
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      this.writing = this.writing.then(() => this.forget(now - this.options.days * DAY_MS));
    }
    return this.writing;
  }

  private lost(events: number, err: unknown): void {
    this.stats.lost += events;
    this.options.log.warn({ err, events }, 'robot events could not be remembered');
  }

  /** Writes what is buffered, and remembers nothing more (the service is stopping). */
  close(): Promise<void> {
    const done = this.flush();
    this.closed = true;
    return done;
  }

  /**
   * Deletes the rows from before `before` (every node's: all nodes keep the same days), a chunk
   * per write so that the store's other writes go on between them; with no argument, all of
   * them (the memory turned off). Never rejects.
   */
  async forget(before = Number.MAX_SAFE_INTEGER): Promise<void> {
    const db = this.store.db;
    try {
      for (;;) {
        const ids = await this.store.all<{ id: number }>(db.selectFrom('robot_events').select('id').where('at', '<', before).orderBy('at').limit(PRUNE_CHUNK));
        if (ids.length === 0) break;
        await this.store.write([
          db
            .deleteFrom('robot_events')
            .where(
              'id',
              'in',
              ids.map((r) => Number(r.id)),
            )
            .compile(),
        ]);
        if (ids.length < PRUNE_CHUNK) break;
      }
      this.stats.pruned++;
    } catch (err) {
      this.options.log.warn({ err }, 'old robot events could not be deleted');
    }
  }

  /**
   * Replays the remembered events of the last `days` into `engine`, in the order they were heard,
   * and carries on today's count of actions per rule. The engine is quiet meanwhile (it counts,
   * and runs no rule: what was done then is done); it must act through
   * `actingThrough` for its actions to be remembered.
   */
  async replay(engine: RobotsEngine): Promise<ReplayReport> {
    const started = performance.now();
    const report: ReplayReport = { events: 0, actions: 0, skipped: 0, ms: 0 };
    if (!this.enabled) return report;
    const now = this.options.now();
    const today = Math.floor(now / DAY_MS);
    const since = now - this.options.days * DAY_MS;
    const acted: Record<string, number> = {};
    engine.quiet = true;
    try {
      await this.replayFrom(since, engine, report, (rule, at) => {
        if (Math.floor(at / DAY_MS) === today) acted[rule] = (acted[rule] ?? 0) + 1;
      });
    } finally {
      engine.quiet = false;
    }
    engine.restoreActions(today, acted);
    report.ms = Math.round(performance.now() - started);
    this.lastReplay = report;
    return report;
  }

  private async replayFrom(since: number, engine: RobotsEngine, report: ReplayReport, acted: (rule: string, at: number) => void): Promise<void> {
    const db = this.store.db;
    let after = 0;
    for (;;) {
      const rows = await this.store.all<{ id: number; at: number; events: string }>(
        db
          .selectFrom('robot_events')
          .select(['id', 'at', 'events'])
          .where('node', '=', this.options.node)
          .where('id', '>', after)
          // A row's events are at most a turn older than its time: a day's margin keeps the
          // boundary's row, whose older events are skipped one by one below.
          .where('at', '>=', since - DAY_MS)
          .orderBy('id')
          .limit(PAGE),
      );
      for (const r of rows) {
        const last = Number(r.at);
        for (const item of readBatch(r.events)) {
          const ev = decodeItem(item, last);
          if (!ev) {
            report.skipped++;
            continue;
          }
          if (ev.at < since) continue;
          if ('acted' in ev) {
            report.actions++;
            acted(ev.acted, ev.at);
            continue;
          }
          report.events++;
          try {
            void engine.observe(ev);
          } catch {
            // A rule that throws on an old event must not stop the start.
            report.skipped++;
          }
        }
      }
      if (rows.length < PAGE) break;
      after = Number(rows[rows.length - 1]!.id);
    }
  }
}

const TYPES = new Set<RobotEvent['type']>(['account', 'message', 'contact', 'post', 'join', 'leave', 'invite', 'report', 'decision', 'block']);

/** A row of the memory: an event robots heard, or an action they took (`acted`: its rule). */
export type Remembered = RobotEvent | { acted: string; at: number };

/** A row's items; a row that is not a JSON array (damaged) reads as one item that is no event. */
function readBatch(text: string): unknown[] {
  try {
    const items: unknown = JSON.parse(text);
    return Array.isArray(items) ? items : [null];
  } catch {
    return [null];
  }
}

/*
 * A message — nearly every event — is kept as a tuple, not an object: [time before the batch's
 * `at` (ms), from, to, flags, textHash, domains, bands], the trailing empty ones left out. A
 * known person's short message takes about 30 bytes instead of 140.
 */
const STRANGER = 1;
const NEW_CHAT = 2;
const LINK = 4;
const INVITE_LINK = 8;
const REPLY_KNOWN = 16;
const REPLY = 32;

type MessageEvent = Extract<RobotEvent, { type: 'message' }>;

/** The fields the tuple holds: a message with any other (a text signal added later) is kept whole. */
const TUPLE_FIELDS = new Set(['type', 'at', 'from', 'to', 'stranger', 'newChat', 'reply', 'link', 'inviteLink', 'textHash', 'domains', 'bands']);

/** An item of a batch whose last event is at `last`. */
export function encodeItem(r: Remembered, last: number): unknown {
  if (!('type' in r) || r.type !== 'message' || !isInt(r.textHash) || !isInt(r.at) || !isInt(last)) return r;
  for (const k in r) if (!TUPLE_FIELDS.has(k)) return r;
  const flags =
    (r.stranger ? STRANGER : 0) |
    (r.newChat ? NEW_CHAT : 0) |
    (r.link ? LINK : 0) |
    (r.inviteLink ? INVITE_LINK : 0) |
    (r.reply === undefined ? 0 : REPLY_KNOWN | (r.reply ? REPLY : 0));
  const t: unknown[] = [last - r.at, r.from, r.to, flags, r.textHash, r.domains ?? 0, r.bands ?? 0];
  while (t.length > 4 && (t[t.length - 1] === 0 || t[t.length - 1] === undefined)) t.pop();
  return t;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** A remembered item of a batch whose last event is at `last`, or null when it is not one (another version's, or damaged). */
export function decodeItem(item: unknown, last: number): Remembered | null {
  if (Array.isArray(item)) {
    const [dt, from, to, flags, textHash = 0, domains = 0, bands = 0] = item as unknown[];
    if (!isInt(dt) || !isInt(from) || !isInt(to) || !isInt(flags) || !isInt(textHash)) return null;
    if (domains !== 0 && !(Array.isArray(domains) && domains.every((d) => typeof d === 'string'))) return null;
    if (bands !== 0 && !(Array.isArray(bands) && bands.every(isInt))) return null;
    const ev: MessageEvent = {
      type: 'message',
      at: last - dt,
      from,
      to,
      stranger: (flags & STRANGER) !== 0,
      newChat: (flags & NEW_CHAT) !== 0,
      ...((flags & REPLY_KNOWN) !== 0 ? { reply: (flags & REPLY) !== 0 } : {}),
      textHash,
      link: (flags & LINK) !== 0,
      inviteLink: (flags & INVITE_LINK) !== 0,
      ...(domains !== 0 ? { domains: domains as string[] } : {}),
      ...(bands !== 0 ? { bands: bands as number[] } : {}),
    };
    return ev;
  }
  if (typeof item !== 'object' || item === null) return null;
  const r = item as { type?: unknown; at?: unknown; acted?: unknown };
  if (typeof r.at !== 'number' || !Number.isFinite(r.at)) return null;
  if (typeof r.acted === 'string') return r as Remembered;
  return TYPES.has(r.type as RobotEvent['type']) ? (r as Remembered) : null;
}
