import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { onPostgres } from './helpers/pg.js';
import { checkProjections } from '../src/check.js';
import { phoneKey } from '../src/domain/phone.js';
import { migrationProvider } from '../src/store/migrations/index.js';
import { DB_FILE, SqliteStore } from '../src/store/sqlite.js';
import { ADMIN_TOKEN, startServer } from './helpers/server.js';
import { Client } from './helpers/client.js';

/**
 * A data folder made by the previous release (test/fixtures/release-2026-11-25-rows.json: its rows,
 * as that release wrote them) still replays: its events have the old payload shapes (a lift's
 * end said only "lifted: …", number flags only their reason, evidence only message ids), and
 * `banya check` through today's projectors finds every projection equal to the log.
 */

const LAST_OLD_MIGRATION = '2026-11-25T16:00-enforcement';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-old-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function oldDataFolder(): Promise<void> {
  const sqlite = new BetterSqlite3(path.join(dir, DB_FILE));
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo(LAST_OLD_MIGRATION);
  expect(error).toBeUndefined();
  const rows = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures/release-2026-11-25-rows.json'), 'utf8')) as Record<
    string,
    Record<string, unknown>[]
  >;
  for (const [table, list] of Object.entries(rows)) {
    for (const row of list) {
      const cols = Object.keys(row);
      sqlite.prepare(`insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c]));
    }
  }
  await db.destroy();
}

// An old release's data folder is an SQLite file, and what is tested is how today's code opens it;
// no PostgreSQL database predates this release (one is made by banya or by
// \`banya migrate --to postgres\` from an already migrated folder), so the PostgreSQL pass skips it.
it.skipIf(onPostgres())("replays a previous release's log through today's projectors, and starts on it", async () => {
  await oldDataFolder();
  const store = await SqliteStore.open(dir, { durability: 'process' });
  try {
    expect(await checkProjections(store)).toEqual([]);
    // The migration put the frozen evidence into the old report events.
    const filed = await store.all<{ payload: string }>(store.db.selectFrom('events').select('payload').where('type', '=', 'report_filed'));
    for (const f of filed) expect(JSON.parse(f.payload).evidence[0]).toMatchObject({ id: expect.any(Number), text: expect.any(String) });
  } finally {
    await store.close();
  }
  const server = await startServer({}, dir);
  try {
    const st = server.app.platform.enforcement;
    // Robots hold off after the old lift ("lifted: ok"), dismissal and overturn, read from the log.
    expect([...st.manualDecisionAt.keys()].sort((a, b) => a - b)).toEqual([3, 8, 10]);
    expect(st.numberFlags.has(phoneKey('+447700910003'))).toBe(true);
    const tl = await new Client(server.url, ADMIN_TOKEN).get('/v1/moderation/accounts/u3?limit=1000');
    expect(tl.status).toBe(200);
    expect(tl.body.events.find((e: any) => e.type === 'restriction_lifted')).toMatchObject({ reason: 'lifted: ok' });
    expect(await checkProjections(server.app.platform.store)).toEqual([]);
  } finally {
    await server.stop();
  }
});
