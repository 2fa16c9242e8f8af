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
