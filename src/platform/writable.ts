import { fail } from '../domain/errors.js';
import { Flag } from '../domain/gate.js';
import { iso } from '../domain/time-format.js';
import type { Platform } from './context.js';

/** A frozen account can read but change nothing (RULES.md §2); a banned one can do nothing. */
export function requireWritable(p: Platform, a: number): void {
  const f = p.index.flags(a);
  if (f & Flag.BANNED) fail('USER_DEACTIVATED_BAN');
  if (f & Flag.FROZEN) fail('FROZEN_METHOD_INVALID', { deleteAt: iso(p.index.restriction(a).deleteAt), appeal: 'spambot' });
}
