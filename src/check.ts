import { PROJECTORS } from './app.js';
import type { BanyaEvent } from './events/index.js';
import { compareProjections, replayLog } from './events/projection-check.js';
import type { ProjectorsFor } from './events/projector.js';
import { SqliteStore } from './store/sqlite.js';
import type { Store } from './store/store.js';

/**
 * `banya check`: the log is the truth. The whole log is replayed, through the very projectors
 * that wrote it (PROJECTORS), into an empty database, and every projection table (all but those
 * NOT_PROJECTIONS names, each with its reason) is compared row by row with the stored one.
 * The log and the tables are read in one snapshot of the store: a server may go on committing
 * meanwhile (its events after the log was read, their rows before the tables are), and that
 * is no difference.
 */
export async function checkProjections(store: Store, limit = 50): Promise<string[]> {
  const replayed = await SqliteStore.openInMemory();
  try {
    return await store.snapshot(async (stored) => {
      await replayLog(stored, replayed, PROJECTORS as unknown as ProjectorsFor<BanyaEvent, unknown>);
      return compareProjections(stored, replayed, limit);
    });
  } finally {
    await replayed.close();
  }
}
