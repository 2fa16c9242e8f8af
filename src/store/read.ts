import type { Compilable, CompiledQuery, SelectQueryBuilder, Simplify } from 'kysely';
import { param, statement } from './statement.js';
import type { Store } from './store.js';

/**
 * Typed reads: the row type is what Kysely infers from the query (its selected columns, typed
 * by src/store/schema/), never a shape written by hand beside it, so a renamed column or a
 * column that became nullable fails to compile where it is read.
 *
 *   const chats = await rows(store, db.selectFrom('chats').select(['id', 'kind']));
 *   //    ^? { id: number; kind: 'private' | 'group' | 'channel' }[]
 */

/** The stores these read through; a Pick so that a test may pass any reader. */
export type Reader = Pick<Store, 'all' | 'first' | 'iterate'>;

/** A read query; its output type O is the row. */
export type ReadQuery<O> = SelectQueryBuilder<any, any, O>;

/** The row a read query yields. */
export type RowOf<Q> = Q extends Compilable<infer O> ? Simplify<O> : never;

/** A read compiled once (see readStatement): its bound form keeps the row type. */
export interface ReadStatement<P extends Record<string, unknown>, O> {
  readonly sql: string;
  bind(values: P): CompiledQuery<O>;
}

/**
 * A hot read compiled once, then only bound (src/store/statement.ts): building and compiling a
 * large query costs more than SQLite running it. The parameters' type comes from the builder's
 * argument, the row type from the query it returns:
 *
 *   const byId = readStatement((p: { id: number }) => db.selectFrom('accounts').select('name').where('id', '=', p.id));
 *   await row(store, byId.bind({ id: 7 })); // { name: string } | undefined
 */
export function readStatement<P extends Record<string, unknown>, O>(build: (params: P) => ReadQuery<O>): ReadStatement<P, Simplify<O>> {
  const params = new Proxy({} as P, { get: (_, name) => param(String(name)) });
  return statement<P>(build(params)) as ReadStatement<P, Simplify<O>>;
}

/** Every row of the query. */
export function rows<O>(store: Reader, query: ReadQuery<O> | CompiledQuery<O>): Promise<Simplify<O>[]> {
  return store.all<Simplify<O>>(query);
}

/** The first row of the query, or undefined. */
export function row<O>(store: Reader, query: ReadQuery<O> | CompiledQuery<O>): Promise<Simplify<O> | undefined> {
  return store.first<Simplify<O>>(query);
}

/** The rows one by one, for loading large tables without holding them all. */
export function each<O>(store: Reader, query: ReadQuery<O> | CompiledQuery<O>): AsyncIterable<Simplify<O>> {
  return store.iterate<Simplify<O>>(query);
}
