/** Cases: the open reports about one subject (and chat), reviewed together. */
export interface CasesTable {
  id: number;
  subject_id: number;
  /** 0 for private-chat cases. */
  chat_id: number;
  /** `open` | `escalated` | `closed` */
  state: string;
  priority: number;
  report_count: number;
  /** JSON array of the reports' reasons. */
  reasons: string;
  /** Who opened it when not a report: a robot rule's name. */
  opened_by: string | null;
  claimed_by: string | null;
  claimed_at: number | null;
  /** Claims and releases so far: the once key of the next one (`claim:<case>:<turn>`). */
  claim_turn: number;
  /** `confirm` | `dismiss` once closed */
  decision: string | null;
  policy: string | null;
  decided_by: string | null;
  decided_at: number | null;
  created_at: number;
}
