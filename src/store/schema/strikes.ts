/** One strike per confirmed case, under its policy; it stops counting at expires_at. */
export interface StrikesTable {
  id: number;
  account_id: number;
  policy: string;
  case_id: number | null;
  restriction_id: number | null;
  created_at: number;
  expires_at: number;
  removed_at: number | null;
  removed_reason: string | null;
  /** Set when the strike stopped counting (its expiry was recorded). */
  expired_at: number | null;
}
