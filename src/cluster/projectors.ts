import { ManualClock } from '../clock.js';
import type { ClusterEvent } from '../events/cluster.js';
import type { ProjectorsFor } from '../events/projector.js';
import type { Platform } from '../platform/context.js';

export const MANUAL_CLOCK_KEY = 'manual_clock_ms';

/** The cluster's own events: the manual clock's time, in `settings` and in every node's clock. */
export const clusterProjectors: ProjectorsFor<ClusterEvent, Platform> = {
  clock_set: {
    sql: (r, db) => {
      const value = String(r.event.payload.at);
      return [
        db
          .insertInto('settings')
          .values({ key: MANUAL_CLOCK_KEY, value })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
          .compile(),
      ];
    },
    memory: (r, p) => {
      if (p.clock instanceof ManualClock) p.clock.moveTo(r.event.payload.at);
    },
  },
};
