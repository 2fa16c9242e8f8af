/**
 * Events of the cluster itself. `clock_set`: the manual clock moved (one clock for every node:
 * each node's clock follows this event from the feed, in order with what came due).
 */
export type ClusterEvent = { type: 'clock_set'; payload: { at: number } };
