import type { Generated } from 'kysely';

/**
 * The append-only event log: the truth from which every projection table is rebuilt
 * (written in the same transaction as its event).
 */
export interface EventsTable {
  /** Given by the database in commit order. */
  id: Generated<number>;
  at: number;
  type: string;
  /** `account` | `staff` | `admin` | `robot` | `system` */
  actor_kind: string;
  actor_id: string | null;
  /** The account the event is about, for its timeline. */
  account_id: number | null;
  payload: string;
}
