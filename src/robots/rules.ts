/**
 * The robots' rules, in one place for the rest of banya: the rule types and helpers
 * (`rule.ts`), the built-in rules by what they read (`rules/volume.ts`, `rules/feedback.ts`,
 * `rules/campaign.ts`, `rules/bait.ts`, `rules/change.ts`), `BUILT_IN_RULES` in their order
 * (`rules/built-in.ts`) and the operator's robots file (`config.ts`). Import from here.
 */

export { loadRobotsConfig, type RobotsConfig, robotsConfig, robotsConfigSchema } from './config.js';
export { type Effect, type FiredSignal, type Rule, type RuleContext, subjectOf } from './rule.js';
export { bait, openerLink } from './rules/bait.js';
export { BUILT_IN_RULES } from './rules/built-in.js';
export { campaign } from './rules/campaign.js';
export { suddenChange } from './rules/change.js';
export { blocksPerStranger, patientFeedback, reportsPerStranger, strangerFeedback } from './rules/feedback.js';
export { coldFanout, industrialScale, linksToStrangers, massInvites, sameText } from './rules/volume.js';
