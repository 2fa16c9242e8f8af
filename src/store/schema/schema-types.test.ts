import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrationProvider } from '../migrations/index.js';

/**
 * The Kysely table types (what every typed read infers its rows from) say what SQLite really
 * holds: the same columns, `| null` exactly where a column may be null, `number` for INTEGER,
 * BIGINT and REAL columns (flags stored as 0/1 included), strings for TEXT.
 */

const here = new URL('.', import.meta.url);

/** table name → its interface's fields: name → TypeScript type text. */
function declaredTypes(): Map<string, Map<string, string>> {
  const database = fs.readFileSync(new URL('../database.ts', here), 'utf8');
  const fileOf = new Map<string, string>();
  for (const m of database.matchAll(/import type \{ (\w+) \} from '\.\/schema\/([\w-]+)\.js'/g)) fileOf.set(m[1]!, m[2]!);
  const out = new Map<string, Map<string, string>>();
  const body = database.slice(database.indexOf('export interface Database'));
  for (const m of body.matchAll(/^\s+(\w+): (\w+);$/gm)) {
    const [, table, iface] = m as unknown as [string, string, string];
    const src = fs.readFileSync(new URL(`./${fileOf.get(iface)}.ts`, here), 'utf8');
    const start = src.indexOf(`export interface ${iface} {`);
    const block = src.slice(start, src.indexOf('\n}', start)).replace(/\/\*\*[\s\S]*?\*\//g, '');
    const fields = new Map<string, string>();
    for (const f of block.matchAll(/^\s+(\w+): ([^;]+);$/gm)) fields.set(f[1]!, f[2]!.trim());
    out.set(table, fields);
  }
  return out;
}

async function actualColumns(): Promise<Map<string, { name: string; type: string; notnull: number; pk: number }[]>> {
  const sqlite = new BetterSqlite3(':memory:');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) throw error;
  const tables = sqlite.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`).all() as { name: string }[];
  const out = new Map<string, { name: string; type: string; notnull: number; pk: number }[]>();
  for (const t of tables) out.set(t.name, sqlite.pragma(`table_info("${t.name}")`) as { name: string; type: string; notnull: number; pk: number }[]);
  await db.destroy();
  return out;
}

describe('the table types', () => {
  it('match the columns SQLite holds', async () => {
    const declared = declaredTypes();
    const actual = await actualColumns();
    expect([...declared.keys()].sort()).toEqual([...actual.keys()].sort());
    const problems: string[] = [];
    for (const [table, columns] of actual) {
      const fields = declared.get(table)!;
      expect([...fields.keys()].sort(), table).toEqual(columns.map((c) => c.name).sort());
      for (const c of columns) {
        const ts = fields.get(c.name)!;
        const parts = ts.split('|').map((s) => s.trim());
        // (SQLite lets a non-INTEGER primary key hold null; banya never writes one)
        const nullable = c.notnull === 0 && c.pk === 0;
        if (nullable !== parts.includes('null')) problems.push(`${table}.${c.name}: ${ts} but the column is ${nullable ? '' : 'not '}nullable`);
        const rest = parts.filter((p) => p !== 'null');
        const numeric = ['integer', 'bigint', 'real'].includes(c.type.toLowerCase());
        const ok = numeric ? rest.every((p) => p === 'number' || p === 'Generated<number>') : rest.every((p) => p === 'string' || /^'[^']*'$/.test(p) || /^[A-Z]\w+$/.test(p));
        if (!ok) problems.push(`${table}.${c.name}: ${ts} for a ${c.type} column`);
      }
    }
    expect(problems).toEqual([]);
  });
});
