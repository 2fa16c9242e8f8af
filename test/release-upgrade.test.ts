import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from './helpers/pg.js';
import { schemaText } from '../src/store/migrations/snapshot.js';
import { DB_FILE } from '../src/store/sqlite.js';
import { Client } from './helpers/client.js';
import { freshDataDir, startServer, type TestServer } from './helpers/server.js';

/**
 * A data folder made by the release of 2026-11-25 (test/fixtures/release-2026-11-25.sqlite:
 * the demo world, then Anna reported the promoter, the admin confirmed, Boris reported him
 * again) opens with today's code: pending migrations apply, and the API answers from it.
 */

const FIXTURE = new URL('./fixtures/release-2026-11-25.sqlite', import.meta.url);
const world = JSON.parse(fs.readFileSync(new URL('./fixtures/release-2026-11-25.json', import.meta.url), 'utf8')) as {
  adminToken: string;
  accounts: Record<string, { id: string; token: string }>;
  chats: Record<string, string>;
  expected: { promoRestriction: Record<string, unknown>; annaChatIds: string[]; openCaseIds: string[] };
};

let server: TestServer;
const as = (key: string) => new Client(server.url, world.accounts[key]!.token);

beforeAll(async () => {
  if (onPostgres()) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-release-'));
  fs.copyFileSync(FIXTURE, path.join(dir, DB_FILE));
  server = await startServer({ adminToken: world.adminToken }, dir);
});
afterAll(async () => {
  if (onPostgres()) return;
  await server.stop();
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

// An old release's data folder is an SQLite file, and what is tested is how today's code opens it;
// no PostgreSQL database predates this release (one is made by banya or by
// \`banya migrate --to postgres\` from an already migrated folder), so the PostgreSQL pass skips it.
describe.skipIf(onPostgres())('a data folder of the previous release', () => {
  it('is migrated to exactly the schema a new folder gets', async () => {
    const fresh = freshDataDir();
    const other = await startServer({}, fresh);
    await other.stop();
    const schema = (dir: string) => {
      const db = new BetterSqlite3(path.join(dir, DB_FILE), { readonly: true });
      try {
        return schemaText(db);
      } finally {
        db.close();
      }
    };
    expect(schema(server.dataDir)).toBe(schema(fresh));
    fs.rmSync(fresh, { recursive: true, force: true });
  });

  it('still knows its accounts and their tokens', async () => {
    for (const [, a] of Object.entries(world.accounts)) {
      const me = await new Client(server.url, a.token).get('/v1/me');
      expect(me.status).toBe(200);
      expect(me.body.account.id).toBe(a.id);
    }
  });

  it('keeps the restriction a decision made', async () => {
    const me = await as('promo').get('/v1/me');
    expect(me.body.restriction).toEqual(world.expected.promoRestriction);
  });

  it('lists the chats, and their messages', async () => {
    const chats = await as('anna').get('/v1/chats');
    expect(chats.status).toBe(200);
    expect(chats.body.chats.map((c: any) => c.id).sort()).toEqual([...world.expected.annaChatIds].sort());
    const family = await as('anna').get(`/v1/chats/${world.chats.family}/messages`);
    expect(family.status).toBe(200);
    expect(family.body.messages.map((m: any) => m.text)).toContain('Photos from the dacha are coming tonight!');
  });

  it('keeps the open case in the queue and the closed one out of it', async () => {
    const queue = await new Client(server.url, world.adminToken).get('/v1/moderation/cases');
    expect(queue.status).toBe(200);
    expect(queue.body.cases.map((c: any) => c.id)).toEqual(world.expected.openCaseIds);
  });
});
