import type { RestrictionState } from '../../domain/restriction.js';
import type { EndCause, EnforcementEvent, RestrictionPayload } from '../../events/index.js';
import type { Projector } from '../../events/projector.js';
import type { Enforcement } from '../state.js';
import type { P } from './types.js';

/** Sanctions: restrictions (applied and ended), strikes, and content taken down. */

/** Why a restriction ended; old logs say it only in `reason` (`lifted: …` for a lift). */
export function endCauseOf(p: { reason: string; cause?: EndCause }, type: 'restriction_lifted' | 'restriction_expired'): EndCause {
  if (p.cause) return p.cause;
  // Legacy payloads (before `cause`): the only place their free-text reason is read.
  if (type === 'restriction_expired') return 'expired';
  if (p.reason === 'deleted' || p.reason === 'appeal_overturned') return p.reason;
  return 'lifted';
}

export function restrictionProjector(): Projector<
  Extract<EnforcementEvent, { type: 'restriction_applied' | 'account_frozen' | 'account_banned' }>,
  Enforcement
> {
  return {
    sql: (r, db) => {
      const x: RestrictionPayload = r.event.payload;
      return [
        db
          .insertInto('restrictions')
          .values({
            id: x.restrictionId,
            account_id: r.accountId!,
            state: x.state,
            kind: x.kind,
            until: x.until,
            delete_at: x.deleteAt,
            case_id: x.caseId ?? null,
            rule: x.rule ?? null,
            created_at: r.at,
            ended_at: null,
            end_reason: null,
          })
          .compile(),
      ];
    },
    memory: (r, m) => {
      const x = r.event.payload;
      m.restrictions.add(r.accountId!, { id: x.restrictionId, state: x.state as RestrictionState, kind: x.kind, until: x.until, deleteAt: x.deleteAt }, r.at);
    },
  };
}

export function endProjector(): Projector<Extract<EnforcementEvent, { type: 'restriction_lifted' | 'restriction_expired' }>, Enforcement> {
  return {
    sql: (r, db) => [
      db
        .updateTable('restrictions')
        .set({ ended_at: r.at, end_reason: r.event.payload.reason })
        .where('id', '=', r.event.payload.restrictionId)
        .where('ended_at', 'is', null)
        .compile(),
    ],
    memory: (r, m) => {
      m.restrictions.remove(r.accountId!, r.event.payload.restrictionId, r.at);
      if (endCauseOf(r.event.payload, r.event.type) === 'lifted') m.enforcement.manualDecisionAt.set(r.accountId!, r.at);
    },
  };
}

export const strikeAdded: P<'strike_added'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    return [
      db
        .insertInto('strikes')
        .values({
          id: x.strikeId,
          account_id: r.accountId!,
          policy: x.policy,
          case_id: x.caseId,
          restriction_id: x.restrictionId,
          created_at: r.at,
          expires_at: x.expiresAt,
          removed_at: null,
          removed_reason: null,
          expired_at: null,
        })
        .compile(),
    ];
  },
  memory: (r, m) => {
    const x = r.event.payload;
    m.enforcement.addStrike(r.accountId!, {
      id: x.strikeId,
      policy: x.policy,
      caseId: x.caseId,
      restrictionId: x.restrictionId,
      createdAt: r.at,
      expiresAt: x.expiresAt,
      removed: false,
    });
  },
};

export const strikeRemoved: P<'strike_removed'> = {
  sql: (r, db) => [
    db.updateTable('strikes').set({ removed_at: r.at, removed_reason: r.event.payload.reason }).where('id', '=', r.event.payload.strikeId).compile(),
  ],
  memory: (r, m) => {
    const s = m.enforcement.strikesOf(r.accountId!).find((x) => x.id === r.event.payload.strikeId);
    if (s) s.removed = true;
  },
};

export const strikeExpired: P<'strike_expired'> = {
  sql: (r, db) => [db.updateTable('strikes').set({ expired_at: r.at }).where('id', '=', r.event.payload.strikeId).compile()],
  memory: (r, m) => {
    const s = m.enforcement.strikesOf(r.accountId!).find((x) => x.id === r.event.payload.strikeId);
    if (s) s.expired = true;
  },
};

export const contentTakenDown: P<'content_taken_down'> = {
  sql: (r, db) =>
    r.event.payload.messageIds.map((id) =>
      db
        .insertInto('takedowns')
        .values({ chat_id: r.event.payload.chatId, message_id: id, case_id: r.event.payload.caseId, at: r.at })
        .onConflict((oc) => oc.columns(['chat_id', 'message_id']).doNothing())
        .compile(),
    ),
  memory: (r, m) => {
    if (r.event.payload.messageIds.includes(0)) m.index.takeDown(r.event.payload.chatId);
  },
};
