import { PROJECTORS } from '../../src/app.js';
import type { BanyaEvent } from '../../src/events/index.js';
import { compareProjections, replayLog } from '../../src/events/projection-check.js';
import type { ProjectorsFor } from '../../src/events/projector.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';

/** The tables the platform's events project into. */
export const PLATFORM_TABLES = ['accounts', 'tokens', 'staff', 'contacts', 'pending_contacts', 'blocks', 'chats', 'chat_members'];

/** What `banya check` finds in the platform tables: the log replayed into an empty database, compared. */
export async function platformDifferences(store: Store): Promise<string[]> {
  await store.flush();
  const replayed = await SqliteStore.openInMemory();
  try {
    const problems = await store.snapshot(async (stored) => {
      await replayLog(stored, replayed, PROJECTORS as unknown as ProjectorsFor<BanyaEvent, unknown>);
      return compareProjections(stored, replayed, 1000);
    });
    return problems.filter((x) => PLATFORM_TABLES.includes(x.slice(0, x.indexOf(':'))));
  } finally {
    await replayed.close();
  }
}
