/**
 * The event feed as one node follows it. With several nodes each node's memory is a cache of the
 * database, fed by the log in id order (= commit order): every event, the node's own included,
 * reaches memory through the same projector `memory` functions, read back from the log. One path
 * for all events means an event can be neither applied twice nor out of order, whichever of a
 * notification, a poll, a catch-up before a decision or the node's own commit brings it first.
 */

import type { Selectable } from 'kysely';
import { asError } from '../domain/errors.js';
import type { EventsTable } from '../store/schema/events.js';

/** One row of the log, whole, as the feed reads it. */
export type FeedRow = Selectable<EventsTable>;

/** What the follower needs from the store (PostgreSQL in production; anything ordered in tests). */
export interface FeedSource {
  /** Committed events with id > cursor, in id order, at most `limit`. */
  eventsAfter(cursor: number, limit: number): Promise<FeedRow[]>;
  /** The highest committed event id (0 for an empty log). */
  head(): Promise<number>;
}

export interface FollowerOptions {
  /** Rows read per query while catching up. */
  pageRows?: number;
}

/** Where a node is in the feed, and how it gets further. */
export class FeedFollower {
  /** Every event with id ≤ cursor is in memory; none above it is. */
  private at: number;
  private readonly waiters: { target: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private target = 0;
  private running = false;
  private readonly pageRows: number;
  /** Head reads: the one in flight, and the one that starts after it (callers arriving meanwhile share it). */
  private headInFlight: Promise<number> | null = null;
  private headNext: Promise<number> | null = null;
  /** Counters for /metrics and SCALING.md. */
  readonly stats = { applied: 0, pages: 0, headReads: 0 };

  constructor(
    private readonly source: FeedSource,
    /** Applies one event to memory (the projector's `memory`); must not throw for a known type. */
    private readonly apply: (row: FeedRow) => void,
    cursor: number,
    options: FollowerOptions = {},
  ) {
    this.at = cursor;
    this.pageRows = options.pageRows ?? 1000;
  }

  get cursor(): number {
    return this.at;
  }

  /** Resolves once every event with id ≤ `id` is in memory. */
  reach(id: number): Promise<void> {
    if (id <= this.at) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ target: id, resolve, reject });
      if (id > this.target) this.target = id;
      if (!this.running) void this.drain();
    });
  }

  /**
   * Resolves once memory holds every event committed before this call: a head read that starts
   * after the call, then `reach` of it. Calls that arrive while a head read is in flight share
   * the next one, so a burst of requests costs one small query, not one each.
   */
  async fresh(): Promise<void> {
    await this.reach(await this.nextHead());
  }

  private nextHead(): Promise<number> {
    if (!this.headInFlight) {
      this.headInFlight = this.readHead();
      return this.headInFlight;
    }
    if (!this.headNext) {
      const after = this.headInFlight;
      this.headNext = after
        .catch(() => 0)
        .then(() => {
          this.headNext = null;
          this.headInFlight = this.readHead();
          return this.headInFlight;
        });
    }
    return this.headNext;
  }

  private readHead(): Promise<number> {
    this.stats.headReads++;
    const p = this.source.head();
    const done = () => {
      if (this.headInFlight === p) this.headInFlight = null;
    };
    p.then(done, done);
    return p;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.at < this.target) {
        const rows = await this.source.eventsAfter(this.at, this.pageRows);
        this.stats.pages++;
        if (rows.length === 0) break; // the target was a batch's end that a gap of rolled-back ids precedes
        for (const row of rows) {
          if (row.id <= this.at) continue;
          this.apply(row);
          this.at = row.id;
          this.stats.applied++;
        }
        this.settle();
      }
      // Nothing more to read: whoever waits for a higher id waits for ids that no commit holds.
      if (this.at < this.target) this.at = Math.max(this.at, this.target);
      this.settle();
    } catch (err) {
      const e = asError(err);
      for (const w of this.waiters.splice(0)) w.reject(e);
      this.target = this.at;
    } finally {
      this.running = false;
    }
    if (this.waiters.length > 0 && !this.running) void this.drain();
  }

  private settle(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.target <= this.at) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}
