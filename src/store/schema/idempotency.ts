/** Answers to requests sent with an idempotencyKey, per account, kept 24 h. */
export interface IdempotencyTable {
  account_id: number;
  key: string;
  /** SHA-256 of the request body, to tell a repeat from a different request with the same key. */
  body_hash: string;
  status: number;
  response: string;
  created_at: number;
}
