import { each } from '../store/read.js';
import type { Store } from '../store/store.js';
import type { RobotsEngine } from './engine.js';

/** At start: the robots' counters begin empty, but they know every account's age. */
export async function loadRobotState(robots: RobotsEngine, store: Store): Promise<void> {
  for await (const r of each(store, store.db.selectFrom('accounts').select(['id', 'created_at']))) {
    robots.counters.ensure(r.id);
    robots.counters.createdAt[r.id] = r.created_at || 1;
  }
}
