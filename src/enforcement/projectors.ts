import type { EnforcementEvent } from '../events/index.js';
import { LOG_ONLY, type ProjectorsFor } from '../events/projector.js';
import type { Enforcement } from './state.js';

/**
 * Enforcement's projectors: for each event, the rows it writes and what it changes in
 * enforcement's working set and the restriction book.
 */
export const enforcementProjectors: ProjectorsFor<EnforcementEvent, Enforcement> = {
  report_filed: LOG_ONLY,
  case_opened: LOG_ONLY,
  case_updated: LOG_ONLY,
  case_claimed: LOG_ONLY,
  case_released: LOG_ONLY,
  evidence_viewed: LOG_ONLY,
  decision: LOG_ONLY,
  strike_added: LOG_ONLY,
  strike_removed: LOG_ONLY,
  strike_expired: LOG_ONLY,
  restriction_applied: LOG_ONLY,
  account_frozen: LOG_ONLY,
  account_banned: LOG_ONLY,
  restriction_lifted: LOG_ONLY,
  restriction_expired: LOG_ONLY,
  number_banned: LOG_ONLY,
  number_unbanned: LOG_ONLY,
  number_flagged: LOG_ONLY,
  reporter_muted: LOG_ONLY,
  reporter_accuracy: LOG_ONLY,
  content_taken_down: LOG_ONLY,
  robot_flag: LOG_ONLY,
  robot_shadow: LOG_ONLY,
  robot_false_positive: LOG_ONLY,
  appeal_filed: LOG_ONLY,
  appeal_decided: LOG_ONLY,
  appeal_overdue: LOG_ONLY,
};
