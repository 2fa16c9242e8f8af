import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracy, casePriority, groupThresholdMet, REPORT_REASONS, reportWeight, SEVERITY, type CaseReport, type ReporterFacts } from './reporting.js';

/** RULES.md §3: report weights, the queue's order and group leniency, as pure arithmetic. */

const DAY = 24 * 3600_000;
const ordinary: ReporterFacts = { confirmed: 0, dismissed: 0, muted: false, accountAgeMs: 30 * DAY, groupAdmin: false };

describe('accuracy', () => {
  it('starts at 0.5 (one right and one wrong report as a prior)', () => {
    expect(accuracy(0, 0)).toBe(0.5);
  });
  it('rises with confirmations and falls with dismissals, never reaching 0 or 1', () => {
    expect(accuracy(1, 0)).toBeCloseTo(2 / 3);
    expect(accuracy(0, 1)).toBeCloseTo(1 / 3);
    expect(accuracy(100, 0)).toBeLessThan(1);
    expect(accuracy(0, 100)).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), (c, d) => {
        expect(accuracy(c + 1, d)).toBeGreaterThan(accuracy(c, d));
        expect(accuracy(c, d + 1)).toBeLessThan(accuracy(c, d));
      }),
    );
  });
});

describe('reportWeight', () => {
  it('is 1 for an ordinary reporter with no history', () => {
    expect(reportWeight(ordinary)).toBe(1);
  });

  it('is 0 for a muted reporter, whatever else', () => {
    expect(reportWeight({ ...ordinary, muted: true })).toBe(0);
    expect(reportWeight({ ...ordinary, muted: true, confirmed: 50, groupAdmin: true })).toBe(0);
  });

  it('is lower for a fresh account', () => {
    const fresh = reportWeight({ ...ordinary, accountAgeMs: DAY / 2 });
    expect(fresh).toBeLessThan(reportWeight(ordinary));
    expect(fresh).toBeGreaterThan(0);
    // One day old is no longer fresh.
    expect(reportWeight({ ...ordinary, accountAgeMs: DAY })).toBe(1);
  });

  it('is higher for an admin of the group', () => {
    expect(reportWeight({ ...ordinary, groupAdmin: true })).toBeGreaterThan(reportWeight(ordinary));
  });

  it('follows accuracy: usually right weighs more, usually wrong less', () => {
    expect(reportWeight({ ...ordinary, confirmed: 5 })).toBeGreaterThan(1);
    expect(reportWeight({ ...ordinary, dismissed: 5 })).toBeLessThan(1);
    expect(reportWeight({ ...ordinary, dismissed: 1 })).toBeLessThan(reportWeight(ordinary));
  });

  it('three fresh accounts together weigh less than one established reporter (brigading)', () => {
    const fresh = reportWeight({ ...ordinary, accountAgeMs: 60_000 });
    expect(3 * fresh).toBeLessThan(reportWeight(ordinary));
  });

  it('is never negative and never above the best case', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 500 }),
        fc.nat({ max: 500 }),
        fc.boolean(),
        fc.nat({ max: 10 * DAY }),
        fc.boolean(),
        (confirmed, dismissed, muted, accountAgeMs, groupAdmin) => {
          const w = reportWeight({ confirmed, dismissed, muted, accountAgeMs, groupAdmin });
          expect(w).toBeGreaterThanOrEqual(0);
          expect(w).toBeLessThanOrEqual(4);
          if (muted) expect(w).toBe(0);
        },
      ),
    );
  });
});

describe('casePriority', () => {
  const r = (reporterId: number, weight = 1, reason: CaseReport['reason'] = 'spam', stranger = false): CaseReport => ({ reporterId, weight, reason, stranger });

  it('is 0 without reports', () => {
    expect(casePriority([])).toBe(0);
  });

  it('counts each distinct reporter once (their heaviest report)', () => {
    expect(casePriority([r(1), r(1), r(1)])).toBe(casePriority([r(1)]));
    expect(casePriority([r(1), r(2)])).toBe(2);
    expect(casePriority([r(1, 0.5), r(1, 1)])).toBe(casePriority([r(1, 1)]));
  });

  it('rises with the share of reporters who were strangers', () => {
    const none = casePriority([r(1), r(2)]);
    const half = casePriority([r(1, 1, 'spam', true), r(2)]);
    const all = casePriority([r(1, 1, 'spam', true), r(2, 1, 'spam', true)]);
    expect(half).toBeGreaterThan(none);
    expect(all).toBeGreaterThan(half);
    expect(all).toBe(2 * none);
  });

  it('rises with the most serious reason', () => {
    expect(casePriority([r(1, 1, 'scam')])).toBeGreaterThan(casePriority([r(1, 1, 'spam')]));
    expect(casePriority([r(1, 1, 'child_abuse')])).toBeGreaterThan(casePriority([r(1, 1, 'scam')]));
    expect(casePriority([r(1, 1, 'spam'), r(2, 1, 'child_abuse')])).toBe(casePriority([r(1, 1, 'child_abuse'), r(2, 1, 'child_abuse')]));
    for (const reason of REPORT_REASONS) expect(SEVERITY[reason]).toBeGreaterThanOrEqual(1);
  });

  it('is 0 when every reporter is muted (weight 0), yet the case exists', () => {
    expect(casePriority([r(1, 0, 'spam', true), r(2, 0)])).toBe(0);
  });

  it("a muted reporter's case ranks below an established one's", () => {
    expect(casePriority([r(1, 0, 'spam', true)])).toBeLessThan(casePriority([r(2, 1, 'spam', true)]));
  });

  it('never falls when another reporter joins', () => {
    const rep = fc.record({
      reporterId: fc.integer({ min: 1, max: 8 }),
      weight: fc.double({ min: 0, max: 4, noNaN: true }),
      reason: fc.constantFrom(...REPORT_REASONS),
      stranger: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(rep, { minLength: 1, maxLength: 10 }), fc.double({ min: 0, max: 4, noNaN: true }), (reports, w) => {
        const before = casePriority(reports);
        // A new, distinct reporter who was a stranger and reports the most serious reason seen.
        const top = reports.reduce((a, b) => (SEVERITY[b.reason] > SEVERITY[a.reason] ? b : a)).reason;
        const after = casePriority([...reports, { reporterId: 99, weight: w, reason: top, stranger: true }]);
        expect(after).toBeGreaterThanOrEqual(before - 0.001);
      }),
    );
  });
});

describe('groupThresholdMet', () => {
  const T = { members: 3, admins: 1 };
  it('needs 3 distinct members, or 1 admin, by default', () => {
    expect(groupThresholdMet(0, 0, T)).toBe(false);
    expect(groupThresholdMet(1, 0, T)).toBe(false);
    expect(groupThresholdMet(2, 0, T)).toBe(false);
    expect(groupThresholdMet(3, 0, T)).toBe(true);
    expect(groupThresholdMet(1, 1, T)).toBe(true);
    expect(groupThresholdMet(4, 0, T)).toBe(true);
  });
  it("follows the operator's threshold", () => {
    expect(groupThresholdMet(4, 1, { members: 5, admins: 2 })).toBe(false);
    expect(groupThresholdMet(5, 0, { members: 5, admins: 2 })).toBe(true);
    expect(groupThresholdMet(2, 2, { members: 5, admins: 2 })).toBe(true);
  });
});
