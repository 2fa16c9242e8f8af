import type { CompiledQuery } from 'kysely';
import type { Recorded } from '../events/projector.js';
import { param, statement, type Statement } from './statement.js';
import type { Store } from './store.js';

export type ActorKind = 'account' | 'staff' | 'admin' | 'robot' | 'system';

export interface Actor {
  kind: ActorKind;
  /** Account or staff id (public form), or a robot rule's name. */
  id?: string;
}

export const SYSTEM_ACTOR: Actor = { kind: 'system' };

type EventRow = { at: number; type: string; kind: string; actor: string | null; account: number | null; payload: string };

const inserts = new WeakMap<Store, Statement<EventRow>>();

/**
 * The insert of one event-log row. It names no id: SQLite gives the row the next rowid when the
 * statement runs, so ids follow commit order, which is the order a reader tailing the log sees.
 */
export function eventInsert(store: Store, r: Recorded): CompiledQuery {
  let s = inserts.get(store);
  if (!s) {
    s = statement<EventRow>(
      store.db.insertInto('events').values({
        at: param<number>('at'),
        type: param<string>('type'),
        actor_kind: param<string>('kind'),
        actor_id: param<string | null>('actor'),
        account_id: param<number | null>('account'),
        payload: param<string>('payload'),
      }),
    );
    inserts.set(store, s);
  }
  return s.bind({
    at: r.at,
    type: r.event.type,
    kind: r.actor.kind,
    actor: r.actor.id ?? null,
    account: r.accountId,
    payload: JSON.stringify(r.event.payload ?? {}),
  });
}
