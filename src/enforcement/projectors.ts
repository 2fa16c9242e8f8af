import type { EnforcementEvent } from '../events/index.js';
import { LOG_ONLY, type ProjectorsFor, type Recorded } from '../events/projector.js';
import { appealDecided, appealFiled, appealOverdue } from './projectors/appeals.js';
import { caseClaimed, caseOpened, caseReleased, caseUpdated, decision } from './projectors/cases.js';
import { numberBanned, numberFlagged, numberUnbanned } from './projectors/numbers.js';
import { reportFiled, reporterAccuracy, reporterMuted } from './projectors/reports.js';
import { contentTakenDown, endProjector, restrictionProjector, strikeAdded, strikeExpired, strikeRemoved } from './projectors/sanctions.js';
import type { Enforcement } from './state.js';

export { decisionClears } from './projectors/cases.js';
export { endCauseOf } from './projectors/sanctions.js';
export { flagEffectOf } from './projectors/numbers.js';

/**
 * Enforcement's projectors: for each event, the rows it writes and what it changes in
 * enforcement's working set and the restriction book. The use cases only decide and emit; this
 * is the one place their decisions become rows and memory, and `banya check` replays it.
 * One file per subdomain in projectors/ (reports, cases, sanctions, numbers, appeals); this map
 * joins them, one entry per event type.
 */

export const enforcementProjectors: ProjectorsFor<EnforcementEvent, Enforcement> = {
  report_filed: reportFiled,
  case_opened: caseOpened,
  case_updated: caseUpdated,
  case_claimed: caseClaimed,
  case_released: caseReleased,
  evidence_viewed: LOG_ONLY,
  decision,
  strike_added: strikeAdded,
  strike_removed: strikeRemoved,
  strike_expired: strikeExpired,
  restriction_applied: restrictionProjector(),
  account_frozen: restrictionProjector(),
  account_banned: restrictionProjector(),
  restriction_lifted: endProjector(),
  restriction_expired: endProjector(),
  number_banned: numberBanned,
  number_unbanned: numberUnbanned,
  number_flagged: numberFlagged,
  reporter_muted: reporterMuted,
  reporter_accuracy: reporterAccuracy,
  content_taken_down: contentTakenDown,
  robot_flag: LOG_ONLY,
  robot_shadow: LOG_ONLY,
  robot_false_positive: LOG_ONLY,
  appeal_filed: appealFiled,
  appeal_decided: appealDecided,
  appeal_overdue: appealOverdue,
};

export type { Recorded };
