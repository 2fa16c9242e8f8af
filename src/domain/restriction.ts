/**
 * Restrictions are separate records; an account's effective state is the strongest active one
 * (RULES.md §4): banned > frozen > limited; among limits one without an end beats one with an
 * end, and of two ends the later wins. The public-groups ban is carried beside the state.
 */

export type RestrictionState = 'limited' | 'frozen' | 'banned' | 'public_groups_ban';
export type LimitKind = 'report' | 'robot' | 'number' | 'permanent';

export interface RestrictionRecord {
  id: number;
  state: RestrictionState;
  /** For limits, the LimitKind; for frozen and banned, the policy. */
  kind: string;
  /** End of a limit (ms); null when it has none. */
  until: number | null;
  /** When a frozen account becomes banned (ms). */
  deleteAt: number | null;
}

export interface EffectiveRestriction {
  state: 'free' | 'limited' | 'frozen' | 'banned';
  kind?: string;
  until?: number | null;
  deleteAt?: number;
  publicGroupsBan: boolean;
  /** The record that decides the state (absent when free). */
  restrictionId?: number;
}

export const FREE: EffectiveRestriction = Object.freeze({ state: 'free', publicGroupsBan: false });

/** A record still in force at `now`. Frozen and banned records end only by being lifted. */
export function isActive(r: RestrictionRecord, now: number): boolean {
  if (r.state === 'limited') return r.until === null || r.until > now;
  return true;
}

const RANK: Record<RestrictionState, number> = { public_groups_ban: 0, limited: 1, frozen: 2, banned: 3 };

/**
 * Whether `a` is a stronger restriction than `b` (both active). Of two freezes, the one deleting
 * the account first: it is the one that bans it, so its `deleteAt` is the date shown (a later
 * freeze never postpones the deletion).
 */
export function stronger(a: RestrictionRecord, b: RestrictionRecord): boolean {
  if (RANK[a.state] !== RANK[b.state]) return RANK[a.state] > RANK[b.state];
  if (a.state === 'frozen') {
    const da = a.deleteAt ?? Infinity;
    const db = b.deleteAt ?? Infinity;
    return da !== db ? da < db : a.id > b.id;
  }
  if (a.state !== 'limited') return a.id > b.id;
  const ua = a.until ?? Infinity;
  const ub = b.until ?? Infinity;
  return ua !== ub ? ua > ub : a.id > b.id;
}

export function effectiveRestriction(records: readonly RestrictionRecord[], now: number): EffectiveRestriction {
  let best: RestrictionRecord | undefined;
  let publicGroupsBan = false;
  for (const r of records) {
    if (!isActive(r, now)) continue;
    if (r.state === 'public_groups_ban') {
      publicGroupsBan = true;
      continue;
    }
    if (!best || stronger(r, best)) best = r;
  }
  if (!best) return publicGroupsBan ? { state: 'free', publicGroupsBan } : FREE;
  const out: EffectiveRestriction = { state: best.state as EffectiveRestriction['state'], kind: best.kind, publicGroupsBan, restrictionId: best.id };
  if (best.state === 'limited') out.until = best.until;
  if (best.state === 'frozen' && best.deleteAt !== null) out.deleteAt = best.deleteAt;
  return out;
}

/** The end of the strongest active limit among the records (0 when none; Infinity without end). */
export function limitEnd(records: readonly RestrictionRecord[], now: number): number {
  let end = 0;
  for (const r of records) {
    if (r.state !== 'limited' || !isActive(r, now)) continue;
    end = Math.max(end, r.until ?? Infinity);
  }
  return end;
}
