/** Messages of every chat, in the order they were stored (ids only grow). */
export interface MessagesTable {
  id: number;
  chat_id: number;
  from_id: number;
  text: string;
  /** JSON of string[][] for SpamBot's reply buttons. */
  buttons: string | null;
  sent_at: number;
}
