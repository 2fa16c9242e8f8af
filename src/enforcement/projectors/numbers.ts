import { phoneKey } from '../../domain/phone.js';
import type { FlagEffect } from '../../events/index.js';
import type { P } from './types.js';

/** Phone numbers: banned numbers and flagged ones. */

/** What a `number_flagged` event does to the flag; old logs say it only in `reason`. */
export function flagEffectOf(p: { reason: string; flag?: FlagEffect }): FlagEffect {
  if (p.flag) return p.flag;
  // Legacy payloads (before `flag`).
  if (p.reason === 'cleared') return 'clear';
  return p.reason.startsWith('deleted_while_') ? 'set' : 'none';
}

export const numberBanned: P<'number_banned'> = {
  sql: (r, db) => [
    db
      .insertInto('banned_phones')
      .values({ phone: r.event.payload.phone, account_id: r.accountId, banned_at: r.at })
      .onConflict((oc) => oc.column('phone').doNothing())
      .compile(),
  ],
  memory: (r, m) => {
    m.bannedPhones.add(phoneKey(r.event.payload.phone));
  },
};

export const numberUnbanned: P<'number_unbanned'> = {
  sql: (r, db) => [db.deleteFrom('banned_phones').where('phone', '=', r.event.payload.phone).compile()],
  memory: (r, m) => {
    m.bannedPhones.delete(phoneKey(r.event.payload.phone));
  },
};

export const numberFlagged: P<'number_flagged'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    const effect = flagEffectOf(x);
    if (effect === 'set') {
      return [
        db
          .insertInto('number_flags')
          .values({ phone: x.phone, reason: x.reason, flagged_at: r.at })
          .onConflict((oc) => oc.column('phone').doUpdateSet({ reason: x.reason, flagged_at: r.at }))
          .compile(),
      ];
    }
    if (effect === 'clear') return [db.deleteFrom('number_flags').where('phone', '=', x.phone).compile()];
    return [];
  },
  memory: (r, m) => {
    const effect = flagEffectOf(r.event.payload);
    const k = phoneKey(r.event.payload.phone);
    if (effect === 'set') m.enforcement.numberFlags.add(k);
    else if (effect === 'clear') m.enforcement.numberFlags.delete(k);
  },
};
