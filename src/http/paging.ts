import { fail } from '../domain/errors.js';

/** `?limit=` (default 50, 1–1000) and `?cursor=` (opaque, from the previous page). */
export function pageParams(query: { limit?: string; cursor?: string }, defaultLimit = 50, max = 1000): { limit: number; cursor: string | undefined } {
  let limit = defaultLimit;
  if (query.limit !== undefined) {
    limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > max) fail('BAD_REQUEST', { field: 'querystring.limit', reason: `limit must be 1–${max}` });
  }
  return { limit, cursor: query.cursor };
}

/** A numeric cursor this server handed out, or 400. */
export function numericCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^[0-9]{1,12}$/.test(cursor)) fail('BAD_REQUEST', { field: 'querystring.cursor', reason: 'not a cursor from this API' });
  return Number(cursor);
}
