import type { Generated } from 'kysely';

/** Private chats an account deleted on its side (e.g. "report and delete"). */
export interface HiddenChatsTable {
  account_id: number;
  chat_id: number;
  at: number;
  /** The chat's last message id at the deletion: a message with a greater id brings the chat back. */
  after_message: Generated<number>;
}
