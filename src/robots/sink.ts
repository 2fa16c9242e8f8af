import { robotLimit, robotOpenCase, robotSanction, robotShadow, robotFlag } from '../enforcement/robots-door.js';
import type { Enforcement } from '../enforcement/state.js';
import type { EffectSink } from './engine.js';
import type { Effect } from './rules.js';

/**
 * Robots acting for real: every effect goes through enforcement's robots' door, with the signals
 * that fired, which staff see with the restriction or the case (never the person). `onceKey`
 * names the effect being applied (read when the engine applies it), for the database to take once.
 */
export function enforcementSink(e: Enforcement, onceKey: () => string | undefined = () => undefined): EffectSink {
  return {
    async apply(account, rule, effect: Effect) {
      const once = onceKey();
      switch (effect.action) {
        case 'limit':
          return robotLimit(e, account, rule, effect.hours, effect.signals, once);
        case 'freeze':
          await robotSanction(e, account, rule, 'industrial_spam', effect.signals, once);
          return;
        case 'open_case':
          await robotOpenCase(e, account, rule, effect.priority, effect.signals, once);
          return;
        case 'flag':
          return robotFlag(e, account, rule, effect.note, effect.signals, once);
      }
    },
    shadow(account, rule, effect, _at, why) {
      return robotShadow(e, account, rule, { ...effect }, why, onceKey());
    },
    manualDecisionAt(account) {
      return e.enforcement.manualDecisionAt.get(account) ?? 0;
    },
    restricted(account, at) {
      return e.restrictions.refresh(account, at).state !== 'free';
    },
  };
}
