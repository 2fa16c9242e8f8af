import { connection } from '../store/postgres.js';
import os from 'node:os';
import type { Logger } from 'pino';
import pg from 'pg';
import { sql } from 'kysely';
import { recordedOf } from '../events/projection-check.js';
import type { Journal } from '../events/journal.js';
import type { Serializer } from '../events/serial.js';
import { FEED_CHANNEL, type PostgresStore } from '../store/postgres.js';
import { isConflict } from '../store/store.js';
import { FeedFollower } from './feed.js';
import { Lease } from './lease.js';

/**
 * One node of several on one PostgreSQL (docs/DECISIONS.md, "Several nodes: PostgreSQL
 * arbitrates"). Memory is a cache of the database fed by the event feed in id order: own
 * events once their batch committed, others' as NOTIFY announces them, with a poll in case a
 * notification was lost, and always before a request is decided (`fresh`). Writes take once keys
 * and a write refused because another node won is decided again on fresh memory. Time's work runs
 * under one lease.
 */

export interface ClusterOptions {
  url: string;
  nodeId: string;
  /** How often the feed is polled when no notification came (ms). */
  pollMs: number;
  /** How long the scheduler's lease lasts without renewal (ms). */
  leaseMs: number;
  log: Logger;
}

interface HeldLease {
  lease: Lease;
  /** Jobs of this node running under it (re-entrant). */
  depth: number;
  renew: NodeJS.Timeout | null;
}

export function defaultNodeId(): string {
  return `${os.hostname()}-${process.pid}`.replace(/:/g, '-');
}

/**
 * The pg client's settings for a URL, as the store's own (the user defaults to PGUSER or the OS
 * user, as libpq does: a `user` beside the connection string would be overridden by it).
 */
const clientConfig = connection;

export class ClusterNode {
  readonly follower: FeedFollower;
  readonly lease: Lease;
  private listener: pg.Client | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly leases = new Map<string, HeldLease>();
  private closed = false;
  /** Notifications heard and polls that found something (for /metrics and the tests). */
  readonly stats = { notifications: 0, polls: 0 };

  private constructor(
    private readonly store: PostgresStore,
    private readonly options: ClusterOptions,
    cursor: number,
    journal: Journal,
  ) {
    this.follower = new FeedFollower(
      {
        eventsAfter: (c, limit) => store.readEventsAfter(c, limit),
        head: async () => {
          const r = await store.first<{ m: number | string | null }>(sql<{ m: number }>`select coalesce(max(id), 0) as m from events`.compile(store.db));
          return Number(r?.m ?? 0);
        },
      },
      (row) => journal.applyRecorded(recordedOf(row)),
      cursor,
    );
    this.lease = new Lease(store, 'scheduler', options.nodeId, options.leaseMs);
  }

  /** Wires memory to the feed and writes to the database's arbitration. */
  static async start(store: PostgresStore, journal: Journal, serial: Serializer, cursor: number, options: ClusterOptions): Promise<ClusterNode> {
    const node = new ClusterNode(store, options, cursor, journal);
    journal.guarded = true;
    journal.feed = { committedEnd: () => store.lastCommittedEventId, reach: (id) => node.follower.reach(id) };
    serial.retry = { isLostRace: isConflict, catchUp: () => node.follower.fresh() };
    await node.listen();
    node.poll = setInterval(() => {
      const before = node.follower.cursor;
      node.follower.fresh().then(
        () => {
          if (node.follower.cursor > before) node.stats.polls++;
        },
        (err: unknown) => options.log.warn({ err }, 'the event feed could not be read'),
      );
      if (!node.listener && !node.closed) void node.listen();
    }, options.pollMs);
    node.poll.unref();
    return node;
  }

  /** LISTEN on a connection of its own; a lost one is replaced by the next poll. */
  private async listen(): Promise<void> {
    const c = new pg.Client(clientConfig(this.options.url));
    c.on('error', () => {
      if (this.listener === c) this.listener = null;
    });
    c.on('end', () => {
      if (this.listener === c) this.listener = null;
    });
    c.on('notification', (n) => {
      this.stats.notifications++;
      const to = Number(n.payload);
      if (Number.isSafeInteger(to)) this.follower.reach(to).catch((err: unknown) => this.options.log.warn({ err }, 'the event feed could not be read'));
    });
    try {
      await c.connect();
      await c.query(`listen ${FEED_CHANNEL}`);
      this.listener = c;
    } catch (err) {
      this.options.log.warn({ err }, 'cannot listen to the event feed; polling');
      await c.end().catch(() => {});
    }
  }

  /** Resolves once memory holds every event committed before the call. */
  fresh(): Promise<void> {
    return this.follower.fresh();
  }

  /**
   * Runs `job` holding a lease (`scheduler`: time's work; `crm`: the CRM gateway's worker):
   * taken at once or not at all (`waitMs` 0: the job is skipped, another node is doing it),
   * renewed while the job runs, given back after it. Re-entrant within this node. Memory is
   * brought up to date first: the previous holder may have done part of the work.
   */
  async underLease<T>(job: () => Promise<T>, waitMs = 0, name = 'scheduler'): Promise<T | undefined> {
    const held = this.held(name);
    if (held.depth === 0) {
      const got = waitMs > 0 ? await held.lease.acquireWithin(waitMs) : await held.lease.acquire();
      if (!got) return undefined;
      held.renew = setInterval(() => void held.lease.acquire().catch(() => {}), Math.max(50, Math.floor(this.options.leaseMs / 3)));
      held.renew.unref();
    }
    held.depth++;
    try {
      await this.follower.fresh();
      return await job();
    } finally {
      held.depth--;
      if (held.depth === 0) {
        if (held.renew) clearInterval(held.renew);
        held.renew = null;
        if (!this.closed) await held.lease.release().catch(() => {});
      }
    }
  }

  private held(name: string): HeldLease {
    let h = this.leases.get(name);
    if (!h) {
      h = { lease: name === 'scheduler' ? this.lease : new Lease(this.store, name, this.options.nodeId, this.options.leaseMs), depth: 0, renew: null };
      this.leases.set(name, h);
    }
    return h;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    for (const h of this.leases.values()) if (h.renew) clearInterval(h.renew);
    const c = this.listener;
    this.listener = null;
    await c?.end().catch(() => {});
  }
}
