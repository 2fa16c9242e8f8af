import { fail } from '../domain/errors.js';
import type { Change } from '../events/journal.js';
import { key } from '../events/serial.js';
import type { Actor } from '../store/event-log.js';
import { APPEAL_DUE_MS } from '../domain/spambot.js';
import { publicId } from '../store/ids.js';
import { row, rows } from '../store/read.js';
import type { AppealsTable } from '../store/schema/appeals.js';
import { staffActor, type StaffActor } from './staff.js';
import { DAY_MS } from './policy.js';
import { emitEnd } from './restrictions.js';
import { emitStrikeRemoval } from './sanctions.js';
import type { Enforcement } from './state.js';
import { restrictionView } from './timeline.js';

/**
 * Appeals (RULES.md §5): one open per account, against the effective restriction when filed;
 * due 48 h after filing and overdue at 72 h; decided by support. Overturning undoes the
 * restriction and its strike, counts against the reporters, and marks a robot's false positive.
 */

export const APPEAL_OVERDUE_MS = 72 * 3600_000;
/** After a denied appeal, the next may be filed this much later. */
export const APPEAL_COOLDOWN_MS = 7 * DAY_MS;

export interface AppealView {
  id: string;
  accountId: string;
  state: 'open' | 'decided';
  outcome?: 'overturn' | 'uphold';
  text: string;
  email?: string;
  story: boolean;
  createdAt: string;
  dueAt: string;
  overdue: boolean;
  restriction: Record<string, unknown>;
  robot: boolean;
  rule?: string;
  decidedAt?: string;
}

type AppealRow = AppealsTable;

export function appealView(row: AppealRow, now: number): AppealView {
  const v: AppealView = {
    id: publicId('appeal', row.id),
    accountId: publicId('account', row.account_id),
    state: row.state as AppealView['state'],
    text: row.text,
    story: row.story === 1,
    createdAt: new Date(row.created_at).toISOString(),
    dueAt: new Date(row.due_at).toISOString(),
    overdue: row.state === 'open' && (row.overdue_at !== null || row.created_at + APPEAL_OVERDUE_MS <= now),
    restriction: JSON.parse(row.restriction) as Record<string, unknown>,
    robot: row.robot === 1,
  };
  if (row.outcome) v.outcome = row.outcome as AppealView['outcome'];
  if (row.email) v.email = row.email;
  if (row.rule) v.rule = row.rule;
  if (row.decided_at !== null) v.decidedAt = new Date(row.decided_at).toISOString();
  return v;
}

/** When the account may file its next appeal, if that is still ahead. */
export function nextAppealAt(e: Enforcement, accountId: number, now: number): number | null {
  const upheld = e.enforcement.lastUpheld.get(accountId);
  if (upheld === undefined) return null;
  const next = upheld + APPEAL_COOLDOWN_MS;
  return next > now ? next : null;
}

/**
 * Emits an appeal against the account's effective restriction now (SpamBot checked the rules).
 * Run under the account's key (`key.account`): one open appeal per account.
 */
export async function emitAppeal(
  e: Enforcement,
  change: Change,
  accountId: number,
  input: { text: string; email: string | null; story: boolean },
  now: number,
): Promise<{ appealId: number; dueAt: number }> {
  const eff = e.restrictions.refresh(accountId, now);
  const pgBan = e.restrictions.records(accountId).find((r) => r.state === 'public_groups_ban');
  const restrictionId = eff.restrictionId ?? pgBan?.id ?? null;
  const made = restrictionId ? await row(e.store, e.store.db.selectFrom('restrictions').select(['kind', 'rule']).where('id', '=', restrictionId)) : undefined;
  const robot = made?.kind === 'robot' || !!made?.rule;
  const appealId = e.ids.next('appeals');
  const dueAt = now + APPEAL_DUE_MS;
  const restriction = restrictionView(eff);
  const text = input.text.slice(0, 4000);
  change.emit(now, { kind: 'account', id: publicId('account', accountId) }, accountId, {
    type: 'appeal_filed',
    payload: { appealId, restrictionId, restriction, robot, rule: made?.rule || null, story: input.story, text, email: input.email, dueAt },
  });
  return { appealId, dueAt };
}

export async function loadAppeal(e: Enforcement, id: number): Promise<AppealRow> {
  const found = id > 0 ? await row(e.store, e.store.db.selectFrom('appeals').selectAll().where('id', '=', id)) : undefined;
  if (!found) fail('NOT_FOUND');
  return found;
}

/** The prefix of the mark (`once_keys`) of a decided appeal whose outcome SpamBot has not told yet. */
export const UNTOLD = 'appeal-untold:';
export const untoldKey = (appealId: number): string => `${UNTOLD}${appealId}`;

/**
 * Decides an appeal. Returns the decided appeal; the caller (SpamBot) tells the person.
 * Overturn: the restriction ends now, its strike goes, its reporters lose accuracy, and a robot
 * rule behind it records a false positive. Uphold: nothing changes (the next appeal waits 7 days).
 * Under the account's key: a second decision racing the first sees it decided.
 */
export async function decideAppeal(
  e: Enforcement,
  id: number,
  outcome: 'overturn' | 'uphold',
  note: string | null,
  staff: StaffActor,
  now: number,
): Promise<AppealRow> {
  const first = await loadAppeal(e, id);
  return e.serial.run([key.account(first.account_id)], async () => {
    const row = await loadAppeal(e, id);
    if (row.state !== 'open') fail('APPEAL_ALREADY_DECIDED');
    const a = row.account_id;
    const actor = staffActor(staff);
    const change = e.journal.change();
    if (outcome === 'overturn') await emitOverturn(e, change, row, actor, now);
    change.emit(now, actor, a, { type: 'appeal_decided', payload: { appealId: id, outcome, by: staff.ref, note } });
    // Until SpamBot's message tells the outcome (a write of its own), the appeal is marked untold.
    change.sql(
      e.store.db
        .insertInto('once_keys')
        .values({ key: untoldKey(id), at: now })
        .compile(),
    );
    await e.journal.commit(change);
    return loadAppeal(e, id);
  });
}

async function emitOverturn(e: Enforcement, change: Change, row: AppealRow, actor: Actor, now: number): Promise<void> {
  const a = row.account_id;
  const rid = row.restriction_id;
  if (rid !== null && e.restrictions.find(a, rid)) emitEnd(change, a, rid, 'appeal_overturned', 'appeal_overturned', actor, now);
  const strikes = e.enforcement.strikesOf(a).filter((s) => rid !== null && s.restrictionId === rid && !s.removed);
  for (const s of strikes) emitStrikeRemoval(e, change, a, s.id, 'appeal_overturned', actor, now);
  // The reports behind the overturned decision count against their reporters.
  const caseIds = strikes.map((s) => s.caseId).filter((c): c is number => c !== null);
  if (caseIds.length > 0) {
    const reporters = await rows(e.store, e.store.db.selectFrom('reports').select('reporter_id').distinct().where('case_id', 'in', caseIds));
    for (const { reporter_id } of reporters) {
      // A change, not totals: applied in commit order, it never races another reporter update.
      change.emit(now, actor, reporter_id, { type: 'reporter_accuracy', payload: { confirmedDelta: -1, dismissedDelta: 1, reason: 'appeal_overturned' } });
    }
  }
  if (row.rule) change.emit(now, actor, a, { type: 'robot_false_positive', payload: { rule: row.rule, appealId: row.id, restrictionId: rid } });
}

/** Open appeals: robot-made restrictions first, then oldest. */
export async function listAppeals(
  e: Enforcement,
  state: 'open' | 'decided' | undefined,
  limit: number,
  cursor: string | undefined,
  now: number,
): Promise<{ appeals: AppealView[]; nextCursor?: string }> {
  let q = e.store.db.selectFrom('appeals').selectAll();
  if (state) q = q.where('state', '=', state);
  if (cursor) {
    // This server's own form only ("<robot>.<id>", digits): anything else is no cursor of ours.
    const m = /^([01])\.([0-9]{1,15})$/.exec(cursor);
    const [r, i] = m ? [Number(m[1]), Number(m[2])] : [Number.NaN, Number.NaN];
    if (!Number.isSafeInteger(r) || !Number.isSafeInteger(i)) fail('BAD_REQUEST', { field: 'querystring.cursor', reason: 'not a cursor from this API' });
    q = q.where((eb) => eb.or([eb('robot', '<', r!), eb.and([eb('robot', '=', r!), eb('id', '>', i!)])]));
  }
  const found = await rows(
    e.store,
    q
      .orderBy('robot', 'desc')
      .orderBy('id', 'asc')
      .limit(limit + 1),
  );
  const page = found.slice(0, limit);
  const out: { appeals: AppealView[]; nextCursor?: string } = { appeals: page.map((r) => appealView(r, now)) };
  if (found.length > limit) out.nextCursor = `${page[page.length - 1]!.robot}.${page[page.length - 1]!.id}`;
  return out;
}

/** Marks an appeal overdue (scheduler). */
export function emitAppealOverdue(change: Change, id: number, account: number, at: number): void {
  change.emit(at, { kind: 'system' }, account, { type: 'appeal_overdue', payload: { appealId: id } });
}
