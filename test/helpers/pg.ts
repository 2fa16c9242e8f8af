import path from 'node:path';
import pg from 'pg';
import { connection } from '../../src/store/postgres.js';

/**
 * The integration suite on PostgreSQL: `BANYA_TEST_STORE=postgres` (with BANYA_TEST_DATABASE_URL,
 * a URL to any database of the server, by default the local socket's `postgres`). Global setup
 * migrates the template database; each data folder a test makes gets its own database, a copy
 * of the template, named after the folder, so that a restart on the same folder finds its data.
 */
/**
 * Every database a run makes carries the run's tag (its main process id, set by global setup and
 * inherited by the workers), so two runs on one server never drop or clone each other's.
 */
function runTag(): string {
  const tag = process.env.BANYA_TEST_PG_RUN;
  if (!tag) throw new Error('BANYA_TEST_PG_RUN is unset: PostgreSQL tests run under test/global-setup.ts');
  return tag;
}
export function templateDb(): string {
  return `banya_template_${runTag()}`;
}
function dbPrefix(): string {
  return `banya_t_${runTag()}_`;
}
/** `banya_template_<pid>` and `banya_t_<pid>_…`: which run made a database. */
const RUN_DB = /^banya_(?:template|t)_(\d+)/;

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
    dbPrefix() +
    path
      .basename(dataDir)
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_')
  );
}

/** Runs `job` on a connection of its own to the database at `url`, closed after it. */
async function connected<T>(url: string, job: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(connection(url));
  await c.connect();
  try {
    return await job(c);
  } finally {
    await c.end();
  }
}

function admin<T>(job: (c: pg.Client) => Promise<T>): Promise<T> {
  return connected(adminUrl(), job);
}

/** One query on the database at `url` (a test reading what the nodes wrote): its rows. */
export async function queryAt<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  return connected(url, async (c) => (await c.query<T>(text, values)).rows);
}

/** Runs statements as the server's superuser (tests that break a database on purpose). */
export async function adminQuery(...statements: string[]): Promise<void> {
  await admin(async (c) => {
    for (const q of statements) await c.query(q);
  });
}

/** A database from the template for this data folder, unless it exists already; its URL. */
export async function databaseUrlFor(dataDir: string, template = templateDb()): Promise<string> {
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Global setup: tags the run, drops what runs that are gone left behind (a killed run skips its
 * teardown), and makes the run's template database, migrated by the store itself.
 */
export async function makeTemplate(): Promise<void> {
  process.env.BANYA_TEST_PG_RUN = String(process.pid);
  await admin(async (c) => {
    const old = await c.query<{ datname: string }>(`select datname from pg_database where datname like 'banya\\_t\\_%' or datname like 'banya\\_template%'`);
    for (const { datname } of old.rows) {
      const run = RUN_DB.exec(datname);
      if (run && alive(Number(run[1]))) continue;
      await c.query(`drop database "${datname}" with (force)`);
    }
    await c.query(`create database "${templateDb()}" template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
  });
  const { PostgresStore } = await import('../../src/store/postgres.js');
  const store = await PostgresStore.open(withDatabase(adminUrl(), templateDb()));
  await store.close();
}

/** Global teardown: every database this run made. */
export async function dropAll(): Promise<void> {
  await admin(async (c) => {
    const mine = await c.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1) or datname = $2', [
      dbPrefix(),
      templateDb(),
    ]);
    for (const r of mine.rows) await c.query(`drop database "${r.datname}" with (force)`);
  });
}

/**
 * Changes one stored setting of a stopped server's data, on whichever store the suite runs
 * (tests that move time on while banya is down).
 */
export async function putStoredSetting(dataDir: string, key: string, value: string): Promise<void> {
  if (onPostgres()) {
    await queryAt(await databaseUrlFor(dataDir), 'update settings set value = $1 where key = $2', [value, key]);
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
