import type { CompiledQuery } from 'kysely';
import { fail } from '../domain/errors.js';
import { APPEAL_DUE_MS } from '../domain/spambot.js';
import { publicId } from '../store/ids.js';
import type { AppealsTable } from '../store/schema/appeals.js';
import { staffActor, type StaffActor } from './staff.js';
import { record } from './events.js';
import { reporterStatement } from './reporters.js';
import { DAY_MS } from './policy.js';
import { endStatements } from './restrictions.js';
import { removeStrikeStatements } from './sanctions.js';
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
    createdAt: new Date(Number(row.created_at)).toISOString(),
    dueAt: new Date(Number(row.due_at)).toISOString(),
    overdue: row.state === 'open' && (row.overdue_at !== null || Number(row.created_at) + APPEAL_OVERDUE_MS <= now),
    restriction: JSON.parse(row.restriction) as Record<string, unknown>,
    robot: row.robot === 1,
  };
  if (row.outcome) v.outcome = row.outcome as AppealView['outcome'];
  if (row.email) v.email = row.email;
  if (row.rule) v.rule = row.rule;
  if (row.decided_at !== null) v.decidedAt = new Date(Number(row.decided_at)).toISOString();
  return v;
}

/** When the account may file its next appeal, if that is still ahead. */
export function nextAppealAt(e: Enforcement, accountId: number, now: number): number | null {
  const upheld = e.enforcement.lastUpheld.get(accountId);
  if (upheld === undefined) return null;
  const next = upheld + APPEAL_COOLDOWN_MS;
  return next > now ? next : null;
}

/** Files an appeal against the account's effective restriction now (SpamBot checked the rules). */
export async function fileAppealStatements(
  e: Enforcement,
  accountId: number,
  input: { text: string; email: string | null; story: boolean },
  now: number,
): Promise<{ writes: CompiledQuery[]; appealId: number; dueAt: number }> {
  const eff = e.restrictions.refresh(accountId, now);
  const pgBan = e.restrictions.records(accountId).find((r) => r.state === 'public_groups_ban');
  const restrictionId = eff.restrictionId ?? pgBan?.id ?? null;
  const made = restrictionId
    ? await e.store.first<{ kind: string; rule: string | null }>(e.store.db.selectFrom('restrictions').select(['kind', 'rule']).where('id', '=', restrictionId))
    : undefined;
  const robot = made?.kind === 'robot' || !!made?.rule;
  const id = e.ids.next('appeals');
  const dueAt = now + APPEAL_DUE_MS;
  const restriction = restrictionView(eff);
  e.enforcement.openAppeals.set(accountId, { id, createdAt: now, dueAt, restrictionId });
  e.enforcement.overdue.push(now + APPEAL_OVERDUE_MS, { kind: 'appeal', id, account: accountId });
  const text = input.text.slice(0, 4000);
  return {
    appealId: id,
    dueAt,
    writes: [
      e.store.db
        .insertInto('appeals')
        .values({
          id,
          account_id: accountId,
          restriction_id: restrictionId,
          restriction: JSON.stringify(restriction),
          robot: robot ? 1 : 0,
          rule: made?.rule ?? null,
          story: input.story ? 1 : 0,
          text,
          email: input.email,
          state: 'open',
          outcome: null,
          created_at: now,
          due_at: dueAt,
          overdue_at: null,
          decided_at: null,
          decided_by: null,
          note: null,
        })
        .compile(),
      record(e, now, { kind: 'account', id: publicId('account', accountId) }, accountId, {
        type: 'appeal_filed',
        payload: { appealId: id, restrictionId, restriction, robot, rule: made?.rule ?? null, story: input.story, text, email: input.email, dueAt },
      }),
    ],
  };
}

export async function loadAppeal(e: Enforcement, id: number): Promise<AppealRow> {
  const row = id > 0 ? await e.store.first<AppealRow>(e.store.db.selectFrom('appeals').selectAll().where('id', '=', id)) : undefined;
  if (!row) fail('NOT_FOUND');
  return row;
}

/**
 * Decides an appeal. Returns the decided appeal; the caller (SpamBot) tells the person.
 * Overturn: the restriction ends now, its strike goes, its reporters lose accuracy, and a robot
 * rule behind it records a false positive. Uphold: nothing changes (the next appeal waits 7 days).
 */
/** Appeals being decided right now: a second decision racing the first must see it as decided. */
const deciding = new WeakMap<object, Set<number>>();

export async function decideAppeal(e: Enforcement, id: number, outcome: 'overturn' | 'uphold', note: string | null, staff: StaffActor, now: number): Promise<AppealRow> {
  const row = await loadAppeal(e, id);
  let inFlight = deciding.get(e.enforcement);
  if (!inFlight) deciding.set(e.enforcement, (inFlight = new Set()));
  // Checked and claimed in one synchronous step: the decision's write is committed later.
  if (row.state !== 'open' || inFlight.has(id)) fail('APPEAL_ALREADY_DECIDED');
  inFlight.add(id);
  try {
    return await decideOpenAppeal(e, row, outcome, note, staff, now);
  } finally {
    inFlight.delete(id);
  }
}

async function decideOpenAppeal(e: Enforcement, row: AppealRow, outcome: 'overturn' | 'uphold', note: string | null, staff: StaffActor, now: number): Promise<AppealRow> {
  const id = row.id;
  const a = row.account_id;
  const actor = staffActor(staff);
  const writes: CompiledQuery[] = [];
  if (outcome === 'overturn') {
    writes.push(...(await overturnStatements(e, row, actor, now)));
    e.enforcement.manualDecisionAt.set(a, now);
  }
  else e.enforcement.lastUpheld.set(a, now);
  if (e.enforcement.openAppeals.get(a)?.id === id) e.enforcement.openAppeals.delete(a);
  writes.push(
    e.store.db.updateTable('appeals').set({ state: 'decided', outcome, decided_at: now, decided_by: staff.ref, note }).where('id', '=', id).compile(),
    record(e, now, actor, a, { type: 'appeal_decided', payload: { appealId: id, outcome, by: staff.ref, note } }),
  );
  await e.store.write(writes);
  // A frozen account kept past its deletion time by this appeal is deleted now that it is upheld.
  for (const r of e.restrictions.records(a)) {
    if (r.state === 'frozen' && r.deleteAt !== null && r.deleteAt <= now) e.restrictions.due.push(now, { account: a, restrictionId: r.id, kind: 'freeze_end' });
  }
  return loadAppeal(e, id);
}

async function overturnStatements(e: Enforcement, row: AppealRow, actor: ReturnType<typeof staffActor>, now: number): Promise<CompiledQuery[]> {
  const a = row.account_id;
  const writes: CompiledQuery[] = [];
  const rid = row.restriction_id;
  if (rid !== null && e.restrictions.find(a, rid)) writes.push(...endStatements(e, a, rid, 'appeal_overturned', actor, now));
  const strikes = e.enforcement.strikesOf(a).filter((s) => rid !== null && s.restrictionId === rid && !s.removed);
  for (const s of strikes) writes.push(...removeStrikeStatements(e, a, s.id, 'appeal_overturned', actor, now));
  // The reports behind the overturned decision count against their reporters.
  const caseIds = strikes.map((s) => s.caseId).filter((c): c is number => c !== null);
  if (caseIds.length > 0) {
    const reporters = await e.store.all<{ reporter_id: number }>(e.store.db.selectFrom('reports').select('reporter_id').distinct().where('case_id', 'in', caseIds));
    for (const { reporter_id } of reporters) {
      const rec = { ...e.enforcement.reporter(reporter_id) };
      rec.confirmed = Math.max(0, rec.confirmed - 1);
      rec.dismissed++;
      writes.push(
        reporterStatement(e, reporter_id, rec),
        record(e, now, actor, reporter_id, { type: 'reporter_accuracy', payload: { confirmed: rec.confirmed, dismissed: rec.dismissed, reason: 'appeal_overturned' } }),
      );
    }
  }
  if (row.rule) writes.push(record(e, now, actor, a, { type: 'robot_false_positive', payload: { rule: row.rule, appealId: row.id, restrictionId: rid } }));
  return writes;
}

/** Open appeals: robot-made restrictions first, then oldest. */
export async function listAppeals(e: Enforcement, state: 'open' | 'decided' | undefined, limit: number, cursor: string | undefined, now: number): Promise<{ appeals: AppealView[]; nextCursor?: string }> {
  let q = e.store.db.selectFrom('appeals').selectAll();
  if (state) q = q.where('state', '=', state);
  if (cursor) {
    const [r, i] = cursor.split('.').map(Number);
    if (!Number.isInteger(r) || !Number.isInteger(i)) fail('BAD_REQUEST', { field: 'querystring.cursor', reason: 'not a cursor from this API' });
    q = q.where((eb) => eb.or([eb('robot', '<', r!), eb.and([eb('robot', '=', r!), eb('id', '>', i!)])]));
  }
  const rows = await e.store.all<AppealRow>(q.orderBy('robot', 'desc').orderBy('id', 'asc').limit(limit + 1));
  const page = rows.slice(0, limit);
  const out: { appeals: AppealView[]; nextCursor?: string } = { appeals: page.map((r) => appealView(r, now)) };
  if (rows.length > limit) out.nextCursor = `${page[page.length - 1]!.robot}.${page[page.length - 1]!.id}`;
  return out;
}

/** Marks an appeal overdue (scheduler). */
export function appealOverdueStatements(e: Enforcement, id: number, account: number, at: number): CompiledQuery[] {
  return [
    e.store.db.updateTable('appeals').set({ overdue_at: at }).where('id', '=', id).where('state', '=', 'open').compile(),
    record(e, at, { kind: 'system' }, account, { type: 'appeal_overdue', payload: { appealId: id } }),
  ];
}
