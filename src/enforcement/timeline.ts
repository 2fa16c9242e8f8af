import { fail } from '../domain/errors.js';
import type { EventType } from '../events/index.js';
import { publicId, type IdKind } from '../store/ids.js';
import { rows } from '../store/read.js';
import type { StaffRole } from './staff.js';
import { DAY_MS } from './policy.js';
import type { Enforcement } from './state.js';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/database.js';

/**
 * An account as staff see it: its effective restriction, strikes and the events about it, newest
 * first. Never message text: evidence is read only through the case view, where it is recorded.
 */

/**
 * What each event type shows in a timeline: the payload fields listed here, nothing else (no
 * message text, no token hash, nothing added to a payload later by accident). `private` fields
 * (appeal and ticket texts, contact addresses) are shown only to `support` and `admin`.
 */
interface EventView {
  fields: readonly string[];
  private?: readonly string[];
}

// `signals`: what a robot rule read when it acted (name, value, threshold, note): staff only,
// like the whole timeline; the person's own views (/v1/me, SpamBot) never show them.
const RESTRICTION: EventView = { fields: ['restrictionId', 'state', 'kind', 'until', 'deleteAt', 'caseId', 'rule', 'signals'] };
const ENDED: EventView = { fields: ['restrictionId', 'reason', 'cause'] };

export const EVENT_VIEWS: Record<EventType, EventView> = {
  account_created: { fields: ['numberKind', 'name', 'username', 'language'] },
  account_updated: { fields: ['name', 'username', 'previousUsername', 'language'] },
  privacy_changed: { fields: ['findByPhone', 'phoneVisibility', 'chatInvites', 'newChats'] },
  account_deleted: { fields: ['restrictionAtDeletion', 'kind'] },
  // A session was issued: by whom is the event's actor; the hash is never shown.
  token_issued: { fields: ['staffId', 'role'] },
  // Sessions ended (signed out, or all revoked by the platform); the hash is never shown.
  tokens_revoked: { fields: ['scope'] },
  // Whom the account saved or blocked; the names it gave them and numbers it looked up are its own.
  contact_added: { fields: ['contactId'] },
  contact_removed: { fields: ['contactId'] },
  pending_contact_added: { fields: [] },
  pending_contact_resolved: { fields: ['contactId'] },
  pending_contact_dropped: { fields: [] },
  block_added: { fields: ['blockedId'] },
  block_removed: { fields: ['blockedId'] },
  chat_started: { fields: ['chatId', 'other'] },
  chat_written: { fields: ['chatId', 'other'] },
  group_created: { fields: ['chatId', 'kind', 'title', 'public'] },
  member_added: { fields: ['chatId', 'memberId'] },
  member_left: { fields: ['chatId', 'memberId'] },
  member_banned: { fields: ['chatId', 'memberId'] },
  member_role_changed: { fields: ['chatId', 'memberId', 'role'] },
  staff_created: { fields: ['staffId', 'role'] },
  staff_deleted: { fields: ['staffId'] },
  legacy_row: { fields: ['table'] },
  // Evidence: the message ids only; the texts are read through the (recorded) case view.
  report_filed: {
    fields: ['reportId', 'reporterId', 'subjectId', 'chatId', 'kind', 'reason', 'weight', 'stranger', 'adminReport', 'member', 'caseId', 'evidence'],
  },
  case_opened: { fields: ['caseId', 'subjectId', 'chatId', 'openedBy', 'signals'] },
  case_updated: { fields: ['caseId', 'priority', 'reportCount', 'reasons', 'attached', 'rule', 'signals'] },
  case_claimed: { fields: ['caseId', 'by'] },
  case_released: { fields: ['caseId'] },
  evidence_viewed: { fields: ['caseId', 'by'] },
  decision: { fields: ['caseId', 'action', 'policy', 'by', 'note', 'reportIds', 'reporters'] },
  strike_added: { fields: ['strikeId', 'policy', 'caseId', 'restrictionId', 'expiresAt'] },
  strike_removed: { fields: ['strikeId', 'reason'] },
  strike_expired: { fields: ['strikeId'] },
  restriction_applied: RESTRICTION,
  account_frozen: RESTRICTION,
  account_banned: RESTRICTION,
  restriction_lifted: ENDED,
  restriction_expired: ENDED,
  number_banned: { fields: ['phone'] },
  number_unbanned: { fields: ['phone'] },
  number_flagged: { fields: ['phone', 'reason', 'flag'] },
  reporter_muted: { fields: ['muted', 'by'] },
  reporter_accuracy: { fields: ['confirmed', 'dismissed', 'confirmedDelta', 'dismissedDelta', 'reason'] },
  content_taken_down: { fields: ['caseId', 'chatId', 'messageIds'] },
  robot_flag: { fields: ['rule', 'note', 'signals'] },
  robot_shadow: { fields: ['rule', 'effect', 'why', 'signals'] },
  robot_false_positive: { fields: ['rule', 'appealId', 'restrictionId'] },
  appeal_filed: { fields: ['appealId', 'restrictionId', 'restriction', 'robot', 'rule', 'story', 'dueAt'], private: ['text', 'email'] },
  appeal_decided: { fields: ['appealId', 'outcome', 'by'], private: ['note'] },
  appeal_overdue: { fields: ['appealId'] },
  ticket_opened: { fields: ['ticketId', 'source', 'dueAt'], private: ['fromEmail', 'subject', 'text'] },
  ticket_updated: { fields: ['ticketId'], private: ['text'] },
  ticket_answered: { fields: ['ticketId', 'by'], private: ['answer'] },
  ticket_reopened: { fields: ['ticketId', 'via', 'dueAt', 'answeredAt'], private: ['text'] },
  ticket_overdue: { fields: ['ticketId', 'dueAt'] },
  ticket_closed: { fields: ['ticketId', 'by'], private: ['note'] },
  // Addresses are contact details: support and admin only; codes never enter the log.
  email_verification_started: { fields: ['expiresAt'], private: ['address'] },
  email_code_rejected: { fields: ['attempts'], private: ['address'] },
  email_verified: { fields: [], private: ['address'] },
  // The CRM gateway (src/crm): connections belong to the business account's timeline; jobs name
  // no account, and a message's text or the client's number is never shown.
  crm_connected: { fields: ['scopeId', 'channelId', 'amojoAccountId'] },
  crm_disconnected: { fields: ['scopeId'] },
  crm_paused: { fields: ['scopeId', 'reason'] },
  crm_resumed: { fields: ['scopeId'] },
  crm_job_received: { fields: ['scopeId', 'msgid'] },
  crm_inbound_received: { fields: ['scopeId', 'msgid'] },
  crm_job_held: { fields: ['scopeId', 'msgid', 'until'] },
  crm_job_sent: { fields: ['scopeId', 'msgid', 'firstContact'] },
  crm_job_failed: { fields: ['scopeId', 'msgid', 'reason', 'errorCode'] },
  crm_job_reported: { fields: ['scopeId', 'msgid'] },
  crm_conversation_opened: { fields: ['scopeId'] },
  crm_conversation_linked: { fields: ['scopeId'] },
  // The manual clock of several nodes; it names no account.
  clock_set: { fields: ['at'] },
};

/** Roles that read appeal and ticket texts (RULES.md §4: support handles appeals and tickets). */
const READS_PRIVATE: readonly StaffRole[] = ['support', 'admin'];

const ID_FIELDS: Record<string, IdKind> = {
  caseId: 'case',
  reportId: 'report',
  strikeId: 'strike',
  restrictionId: 'restriction',
  staffId: 'staff',
  subjectId: 'account',
  reporterId: 'account',
  chatId: 'chat',
  appealId: 'appeal',
  ticketId: 'ticket',
  contactId: 'account',
  blockedId: 'account',
  memberId: 'account',
  other: 'account',
};
const ID_LISTS: Record<string, IdKind> = { evidence: 'message', messageIds: 'message', reportIds: 'report', attached: 'report', reporters: 'account' };
const TIMES = new Set(['until', 'deleteAt', 'expiresAt', 'dueAt', 'answeredAt']);

/**
 * A signal as staff see it. A value that was not a finite number when recorded (JSON keeps
 * Infinity and NaN as null) shows as null.
 */
export interface SignalView {
  name: string;
  value: number | null;
  threshold: number | null;
  note?: string;
}

const finite = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** Signals as staff see them: the four fields of each, whatever else a payload might hold. */
export function signalsView(v: unknown): SignalView[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: SignalView[] = [];
  for (const x of v) {
    if (typeof x !== 'object' || x === null) continue;
    const s = x as Record<string, unknown>;
    if (typeof s.name !== 'string') continue;
    out.push({
      name: s.name,
      value: finite(s.value),
      threshold: finite(s.threshold),
      ...(typeof s.note === 'string' ? { note: s.note } : {}),
    });
  }
  return out;
}

function shownValue(k: string, v: unknown): unknown {
  if (k === 'signals') return signalsView(v);
  // No rule made it (a person's decision): the field is absent, never `""` or null.
  if (k === 'rule' && !v) return undefined;
  const kind = ID_FIELDS[k];
  // A private case has no chat (chat 0 inside): the field is absent, never `0`.
  if (kind) return typeof v === 'number' ? (v > 0 ? publicId(kind, v) : undefined) : v === null ? undefined : v;
  const list = ID_LISTS[k];
  if (list && Array.isArray(v)) {
    return v
      .map((x) =>
        typeof x === 'number' ? x : typeof x === 'object' && x !== null && typeof (x as { id?: unknown }).id === 'number' ? (x as { id: number }).id : 0,
      )
      .filter((n) => n > 0)
      .map((n) => publicId(list, n));
  }
  if (TIMES.has(k) && typeof v === 'number') return new Date(v).toISOString();
  return v;
}

/** An event's payload as `role` may see it. */
export function eventView(type: string, payload: Record<string, unknown>, role: StaffRole): Record<string, unknown> {
  const view = EVENT_VIEWS[type as EventType];
  const out: Record<string, unknown> = {};
  if (!view) return out;
  const fields = READS_PRIVATE.includes(role) && view.private ? [...view.fields, ...view.private] : view.fields;
  for (const k of fields) {
    if (!(k in payload)) continue;
    const v = shownValue(k, payload[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export interface StrikeView {
  id: string;
  policy: string;
  caseId?: string;
  createdAt: string;
  expiresAt: string;
  counting: boolean;
  removed: boolean;
}

export function strikeViews(e: Enforcement, accountId: number, now: number): StrikeView[] {
  const lifetime = e.policy.strikeLifetimeDays * DAY_MS;
  return e.enforcement.strikesOf(accountId).map((s) => ({
    id: publicId('strike', s.id),
    policy: s.policy,
    ...(s.caseId ? { caseId: publicId('case', s.caseId) } : {}),
    createdAt: new Date(s.createdAt).toISOString(),
    expiresAt: new Date(s.expiresAt).toISOString(),
    counting: !s.removed && s.createdAt + lifetime > now,
    removed: s.removed,
  }));
}

function encodeEventCursor(id: number): string {
  return Buffer.from(`e:${id}`).toString('base64url');
}

function decodeEventCursor(cursor: string): number {
  const m = /^e:([1-9][0-9]{0,14})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) fail('BAD_REQUEST', { field: 'querystring.cursor', reason: 'not a cursor from this API' });
  return Number(m[1]);
}

/**
 * The account's timeline, newest first, a page at a time (events_account: account_id, id), each
 * event as `role` may see it.
 */
/** One page of an account's events, newest first, from before event `beforeId` when given (the events_account index). */
export function timelineQuery(db: Kysely<Database>, accountId: number, limit: number, beforeId?: number) {
  let q = db.selectFrom('events').select(['id', 'at', 'type', 'actor_kind', 'actor_id', 'payload']).where('account_id', '=', accountId);
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  return q.orderBy('id', 'desc').limit(limit);
}

export async function accountEvents(
  e: Enforcement,
  accountId: number,
  role: StaffRole,
  limit: number,
  cursor?: string,
): Promise<{ events: Record<string, unknown>[]; nextCursor?: string }> {
  const found = await rows(e.store, timelineQuery(e.store.db, accountId, limit + 1, cursor === undefined ? undefined : decodeEventCursor(cursor)));
  const page = found.slice(0, limit);
  const out: { events: Record<string, unknown>[]; nextCursor?: string } = {
    events: page.map((r) => ({
      ...eventView(r.type, JSON.parse(r.payload) as Record<string, unknown>, role),
      id: `e${r.id}`,
      type: r.type,
      at: new Date(r.at).toISOString(),
      actor: r.actor_id ? { kind: r.actor_kind, id: r.actor_id } : { kind: r.actor_kind },
    })),
  };
  if (found.length > limit) out.nextCursor = encodeEventCursor(page[page.length - 1]!.id);
  return out;
}

/** The effective restriction as the API shows it: `{state, kind?, until?, deleteAt?, publicGroupsBan}`. */
export function restrictionView(r: import('../domain/restriction.js').EffectiveRestriction): Record<string, unknown> {
  const v: Record<string, unknown> = { state: r.state };
  if (r.kind !== undefined) v.kind = r.kind;
  if (r.state === 'limited') v.until = r.until === null || r.until === undefined ? null : new Date(r.until).toISOString();
  if (r.deleteAt !== undefined) v.deleteAt = new Date(r.deleteAt).toISOString();
  v.publicGroupsBan = r.publicGroupsBan;
  return v;
}

/** What a robot did about an account, and the signals that made it: one entry per robot event. */
export interface RobotFinding {
  at: string;
  rule: string;
  /** The event that recorded it: restriction_applied, account_frozen, case_opened, case_updated, robot_flag, robot_shadow. */
  event: string;
  /** The case it opened or raised, when it did. */
  caseId?: string;
  /** Shadow records: why it was not done (shadow, daily_cap, manual_decision), and what would have been. */
  why?: string;
  effect?: Record<string, unknown>;
  /** Flags: the rule's note. */
  note?: string;
  signals: SignalView[];
}

/** Robot rules write their own events (actor kind `robot`); these are the ones that say why. */
const FINDINGS = new Set(['restriction_applied', 'account_frozen', 'account_banned', 'case_opened', 'case_updated', 'robot_flag', 'robot_shadow']);

/**
 * The robots' findings about an account, newest first (at most `limit`): what each rule did or
 * would have done, with the signals that fired. Staff only (the case view); events older than
 * signals show an empty list.
 */
export async function robotFindings(e: Enforcement, accountId: number, limit = 20): Promise<RobotFinding[]> {
  const found = await rows(
    e.store,
    e.store.db
      .selectFrom('events')
      .select(['at', 'type', 'actor_id', 'payload'])
      .where('account_id', '=', accountId)
      .where('actor_kind', '=', 'robot')
      .where('type', 'in', [...FINDINGS] as EventType[])
      .orderBy('id', 'desc')
      .limit(limit),
  );
  const out: RobotFinding[] = [];
  for (const r of found) {
    const p = JSON.parse(r.payload) as Record<string, unknown>;
    // A case's own first update (with its opening) says nothing new: only a raise names its rule.
    if (r.type === 'case_updated' && typeof p.rule !== 'string') continue;
    const rule = typeof p.rule === 'string' ? p.rule : typeof p.openedBy === 'string' ? p.openedBy : (r.actor_id ?? '');
    const f: RobotFinding = { at: new Date(r.at).toISOString(), rule, event: r.type, signals: signalsView(p.signals) ?? [] };
    if (typeof p.caseId === 'number' && p.caseId > 0) f.caseId = publicId('case', p.caseId);
    if (typeof p.why === 'string') f.why = p.why;
    if (typeof p.effect === 'object' && p.effect !== null) f.effect = p.effect as Record<string, unknown>;
    if (typeof p.note === 'string') f.note = p.note;
    out.push(f);
  }
  return out;
}

/** A shadow result or a false positive an appeal found, for the robots page. */
export interface RobotRecord {
  id: string;
  at: string;
  kind: 'shadow' | 'false_positive';
  rule: string;
  accountId?: string;
  /** Shadow results: what the rule would have done, why it did not, and the signals that fired. */
  effect?: Record<string, unknown>;
  why?: string;
  signals?: SignalView[];
  /** False positives: the appeal that overturned the robot, and the restriction it lifted. */
  appealId?: string;
  restrictionId?: string;
}

const RECORD_TYPE = { shadow: 'robot_shadow', false_positive: 'robot_false_positive' } as const;

/**
 * Shadow results and false positives, newest first, a page at a time (`before`: an event id).
 * The literal type list is the partial index's own term (migration 2026-12-02T02:30), so the
 * query reads that index, never the whole log.
 */
export async function robotRecords(
  e: Enforcement,
  kind: 'shadow' | 'false_positive' | undefined,
  limit: number,
  before?: number,
): Promise<{ records: RobotRecord[]; nextCursor?: string }> {
  let q = e.store.db
    .selectFrom('events')
    .select(['id', 'at', 'type', 'account_id', 'payload'])
    .where(sql<boolean>`"type" in ('robot_false_positive', 'robot_shadow')`);
  if (kind) q = q.where('type', '=', RECORD_TYPE[kind]);
  if (before !== undefined) q = q.where('id', '<', before);
  const found = await rows(e.store, q.orderBy('id', 'desc').limit(limit + 1));
  const page = found.slice(0, limit);
  const records = page.map((r): RobotRecord => {
    const p = JSON.parse(r.payload) as Record<string, unknown>;
    const rec: RobotRecord = {
      id: `e${r.id}`,
      at: new Date(r.at).toISOString(),
      kind: r.type === 'robot_shadow' ? 'shadow' : 'false_positive',
      rule: typeof p.rule === 'string' ? p.rule : '',
    };
    if (r.account_id) rec.accountId = publicId('account', r.account_id);
    if (r.type === 'robot_shadow') {
      if (typeof p.effect === 'object' && p.effect !== null) rec.effect = p.effect as Record<string, unknown>;
      if (typeof p.why === 'string') rec.why = p.why;
      rec.signals = signalsView(p.signals) ?? [];
    } else {
      if (typeof p.appealId === 'number') rec.appealId = publicId('appeal', p.appealId);
      if (typeof p.restrictionId === 'number') rec.restrictionId = publicId('restriction', p.restrictionId);
    }
    return rec;
  });
  return { records, ...(found.length > limit ? { nextCursor: String(page[page.length - 1]!.id) } : {}) };
}
