/**
 * The append-only event log: the truth from which restrictions, strikes and cases are
 * projections (written in the same transaction as their event).
 */
export interface EventsTable {
  id: number;
  at: number;
  type: string;
  /** `account` | `staff` | `admin` | `robot` | `system` */
  actor_kind: string;
  actor_id: string | null;
  /** The account the event is about, for its timeline. */
  account_id: number | null;
  payload: string;
}
