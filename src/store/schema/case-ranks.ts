import type { Generated } from 'kysely';

/**
 * A live case's priority before one change of it, numbered in commit order (`id`): how a pass
 * through the queue places a case changed since its first page. Not a projection: rows start with
 * the migration that made the table, and go when the case is decided.
 */
export interface CaseRanksTable {
  id: Generated<number>;
  case_id: number;
  priority: number;
}
