import { sql } from 'kysely';
import { row } from './read.js';
import type { Store } from './store.js';

/** Tables whose rows get ids from banya (dense integers: the index's array positions). */
export const ID_TABLES = ['accounts', 'staff', 'chats', 'messages', 'restrictions', 'reports', 'cases', 'strikes', 'appeals', 'tickets'] as const;
export type IdTable = (typeof ID_TABLES)[number];

/**
 * The one id generator. Ids are allocated in memory, before the row is written, so a use case
 * knows every id it will answer with and can write all its rows in one batch.
 */
export class Ids {
  /** With several nodes: each table's ids come in blocks reserved from the database. */
  private blocks: Record<IdTable, IdBlock> | null = null;

  private constructor(private readonly last: Record<IdTable, number>) {}

  /**
   * Ids for one of several nodes sharing the database: each node hands out ids from blocks it
   * reserved (a counter in `settings`, moved by one conditional write), so two nodes never give
   * the same id, and the ids stay dense enough for the index's arrays (a block's unused rest is
   * the only gap). The next block is reserved when half of the current one is used.
   */
  static async reserved(store: Store, blockSize: (table: IdTable) => number): Promise<Ids> {
    const ids = await Ids.load(store);
    const blocks = {} as Record<IdTable, IdBlock>;
    for (const table of ID_TABLES) {
      const b = new IdBlock(store, table, blockSize(table), ids.last[table]);
      await b.init();
      blocks[table] = b;
    }
    ids.blocks = blocks;
    return ids;
  }

  static async load(store: Store): Promise<Ids> {
    const last = {} as Record<IdTable, number>;
    for (const table of ID_TABLES) {
      // max() of an empty table is null
      const found = await row(store, store.db.selectFrom(table).select(sql<number | null>`max(id)`.as('m')));
      last[table] = found?.m ?? 0;
    }
    return new Ids(last);
  }

  next(table: IdTable): number {
    if (this.blocks) {
      const id = this.blocks[table].next();
      if (id > this.last[table]) this.last[table] = id;
      return id;
    }
    return ++this.last[table];
  }

  /** The highest id handed out so far. */
  peek(table: IdTable): number {
    return this.last[table];
  }
}

/** A node's current and next block of one table's ids. */
class IdBlock {
  private at = 0;
  private end = -1;
  private spare: Promise<number> | null = null;
  private spareStart = 0;

  constructor(
    private readonly store: Store,
    private readonly table: IdTable,
    private readonly size: number,
    private readonly floor: number,
  ) {}

  private get key(): string {
    return `ids:${this.table}`;
  }

  async init(): Promise<void> {
    // The first node to start on a database sets the counter past the rows already there.
    await this.store.all(
      sql`insert into settings (key, value) values (${this.key}, ${String(this.floor)}) on conflict (key) do nothing returning key`.compile(this.store.db),
    );
    this.take(await this.reserve());
  }

  /** Moves the shared counter by a block; the block is the ids just below its new value. */
  private async reserve(): Promise<number> {
    const got = await this.store.all<{ value: string }>(
      sql<{ value: string }>`update settings set value = cast(cast(value as bigint) + ${this.size} as text) where key = ${this.key} returning value`.compile(
        this.store.db,
      ),
    );
    const top = Number(got[0]?.value);
    if (!Number.isSafeInteger(top)) throw new Error(`id counter ${this.key} is missing`);
    return top - this.size + 1;
  }

  private take(start: number): void {
    this.at = start;
    this.end = start + this.size - 1;
  }

  next(): number {
    if (this.at > this.end) {
      if (this.spareStart === 0) throw new Error(`ids of ${this.table} ran out before the next block arrived`);
      this.take(this.spareStart);
      this.spareStart = 0;
    }
    const id = this.at++;
    if (!this.spare && this.spareStart === 0 && this.end - this.at < this.size / 2) {
      this.spare = this.reserve().then(
        (start) => {
          this.spareStart = start;
          this.spare = null;
          return start;
        },
        () => {
          this.spare = null;
          return 0;
        },
      );
    }
    return id;
  }
}

/** Opaque public ids: a letter for the kind, then the number. */
export const PREFIX = {
  account: 'u',
  staff: 's',
  chat: 'c',
  message: 'm',
  report: 'r',
  case: 'k',
  strike: 'x',
  appeal: 'a',
  ticket: 't',
  restriction: 'l',
} as const;
export type IdKind = keyof typeof PREFIX;

export function publicId(kind: IdKind, n: number): string {
  return PREFIX[kind] + n;
}

/** The number behind a public id, or 0 when it is not one of this kind. */
export function parseId(kind: IdKind, s: unknown): number {
  if (typeof s !== 'string' || s.length < 2 || s.length > 12 || s[0] !== PREFIX[kind]) return 0;
  const digits = s.slice(1);
  if (!/^[1-9][0-9]*$/.test(digits)) return 0;
  const n = Number(digits);
  return n <= 0x7fffffff ? n : 0;
}
