/** Staff sign-ins to the console (hashes only). */
export interface ConsoleSessionsTable {
  hash: string;
  token_hash: string;
  csrf_hash: string;
  created_at: number;
  expires_at: number;
}
