import { robotLimit, robotOpenCase, robotSanction, robotShadow, robotFlag } from '../enforcement/robots-door.js';
import type { Enforcement } from '../enforcement/state.js';
import type { EffectSink } from './engine.js';
import type { Effect } from './rules.js';

/**
 * Robots acting for real: every effect goes through enforcement's robots' door, with the signals
 * that fired, which staff see with the restriction or the case (never the person).
 */
export function enforcementSink(e: Enforcement): EffectSink {
  return {
    async apply(account, rule, effect: Effect) {
      switch (effect.action) {
        case 'limit':
          return robotLimit(e, account, rule, effect.hours, effect.signals);
        case 'freeze':
          await robotSanction(e, account, rule, 'industrial_spam', effect.signals);
          return;
        case 'open_case':
          await robotOpenCase(e, account, rule, effect.priority, effect.signals);
          return;
        case 'flag':
          return robotFlag(e, account, rule, effect.note, effect.signals);
      }
    },
    shadow(account, rule, effect, _at, why) {
      return robotShadow(e, account, rule, { ...effect }, why);
    },
    manualDecisionAt(account) {
      return e.enforcement.manualDecisionAt.get(account) ?? 0;
    },
    restricted(account, at) {
      return e.restrictions.refresh(account, at).state !== 'free';
    },
  };
}
