/** Membership in groups and channels, including those who left and those barred by admins. */
export interface ChatMembersTable {
  chat_id: number;
  account_id: number;
  /** `owner` | `admin` | `member` | `left` | `banned` */
  role: string;
  updated_at: number;
}
