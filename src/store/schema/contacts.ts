/** `owner_id` has saved `contact_id` in their contacts. */
export interface ContactsTable {
  owner_id: number;
  contact_id: number;
  name: string | null;
  created_at: number;
}
