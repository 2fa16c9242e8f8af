/**
 * The sanctions ladder (RULES.md §4): each policy counts its own strikes, and the n-th strike
 * under a policy gets the n-th step (the last step repeats). Pure: the operator's file is
 * validated elsewhere and handed in.
 */

export type Step =
  | { action: 'limit'; hours: number }
  | { action: 'limit_permanent' }
  | { action: 'freeze' }
  | { action: 'ban' }
  | { action: 'takedown_public_groups_ban' };

export type Ladder = Record<string, Step[]>;

export const DEFAULT_LADDER: Ladder = {
  spam: [
    { action: 'limit', hours: 24 },
    { action: 'limit', hours: 72 },
    { action: 'limit', hours: 7 * 24 },
    { action: 'limit', hours: 30 * 24 },
    { action: 'limit_permanent' },
  ],
  scam: [{ action: 'freeze' }],
  violence: [{ action: 'takedown_public_groups_ban' }, { action: 'freeze' }],
  pornography: [{ action: 'takedown_public_groups_ban' }, { action: 'freeze' }],
  illegal_drugs: [{ action: 'takedown_public_groups_ban' }, { action: 'freeze' }],
  child_abuse: [{ action: 'ban' }],
  industrial_spam: [{ action: 'freeze' }],
};

/** What a confirmed case does to its subject. Times in ms. */
export interface Sanction {
  state: 'limited' | 'frozen' | 'banned' | 'free';
  kind?: string;
  until?: number | null;
  deleteAt?: number;
  publicGroupsBan?: boolean;
  takedown?: boolean;
  /** Which strike under the policy this is (1-based). */
  strike: number;
}

export interface LadderTimes {
  now: number;
  /** How long a frozen account waits before it is banned (ms). */
  freezeMs: number;
}

/** The sanction of the next strike under `policy`, given how many strikes still count. */
export function sanctionFor(ladder: Ladder, policy: string, countingStrikes: number, t: LadderTimes): Sanction {
  const steps = Object.hasOwn(ladder, policy) ? ladder[policy] : undefined;
  if (!steps || steps.length === 0) throw new RangeError(`no ladder for policy ${policy}`);
  const strike = countingStrikes + 1;
  const step = steps[Math.min(strike, steps.length) - 1]!;
  switch (step.action) {
    case 'limit':
      return { state: 'limited', kind: 'report', until: t.now + step.hours * 3600_000, strike };
    case 'limit_permanent':
      return { state: 'limited', kind: 'permanent', until: null, strike };
    case 'freeze':
      return { state: 'frozen', kind: policy, deleteAt: t.now + t.freezeMs, strike };
    case 'ban':
      return { state: 'banned', kind: policy, strike };
    case 'takedown_public_groups_ban':
      return { state: 'free', publicGroupsBan: true, takedown: true, strike };
  }
}

/** Strikes that still count at `now`: not removed, and younger than the strike lifetime. */
export function countingStrikes(
  strikes: readonly { policy: string; createdAt: number; removed: boolean }[],
  policy: string,
  now: number,
  lifetimeMs: number,
): number {
  let n = 0;
  for (const s of strikes) if (s.policy === policy && !s.removed && s.createdAt + lifetimeMs > now) n++;
  return n;
}
