/** Bearer tokens, stored as the SHA-256 of the random token (never the token itself). */
export interface TokensTable {
  hash: string;
  account_id: number | null;
  staff_id: number | null;
  created_at: number;
  revoked_at: number | null;
}
