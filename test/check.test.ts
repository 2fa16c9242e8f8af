import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { sql } from 'kysely';
import { PostgresStore } from '../src/store/postgres.js';
import { robotLimit, robotOpenCase, robotShadow } from '../src/enforcement/robots-door.js';
import { parseId } from '../src/store/ids.js';
import { DB_FILE, SqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/store.js';
import { World } from './helpers/client.js';
import { databaseFor, databaseUrlFor, onPostgres } from './helpers/pg.js';
import { startServer } from './helpers/server.js';

/**
 * `banya check` replays the log through the projectors and compares: a projection row changed,
 * removed or added behind the log's back is reported, and the command exits 1.
 */

const run = promisify(execFile);
const BIN = path.resolve('bin/banya.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-check-'));
let original: string;
let robotAccount = 0;

beforeAll(async () => {
  const server = await startServer();
  const world = new World(server.url);
  const moderator = await world.staff('moderator');
  const spammer = await world.account();
  const victim = await world.account();
  const sent = await spammer.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'cheap watches' });
  expect(sent.status).toBe(201);
  const r = await victim.api.post('/v1/reports', { chatId: sent.body.message.chatId, reason: 'spam', comment: 'a stranger' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const d = await moderator.post(`/v1/moderation/cases/${r.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  // Robots' events with the signals that fired, next to one without (as older logs hold).
  const p = server.app.platform;
  const signals = [{ name: 'cold_chats_hour', value: 31, threshold: 20, note: 'strangers in an hour' }];
  robotAccount = parseId('account', (await world.account()).id);
  await robotLimit(p, robotAccount, 'cold_fanout', 24, signals);
  await robotOpenCase(p, robotAccount, 'links_to_strangers', 1, signals);
  await robotShadow(p, parseId('account', victim.id), 'same_text', { action: 'limit', hours: 24, signals }, 'shadow');
  await robotLimit(p, parseId('account', (await world.account()).id), 'same_text', 24);
  original = server.dataDir;
  await server.stop();
}, 60_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the data folder (on PostgreSQL: of its database) with `tamper` run on its database. */
async function tampered(name: string, tamper: string): Promise<string> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  if (onPostgres()) {
    const url = await databaseUrlFor(dir, databaseFor(original));
    const store = await PostgresStore.open(url);
    try {
      const r = await store.db.executeQuery(sql.raw(tamper).compile(store.db));
      expect(Number(r.numAffectedRows ?? 0)).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
    return dir;
  }
  fs.copyFileSync(path.join(original, DB_FILE), path.join(dir, DB_FILE));
  const db = new Database(path.join(dir, DB_FILE));
  expect(db.prepare(tamper).run().changes).toBeGreaterThan(0);
  db.close();
  return dir;
}

async function check(dir: string): Promise<string[]> {
  const store: Store = onPostgres() ? await PostgresStore.open(await databaseUrlFor(dir)) : await SqliteStore.open(dir, { durability: 'process' });
  try {
    return await checkProjections(store);
  } finally {
    await store.close();
  }
}

async function cli(dir: string): Promise<{ code: number; out: string }> {
  try {
    const db = onPostgres() ? { BANYA_DATABASE_URL: await databaseUrlFor(dir) } : {};
    const { stdout } = await run(process.execPath, [BIN, 'check'], { env: { ...process.env, BANYA_DATA_DIR: dir, ...db } });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

describe('banya check', () => {
  it('finds nothing on an untouched data folder', async () => {
    expect(await check(original)).toEqual([]);
    expect((await cli(original)).code).toBe(0);
  }, 60_000);

  it('reports a changed restriction row, and exits 1', async () => {
    const dir = await tampered('changed', 'update restrictions set until = until + 3600000');
    const problems = await check(dir);
    expect(problems.some((p) => p.startsWith('restrictions: stored'))).toBe(true);
    expect(problems.some((p) => p.startsWith('restrictions: the log gives'))).toBe(true);
    const out = await cli(dir);
    expect(out.code).toBe(1);
    expect(out.out).toMatch(/restrictions: stored/);
  }, 60_000);

  it('replays robots’ events with and without signals alike, and reports a robot’s restriction changed behind the log', async () => {
    const dir = await tampered('robot', `update restrictions set until = until + 3600000 where account_id = ${robotAccount}`);
    const problems = await check(dir);
    expect(problems.some((p) => p.startsWith('restrictions: stored'))).toBe(true);
  });

  it('reports falsified evidence', async () => {
    const problems = await check(await tampered('evidence', "update report_evidence set text = 'something else'"));
    expect(problems.some((p) => p.startsWith('report_evidence: stored') && p.includes('something else'))).toBe(true);
  });

  it('reports a deleted row', async () => {
    const problems = await check(await tampered('deleted', 'delete from strikes'));
    expect(problems.some((p) => p.startsWith('strikes: the log gives'))).toBe(true);
  });

  it('reports a row the log never made', async () => {
    const problems = await check(
      await tampered(
        'extra',
        "insert into reports (id, reporter_id, subject_id, chat_id, kind, reason, comment, weight, stranger, admin_report, case_id, state, outcome, created_at) values (9999, 1, 2, 3, 'private', 'spam', null, 1, 1, 0, null, 'open', null, 0)",
      ),
    );
    expect(problems.some((p) => p.startsWith('reports: stored') && p.includes('9999'))).toBe(true);
  });
});
