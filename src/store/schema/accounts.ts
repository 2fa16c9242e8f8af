/** Accounts: people, businesses and the system accounts (SpamBot, support). */
export interface AccountsTable {
  id: number;
  /** E.164 with `+`; null for system accounts. */
  phone: string | null;
  name: string;
  username: string | null;
  /** The chat platform's own id of the user (a JID, a Matrix id), when it registered one; unique among live accounts. */
  platform_id: string | null;
  /** Lower-cased username, for case-insensitive uniqueness. */
  username_lc: string | null;
  language: 'en' | 'ru' | null;
  number_kind: 'mobile' | 'voip';
  /** `spambot` | `support` for system accounts. */
  system: string | null;
  find_by_phone: number;
  phone_visibility: number;
  chat_invites: number;
  new_chats: number;
  created_at: number;
  deleted_at: number | null;
}
