/** Content taken down after a public-content decision: a message, or a whole chat (message_id 0). */
export interface TakedownsTable {
  chat_id: number;
  message_id: number;
  case_id: number;
  at: number;
}
