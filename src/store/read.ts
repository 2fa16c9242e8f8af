import type { Compilable, SelectQueryBuilder, Simplify } from 'kysely';
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

/** Every row of the query. */
export function rows<O>(store: Reader, query: ReadQuery<O>): Promise<Simplify<O>[]> {
  return store.all<Simplify<O>>(query);
}

/** The first row of the query, or undefined. */
export function row<O>(store: Reader, query: ReadQuery<O>): Promise<Simplify<O> | undefined> {
  return store.first<Simplify<O>>(query);
}

/** The rows one by one, for loading large tables without holding them all. */
export function each<O>(store: Reader, query: ReadQuery<O>): AsyncIterable<Simplify<O>> {
  return store.iterate<Simplify<O>>(query);
}

