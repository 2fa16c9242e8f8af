import { decisionClears, endCauseOf } from '../enforcement/projectors.js';
import type { Recorded } from '../events/projector.js';
import type { RobotEvent } from './events.js';

/**
 * What robots learn from people's decisions, as the journal records them: a case confirmed, or
 * the account cleared — a case with reports dismissed (`decisionClears`), a restriction lifted
 * by staff, an appeal overturned.
 * The platform publishes it once the decision is durable (`Journal.onCommitted`), so that a
 * complainer's record (`RobotsEngine.recordOf`) follows what people decided.
 */
export function robotDecisionOf(r: Recorded): Extract<RobotEvent, { type: 'decision' }> | null {
  const a = r.accountId;
  if (a === null) return null;
  const ev = r.event;
  switch (ev.type) {
    case 'decision':
      if (ev.payload.action === 'confirm') return { type: 'decision', at: r.at, account: a, outcome: 'confirmed' };
      if (decisionClears(ev.payload)) return { type: 'decision', at: r.at, account: a, outcome: 'cleared' };
      return null;
    case 'appeal_decided':
      return ev.payload.outcome === 'overturn' ? { type: 'decision', at: r.at, account: a, outcome: 'cleared' } : null;
    case 'restriction_lifted':
      return endCauseOf(ev.payload, ev.type) === 'lifted' ? { type: 'decision', at: r.at, account: a, outcome: 'cleared' } : null;
    default:
      return null;
  }
}
