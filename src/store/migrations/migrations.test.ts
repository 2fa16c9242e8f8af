import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, NO_MIGRATIONS, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrationProvider } from './index.js';
import { schemaText } from './snapshot.js';

/**
 * Migrations are frozen: what they build is checked in (schema.snapshot.sql), so a change to a
 * migration, or a new one, shows in review. `UPDATE_SQL=1 npx vitest run src/store/migrations`
 * rewrites the snapshot after an intended change.
 */

const SNAPSHOT = new URL('./schema.snapshot.sql', import.meta.url);

let opened: Kysely<any>[] = [];
afterEach(async () => {
  for (const db of opened) await db.destroy();
  opened = [];
});

function memory(): { sqlite: BetterSqlite3.Database; migrator: Migrator } {
  const sqlite = new BetterSqlite3(':memory:');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  opened.push(db);
  return { sqlite, migrator: new Migrator({ db, provider: migrationProvider }) };
}

async function ok(run: Promise<{ error?: unknown; results?: { migrationName: string; status: string }[] }>) {
  const { error, results } = await run;
  if (error) throw error;
  return results ?? [];
}

describe('migrations', () => {
  it('build exactly the checked-in schema', async () => {
    const { sqlite, migrator } = memory();
    await ok(migrator.migrateToLatest());
    const schema = schemaText(sqlite);
    if (process.env.UPDATE_SQL === '1') fs.writeFileSync(SNAPSHOT, schema);
    expect(schema).toBe(fs.readFileSync(SNAPSHOT, 'utf8'));
  });

  it('go down to nothing and up again to the same schema', async () => {
    const { sqlite, migrator } = memory();
    await ok(migrator.migrateToLatest());
    const first = schemaText(sqlite);
    const down = await ok(migrator.migrateTo(NO_MIGRATIONS));
    expect(down.map((r) => r.status)).toEqual(Object.keys(MIGRATIONS).map(() => 'Success'));
    expect(schemaText(sqlite)).toBe('');
    await ok(migrator.migrateToLatest());
    expect(schemaText(sqlite)).toBe(first);
  });

  it('each go down alone, undoing exactly what it did', async () => {
    const { sqlite, migrator } = memory();
    const names = Object.keys(MIGRATIONS);
    const after: string[] = [schemaText(sqlite)];
    for (const name of names) {
      await ok(migrator.migrateTo(name));
      after.push(schemaText(sqlite));
    }
    for (let i = names.length - 1; i >= 0; i--) {
      await ok(migrator.migrateDown());
      expect(schemaText(sqlite)).toBe(after[i]);
    }
  });

  it('are named so that name order is release order, and never import the schema code', () => {
    const names = Object.keys(MIGRATIONS);
    expect([...names].sort()).toEqual(names);
    for (const name of names) expect(name).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d-[a-z0-9-]+$/);
    const dir = new URL('.', import.meta.url);
    for (const file of fs.readdirSync(dir)) {
      if (!/^\d{4}-.*\.ts$/.test(file)) continue;
      expect(fs.readFileSync(new URL(file, dir), 'utf8'), file).not.toMatch(/from '\.\.\/schema\//);
    }
  });
});
