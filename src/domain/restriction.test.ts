import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FREE, effectiveRestriction, isActive, limitEnd, stronger, type RestrictionRecord } from './restriction.js';

const NOW = 1_750_000_000_000;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let nextId = 1;
function rec(partial: Partial<RestrictionRecord> & Pick<RestrictionRecord, 'state'>): RestrictionRecord {
  return { id: nextId++, kind: partial.state === 'limited' ? 'report' : 'spam', until: null, deleteAt: null, ...partial };
}
const limited = (until: number | null, kind = until === null ? 'permanent' : 'report', id?: number): RestrictionRecord =>
  rec({ state: 'limited', kind, until, ...(id === undefined ? {} : { id }) });
const frozen = (deleteAt: number | null = NOW + 14 * DAY, kind = 'scam'): RestrictionRecord => rec({ state: 'frozen', kind, deleteAt });
const banned = (kind = 'child_abuse'): RestrictionRecord => rec({ state: 'banned', kind });
const pgb = (): RestrictionRecord => rec({ state: 'public_groups_ban', kind: 'violence' });

describe('effectiveRestriction: the state', () => {
  it('no records → free, no public-groups ban, nothing else exposed', () => {
    const e = effectiveRestriction([], NOW);
    expect(e).toEqual({ state: 'free', publicGroupsBan: false });
    expect(FREE).toEqual({ state: 'free', publicGroupsBan: false });
  });

  it('banned > frozen > limited, whatever the order and ids of the records', () => {
    const l = limited(null);
    const f = frozen();
    const b = banned();
    for (const records of [
      [l, f, b],
      [b, f, l],
      [f, b, l],
      [l, b, f],
    ]) {
      expect(effectiveRestriction(records, NOW).state).toBe('banned');
      expect(effectiveRestriction(records, NOW).restrictionId).toBe(b.id);
    }
    expect(effectiveRestriction([l, f], NOW).state).toBe('frozen');
    expect(effectiveRestriction([f, l], NOW).state).toBe('frozen');
    // an older frozen record still beats a newer permanent limit
    const newerLimit = limited(null, 'permanent', 10_000);
    const olderFrozen = rec({ state: 'frozen', kind: 'scam', deleteAt: NOW + DAY, id: 1 });
    expect(effectiveRestriction([newerLimit, olderFrozen], NOW).restrictionId).toBe(1);
  });

  it('a limited account shows its kind, its until and the deciding record', () => {
    const l = limited(NOW + DAY, 'robot');
    expect(effectiveRestriction([l], NOW)).toEqual({ state: 'limited', kind: 'robot', until: NOW + DAY, publicGroupsBan: false, restrictionId: l.id });
  });

  it('a limit without end shows until: null', () => {
    const l = limited(null, 'number');
    const e = effectiveRestriction([l], NOW);
    expect(e.state).toBe('limited');
    expect(e.kind).toBe('number');
    expect(e).toHaveProperty('until', null);
    expect(e).not.toHaveProperty('deleteAt');
  });

  it('a frozen account shows its policy as kind and its deleteAt, no until', () => {
    const f = frozen(NOW + 14 * DAY, 'industrial_spam');
    const e = effectiveRestriction([f], NOW);
    expect(e).toEqual({ state: 'frozen', kind: 'industrial_spam', deleteAt: NOW + 14 * DAY, publicGroupsBan: false, restrictionId: f.id });
    expect(e).not.toHaveProperty('until');
  });

  it('a frozen record without deleteAt exposes none', () => {
    expect(effectiveRestriction([frozen(null)], NOW)).not.toHaveProperty('deleteAt');
  });

  it('a banned account shows its policy, no until and no deleteAt', () => {
    const b = banned('child_abuse');
    const e = effectiveRestriction([b, limited(NOW + DAY)], NOW);
    expect(e).toEqual({ state: 'banned', kind: 'child_abuse', publicGroupsBan: false, restrictionId: b.id });
  });
});

describe('effectiveRestriction: among limits', () => {
  it('one without an end beats one with an end, however late', () => {
    const forever = limited(null, 'permanent');
    const late = limited(NOW + 1000 * DAY, 'report');
    expect(effectiveRestriction([forever, late], NOW).restrictionId).toBe(forever.id);
    expect(effectiveRestriction([late, forever], NOW).restrictionId).toBe(forever.id);
    expect(effectiveRestriction([late, forever], NOW).until).toBeNull();
  });

  it('of two with ends, the later end wins, whatever the order', () => {
    const early = limited(NOW + DAY);
    const later = limited(NOW + 3 * DAY);
    expect(effectiveRestriction([early, later], NOW).until).toBe(NOW + 3 * DAY);
    expect(effectiveRestriction([later, early], NOW).until).toBe(NOW + 3 * DAY);
    // even when the later-ending record is the older one
    const oldLong = limited(NOW + 7 * DAY, 'report', 1);
    const newShort = limited(NOW + DAY, 'robot', 99_999);
    const e = effectiveRestriction([newShort, oldLong], NOW);
    expect(e.restrictionId).toBe(1);
    expect(e.kind).toBe('report');
  });

  it('equal ends: the newer record decides', () => {
    const a = limited(NOW + DAY, 'report', 5);
    const b = limited(NOW + DAY, 'robot', 6);
    expect(effectiveRestriction([a, b], NOW).kind).toBe('robot');
    expect(effectiveRestriction([b, a], NOW).kind).toBe('robot');
  });
});

describe('effectiveRestriction: expiry', () => {
  it('a limit ending exactly now, or earlier, is ignored', () => {
    expect(effectiveRestriction([limited(NOW)], NOW)).toEqual(FREE);
    expect(effectiveRestriction([limited(NOW - 1)], NOW)).toEqual(FREE);
    expect(effectiveRestriction([limited(NOW + 1)], NOW).state).toBe('limited');
  });

  it('an expired limit with a later end does not beat an active one', () => {
    const expired = limited(NOW - HOUR);
    const active = limited(NOW + HOUR);
    expect(effectiveRestriction([expired, active], NOW).restrictionId).toBe(active.id);
    expect(effectiveRestriction([active, expired], NOW).until).toBe(NOW + HOUR);
  });

  it('frozen and banned records are active until lifted, even past deleteAt', () => {
    expect(effectiveRestriction([frozen(NOW - DAY)], NOW).state).toBe('frozen');
    expect(isActive(frozen(NOW - DAY), NOW)).toBe(true);
    expect(isActive(banned(), NOW + 1000 * DAY)).toBe(true);
    expect(isActive(pgb(), NOW + 1000 * DAY)).toBe(true);
    expect(isActive(limited(null), NOW + 1000 * DAY)).toBe(true);
    expect(isActive(limited(NOW), NOW)).toBe(false);
  });
});

describe('effectiveRestriction: public-groups ban', () => {
  it('alone: the state stays free, with publicGroupsBan true', () => {
    const e = effectiveRestriction([pgb()], NOW);
    expect(e).toEqual({ state: 'free', publicGroupsBan: true });
  });

  it('is carried beside any other state and never decides it', () => {
    for (const other of [limited(NOW + DAY), frozen(), banned()]) {
      const e = effectiveRestriction([pgb(), other], NOW);
      expect(e.state).toBe(other.state);
      expect(e.restrictionId).toBe(other.id);
      expect(e.publicGroupsBan).toBe(true);
    }
  });

  it('is carried even when the limit beside it expired', () => {
    expect(effectiveRestriction([limited(NOW - 1), pgb()], NOW)).toEqual({ state: 'free', publicGroupsBan: true });
  });

  it('does not mutate the shared FREE object', () => {
    effectiveRestriction([pgb()], NOW);
    expect(FREE.publicGroupsBan).toBe(false);
    expect(Object.isFrozen(FREE)).toBe(true);
  });
});

describe('stronger', () => {
  it('ranks by state first', () => {
    expect(stronger(banned(), frozen())).toBe(true);
    expect(stronger(frozen(), banned())).toBe(false);
    expect(stronger(frozen(), limited(null))).toBe(true);
    expect(stronger(limited(NOW + 1), pgb())).toBe(true);
  });

  it('of two freezes, the one deleting the account first, whichever came later', () => {
    const early = rec({ state: 'frozen', kind: 'scam', deleteAt: NOW + DAY, id: 1 });
    const late = rec({ state: 'frozen', kind: 'industrial_spam', deleteAt: NOW + 2 * DAY, id: 2 });
    expect(stronger(early, late)).toBe(true);
    expect(stronger(late, early)).toBe(false);
    expect(effectiveRestriction([early, late], NOW)).toMatchObject({ kind: 'scam', deleteAt: NOW + DAY });
    expect(effectiveRestriction([late, early], NOW)).toMatchObject({ kind: 'scam', deleteAt: NOW + DAY });
    expect(stronger(late, frozen(null))).toBe(true);
  });
});

describe('limitEnd', () => {
  it('is 0 without limits', () => {
    expect(limitEnd([], NOW)).toBe(0);
    expect(limitEnd([frozen(), banned(), pgb()], NOW)).toBe(0);
  });
  it('is the latest active end, Infinity for a limit without end', () => {
    expect(limitEnd([limited(NOW + DAY), limited(NOW + 2 * DAY)], NOW)).toBe(NOW + 2 * DAY);
    expect(limitEnd([limited(NOW + DAY), limited(null)], NOW)).toBe(Infinity);
  });
  it('ignores expired limits', () => {
    expect(limitEnd([limited(NOW)], NOW)).toBe(0);
    expect(limitEnd([limited(NOW - DAY), limited(NOW + HOUR)], NOW)).toBe(NOW + HOUR);
  });
  it('still reports the limit of a frozen account (the gate checks frozen first)', () => {
    expect(limitEnd([frozen(), limited(NOW + DAY)], NOW)).toBe(NOW + DAY);
  });
});

describe('properties (fast-check)', () => {
  const recordArb = fc
    .record({
      id: fc.integer({ min: 1, max: 1_000_000 }),
      state: fc.constantFrom('limited', 'frozen', 'banned', 'public_groups_ban') as fc.Arbitrary<RestrictionRecord['state']>,
      until: fc.option(fc.integer({ min: NOW - 10 * DAY, max: NOW + 10 * DAY }), { nil: null }),
      deleteAt: fc.option(fc.integer({ min: NOW, max: NOW + 30 * DAY }), { nil: null }),
      kind: fc.constantFrom('report', 'robot', 'number', 'permanent', 'spam'),
    })
    .map((r): RestrictionRecord => r);
  const recordsArb = fc.uniqueArray(recordArb, { maxLength: 8, selector: (r) => r.id });

  it('does not depend on the order of the records', () => {
    fc.assert(
      fc.property(recordsArb, fc.nat(), (records, seed) => {
        const shuffled = [...records];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (seed + i * 7919) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(effectiveRestriction(shuffled, NOW)).toEqual(effectiveRestriction(records, NOW));
        expect(limitEnd(shuffled, NOW)).toBe(limitEnd(records, NOW));
      }),
    );
  });

  it('the effective state is the strongest active one, and a limit’s until is limitEnd', () => {
    const rank = { free: 0, limited: 1, frozen: 2, banned: 3 } as const;
    fc.assert(
      fc.property(recordsArb, (records) => {
        const e = effectiveRestriction(records, NOW);
        const active = records.filter((r) => isActive(r, NOW) && r.state !== 'public_groups_ban');
        const top = Math.max(0, ...active.map((r) => rank[r.state as keyof typeof rank]));
        expect(rank[e.state]).toBe(top);
        expect(e.publicGroupsBan).toBe(records.some((r) => r.state === 'public_groups_ban'));
        if (e.state === 'limited') expect(e.until ?? Infinity).toBe(limitEnd(records, NOW));
        if (e.state !== 'free') expect(records.some((r) => r.id === e.restrictionId && r.state === e.state)).toBe(true);
      }),
    );
  });

  it('adding a limit never shortens the effective end', () => {
    fc.assert(
      fc.property(recordsArb, recordArb, (records, extra) => {
        const more = [...records, { ...extra, id: 2_000_000, state: 'limited' as const }];
        expect(limitEnd(more, NOW)).toBeGreaterThanOrEqual(limitEnd(records, NOW));
      }),
    );
  });
});
