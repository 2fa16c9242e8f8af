import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../store/database.js';
import type { Actor } from '../store/event-log.js';
import type { BanyaEvent } from './index.js';

/** An event as the log holds it: when, by whom, about which account. */
export interface Recorded<E extends BanyaEvent = BanyaEvent> {
  at: number;
  actor: Actor;
  /** The account whose timeline it belongs to. */
  accountId: number | null;
  event: E;
}

/**
 * The one place an event type turns into state. `sql` gives the statements that write its
 * projection rows (run in the transaction that appends the event, and again by `banya check`
 * into an empty database, so what checks is what wrote). `memory` changes the in-memory state
 * (the gate index, enforcement's working set), and runs only once the event is durable.
 * Both are deterministic functions of the event: everything decided is in the payload.
 */
export interface Projector<E extends BanyaEvent, M> {
  sql?(r: Recorded<E>, db: Kysely<Database>): CompiledQuery[];
  memory?(r: Recorded<E>, m: M): void;
}

/** A projector for every event type of the union `U`: a type left out does not compile. */
export type ProjectorsFor<U extends BanyaEvent, M> = { [T in U['type']]: Projector<Extract<U, { type: T }>, M> };

/** Events that only enter the log (a timeline entry, an audit fact): no projection. */
export const LOG_ONLY = {} as const;
