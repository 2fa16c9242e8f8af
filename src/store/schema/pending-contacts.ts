import type { Kysely } from 'kysely';

/**
 * Numbers an account imported that did not resolve for it; they become contacts once they do
 * (the owner registers, or starts letting the importer find them).
 */
export interface PendingContactsTable {
  owner_id: number;
  phone: string;
  name: string | null;
  created_at: number;
}

export async function createPendingContacts(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pending_contacts')
    .addColumn('owner_id', 'integer', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pending_contacts_pk', ['owner_id', 'phone'])
    .execute();
  await db.schema.createIndex('pending_contacts_phone').on('pending_contacts').column('phone').execute();
}
