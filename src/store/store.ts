import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * One request's writes: statements that commit together or not at all, and what changes in
 * memory once they have. Memory never runs ahead of the disk: `onCommit` runs only after the
 * transaction holding the unit committed, synchronously and in commit order, before the
 * writer's promise resolves.
 */
export interface WriteUnit {
  readonly statements: readonly CompiledQuery[];
  readonly onCommit?: () => void;
}

export type StoreHealth = { ok: true } | { ok: false; reason: string };

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
   * Commits the unit atomically, together with other writes of the same moment (group commit),
   * and resolves once it is durable. A statement that fails rejects its own unit only
   * (`WriteRejectedError`); a commit that fails rejects the units of that batch
   * (`StoreUnavailableError`) and the store goes on with the next batch.
   */
  write(unit: WriteUnit | readonly CompiledQuery[]): Promise<void>;
  /**
   * Reads that all see one moment of the store: the state after one commit, whatever commits
   * while `job` runs (a reader beside a running server, `banya check`). Separate reads through
   * `all`/`iterate` may each see a later commit than the one before.
   */
  snapshot<T>(job: (reader: SnapshotReader) => Promise<T>): Promise<T>;
  /** Resolves when every write accepted so far is durable. */
  flush(): Promise<void>;
  /** Whether the store can write now: a small durable write goes through the same path. */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** The reads of a snapshot (and the query builder, to compile them). */
export type SnapshotReader = Pick<Store, 'kind' | 'db' | 'all' | 'first' | 'iterate'>;

/** The store cannot take writes right now (I/O failure, closed). Nothing of the unit was kept. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** One unit's statement failed (a constraint, say); its unit was rolled back, the batch went on. */
export class WriteRejectedError extends Error {
  override name = 'WriteRejectedError';
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

export function compiled(q: Compilable | CompiledQuery): CompiledQuery {
  return 'compile' in q ? q.compile() : q;
}

export function asUnit(w: WriteUnit | readonly CompiledQuery[]): WriteUnit {
  return Array.isArray(w) ? { statements: w as readonly CompiledQuery[] } : (w as WriteUnit);
}

/**
 * The constraints by which PostgreSQL arbitrates between nodes (docs/DECISIONS.md): a unit
 * refused by one of them lost a race another node won (it took the phone, opened the case,
 * decided it first). Any other refusal is the unit's own fault and stays refused.
 */
export const ARBITER_CONSTRAINTS: ReadonlySet<string> = new Set([
  'accounts_phone_live',
  'accounts_username_live',
  'chats_private_pair',
  'cases_one_undecided',
  'appeals_one_open',
  'reports_one_open',
  'idempotency_pk',
  'once_keys_pkey',
]);

/**
 * Whether a refused write lost a race that the database arbitrated; the use case is then run
 * once more on fresh state and decides again (a 409, or joining what the other node made).
 */
export function isConflict(err: unknown): boolean {
  if (!(err instanceof WriteRejectedError)) return false;
  const cause = err.cause as { code?: unknown; constraint?: unknown } | undefined;
  return cause?.code === '23505' && typeof cause.constraint === 'string' && ARBITER_CONSTRAINTS.has(cause.constraint);
}

/** How long a health answer is reused, so that probes do not become a write load of their own. */
const HEALTH_TTL_MS = 1000;

/**
 * A store's health: a real write through its group commit (it fails where any write would:
 * connection lost, read-only file or database, full disk), answered from the last probe for a
 * second.
 */
export class HealthProbe {
  private last: { at: number; health: Promise<StoreHealth> } | null = null;

  constructor(private readonly store: Pick<Store, 'db' | 'write'>) {}

  check(): Promise<StoreHealth> {
    const now = Date.now();
    if (this.last && now - this.last.at < HEALTH_TTL_MS) return this.last.health;
    const health = this.probe();
    this.last = { at: now, health };
    return health;
  }

  private async probe(): Promise<StoreHealth> {
    const value = String(Date.now());
    try {
      await this.store.write([
        this.store.db
          .insertInto('settings')
          .values({ key: 'health_probe', value })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
          .compile(),
      ]);
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
  }
}
