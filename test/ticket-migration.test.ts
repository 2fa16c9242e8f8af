import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { onPostgres } from './helpers/pg.js';
import { migrationProvider } from '../src/store/migrations/index.js';
import { DB_FILE, SqliteStore } from '../src/store/sqlite.js';
import { World } from './helpers/client.js';
import { checkProjections } from '../src/check.js';
import { startRelay } from './helpers/relay.js';
import { startServer } from './helpers/server.js';

/**
 * A data folder of the release before tickets were threads: its tickets rows hold `text` (joined
 * follow-ups) and one `answer`, its log the old payloads (no `seq`). The migration turns the rows
 * into entries, the projectors replay the old log to exactly those rows, and the thread goes on.
 */

const BEFORE = '2026-11-25T16:00-enforcement';
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const H = 3600_000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function oldDataFolder(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-old-tickets-'));
  dirs.push(dir);
  const sqlite = new BetterSqlite3(path.join(dir, DB_FILE));
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo(BEFORE);
  expect(error).toBeUndefined();
  const ticket = sqlite.prepare(
    'insert into tickets (id, account_id, source, from_email, subject, text, state, created_at, due_at, overdue_at, answered_at, answered_by, answer) values (?,?,?,?,?,?,?,?,?,?,?,?,?)',
  );
  const event = sqlite.prepare('insert into events (at, type, actor_kind, actor_id, account_id, payload) values (?,?,?,?,?,?)');
  // t1: an app ticket with a follow-up (the old code joined the texts), answered twice (the second overwrote the first).
  event.run(
    T0,
    'ticket_opened',
    'account',
    'u7',
    7,
    JSON.stringify({ ticketId: 1, source: 'app', fromEmail: null, subject: null, text: 'First.', dueAt: T0 + 48 * H }),
  );
  // t2: an e-mailed ticket nobody answered, overdue.
  event.run(
    T0 + 1,
    'ticket_opened',
    'system',
    null,
    null,
    JSON.stringify({ ticketId: 2, source: 'email', fromEmail: 'old@example.org', subject: 'Old mail', text: 'Hello?', dueAt: T0 + 1 + 48 * H }),
  );
  event.run(T0 + H, 'ticket_updated', 'account', 'u7', 7, JSON.stringify({ ticketId: 1, text: 'First.\n\nSecond.' }));
  event.run(T0 + 2 * H, 'ticket_answered', 'staff', 's1', 7, JSON.stringify({ ticketId: 1, by: 's1', answer: 'An answer.' }));
  event.run(T0 + 3 * H, 'ticket_answered', 'admin', null, 7, JSON.stringify({ ticketId: 1, by: 'admin', answer: 'A better answer.' }));
  event.run(T0 + 1 + 72 * H, 'ticket_overdue', 'system', null, null, JSON.stringify({ ticketId: 2 }));
  ticket.run(1, 7, 'app', null, null, 'First.\n\nSecond.', 'answered', T0, T0 + 48 * H, null, T0 + 3 * H, 'admin', 'A better answer.');
  ticket.run(2, null, 'email', 'old@example.org', 'Old mail', 'Hello?', 'open', T0 + 1, T0 + 1 + 48 * H, T0 + 1 + 72 * H, null, null, null);
  await db.destroy();
  return dir;
}

// An old release's data folder is an SQLite file, and what is tested is how today's code opens it;
// no PostgreSQL database predates this release (one is made by banya or by
// \`banya migrate --to postgres\` from an already migrated folder), so the PostgreSQL pass skips it.
describe.skipIf(onPostgres())('tickets of the previous release', () => {
  it('become threads, and the old log replays to the same rows', async () => {
    const dir = await oldDataFolder();
    const store = await SqliteStore.open(dir, { durability: 'process' });
    try {
      const entries = await store.all<Record<string, unknown>>(store.db.selectFrom('ticket_entries').selectAll().orderBy('ticket_id').orderBy('seq'));
      expect(entries.map((e) => ({ ...e, at: Number(e.at) }))).toEqual([
        { ticket_id: 1, seq: 1, author: 'user', text: 'First.\n\nSecond.', at: T0, via: 'app', by_staff: null },
        { ticket_id: 1, seq: 2, author: 'support', text: 'A better answer.', at: T0 + 3 * H, via: 'app', by_staff: 'admin' },
        { ticket_id: 2, seq: 1, author: 'user', text: 'Hello?', at: T0 + 1, via: 'email', by_staff: null },
      ]);
      const cols = (await store.all<{ name: string }>(sql`select name from pragma_table_info('tickets')`.compile(store.db))).map((c) => c.name);
      expect(cols).not.toContain('text');
      expect(cols).not.toContain('answer');
      expect(await checkProjections(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('go on as threads after the upgrade: a new answer is appended, and the replay still agrees', async () => {
    const dir = await oldDataFolder();
    const relay = await startRelay();
    const server = await startServer({ smtp: { port: 0, host: '127.0.0.1', supportAddress: 'help@banya.test', relayUrl: relay.url } }, dir);
    try {
      const staff = await new World(server.url).staff('support');
      const r = await staff.post('/v1/moderation/tickets/t2/answer', { text: 'Sorry for the wait.' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.ticket).toMatchObject({ state: 'answered', fromEmail: 'old@example.org', subject: 'Old mail' });
      expect(r.body.ticket.entries.map((e: any) => [e.from, e.text, e.via])).toEqual([
        ['user', 'Hello?', 'email'],
        ['support', 'Sorry for the wait.', 'email'],
      ]);
      expect((await relay.waitFor(1))[0]!.envelope.to).toEqual(['old@example.org']);
      const t1 = (await staff.get('/v1/moderation/tickets/t1')).body.ticket;
      expect(t1.entries.map((e: any) => e.text)).toEqual(['First.\n\nSecond.', 'A better answer.']);
      expect(await checkProjections(server.app.platform.store)).toEqual([]);
    } finally {
      await server.stop();
      await relay.close();
    }
  });

  it('the migration can be undone: text and answer come back from the entries', async () => {
    const dir = await oldDataFolder();
    await (await SqliteStore.open(dir, { durability: 'process' })).close();
    const sqlite = new BetterSqlite3(path.join(dir, DB_FILE));
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    try {
      const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo(BEFORE);
      expect(error).toBeUndefined();
      expect(sqlite.prepare('select id, text, answer, answered_by from tickets order by id').all()).toEqual([
        { id: 1, text: 'First.\n\nSecond.', answer: 'A better answer.', answered_by: 'admin' },
        { id: 2, text: 'Hello?', answer: null, answered_by: null },
      ]);
    } finally {
      await db.destroy();
    }
  });
});
