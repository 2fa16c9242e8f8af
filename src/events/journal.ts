import type { CompiledQuery } from 'kysely';
import { eventInsert, type Actor } from '../store/event-log.js';
import type { Store } from '../store/store.js';
import type { BanyaEvent } from './index.js';
import { onceKeyOf } from './once.js';
import type { ProjectorsFor, Recorded } from './projector.js';

type AnyProjectors = ProjectorsFor<BanyaEvent, unknown>;

/**
 * One request's change of state: the events it decided, their projections, and any plain rows
 * (messages, idempotency records) that go with them. Nothing reaches memory until the store has
 * committed it; a refused write leaves memory exactly as it was.
 */
export class Change {
  readonly statements: CompiledQuery[] = [];
  readonly events: Recorded[] = [];
  private readonly effects: (() => void)[] = [];
  /** Which of `effects` are events' projections (with several nodes those come from the feed). */
  private readonly fromEvent: boolean[] = [];

  constructor(private readonly journal: Journal) {}

  /** Records an event: its log row, its projection rows, and (after commit) its memory update. */
  emit<E extends BanyaEvent>(at: number, actor: Actor, accountId: number | null, event: E): this {
    const r: Recorded = { at, actor, accountId, event };
    this.events.push(r);
    const store = this.journal.store;
    const p = this.journal.projectorOf(event.type);
    this.statements.push(eventInsert(store, r));
    if (this.journal.guarded) {
      const k = onceKeyOf(event);
      if (k !== null) this.once(k, at);
    }
    if (p.sql) for (const q of p.sql(r as never, store.db)) this.statements.push(q);
    if (p.memory) {
      const memory = this.journal.memory;
      this.effects.push(() => p.memory!(r as never, memory));
      this.fromEvent.push(true);
    }
    return this;
  }

  /**
   * A key this change may take only once across nodes (`once_keys`); a second change taking it
   * is refused by the database. Only when several nodes share it: one node's memory suffices.
   */
  once(key: string, at: number): this {
    if (this.journal.guarded) this.statements.push(this.journal.store.db.insertInto('once_keys').values({ key, at }).compile());
    return this;
  }

  /** Rows that are not projections of an event (a message, an idempotency record). */
  sql(...statements: CompiledQuery[]): this {
    for (const q of statements) this.statements.push(q);
    return this;
  }

  /** A memory change that is not an event's projection, applied after commit, in order. */
  after(effect: () => void): this {
    this.effects.push(effect);
    this.fromEvent.push(false);
    return this;
  }

  get empty(): boolean {
    return this.statements.length === 0 && this.effects.length === 0;
  }

  /** Applies the memory updates; called by the store right after the commit. */
  applyMemory(): void {
    for (const f of this.effects) f();
  }

  /** The memory updates that are not events' projections (those reached memory through the feed). */
  applyLocalMemory(): void {
    for (let i = 0; i < this.effects.length; i++) if (!this.fromEvent[i]) this.effects[i]!();
  }
}

/** What the journal needs from the feed follower when several nodes share the database. */
export interface JournalFeed {
  /** The last event id of the batch being committed now (read inside `onCommit`). */
  committedEnd(): number;
  /** Resolves once memory holds every event up to `id`. */
  reach(id: number): Promise<void>;
}

/**
 * Where every change of state goes through: projectors bound to the memory they update, and the
 * store that commits. Built once per service; `bind` wires the projectors once memory exists.
 */
export class Journal {
  private projectors: AnyProjectors | null = null;
  memory: unknown = null;
  private readonly listeners: ((r: Recorded) => void)[] = [];
  /** Whether writes take once keys (several nodes: the database arbitrates). */
  guarded = false;
  /** Set when this node is one of several: memory then follows the event feed. */
  feed: JournalFeed | null = null;

  constructor(readonly store: Store) {}

  bind<M>(projectors: ProjectorsFor<BanyaEvent, M>, memory: M): void {
    this.projectors = projectors as unknown as AnyProjectors;
    this.memory = memory;
  }

  projectorOf(type: BanyaEvent['type']): AnyProjectors[BanyaEvent['type']] {
    if (!this.projectors) throw new Error('journal used before its projectors were bound');
    const p = this.projectors[type];
    if (!p) throw new Error(`no projector for event ${type}`);
    return p;
  }

  change(): Change {
    return new Change(this);
  }

  /**
   * Hears every event once it is durable, after memory followed (figures, metrics). A listener
   * must not throw and must not write.
   */
  onCommitted(listener: (r: Recorded) => void): void {
    this.listeners.push(listener);
  }

  /** Commits the change; resolves once it is durable and memory has followed. */
  commit(c: Change): Promise<void> {
    if (c.empty) return Promise.resolve();
    if (this.feed) return this.commitFollowing(c, this.feed);
    return this.store.write({
      statements: c.statements,
      onCommit: () => {
        c.applyMemory();
        if (this.listeners.length > 0) for (const r of c.events) for (const l of this.listeners) l(r);
      },
    });
  }

  /**
   * With several nodes: memory follows the feed, own events included, so they are applied in id
   * order after every other node's earlier events. The write resolves once memory reached the
   * end of the batch that holds it; then the change's own (non-event) updates run.
   */
  private async commitFollowing(c: Change, feed: JournalFeed): Promise<void> {
    let end = 0;
    await this.store.write({ statements: c.statements, onCommit: () => (end = feed.committedEnd()) });
    if (c.events.length > 0) await feed.reach(end);
    c.applyLocalMemory();
    if (this.listeners.length > 0) for (const r of c.events) for (const l of this.listeners) l(r);
  }

  /** Applies one event read from the log to memory: its projector's `memory`. */
  applyRecorded(r: Recorded): void {
    const p = this.projectorOf(r.event.type);
    if (p.memory) p.memory(r as never, this.memory);
  }

  /** One event on its own. */
  record<E extends BanyaEvent>(at: number, actor: Actor, accountId: number | null, event: E): Promise<void> {
    return this.commit(this.change().emit(at, actor, accountId, event));
  }
}
