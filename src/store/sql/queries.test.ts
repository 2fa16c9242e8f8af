import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Compilable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseQueueQuery, caseRankedQuery } from '../../enforcement/queue.js';
import { timelineQuery } from '../../enforcement/timeline.js';
import { chatListQuery, messagePageQuery } from '../../platform/chats.js';
import { indexLoadQueries } from '../../platform/load.js';
import type { Database } from '../database.js';
import { migrationProvider } from '../migrations/index.js';

/**
 * The SQL of the heavy reads, and SQLite's plan for each, are checked in beside this file
 * (one .sql file per read), so that a change to one shows in review. After an intended change:
 * `UPDATE_SQL=1 npx vitest run src/store/sql` rewrites them.
 *
 * Beyond the snapshot, a per-user read must never scan a whole table (a plan line `SCAN <table>`
 * without an index): its cost would grow with the world.
 */

let sqlite: BetterSqlite3.Database;
let db: Kysely<Database>;

beforeAll(async () => {
  sqlite = new BetterSqlite3(':memory:');
  db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) throw error;
});
afterAll(() => db.destroy());

/** Each read, by file: its queries by name; `perUser` reads must not scan. */
const READS: { file: string; about: string; perUser: boolean; queries: (db: Kysely<Database>) => [string, Compilable<unknown>][] }[] = [
  {
    file: 'chat-list',
    about: 'GET /v1/chats (src/platform/chats.ts chatListQuery)',
    perUser: true,
    queries: (d) => [
      ['a page (the first one after a cursor before every chat)', chatListQuery(d, 7, 51, { activity: 1_800_000_000_000, tick: 1000, id: 42 })],
    ],
  },
  {
    file: 'message-page',
    about: 'GET /v1/chats/{chatId}/messages (src/platform/chats.ts messagePageQuery)',
    perUser: true,
    queries: (d) => [['after a message', messagePageQuery(d, 42, 1000, 100)]],
  },
  {
    file: 'queue',
    about: 'GET /v1/moderation/cases (src/enforcement/queue.ts caseQueueQuery, caseRankedQuery)',
    perUser: true,
    queries: (d) => [
      ['open and escalated, first page', caseQueueQuery(d, { limit: 50 })],
      ['open and escalated, after a cursor', caseQueueQuery(d, { limit: 50, cursor: Buffer.from('0.5:42').toString('base64url') })],
      ['one state', caseQueueQuery(d, { limit: 50, state: 'escalated' })],
      ['opened by robots, in groups', caseQueueQuery(d, { limit: 50, origin: 'robot', place: 'group' })],
      ['opened by people, about a person', caseQueueQuery(d, { limit: 50, origin: 'human', place: 'private' })],
      ['subjects in Russian, after a cursor', caseQueueQuery(d, { limit: 50, language: 'ru', cursor: Buffer.from('0.5:42').toString('base64url') })],
      ['a pass, after its cursor: the cases not changed since its first page', caseQueueQuery(d, { limit: 50, cursor: Buffer.from('900:0.5:42').toString('base64url') })],
      ['a pass, after its cursor: the cases changed since, by their priority then', caseRankedQuery(d, { limit: 50, cursor: Buffer.from('900:0.5:42').toString('base64url') })],
    ],
  },
  {
    file: 'timeline',
    about: 'GET /v1/moderation/accounts/{id} (src/enforcement/timeline.ts timelineQuery)',
    perUser: true,
    queries: (d) => [
      ['the newest page', timelineQuery(d, 7, 51)],
      ['a page after a cursor', timelineQuery(d, 7, 51, 1000)],
    ],
  },
  {
    file: 'index-load',
    about: 'the index load at start (src/platform/load.ts indexLoadQueries): whole tables, once',
    perUser: false,
    queries: (d) => Object.entries(indexLoadQueries(d)),
  },
];

function plan(sql: string, parameters: readonly unknown[]): string[] {
  const rows = sqlite.prepare(`explain query plan ${sql}`).all(...(parameters as unknown[])) as { id: number; parent: number; detail: string }[];
  const depth = new Map<number, number>([[0, 0]]);
  return rows.map((r) => {
    const d = (depth.get(r.parent) ?? 0) + 1;
    depth.set(r.id, d);
    return `${'  '.repeat(d - 1)}${r.detail}`;
  });
}

function render(read: (typeof READS)[number]): { text: string; scans: string[] } {
  const parts = [`-- ${read.about}\n`];
  const scans: string[] = [];
  for (const [name, query] of read.queries(db)) {
    const c = query.compile();
    const lines = plan(c.sql, c.parameters);
    // Subqueries and CTEs (CO-ROUTINE x, MATERIALIZE x) are scanned as they are made: not tables.
    const made = new Set(lines.map((l) => /^\s*(?:CO-ROUTINE|MATERIALIZE) (\w+)$/.exec(l)?.[1]).filter(Boolean));
    for (const l of lines) {
      const scanned = /^\s*SCAN (\w+)$/.exec(l)?.[1];
      if (scanned && !made.has(scanned)) scans.push(`${name}: ${l.trim()}`);
    }
    parts.push(`\n-- ${name}\n${c.sql};\n-- plan:\n${lines.map((l) => `--   ${l}`).join('\n')}\n`);
  }
  return { text: parts.join(''), scans };
}

describe('the heavy reads', () => {
  for (const read of READS) {
    it(`${read.file}: SQL and plan as checked in`, () => {
      const { text, scans } = render(read);
      const file = new URL(`./${read.file}.sql`, import.meta.url);
      if (process.env.UPDATE_SQL === '1') fs.writeFileSync(file, text);
      expect(text).toBe(fs.readFileSync(file, 'utf8'));
      if (read.perUser) expect(scans).toEqual([]);
    });
  }
});
