import { once } from 'node:events';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type CompiledQuery, type Compilable } from 'kysely';
import { asError } from '../domain/errors.js';
import type { Database } from './database.js';
import { migrationProvider } from './migrations/index.js';
import {
  compiled,
  StoreUnavailableError,
  WriteRejectedError,
  type SnapshotReader,
  type Store,
  HealthProbe,
  type StoreHealth,
  type WriteUnit,
} from './store.js';

export interface SqliteOptions {
  /** `process`: durable once handed to the OS; `power`: fsynced before acknowledging. */
  durability: 'process' | 'power';
  /** A batch that could not commit, or a memory update that threw after a commit: for the log. */
  onError?: (err: Error, what: 'commit' | 'on-commit') => void;
}

/**
 * SQLite result codes that belong to one statement (its unit is refused, the batch goes on);
 * every other failure (I/O, full disk, read-only file, corruption) is the store's.
 */
const UNIT_ERRORS = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE|ERROR)/;

function isUnitError(err: unknown): boolean {
  return typeof (err as { code?: unknown })?.code === 'string' && UNIT_ERRORS.test((err as { code: string }).code);
}

/** One write waiting for its batch: its statements, its memory update and its promise's ends. */
interface Pending {
  statements: readonly CompiledQuery[];
  onCommit: (() => void) | undefined;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * The ends of the promise just made, without a closure per write: `new Promise(capture)` hands
 * them over synchronously, and `write` reads them at once.
 */
let capturedResolve: () => void = () => {};
let capturedReject: (e: Error) => void = () => {};
function capture(resolve: () => void, reject: (e: Error) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** Rows of one INSERT at most (a batch's run of such inserts goes in statements of up to this many rows). */
const MAX_ROWS = 64;

/**
 * What a plain one-row INSERT needs to become a many-row one: the SQL up to its VALUES, and the
 * row's tuple of placeholders. Only an INSERT of literal values (parameters) into columns, with no
 * conflict clause, RETURNING, WITH or sub-query, is one: n such statements run one after the other
 * or as one statement of n rows change the same rows, in the same order (an id given by the
 * database follows row order), and fail with the same error.
 */
interface RowInsert {
  head: string;
  tuple: string;
  /** The many-row statements by their number of rows (prepared when first needed). */
  byRows: (BetterSqlite3.Statement | undefined)[];
}

const INSERT_KEYS = new Set(['kind', 'into', 'columns', 'values']);

function rowInsertOf(q: CompiledQuery): Omit<RowInsert, 'byRows'> | null {
  const node = q.query as unknown as Record<string, unknown> & { kind: string };
  if (node.kind !== 'InsertQueryNode') return null;
  for (const k of Object.keys(node)) if (!INSERT_KEYS.has(k) && node[k] !== undefined && node[k] !== false) return null;
  const values = node.values as { kind: string; values: readonly { kind: string }[] } | undefined;
  if (values?.kind !== 'ValuesNode' || values.values.length !== 1 || values.values[0]!.kind !== 'PrimitiveValueListNode') return null;
  const at = q.sql.lastIndexOf(' values (');
  if (at < 0) return null;
  const tuple = q.sql.slice(at + ' values '.length);
  const n = q.parameters.length;
  if (n === 0 || tuple !== `(${'?, '.repeat(n - 1)}?)`) return null;
  return { head: q.sql.slice(0, at + ' values '.length), tuple };
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
 * The worker also syncs the main file after every checkpoint that copied pages: otherwise the
 * writer's checkpoint, which syncs it before the WAL may start over, had to flush every page the
 * worker copied since the last restart (tens of MB, written at random places), on the event loop.
 */
const WAL_BOUND_PAGES = 10_000;
const CHECKPOINTER = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
const file = fs.openSync(workerData.file, 'r');
let failures = 0;
let copied = 0;
let timer;
const tick = () => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    // Pages copied into the main file wait in the OS's cache until a sync: sync them here, so that
    // the checkpoint the writer runs past the bound finds little left to sync on the event loop.
    if (row && row.checkpointed > 0 && row.checkpointed !== copied) fs.fdatasyncSync(file);
    copied = row ? row.checkpointed : 0;
    failures = 0;
  } catch (err) {
    if (++failures >= 3) throw err;
  }
  timer = setTimeout(tick, workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  fs.closeSync(file);
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
  private pending: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly healthProbe = new HealthProbe(this);
  private checkpointer: Worker | null = null;
  private checkpointerStarted = false;
  /** BEGIN IMMEDIATE, COMMIT, ROLLBACK: prepared once, not parsed again for every batch. */
  private readonly tx: { begin: BetterSqlite3.Statement; commit: BetterSqlite3.Statement; rollback: BetterSqlite3.Statement };

  private constructor(
    readonly sqlite: BetterSqlite3.Database,
    private readonly options: SqliteOptions,
  ) {
    this.db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    this.tx = { begin: sqlite.prepare('BEGIN IMMEDIATE'), commit: sqlite.prepare('COMMIT'), rollback: sqlite.prepare('ROLLBACK') };
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

  /** An empty, migrated database in memory (replays for `banya check`, tests). */
  static async openInMemory(): Promise<SqliteStore> {
    const store = new SqliteStore(new BetterSqlite3(':memory:'), { durability: 'process' });
    store.checkpointerStarted = true; // nothing to checkpoint
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

  /**
   * A read transaction on a connection of its own (read-only, to the same file): WAL gives it
   * the last commit at its first read and keeps that view until it ends, while this connection
   * (and any other process) goes on committing. An in-memory database has no second connection;
   * its snapshot is the store itself.
   */
  async snapshot<T>(job: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    if (this.sqlite.memory) return job(this);
    const conn = new BetterSqlite3(this.sqlite.name, { readonly: true, fileMustExist: true });
    try {
      conn.pragma('busy_timeout = 5000');
      conn.exec('BEGIN');
      conn.prepare('select count(*) from sqlite_master').get(); // the moment is taken here
      const cache = new Map<string, BetterSqlite3.Statement>();
      const prepared = (sql: string) => {
        let s = cache.get(sql);
        if (!s) cache.set(sql, (s = conn.prepare(sql)));
        return s;
      };
      const reader: SnapshotReader = {
        kind: 'sqlite',
        db: this.db,
        all: async <R>(query: Compilable | CompiledQuery) => {
          const q = compiled(query);
          return prepared(q.sql).all(...(q.parameters as unknown[])) as R[];
        },
        first: async <R>(query: Compilable | CompiledQuery) => {
          const q = compiled(query);
          return prepared(q.sql).get(...(q.parameters as unknown[])) as R | undefined;
        },
        async *iterate<R>(query: Compilable | CompiledQuery): AsyncIterable<R> {
          const q = compiled(query);
          yield* conn.prepare(q.sql).iterate(...(q.parameters as unknown[])) as IterableIterator<R>;
        },
      };
      const result = await job(reader);
      conn.exec('COMMIT');
      return result;
    } finally {
      conn.close();
    }
  }

  write(w: WriteUnit | readonly CompiledQuery[]): Promise<void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('store closed'));
    const unit = Array.isArray(w) ? null : (w as WriteUnit);
    const promise = new Promise<void>(capture);
    this.pending.push({
      statements: unit === null ? (w as readonly CompiledQuery[]) : unit.statements,
      onCommit: unit?.onCommit,
      resolve: capturedResolve,
      reject: capturedReject,
    });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.commitNow);
    }
    return promise;
  }

  private readonly commitNow = () => this.commit();

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

  private run(statements: readonly CompiledQuery[]): void {
    for (const q of statements) this.prepare(q.sql).run(...(q.parameters as unknown[]));
  }

  /** By SQL: how a one-row INSERT becomes a many-row one, or null when it is not such an insert. */
  private readonly rowInserts = new Map<string, RowInsert | null>();

  private rowInsert(q: CompiledQuery): RowInsert | null {
    let r = this.rowInserts.get(q.sql);
    if (r === undefined) {
      const found = rowInsertOf(q);
      r = found ? { ...found, byRows: [] } : null;
      this.rowInserts.set(q.sql, r);
    }
    return r;
  }

  /**
   * Runs the batch's statements in order. Consecutive writes that are each one plain INSERT of
   * the same SQL (a message row each, typically) run as INSERTs of up to MAX_ROWS rows: the same
   * rows in the same order, a fraction of the calls into SQLite.
   */
  private runBatch(batch: Pending[]): void {
    const n = batch.length;
    let i = 0;
    while (i < n) {
      const statements = batch[i]!.statements;
      let end = i + 1;
      if (statements.length === 1) {
        const { sql, parameters } = statements[0]!;
        for (; end < n && end - i < MAX_ROWS; end++) {
          const next = batch[end]!.statements;
          if (next.length !== 1 || next[0]!.sql !== sql || next[0]!.parameters.length !== parameters.length) break;
        }
      }
      const rows = end - i;
      const insert = rows > 1 ? this.rowInsert(statements[0]!) : null;
      if (insert === null) {
        this.run(statements);
        i++;
        continue;
      }
      let s = insert.byRows[rows];
      if (s === undefined) {
        s = this.sqlite.prepare(insert.head + new Array<string>(rows).fill(insert.tuple).join(', '));
        insert.byRows[rows] = s;
      }
      const width = statements[0]!.parameters.length;
      const params = new Array<unknown>(rows * width);
      for (let k = i, at = 0; k < end; k++) {
        const values = batch[k]!.statements[0]!.parameters;
        for (let c = 0; c < width; c++) params[at++] = values[c];
      }
      s.run(params);
      i = end;
    }
  }

  /**
   * Commits everything queued in one transaction. The common case runs every unit straight
   * through; only when a statement fails is the batch run again with a savepoint per unit, so
   * that the failing unit alone is refused and the others commit.
   */
  private commit(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    if (!this.checkpointerStarted) this.startCheckpointer();
    let committed: Pending[];
    try {
      committed = this.commitWhole(batch) ? batch : this.commitEach(batch);
    } catch (err) {
      const e = asError(err);
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      this.options.onError?.(e, 'commit');
      for (const w of batch) w.reject(new StoreUnavailableError(e.message));
      return;
    }
    for (const w of committed) {
      if (w.onCommit) {
        try {
          w.onCommit();
        } catch (err) {
          // A projector bug: the write is durable, so the request succeeded; the log says what broke.
          this.options.onError?.(asError(err), 'on-commit');
        }
      }
      w.resolve();
    }
  }

  /** The whole batch in one transaction; false (rolled back) when one statement failed. */
  private commitWhole(batch: Pending[]): boolean {
    this.tx.begin.run();
    try {
      this.runBatch(batch);
    } catch (err) {
      this.tx.rollback.run();
      if (isUnitError(err)) return false;
      throw err;
    }
    this.tx.commit.run();
    return true;
  }

  /** The batch again, each unit under its own savepoint; refused units are rejected, the rest returned. */
  private commitEach(batch: Pending[]): Pending[] {
    const ok: Pending[] = [];
    const refused: [Pending, Error][] = [];
    this.sqlite.exec('BEGIN IMMEDIATE');
    for (const w of batch) {
      this.sqlite.exec('SAVEPOINT unit');
      try {
        this.run(w.statements);
        this.sqlite.exec('RELEASE unit');
        ok.push(w);
      } catch (err) {
        this.sqlite.exec('ROLLBACK TO unit');
        this.sqlite.exec('RELEASE unit');
        if (!isUnitError(err)) throw err;
        refused.push([w, asError(err)]);
      }
    }
    this.sqlite.exec('COMMIT');
    for (const [w, err] of refused) w.reject(new WriteRejectedError(err));
    return ok;
  }

  health(): Promise<StoreHealth> {
    return this.healthProbe.check();
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
