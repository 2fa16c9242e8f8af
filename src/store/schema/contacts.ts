import type { Kysely } from 'kysely';

/** `owner_id` has saved `contact_id` in their contacts. */
export interface ContactsTable {
  owner_id: number;
  contact_id: number;
  name: string | null;
  created_at: number;
}

export async function createContacts(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contacts')
    .addColumn('owner_id', 'integer', (c) => c.notNull())
    .addColumn('contact_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contacts_pk', ['owner_id', 'contact_id'])
    .execute();
  await db.schema.createIndex('contacts_contact').on('contacts').column('contact_id').execute();
}
