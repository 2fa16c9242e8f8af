import { describe, expect, it } from 'vitest';
import type { SqliteStore } from '../src/store/sqlite.js';
import { Client } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { serverPerFile } from './helpers/per-file.js';
import { adminQuery, databaseFor, onPostgres } from './helpers/pg.js';

/**
 * A store that cannot write is reported, refuses writes with 503, leaves memory as it was, and
 * the service goes on once the store can write again (nothing is fail-stop any more).
 */

const sqlite = () => (ctx.server.app.platform.store as SqliteStore).sqlite;
/**
 * As if the disk had become read-only: SQLite's query_only; on PostgreSQL the database turns
 * read-only and its sessions are ended (the store reconnects, and its writes are refused).
 */
async function readOnly(on: boolean): Promise<void> {
  if (!onPostgres()) {
    sqlite().pragma(`query_only = ${on ? 1 : 0}`);
    return;
  }
  const db = databaseFor(ctx.server.dataDir);
  await adminQuery(
    on ? `alter database "${db}" set default_transaction_read_only = on` : `alter database "${db}" reset default_transaction_read_only`,
    `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${db}' and pid <> pg_backend_pid()`,
  );
}
const pastHealthCache = () => new Promise((r) => setTimeout(r, 1100));

const ctx = serverPerFile();

describe('the store’s health', () => {
  it('is ok while the store writes, 503 with the reason while it cannot, and ok again after', async () => {
    const anon = new Client(ctx.server.url);
    expect(await anon.get('/healthz')).toMatchObject({ status: 200, body: { ok: true } });

    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await readOnly(true);
    try {
      await pastHealthCache();
      const down = await anon.get('/healthz');
      expectError(down, 503, 'SERVICE_UNAVAILABLE');
      expect(typeof down.body.error.details.reason).toBe('string');

      // A write now is refused with 503, and memory did not move: the block is not in force.
      expectError(await a.api.post('/v1/blocks', { accountId: b.id }), 503, 'SERVICE_UNAVAILABLE');
    } finally {
      await readOnly(false);
    }
    await pastHealthCache();
    expect(await anon.get('/healthz')).toMatchObject({ status: 200, body: { ok: true } });
    // The refused block was never applied: b can still write to a.
    expect((await b.api.post('/v1/messages', { to: { accountId: a.id }, text: 'still here' })).status).toBe(201);
    // And the store takes writes again without a restart.
    expect((await a.api.post('/v1/blocks', { accountId: b.id })).status).toBe(204);
    expectError(await b.api.post('/v1/messages', { to: { accountId: a.id }, text: 'now blocked' }), 403, 'USER_IS_BLOCKED');
  });
});
