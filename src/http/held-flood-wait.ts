/**
 * The FLOOD_WAIT held back. Messages to SpamBot and support are never rate-limited (API.md), so
 * on a route that may carry one, an account out of requests is not refused before its body is
 * read: authentication keeps its wait in `heldFloodWait` (auth.ts), and the request settles it
 * once the body shows where the message goes, or once the body turns out unreadable. Fastify's
 * routes (auth.ts `releaseForSystemAccount`, errors.ts `errorHandler`) and the send fast path
 * (send-fast-path.ts) settle it here, so that both answer alike.
 */

/** What a wait is held on: a Fastify request, or the send fast path's exchange. */
export interface HoldsFloodWait {
  heldFloodWait?: number | undefined;
}

/**
 * Settles the FLOOD_WAIT held for `req`, once: the hold is dropped, and its seconds are returned
 * for the caller to answer `429 FLOOD_WAIT` with, unless `toSystemAccount` (asked only when a wait
 * was held, its body read) says the request is a message to SpamBot or support, which then goes
 * on. Undefined: nothing to answer. Without `toSystemAccount` (a body that could not be read is no
 * message to anyone), a held wait is always answered. Callers pass a function made once, not one
 * per request: the send fast path runs this on every message.
 */
export function settleHeldFloodWait<R extends HoldsFloodWait>(req: R, toSystemAccount?: (req: R) => boolean): number | undefined {
  const wait = req.heldFloodWait;
  if (wait === undefined) return undefined;
  req.heldFloodWait = undefined;
  return toSystemAccount?.(req) === true ? undefined : wait;
}
