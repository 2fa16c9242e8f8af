import { once } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type CompiledQuery, type Compilable } from 'kysely';
import type { Database } from './database.js';
import { migrationProvider } from './migrations/index.js';
import { compiled, StoreUnavailableError, type Store } from './store.js';

export interface SqliteOptions {
  /** `process`: durable once handed to the OS; `power`: fsynced before acknowledging. */
  durability: 'process' | 'power';
  onFatal?: (err: Error) => void;
}

export const DB_FILE = 'banya.sqlite';

/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that
 * takes the WAL past 1000 pages: up to a thousand page copies and, with synchronous=NORMAL, two
 * fsyncs (several ms) while every request waits — at a few thousand messages a second, every
 * tenth of a second. Instead, a worker thread with its own connection to the same file runs a
 * PASSIVE checkpoint every CHECKPOINT_MS (PASSIVE never waits for, nor blocks, a writer or a
 * reader). What a commit guarantees is unchanged: a write is acknowledged once it is in the WAL
 * (fsynced first under `power`); a checkpoint only copies committed pages into the main file.
 */
const CHECKPOINT_MS = 50;
/**
 * Under steady writes the worker never catches up completely, and only a checkpoint on the
 * writing connection lets the next transaction start the WAL over from its beginning. So the main
 * connection keeps SQLite's automatic checkpoint, at WAL_BOUND_PAGES instead of 1000: by then the
 * worker has copied nearly everything, that checkpoint only copies the last pages (and syncs), and
 * the WAL file stays under ~40 MB. If the worker stops, the default of 1000 pages comes back.
 */
const WAL_BOUND_PAGES = 10_000;
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
let failures = 0;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failures = 0;
  } catch (err) {
    if (++failures >= 3) throw err;
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
const DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * The embedded store: one SQLite file in WAL mode. Writes arriving in the same event-loop turn
 * are committed in one transaction (group commit) before any of them is acknowledged.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly db: Kysely<Database>;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private pending: { statements: CompiledQuery[]; resolve: () => void; reject: (e: Error) => void }[] = [];
  private scheduled = false;
  private failed: Error | null = null;
  private closed = false;
  private checkpointer: Worker | null = null;
  private checkpointerStarted = false;

  private constructor(
    readonly sqlite: BetterSqlite3.Database,
    private readonly options: SqliteOptions,
  ) {
    this.db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  }

  static async open(dataDir: string, options: SqliteOptions): Promise<SqliteStore> {
    fs.mkdirSync(dataDir, { recursive: true });
    const sqlite = new BetterSqlite3(path.join(dataDir, DB_FILE));
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${options.durability === 'power' ? 'FULL' : 'NORMAL'}`);
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = OFF');
    const store = new SqliteStore(sqlite, options);
    await store.migrate();
    return store;
  }

  async migrate(): Promise<void> {
    const { error, results } = await new Migrator({ db: this.db, provider: migrationProvider }).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.sqlite.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async all<T>(query: Compilable | CompiledQuery): Promise<T[]> {
    const q = compiled(query);
    return this.prepare(q.sql).all(...(q.parameters as unknown[])) as T[];
  }

  async first<T>(query: Compilable | CompiledQuery): Promise<T | undefined> {
    const q = compiled(query);
    return this.prepare(q.sql).get(...(q.parameters as unknown[])) as T | undefined;
  }

  /** Synchronous reads, for loading the index at start. */
  *iterateSync<T>(query: Compilable | CompiledQuery): Generator<T> {
    const q = compiled(query);
    // iterate() needs its own statement: a cached one may be in use by another cursor.
    yield* this.sqlite.prepare(q.sql).iterate(...(q.parameters as unknown[])) as IterableIterator<T>;
  }

  async *iterate<T>(query: Compilable | CompiledQuery): AsyncIterable<T> {
    yield* this.iterateSync<T>(query);
  }

  write(statements: CompiledQuery[]): Promise<void> {
    if (this.failed) return Promise.reject(new StoreUnavailableError(this.failed.message));
    if (this.closed) return Promise.reject(new StoreUnavailableError('store closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ statements, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  /** Moves WAL checkpoints to a worker thread, once, at the first write (a store only read never starts one). */
  private startCheckpointer(): void {
    this.checkpointerStarted = true;
    let worker: Worker;
    try {
      worker = new Worker(CHECKPOINTER, {
        eval: true,
        execArgv: [],
        workerData: {
          driver: DRIVER,
          file: path.resolve(this.sqlite.name),
          synchronous: this.options.durability === 'power' ? 'FULL' : 'NORMAL',
          intervalMs: CHECKPOINT_MS,
        },
      });
    } catch {
      return; // SQLite's own checkpoints stay on
    }
    worker.unref(); // never keeps the process alive
    // A worker that fails stops (its 'exit' follows); SQLite then checkpoints as it did before.
    worker.on('error', () => {});
    worker.on('exit', () => {
      if (this.checkpointer !== worker) return;
      this.checkpointer = null;
      if (!this.closed) this.sqlite.pragma('wal_autocheckpoint = 1000');
    });
    try {
      this.sqlite.pragma(`wal_autocheckpoint = ${WAL_BOUND_PAGES}`);
    } catch {
      void worker.terminate(); // not started: SQLite's own checkpoints stay on
      return;
    }
    this.checkpointer = worker;
  }

  /** Commits everything queued, in one transaction. */
  private commit(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    if (!this.checkpointerStarted) this.startCheckpointer();
    try {
      this.sqlite.exec('BEGIN IMMEDIATE');
      try {
        for (const w of batch) for (const q of w.statements) this.prepare(q.sql).run(...(q.parameters as unknown[]));
        this.sqlite.exec('COMMIT');
      } catch (err) {
        if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      // The in-memory index already holds these changes; the database no longer matches it.
      // Stop accepting writes: a restart rebuilds the index from what was durably stored.
      const e = err instanceof Error ? err : new Error(String(err));
      this.failed = e;
      for (const w of batch) w.reject(new StoreUnavailableError(e.message));
      this.options.onFatal?.(e);
      return;
    }
    for (const w of batch) w.resolve();
  }

  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.write([]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const worker = this.checkpointer;
    this.checkpointer = null;
    if (worker) {
      // Its connection closes first, so that closing ours checkpoints and removes the WAL as before.
      worker.ref(); // keep the process up until it is gone
      const exited = once(worker, 'exit');
      worker.postMessage('stop');
      await exited;
    }
    await this.db.destroy(); // closes the better-sqlite3 handle
  }
}
