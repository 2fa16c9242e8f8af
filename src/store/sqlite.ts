import fs from 'node:fs';
import path from 'node:path';
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

  /** Commits everything queued, in one transaction. */
  private commit(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
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
    await this.db.destroy(); // closes the better-sqlite3 handle
  }
}
