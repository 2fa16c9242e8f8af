import { sql } from 'kysely';
import { expect } from 'vitest';
import { PROJECTORS } from '../../src/app.js';
import { replayLog } from '../../src/events/projection-check.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { databaseUrlFor, onPostgres } from './pg.js';

/** The tables the CRM gateway's events project into. */
export const CRM_TABLES = ['crm_connections', 'crm_jobs', 'crm_conversations'] as const;

/**
 * Opens a stopped server's data (its SQLite folder, or its PostgreSQL database), replays its event
 * log into an empty database and expects the CRM tables to be row for row what was stored.
 */
export async function expectCrmTablesReplayed(dataDir: string): Promise<void> {
  const stored: Store = onPostgres() ? await PostgresStore.open(await databaseUrlFor(dataDir)) : await SqliteStore.open(dataDir, { durability: 'process' });
  const replayed = await SqliteStore.openInMemory();
  try {
    await replayLog(stored, replayed, PROJECTORS as never);
    for (const table of CRM_TABLES) {
      const rows = async (st: Store) =>
        (await st.all<Record<string, unknown>>(sql`select * from ${sql.table(table)}`.compile(st.db))).map((r) => JSON.stringify(r)).sort();
      expect(await rows(replayed), table).toEqual(await rows(stored));
    }
  } finally {
    await stored.close();
    await replayed.close();
  }
}
