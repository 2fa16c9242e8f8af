import { qs, type Api } from '../shared/api';

export interface CaseView {
  id: string;
  subject: { accountId: string; chatId?: string };
  state: 'open' | 'escalated' | 'closed';
  priority: number;
  reportCount: number;
  reasons: string[];
  createdAt: string;
  claimedBy?: string;
  openedBy?: string;
  decision?: string;
  policy?: string;
}

export interface QueueFilters {
  state?: string;
  policy?: string;
  reason?: string;
  origin?: string;
  place?: string;
  language?: string;
}

export const FILTER_KEYS = ['state', 'policy', 'reason', 'origin', 'place', 'language'] as const;
export const POLICIES = ['spam', 'scam', 'violence', 'pornography', 'illegal_drugs', 'child_abuse', 'industrial_spam'];
export const REASONS = ['spam', 'scam', 'violence', 'pornography', 'child_abuse', 'illegal_drugs', 'personal_details', 'fake', 'copyright', 'other'];

export function filtersFrom(search: URLSearchParams): QueueFilters {
  const f: QueueFilters = {};
  for (const k of FILTER_KEYS) {
    const v = search.get(k);
    if (v) f[k] = v;
  }
  return f;
}

/** Robot rules open cases under their own name (`opened_by`); reports open them with none. */
export function isRobotCase(c: CaseView): boolean {
  return Boolean(c.openedBy);
}

/** A page of the queue, every filter (origin, place and language too) applied by the server. */
export function fetchQueue(api: Api, f: QueueFilters, cursor?: string): Promise<{ cases: CaseView[]; nextCursor?: string }> {
  return api.get<{ cases: CaseView[]; nextCursor?: string }>(`/v1/moderation/cases${qs({ ...f, cursor, limit: 50 })}`);
}

export function decide(api: Api, id: string, action: 'confirm' | 'dismiss' | 'escalate', policy?: string, note?: string) {
  return api.post<{ case: CaseView; sanction?: Record<string, unknown> }>(`/v1/moderation/cases/${encodeURIComponent(id)}/decision`, {
    action,
    ...(policy ? { policy } : {}),
    ...(note ? { note } : {}),
  });
}

/** At most one case per subject in one bulk confirmation: each confirmed case is a strike. */
export function onePerSubject(cases: CaseView[]): { keep: CaseView[]; leftOut: CaseView[] } {
  const seen = new Set<string>();
  const keep: CaseView[] = [];
  const leftOut: CaseView[] = [];
  for (const c of cases) {
    if (seen.has(c.subject.accountId)) leftOut.push(c);
    else {
      seen.add(c.subject.accountId);
      keep.push(c);
    }
  }
  return { keep, leftOut };
}
