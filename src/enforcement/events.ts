import type { CompiledQuery } from 'kysely';
import type { Core } from '../core.js';
import type { EnforcementEvent } from '../events/index.js';
import { appendEvent, type Actor } from '../store/event-log.js';

export type { EnforcementEvent, RestrictionPayload } from '../events/index.js';

/**
 * @deprecated A log row without its projection; use `Change.emit` so the projector writes both.
 * Only tickets (src/enforcement/support.ts, moving to support) still use it; then it goes.
 */
export function record(e: Core, at: number, actor: Actor, accountId: number | null, event: EnforcementEvent): CompiledQuery {
  return appendEvent(e.store, e.ids, { type: event.type, at, actor, accountId, payload: event.payload as unknown as Record<string, unknown> });
}
