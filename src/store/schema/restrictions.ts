/**
 * Restriction records (RULES.md §4). Active ones decide the account's effective state; ended
 * ones stay as history with when and why they ended.
 */
export interface RestrictionsTable {
  id: number;
  account_id: number;
  /** `limited` | `frozen` | `banned` | `public_groups_ban` */
  state: string;
  /** Limit kind (`report`, `robot`, `number`, `permanent`) or, for frozen/banned, the policy. */
  kind: string;
  until: number | null;
  delete_at: number | null;
  /** The case whose decision made it. */
  case_id: number | null;
  /** The robot rule that made it. */
  rule: string | null;
  created_at: number;
  ended_at: number | null;
  end_reason: string | null;
}
