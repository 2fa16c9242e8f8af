import type { CompiledQuery } from 'kysely';
import { row } from './read.js';
import type { Store } from './store.js';

/**
 * The `settings` table: a few named values of the data folder (the manual clock, the admin
 * token's hash, secrets made on first use). They are not projections of the log.
 */

/** The stored value of a setting, if any. */
export async function readSetting(store: Store, key: string): Promise<string | undefined> {
  const found = await row(store, store.db.selectFrom('settings').select('value').where('key', '=', key));
  return found?.value;
}

/** The statement that sets a setting, inserted or replaced, for a write unit. */
export function putSetting(store: Pick<Store, 'db'>, key: string, value: string): CompiledQuery {
  return store.db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .compile();
}
