import type { Kysely } from 'kysely';

/** Numbers that cannot register again (PHONE_NUMBER_BANNED). */
export interface BannedPhonesTable {
  phone: string;
  account_id: number | null;
  banned_at: number;
}

export async function createBannedPhones(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('banned_phones')
    .addColumn('phone', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'integer')
    .addColumn('banned_at', 'bigint', (c) => c.notNull())
    .execute();
}
