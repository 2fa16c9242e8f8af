import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { onPostgres } from './helpers/pg.js';
import { migrationProvider } from '../src/store/migrations/index.js';
import { DB_FILE, SqliteStore } from '../src/store/sqlite.js';
import { Client } from './helpers/client.js';
import { platformDifferences } from './helpers/platform-replay.js';
import { ADMIN_TOKEN, startServer } from './helpers/server.js';

/**
 * A data folder made by the previous release: platform rows, but no platform events that
 * produce them. The data migration carries them into the log, so that a replay of the log
 * rebuilds every platform table exactly, and the service starts on the folder as before.
 */

const PREVIOUS = '2026-11-25T16:00-enforcement';
const T0 = Date.UTC(2026, 10, 20);
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function ev(at: number, type: string, account: number | null, payload: unknown, actor = 'system', actorId: string | null = null) {
  return sql`insert into events (at, type, actor_kind, actor_id, account_id, payload) values (${at}, ${type}, ${actor}, ${actorId}, ${account}, ${JSON.stringify(payload)})`;
}

/** The folder as the previous release left it, written the way it wrote it. */
async function previousReleaseFolder(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-legacy-'));
  dirs.push(dir);
  const sqlite = new BetterSqlite3(path.join(dir, DB_FILE));
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo(PREVIOUS);
  if (error) throw error;
  const account = (id: number, o: Record<string, unknown> = {}) => ({
    id,
    phone: `+4477009660${String(id).padStart(2, '0')}`,
    name: `Old ${id}`,
    username: null,
    username_lc: null,
    language: null,
    number_kind: 'mobile',
    system: null,
    find_by_phone: 0,
    phone_visibility: 1,
    chat_invites: 0,
    new_chats: 0,
    created_at: T0 + id * 1000,
    deleted_at: null,
    ...o,
  });
  const accounts = [
    account(1, { phone: null, name: 'Spam Info Bot', username: 'spambot', username_lc: 'spambot', system: 'spambot', phone_visibility: 2, chat_invites: 2 }),
    account(2, { phone: null, name: 'Support', username: 'support', username_lc: 'support', system: 'support', phone_visibility: 2, chat_invites: 2 }),
    account(3, { username: 'Old_Alice', username_lc: 'old_alice', language: 'ru', new_chats: 1 }),
    account(4, { username: 'taken', username_lc: 'taken', deleted_at: T0 + 50_000 }), // deleted, then its username reused
    account(5, { username: 'Taken', username_lc: 'taken', number_kind: 'voip', find_by_phone: 1 }),
    account(6),
  ];
  await db.insertInto('accounts').values(accounts).execute();
  await db
    .insertInto('tokens')
    .values([
      { hash: 'a'.repeat(64), account_id: 3, staff_id: null, created_at: T0 + 3000, revoked_at: null },
      { hash: 'b'.repeat(64), account_id: 4, staff_id: null, created_at: T0 + 4000, revoked_at: T0 + 50_000 },
      { hash: 'c'.repeat(64), account_id: 5, staff_id: null, created_at: T0 + 5000, revoked_at: null },
      { hash: 'd'.repeat(64), account_id: null, staff_id: 1, created_at: T0 + 7000, revoked_at: null },
      { hash: 'e'.repeat(64), account_id: null, staff_id: 2, created_at: T0 + 8000, revoked_at: T0 + 9000 },
    ])
    .execute();
  await db
    .insertInto('staff')
    .values([
      { id: 1, name: 'Mod', role: 'moderator', created_at: T0 + 7000, deleted_at: null },
      { id: 2, name: 'Gone', role: 'triage', created_at: T0 + 8000, deleted_at: T0 + 9000 },
    ])
    .execute();
  await db
    .insertInto('contacts')
    .values([
      { owner_id: 3, contact_id: 5, name: 'T', created_at: T0 + 10_000 },
      { owner_id: 5, contact_id: 3, name: null, created_at: T0 + 11_000 },
      { owner_id: 6, contact_id: 3, name: 'A', created_at: T0 + 12_000 },
    ])
    .execute();
  await db
    .insertInto('pending_contacts')
    .values({ owner_id: 3, phone: '+447700966077', name: 'Later', created_at: T0 + 13_000 })
    .execute();
  await db
    .insertInto('blocks')
    .values({ blocker_id: 6, blocked_id: 5, created_at: T0 + 14_000 })
    .execute();
  const chat = (id: number, o: Record<string, unknown>) => ({
    id,
    title: null,
    public: 0,
    owner_id: null,
    peer_low: null,
    peer_high: null,
    started_by: null,
    low_wrote: 0,
    high_wrote: 0,
    created_at: T0 + 20_000 + id,
    ...o,
  });
  await db
    .insertInto('chats')
    .values([
      chat(1, { kind: 'private', peer_low: 3, peer_high: 5, started_by: 3, low_wrote: 1, high_wrote: 1 }),
      chat(2, { kind: 'private', peer_low: 3, peer_high: 6, started_by: 6, low_wrote: 0, high_wrote: 1 }),
      chat(3, { kind: 'group', title: 'Old group', public: 1, owner_id: 3 }),
      chat(4, { kind: 'channel', title: 'Old channel', public: 0, owner_id: 5 }),
    ])
    .execute();
  await db
    .insertInto('chat_members')
    .values([
      { chat_id: 3, account_id: 3, role: 'owner', updated_at: T0 + 30_000 },
      { chat_id: 3, account_id: 5, role: 'admin', updated_at: T0 + 31_000 },
      { chat_id: 3, account_id: 6, role: 'banned', updated_at: T0 + 32_000 },
      { chat_id: 4, account_id: 5, role: 'owner', updated_at: T0 + 33_000 },
      { chat_id: 4, account_id: 6, role: 'left', updated_at: T0 + 34_000 },
    ])
    .execute();
  await db
    .insertInto('messages')
    .values({ id: 1, chat_id: 1, from_id: 3, text: 'hi', buttons: null, sent_at: T0 + 20_001 })
    .execute();
  // The events the previous release wrote: old shapes, no projections.
  for (const id of [3, 4, 5, 6]) await ev(T0 + id * 1000, 'account_created', id, { numberKind: id === 5 ? 'voip' : 'mobile' }, 'admin').execute(db);
  await ev(T0 + 50_000, 'account_deleted', 4, { phone: accounts[3]!.phone, restrictionAtDeletion: 'free', kind: null }, 'account', 'u4').execute(db);
  await ev(T0 + 7000, 'staff_created', null, { staffId: 's1', role: 'moderator' }, 'admin').execute(db);
  await ev(T0 + 8000, 'staff_created', null, { staffId: 's2', role: 'triage' }, 'admin').execute(db);
  await ev(T0 + 9000, 'staff_deleted', null, { staffId: 's2' }, 'admin').execute(db);
  await db.destroy();
  return dir;
}

// An old release's data folder is an SQLite file, and what is tested is how today's code opens it;
// no PostgreSQL database predates this release (one is made by banya or by
// \`banya migrate --to postgres\` from an already migrated folder), so the PostgreSQL pass skips it.
describe.skipIf(onPostgres())('a data folder of the previous release', () => {
  it('without the migration, its platform rows do not come from the log', async () => {
    const dir = await previousReleaseFolder();
    const sqlite = new BetterSqlite3(path.join(dir, DB_FILE));
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    const rows = await sql<{ n: number }>`select count(*) as n from events where type = 'legacy_row'`.execute(db);
    expect(rows.rows[0]!.n).toBe(0);
    await db.destroy();
  });

  it('after the migration, a replay of the log rebuilds every platform table exactly', async () => {
    const dir = await previousReleaseFolder();
    const store = await SqliteStore.open(dir, { durability: 'process' });
    try {
      const legacy = await store.first<{ n: number }>(sql<{ n: number }>`select count(*) as n from events where type = 'legacy_row'`.compile(store.db));
      expect(legacy!.n).toBe(6 + 5 + 2 + 3 + 1 + 1 + 4 + 5);
      expect(await platformDifferences(store)).toEqual([]);
      // Without those events the log would account for none of the old rows.
      await store.write([sql`delete from events where type = 'legacy_row'`.compile(store.db)]);
      const missing = await platformDifferences(store);
      for (const table of ['accounts', 'tokens', 'staff', 'contacts', 'pending_contacts', 'blocks', 'chats', 'chat_members']) {
        expect(missing.some((m) => m.startsWith(`${table}: stored`))).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  it('starts as before on the migrated folder, and what it writes next still replays', async () => {
    const dir = await previousReleaseFolder();
    const server = await startServer({}, dir);
    try {
      const admin = new Client(server.url, ADMIN_TOKEN);
      // The old accounts are there: numbers and usernames taken, the deleted one's freed.
      expect((await admin.post('/v1/accounts', { phone: '+447700966003', name: 'Again' })).status).toBe(409);
      expect((await admin.post('/v1/accounts', { phone: '+447700966004', name: 'Back' })).status).toBe(201);
      expect((await admin.post('/v1/accounts', { phone: '+447700966088', name: 'X', username: 'taken' })).body.error.code).toBe('USERNAME_TAKEN');
      const alice = new Client(server.url, (await admin.post('/v1/accounts/u3/tokens')).body.token);
      expect((await alice.post('/v1/messages', { to: { username: 'taken' }, text: 'still friends' })).status).toBe(201);
      expect((await alice.post('/v1/blocks', { accountId: 'u6' })).status).toBe(204);
      expect((await alice.put('/v1/me', { username: 'New_Alice' })).status).toBe(200);
      // The waiting import completes when its number registers.
      const later = await admin.post('/v1/accounts', { phone: '+447700966077', name: 'Later' });
      expect(later.status).toBe(201);
      const p = server.app.platform;
      expect(p.index.hasContact(3, Number(later.body.account.id.slice(1)))).toBe(true);
      await p.store.flush();
      expect(await platformDifferences(p.store)).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
