import { each } from '../store/read.js';
import type { Store } from '../store/store.js';
import type { RobotsEngine } from './engine.js';

/**
 * At start: robots know every account's age and its number's kind. What they heard before the
 * start comes back from their memory (src/robots/memory.ts), when it is kept.
 */
export async function loadRobotState(robots: RobotsEngine, store: Store): Promise<void> {
  for await (const r of each(store, store.db.selectFrom('accounts').select(['id', 'created_at', 'number_kind']))) {
    robots.counters.ensure(r.id);
    robots.counters.createdAt[r.id] = r.created_at || 1;
    if (r.number_kind === 'voip') robots.evidence.setVoip(r.id, true);
  }
}
