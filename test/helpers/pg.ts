import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * The integration suite on PostgreSQL: `BANYA_TEST_STORE=postgres` (with BANYA_TEST_DATABASE_URL,
 * a URL to any database of the server, by default the local socket's `postgres`). Global setup
 * migrates the template database; each data folder a test makes gets its own database, a copy
 * of the template, named after the folder, so that a restart on the same folder finds its data.
 */
export const TEMPLATE_DB = 'banya_template';
export const DB_PREFIX = 'banya_t_';

export function onPostgres(): boolean {
  return process.env.BANYA_TEST_STORE === 'postgres';
}

export function adminUrl(): string {
  return process.env.BANYA_TEST_DATABASE_URL || 'postgres:///postgres?host=/var/run/postgresql';
}

/** The same server, another database. */
export function withDatabase(url: string, db: string): string {
  const m = /^(postgres(?:ql)?:\/\/[^/?#]*)(\/[^?#]*)?(.*)$/.exec(url);
  if (!m) throw new Error(`not a PostgreSQL URL: ${url}`);
  return `${m[1]}/${db}${m[3] ?? ''}`;
}

export function databaseFor(dataDir: string): string {
  return (
    DB_PREFIX +
    path
      .basename(dataDir)
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_')
  );
}

async function admin<T>(job: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(clientConfig(adminUrl()));
  await c.connect();
  try {
    return await job(c);
  } finally {
    await c.end();
  }
}

function clientConfig(url: string): pg.ClientConfig {
  const m = /^(postgres(?:ql)?:\/\/)([^/?#]*)(.*)$/.exec(url);
  if (!m || m[2]!.includes('@')) return { connectionString: url };
  return { connectionString: `${m[1]}${encodeURIComponent(process.env.PGUSER || os.userInfo().username)}@${m[2]}${m[3]}` };
}

/** Runs statements as the server's superuser (tests that break a database on purpose). */
export async function adminQuery(...statements: string[]): Promise<void> {
  await admin(async (c) => {
    for (const q of statements) await c.query(q);
  });
}

/** A database from the template for this data folder, unless it exists already; its URL. */
export async function databaseUrlFor(dataDir: string, template = TEMPLATE_DB): Promise<string> {
  const name = databaseFor(dataDir);
  await admin(async (c) => {
    const found = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await c.query(`create database "${name}" template "${template}"`);
  });
  return withDatabase(adminUrl(), name);
}

/** An empty database (not even migrated) for this data folder; its URL. */
export async function emptyDatabaseFor(dataDir: string): Promise<string> {
  const name = databaseFor(dataDir);
  await admin(async (c) => {
    await c.query(`drop database if exists "${name}" with (force)`);
    await c.query(`create database "${name}" template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
  });
  return withDatabase(adminUrl(), name);
}

/** Global setup: a fresh template database, migrated by the store itself. */
export async function makeTemplate(): Promise<void> {
  await admin(async (c) => {
    const old = await c.query<{ datname: string }>(`select datname from pg_database where datname like '${DB_PREFIX}%' or datname = $1`, [TEMPLATE_DB]);
    for (const r of old.rows) await c.query(`drop database "${r.datname}" with (force)`);
    await c.query(`create database "${TEMPLATE_DB}" template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
  });
  const { PostgresStore } = await import('../../src/store/postgres.js');
  const store = await PostgresStore.open(withDatabase(adminUrl(), TEMPLATE_DB));
  await store.close();
}

/** Global teardown: every database the run made. */
export async function dropAll(): Promise<void> {
  await admin(async (c) => {
    const old = await c.query<{ datname: string }>(`select datname from pg_database where datname like '${DB_PREFIX}%' or datname = $1`, [TEMPLATE_DB]);
    for (const r of old.rows) await c.query(`drop database "${r.datname}" with (force)`);
  });
}

/**
 * Changes one stored setting of a stopped server's data, on whichever store the suite runs
 * (tests that move time on while banya is down).
 */
export async function putStoredSetting(dataDir: string, key: string, value: string): Promise<void> {
  if (onPostgres()) {
    const c = new pg.Client(clientConfig(await databaseUrlFor(dataDir)));
    await c.connect();
    try {
      await c.query('update settings set value = $1 where key = $2', [value, key]);
    } finally {
      await c.end();
    }
    return;
  }
  const { default: Database } = await import('better-sqlite3');
  const { DB_FILE } = await import('../../src/store/sqlite.js');
  const db = new Database(path.join(dataDir, DB_FILE));
  try {
    db.prepare('UPDATE settings SET value = ? WHERE key = ?').run(value, key);
  } finally {
    db.close();
  }
}
