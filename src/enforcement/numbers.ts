import { phoneKey } from '../domain/phone.js';
import type { EffectiveRestriction } from '../domain/restriction.js';
import type { Change } from '../events/journal.js';
import type { Actor } from '../store/event-log.js';
import { emitRestriction } from './restrictions.js';
import type { Enforcement } from './state.js';

/**
 * Number reputation (RULES.md §4 "Numbers"): virtual/VoIP numbers, and numbers whose previous
 * account went away while limited or frozen, start limited (kind `number`, no end).
 */

export function isVoip(e: Enforcement, phone: string, numberKind: 'mobile' | 'voip'): boolean {
  return numberKind === 'voip' || e.policy.voipPrefixes.some((p) => phone.startsWith(p));
}

const SYSTEM: Actor = { kind: 'system' };

/** Emits what starts a new account limited when its number calls for it (run under the phone's key). */
export function emitNewAccount(e: Enforcement, change: Change, accountId: number, phone: string, numberKind: 'mobile' | 'voip', now: number): void {
  const reason = isVoip(e, phone, numberKind) ? 'voip' : e.enforcement.numberFlags.has(phoneKey(phone)) ? 'previous_account_restricted' : null;
  if (!reason) return;
  change.emit(now, SYSTEM, accountId, { type: 'number_flagged', payload: { phone, reason, flag: 'none' } });
  emitRestriction(e, change, accountId, { state: 'limited', kind: 'number', until: null }, SYSTEM, now);
}

/**
 * When an account deletes itself, its number remembers whether it left limited or frozen (the
 * next account on it starts limited), or is cleared when it left free.
 */
export function emitDeletedAccount(e: Enforcement, change: Change, accountId: number, phone: string | null, r: EffectiveRestriction, now: number): void {
  if (!phone) return;
  if (r.state === 'limited' || r.state === 'frozen') {
    change.emit(now, SYSTEM, accountId, { type: 'number_flagged', payload: { phone, reason: `deleted_while_${r.state}`, flag: 'set' } });
    return;
  }
  if (!e.enforcement.numberFlags.has(phoneKey(phone))) return;
  change.emit(now, SYSTEM, accountId, { type: 'number_flagged', payload: { phone, reason: 'cleared', flag: 'clear' } });
}
