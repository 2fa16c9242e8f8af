import type { CompiledQuery } from 'kysely';
import { phoneKey } from '../domain/phone.js';
import type { EffectiveRestriction } from '../domain/restriction.js';
import type { Actor } from '../store/event-log.js';
import { record } from './events.js';
import { restrictStatements } from './restrictions.js';
import type { Enforcement } from './state.js';

/**
 * Number reputation (RULES.md §4 "Numbers"): virtual/VoIP numbers, and numbers whose previous
 * account went away while limited or frozen, start limited (kind `number`, no end).
 */

export function isVoip(e: Enforcement, phone: string, numberKind: 'mobile' | 'voip'): boolean {
  return numberKind === 'voip' || e.policy.voipPrefixes.some((p) => phone.startsWith(p));
}

/** The statements that start a new account limited when its number calls for it. */
export function newAccountStatements(e: Enforcement, accountId: number, phone: string, numberKind: 'mobile' | 'voip', now: number): CompiledQuery[] {
  const reason = isVoip(e, phone, numberKind) ? 'voip' : e.enforcement.numberFlags.has(phoneKey(phone)) ? 'previous_account_restricted' : null;
  if (!reason) return [];
  const system: Actor = { kind: 'system' };
  return [
    record(e, now, system, accountId, { type: 'number_flagged', payload: { phone, reason } }),
    ...restrictStatements(e, accountId, { state: 'limited', kind: 'number', until: null }, system, now).writes,
  ];
}

/**
 * When an account deletes itself, its number remembers whether it left limited or frozen (the
 * next account on it starts limited), or is cleared when it left free.
 */
export function deletedAccountStatements(e: Enforcement, accountId: number, phone: string | null, r: EffectiveRestriction, now: number): CompiledQuery[] {
  if (!phone) return [];
  const key = phoneKey(phone);
  const restricted = r.state === 'limited' || r.state === 'frozen';
  const system: Actor = { kind: 'system' };
  if (restricted) {
    e.enforcement.numberFlags.add(key);
    return [
      e.store.db
        .insertInto('number_flags')
        .values({ phone, reason: `deleted_while_${r.state}`, flagged_at: now })
        .onConflict((oc) => oc.column('phone').doUpdateSet({ reason: `deleted_while_${r.state}`, flagged_at: now }))
        .compile(),
      record(e, now, system, accountId, { type: 'number_flagged', payload: { phone, reason: `deleted_while_${r.state}` } }),
    ];
  }
  if (!e.enforcement.numberFlags.delete(key)) return [];
  return [
    e.store.db.deleteFrom('number_flags').where('phone', '=', phone).compile(),
    record(e, now, system, accountId, { type: 'number_flagged', payload: { phone, reason: 'cleared' } }),
  ];
}
