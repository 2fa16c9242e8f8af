/**
 * Reports (RULES.md §3). A report joins its subject's case, except group reports below the
 * leniency threshold, which wait without a case until enough members (or an admin) report.
 */
export interface ReportsTable {
  id: number;
  reporter_id: number;
  subject_id: number;
  chat_id: number;
  /** `private` | `group` | `channel` | `public` */
  kind: string;
  reason: string;
  comment: string | null;
  weight: number;
  /** The reporter had not saved the subject and had never written to them. */
  stranger: number;
  /** Filed by an admin of the group it is about. */
  admin_report: number;
  /** Filed by a member of the chat reported in (0: a reader of a public group from outside it). */
  reporter_member: number;
  case_id: number | null;
  /** `open` | `closed` */
  state: string;
  /** `confirmed` | `dismissed` once closed */
  outcome: string | null;
  created_at: number;
}
