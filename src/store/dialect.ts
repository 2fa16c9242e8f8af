import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';

/**
 * The few expressions SQLite and PostgreSQL spell differently, for queries that need them.
 * Everything else is written once with Kysely and compiled for the store's dialect.
 */
export function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** The larger of two values: SQLite's two-argument max(), PostgreSQL's greatest(). */
export function greatest<T>(db: Kysely<Database>, a: RawBuilder<unknown>, b: RawBuilder<unknown>): RawBuilder<T> {
  return isPostgres(db) ? sql<T>`greatest(${a}, ${b})` : sql<T>`max(${a}, ${b})`;
}

/** A row's physical address, for bounded deletes (`where <rowAddress> in (select ... limit n)`). */
export function rowAddress(db: Kysely<Database>): RawBuilder<unknown> {
  return isPostgres(db) ? sql`ctid` : sql`rowid`;
}

/** The names of the database's own tables, in name order. */
export function tableNamesQuery(db: Kysely<Database>) {
  return isPostgres(db)
    ? sql<{
        name: string;
      }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`
    : sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`;
}
