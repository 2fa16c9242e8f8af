import type { Generated } from 'kysely';

/**
 * The robots' memory: the events the platform published to robots, a batch per row, so that a
 * restart rebuilds their evidence (src/robots/memory.ts). Not a projection: robots' evidence is
 * not the platform's truth, and nothing is rebuilt from it but the robots' counters.
 */
export interface RobotEventsTable {
  /** Given by the database in the order the batches were written. */
  id: Generated<number>;
  /** The batch's last event's time (ms). */
  at: number;
  /** The node that heard the events ('' on a single node). */
  node: string;
  /** A JSON array of the events (and the actions robots took), in the order heard. */
  events: string;
}
