import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * What the rest of banya needs from a database: a query builder, reads, and writes that are
 * group-committed (a write's promise settles once its batch is durable).
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** For building queries; executing through it is reserved for migrations. */
  readonly db: Kysely<Database>;
  all<T>(query: Compilable | CompiledQuery): Promise<T[]>;
  first<T>(query: Compilable | CompiledQuery): Promise<T | undefined>;
  /** Rows one by one, for loading large tables without holding them all. */
  iterate<T>(query: Compilable | CompiledQuery): AsyncIterable<T>;
  /**
   * Runs the statements atomically, together with other writes of the same moment, and
   * resolves once they are durable. Statements must not fail for valid input: callers check
   * everything in memory first; a failure here stops the store (fail-stop).
   */
  write(statements: CompiledQuery[]): Promise<void>;
  /** Resolves when every write accepted so far is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

export function compiled(q: Compilable | CompiledQuery): CompiledQuery {
  return 'compile' in q ? q.compile() : q;
}
