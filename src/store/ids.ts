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
  private constructor(private readonly last: Record<IdTable, number>) {}

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
    return ++this.last[table];
  }

  /** The highest id handed out so far. */
  peek(table: IdTable): number {
    return this.last[table];
  }
}

/** Opaque public ids: a letter for the kind, then the number. */
export const PREFIX = { account: 'u', staff: 's', chat: 'c', message: 'm', report: 'r', case: 'k', strike: 'x', appeal: 'a', ticket: 't' } as const;
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
