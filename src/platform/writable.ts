import { fail } from '../domain/errors.js';
import { Flag } from '../domain/gate.js';
import { iso } from '../domain/time-format.js';
import type { Platform } from './context.js';

/** A frozen account can read but change nothing (RULES.md §2); a banned one can do nothing. */
export function requireWritable(p: Platform, a: number): void {
  const f = p.index.flags(a);
  if (f & Flag.BANNED) fail('USER_DEACTIVATED_BAN');
  if (f & Flag.FROZEN) fail('FROZEN_METHOD_INVALID', frozenDetails(p, a));
}

/**
 * The `details` of FROZEN_METHOD_INVALID: the deletion date and where to appeal; `deletionOnHold`
 * once that date has passed while an open appeal keeps the account (RULES.md §5), so that no
 * text promises a deletion in the past.
 */
export function frozenDetails(p: Platform, a: number): Record<string, unknown> {
  const deleteAt = p.index.restriction(a).deleteAt;
  const held = deleteAt !== undefined && deleteAt !== null && deleteAt <= p.clock.now();
  return { deleteAt: iso(deleteAt), appeal: 'spambot', ...(held ? { deletionOnHold: true } : {}) };
}
