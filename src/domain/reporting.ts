/**
 * How much a report weighs and how urgent a case is (RULES.md §3). Pure arithmetic over facts
 * the caller gathers: who reported, how often they were right, whether they were strangers.
 */

export const REPORT_REASONS = [
  'spam',
  'scam',
  'violence',
  'pornography',
  'child_abuse',
  'illegal_drugs',
  'personal_details',
  'fake',
  'copyright',
  'other',
] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** How serious a reason is, for ordering the queue. */
export const SEVERITY: Record<ReportReason, number> = {
  child_abuse: 10,
  scam: 4,
  violence: 3,
  pornography: 3,
  illegal_drugs: 3,
  personal_details: 2,
  fake: 1.5,
  spam: 1,
  copyright: 1,
  other: 1,
};

export interface ReporterFacts {
  /** Reports of theirs that moderators confirmed / dismissed. */
  confirmed: number;
  dismissed: number;
  muted: boolean;
  /** Age of the reporter's account at report time (ms). */
  accountAgeMs: number;
  /** An admin of the group the report is about. */
  groupAdmin: boolean;
}

const DAY = 24 * 3600_000;

/** Accuracy with a prior of one right and one wrong report: 0.5 for a newcomer. */
export function accuracy(confirmed: number, dismissed: number): number {
  return (confirmed + 1) / (confirmed + dismissed + 2);
}

/**
 * A report's weight: 1 for an ordinary reporter with no history, more for group admins and
 * reporters who are usually right, less for fresh accounts and those usually wrong, 0 when muted.
 * It never decides whether a case exists, only its priority and what robots may do.
 */
export function reportWeight(r: ReporterFacts): number {
  if (r.muted) return 0;
  let w = 2 * accuracy(r.confirmed, r.dismissed); // 1.0 with no history
  if (r.groupAdmin) w *= 2;
  if (r.accountAgeMs < DAY) w *= 0.25;
  return Math.round(w * 1000) / 1000;
}

export interface CaseReport {
  reporterId: number;
  weight: number;
  reason: ReportReason;
  /** The reporter had not saved the subject and had never written to them. */
  stranger: boolean;
}

/**
 * The queue's order: the distinct reporters' weights, raised by the share who were strangers
 * (unsolicited contact is what spam is) and by the most serious reason.
 */
export function casePriority(reports: readonly CaseReport[]): number {
  const byReporter = new Map<number, CaseReport>();
  for (const r of reports) {
    const prior = byReporter.get(r.reporterId);
    if (!prior || r.weight > prior.weight) byReporter.set(r.reporterId, r);
  }
  if (byReporter.size === 0) return 0;
  let weight = 0;
  let strangers = 0;
  let severity = 1;
  for (const r of byReporter.values()) {
    weight += r.weight;
    if (r.stranger) strangers++;
  }
  for (const r of reports) severity = Math.max(severity, SEVERITY[r.reason]);
  const strangerShare = strangers / byReporter.size;
  return Math.round(weight * (1 + strangerShare) * severity * 1000) / 1000;
}

/** Group leniency: reports inside one group raise a case only past this (RULES.md §3). */
export function groupThresholdMet(distinctMembers: number, adminReporters: number, threshold: { members: number; admins: number }): boolean {
  return distinctMembers >= threshold.members || adminReporters >= threshold.admins;
}

/** What robots added to a case's priority (a raised case): its priority beyond what its reports give. */
export function robotRaise(priority: number, reports: readonly CaseReport[]): number {
  return Math.max(0, Math.round((priority - casePriority(reports)) * 1000) / 1000);
}
