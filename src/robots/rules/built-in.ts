import type { Rule } from '../rule.js';
import { bait, openerLink } from './bait.js';
import { campaign } from './campaign.js';
import { suddenChange } from './change.js';
import { blocksPerStranger, patientFeedback, reportsPerStranger, strangerFeedback } from './feedback.js';
import { earlyReview } from './review.js';
import { coldFanout, industrialScale, linksToStrangers, massInvites, sameText } from './volume.js';

/**
 * The built-in rules, in the order the engine runs and lists them. The order is behaviour: of
 * two equally strong effects on one event the earlier rule's wins, and the other rules' signals
 * follow its own in that order.
 */

export const BUILT_IN_RULES: Rule[] = [
  coldFanout,
  sameText,
  linksToStrangers,
  strangerFeedback,
  patientFeedback,
  campaign,
  openerLink,
  bait,
  reportsPerStranger,
  blocksPerStranger,
  massInvites,
  industrialScale,
  suddenChange,
  earlyReview,
] as Rule[];
