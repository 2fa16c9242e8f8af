import type { CompiledQuery } from 'kysely';
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
/** How often the rows past the memory's days are deleted. */
const PRUNE_EVERY_MS = 3_600_000;

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
  /** While the start's replay runs: effects are off. */
  private replaying = false;
  private scheduled = false;
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
   * The sink robots act through: silent while the start's replay runs (those effects were applied
   * when the events were first heard), and remembering each action taken, for the day's caps to
   * carry on after a restart even where the replay cannot tell what was done then (an account
   * restricted now looks restricted all along, and robots do not act on it).
   */
  actingThrough(sink: EffectSink): EffectSink {
    return {
      ...sink,
      apply: (account, rule, effect, at) => {
        if (this.replaying) return;
        this.remember({ acted: rule, at });
        return sink.apply(account, rule, effect, at);
      },
      shadow: (account, rule, effect, at, why) => {
        if (this.replaying) return;
        return sink.shadow(account, rule, effect, at, why);
      },
    };
  }

  /** Remembers an event the platform published, or an action (written with the next turn's batch). */
  remember(ev: Remembered): void {
    if (!this.enabled) return;
    this.buffer.push(ev);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  /** Writes what is buffered; resolves once it is durable (or given up on, logged). */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.buffer;
    if (batch.length === 0) return this.writing;
    this.buffer = [];
    let last = 0;
    for (const r of batch) if (r.at > last) last = r.at;
    const items = batch.map((r) => encodeItem(r, last));
    const statements: CompiledQuery[] = [this.insert.bind({ at: last, node: this.options.node, events: JSON.stringify(items) })];
    const now = this.options.now();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      const prune = this.prune(now - this.options.days * DAY_MS);
      this.writing = this.writing.then(() => prune);
    }
    const write = this.store.write(statements).then(
      () => {
        this.stats.written += batch.length;
      },
      (err: unknown) => {
        this.stats.lost += batch.length;
        this.options.log.warn({ err, events: batch.length }, 'robot events could not be remembered');
      },
    );
    this.writing = this.writing.then(() => write);
    return this.writing;
  }

  /** The first row of this node at or after `since` (0: none), walking the primary key from the start. */
  private async firstFrom(since: number): Promise<number> {
    const db = this.store.db;
    const r = await this.store.first<{ id: number }>(
      db.selectFrom('robot_events').select('id').where('node', '=', this.options.node).where('at', '>=', since).orderBy('id').limit(1),
    );
    return r ? Number(r.id) : 0;
  }

  /**
   * Deletes this node's rows whose events are all from before `before`. Rows are numbered as they
   * were written, and a node hears events in its clock's order, so those are the rows numbered
   * below the first row since then; finding it reads only the rows being deleted.
   */
  private async prune(before: number): Promise<void> {
    try {
      const db = this.store.db;
      const first = await this.firstFrom(before);
      let q = db.deleteFrom('robot_events').where('node', '=', this.options.node);
      q = first > 0 ? q.where('id', '<', first) : q.where('at', '<', before);
      await this.store.write([q.compile()]);
      this.stats.pruned++;
    } catch (err) {
      this.options.log.warn({ err }, 'old robot events could not be deleted');
    }
  }

  /**
   * Replays the remembered events of the last `days` into `engine`, in the order they were heard,
   * and carries on today's count of actions per rule. `engine` must act through `actingThrough`:
   * it is silent meanwhile.
   */
  async replay(engine: RobotsEngine): Promise<ReplayReport> {
    const started = performance.now();
    const report: ReplayReport = { events: 0, actions: 0, skipped: 0, ms: 0 };
    if (!this.enabled) return report;
    const now = this.options.now();
    const today = Math.floor(now / DAY_MS);
    const acted: Record<string, number> = {};
    const since = now - this.options.days * DAY_MS;
    const after = (await this.firstFrom(since)) - 1;
    if (after < 0) return report;
    this.replaying = true;
    try {
      await this.replayFrom(after, since, engine, report, (rule, at) => {
        if (Math.floor(at / DAY_MS) === today) acted[rule] = (acted[rule] ?? 0) + 1;
      });
    } finally {
      this.replaying = false;
    }
    engine.restoreActions(today, acted);
    engine.resetStats();
    report.ms = Math.round(performance.now() - started);
    this.lastReplay = report;
    return report;
  }

  private async replayFrom(from: number, since: number, engine: RobotsEngine, report: ReplayReport, acted: (rule: string, at: number) => void): Promise<void> {
    const db = this.store.db;
    let after = from;
    for (;;) {
      const rows = await this.store.all<{ id: number; at: number; events: string }>(
        db.selectFrom('robot_events').select(['id', 'at', 'events']).where('node', '=', this.options.node).where('id', '>', after).orderBy('id').limit(PAGE),
      );
      for (const [item, at] of rows.flatMap((r) => readBatch(r.events).map((i) => [i, Number(r.at)] as const))) {
        const ev = decodeItem(item, at);
        if (!ev) {
          report.skipped++;
          continue;
        }
        // The batch that crosses the memory's first moment: its older events are forgotten.
        if (ev.at < since) continue;
        if ('acted' in ev) {
          report.actions++;
          acted(ev.acted, ev.at);
          continue;
        }
        report.events++;
        try {
          // Effects are off; a rule that throws on an old event must not stop the start.
          void engine.observe(ev);
        } catch {
          report.skipped++;
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
  if (!('type' in r) || r.type !== 'message' || !isInt(r.textHash) || !isInt(r.at)) return r;
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
