import { publicId, type IdKind } from '../store/ids.js';
import { DAY_MS } from './policy.js';
import type { Enforcement } from './state.js';

/**
 * An account as staff see it: its effective restriction, strikes and the events about it, in
 * order. Never message text, except evidence already attached to cases (which is not here).
 */

const ID_FIELDS: Record<string, IdKind> = {
  caseId: 'case',
  reportId: 'report',
  strikeId: 'strike',
  subjectId: 'account',
  reporterId: 'account',
  chatId: 'chat',
  appealId: 'appeal',
  ticketId: 'ticket',
};

function publicPayload(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) {
    const kind = ID_FIELDS[k];
    if (kind && typeof v === 'number' && v > 0) out[k] = publicId(kind, v);
    else if (k === 'evidence' && Array.isArray(v)) out.evidence = v.map((m) => publicId('message', m as number));
    else if ((k === 'reportIds' || k === 'attached') && Array.isArray(v)) out[k] = v.map((r) => publicId('report', r as number));
    else if (k === 'reporters' && Array.isArray(v)) out[k] = v.map((a) => publicId('account', a as number));
    else if ((k === 'until' || k === 'deleteAt' || k === 'expiresAt' || k === 'dueAt') && typeof v === 'number') out[k] = new Date(v).toISOString();
    else out[k] = v;
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

export async function accountEvents(e: Enforcement, accountId: number, limit = 500): Promise<Record<string, unknown>[]> {
  const rows = await e.store.all<{ id: number; at: number; type: string; actor_kind: string; actor_id: string | null; payload: string }>(
    e.store.db.selectFrom('events').select(['id', 'at', 'type', 'actor_kind', 'actor_id', 'payload']).where('account_id', '=', accountId).orderBy('id', 'desc').limit(limit),
  );
  return rows.reverse().map((r) => ({
    type: r.type,
    at: new Date(Number(r.at)).toISOString(),
    actor: r.actor_id ? { kind: r.actor_kind, id: r.actor_id } : { kind: r.actor_kind },
    ...publicPayload(JSON.parse(r.payload) as Record<string, unknown>),
  }));
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
