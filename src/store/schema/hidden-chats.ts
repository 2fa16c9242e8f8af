/** Private chats an account deleted on its side (e.g. "report and delete"). */
export interface HiddenChatsTable {
  account_id: number;
  chat_id: number;
  at: number;
}
