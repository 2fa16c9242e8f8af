/** Where each person's conversation with SpamBot stands (the state machine's state). */
export interface SpambotSessionsTable {
  account_id: number;
  state: string;
  updated_at: number;
}
