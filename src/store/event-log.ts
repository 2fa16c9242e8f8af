import type { CompiledQuery } from 'kysely';
import type { Ids } from './ids.js';
import type { Store } from './store.js';

export type ActorKind = 'account' | 'staff' | 'admin' | 'robot' | 'system';

export interface Actor {
  kind: ActorKind;
  /** Account or staff id (public form), or a robot rule's name. */
  id?: string;
}

export const SYSTEM_ACTOR: Actor = { kind: 'system' };

export interface EventInput {
  type: string;
  at: number;
  actor: Actor;
  accountId?: number | null;
  payload?: Record<string, unknown>;
}

/** The insert of one event-log row; callers add it to the same batch as the change it records. */
export function appendEvent(store: Store, ids: Ids, e: EventInput): CompiledQuery {
  return store.db
    .insertInto('events')
    .values({
      id: ids.next('events'),
      at: e.at,
      type: e.type,
      actor_kind: e.actor.kind,
      actor_id: e.actor.id ?? null,
      account_id: e.accountId ?? null,
      payload: JSON.stringify(e.payload ?? {}),
    })
    .compile();
}
