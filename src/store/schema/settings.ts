import type { Kysely } from 'kysely';

/** Small facts of a data folder: the admin token's hash, the manual clock's time. */
export interface SettingsTable {
  key: string;
  value: string;
}

export async function createSettings(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
