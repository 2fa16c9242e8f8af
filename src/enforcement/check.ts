import { PROJECTORS } from '../app.js';
import { compareProjections, replayLog } from '../events/projection-check.js';
import type { ProjectorsFor } from '../events/projector.js';
import type { BanyaEvent } from '../events/index.js';
import { SqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/store.js';
import { ENFORCEMENT_TABLES } from './projectors.js';

/**
 * `banya check`: the log is the truth. The log is replayed, through the very projectors that
 * wrote it (PROJECTORS), into an empty database, and the projection tables are compared row by
 * row with the stored ones.
 *
 * CHECKED_TABLES is what is compared until every projector is real: enforcement's tables today.
 * Platform and support tables are still written by hand; once their projectors exist this
 * widens to every table not in NOT_PROJECTIONS (pass no list to compareProjections).
 */
export const CHECKED_TABLES: readonly string[] = ENFORCEMENT_TABLES;

/** Differences between the stored projections and a replay of the log (empty: all equal). */
export async function checkProjections(store: Store, limit = 50): Promise<string[]> {
  const replayed = await SqliteStore.openInMemory();
  try {
    await replayLog(store, replayed, PROJECTORS as unknown as ProjectorsFor<BanyaEvent, unknown>);
    return await compareProjections(store, replayed, limit, CHECKED_TABLES);
  } finally {
    await replayed.close();
  }
}
