/** Appeals filed through SpamBot against the effective restriction at filing time (RULES.md §5). */
export interface AppealsTable {
  id: number;
  account_id: number;
  /** The restriction record appealed against. */
  restriction_id: number | null;
  /** JSON of the effective restriction when filed, as the API shows it. */
  restriction: string;
  /** The restriction was made by a robot rule (reviewed first). */
  robot: number;
  rule: string | null;
  /** A number-limited account's story rather than an appeal of a decision. */
  story: number;
  text: string;
  email: string | null;
  /** `open` | `decided` */
  state: string;
  /** `overturn` | `uphold` */
  outcome: string | null;
  created_at: number;
  due_at: number;
  overdue_at: number | null;
  decided_at: number | null;
  decided_by: string | null;
  note: string | null;
}
