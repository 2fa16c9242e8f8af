import { APPEAL_OVERDUE_MS } from '../appeals.js';
import type { P } from './types.js';

/** Appeals: filed, decided, overdue. */

export const appealFiled: P<'appeal_filed'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    return [
      db
        .insertInto('appeals')
        .values({
          id: x.appealId,
          account_id: r.accountId!,
          restriction_id: x.restrictionId,
          restriction: JSON.stringify(x.restriction),
          robot: x.robot ? 1 : 0,
          rule: x.rule,
          story: x.story ? 1 : 0,
          text: x.text,
          email: x.email,
          state: 'open',
          outcome: null,
          created_at: r.at,
          due_at: x.dueAt,
          overdue_at: null,
          decided_at: null,
          decided_by: null,
          note: null,
        })
        .compile(),
    ];
  },
  memory: (r, m) => {
    const x = r.event.payload;
    m.enforcement.openAppeals.set(r.accountId!, { id: x.appealId, createdAt: r.at, dueAt: x.dueAt, restrictionId: x.restrictionId });
    m.enforcement.overdue.push(r.at + APPEAL_OVERDUE_MS, { kind: 'appeal', id: x.appealId, account: r.accountId });
  },
};

export const appealDecided: P<'appeal_decided'> = {
  sql: (r, db) => {
    const x = r.event.payload;
    return [
      db
        .updateTable('appeals')
        .set({ state: 'decided', outcome: x.outcome, decided_at: r.at, decided_by: x.by, note: x.note })
        .where('id', '=', x.appealId)
        .compile(),
    ];
  },
  memory: (r, m) => {
    const a = r.accountId!;
    const st = m.enforcement;
    if (r.event.payload.outcome === 'overturn') st.manualDecisionAt.set(a, r.at);
    else st.lastUpheld.set(a, r.at);
    if (st.openAppeals.get(a)?.id === r.event.payload.appealId) st.openAppeals.delete(a);
    // A frozen account kept past its deletion time by this appeal is deleted now that it is decided.
    for (const x of m.restrictions.records(a)) {
      if (x.state === 'frozen' && x.deleteAt !== null && x.deleteAt <= r.at)
        m.restrictions.due.push(r.at, { account: a, restrictionId: x.id, kind: 'freeze_end' });
    }
  },
};

export const appealOverdue: P<'appeal_overdue'> = {
  sql: (r, db) => [db.updateTable('appeals').set({ overdue_at: r.at }).where('id', '=', r.event.payload.appealId).where('state', '=', 'open').compile()],
  memory: (r, m) => {
    m.enforcement.markedOverdue.add(`appeal:${r.event.payload.appealId}`);
  },
};
