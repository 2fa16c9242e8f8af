import { DAY_MS, rule, sig } from '../rule.js';
import { smoothed } from '../signals.js';

/**
 * Bait-and-switch rules: a harmless first message, then the pitch. opener_link (a chat opened
 * with "hi" and the link sent minutes later, before the stranger answered) and bait (the people
 * who answered complain afterwards, of the account or of the campaign its texts belong to).
 */

export const openerLink = rule({
  name: 'opener_link',
  description:
    'Starts chats with strangers by a message that carries nothing (no link, no handle: "hi") and sends the link within `windowMinutes`, before they answer or save it — in at least `minShare` of the chats it started lately, and in `chats` of them for a new account, more as it ages (exp(−age / `ageDays`): weeks, not the days of `youth`, since a greeting that hides the link from the first message is no habit of people with a history), times trust.',
  on: ['message'],
  defaults: { chats: 4, minShare: 0.5, ageDays: 30, windowMinutes: 10, limitHours: 24 },
  evaluate(ev, { counters: c, evidence: e, settings: s, at, trust }) {
    if (ev.type !== 'message' || !ev.stranger || ev.newChat || !(ev.link || ev.inviteLink || ev.domains)) return null;
    const n = e.openers.split.value(ev.from, at);
    if (n < 1 || n < s.minShare * e.contacts.value(ev.from, at)) return null;
    const age = c.age(ev.from, at);
    if (age === Infinity) return null;
    const y = Math.exp(-Math.max(0, age) / (s.ageDays * DAY_MS));
    const need = (s.chats * trust(ev.from)) / y;
    return n + 0.5 >= need
      ? { action: 'limit', hours: s.limitHours, signals: [sig('opener_link_chats', n, need), sig('age_days', age / DAY_MS, s.ageDays)] }
      : null;
  },
});

const baitBuf = new Float64Array(4);

export const bait = rule({
  name: 'bait',
  description:
    'The people who answered it complain about it afterwards (a harmless first message, then the pitch): complaints by answerers, at least `minComplaints`, over the answers it ever had (smoothed, prior `prior`, strength `strength`) pass `ratio`. The same of a campaign its latest text belongs to (a near-duplicate or a landing at least `minSenders` accounts used), for an account that reached at least `reach` strangers lately: one question sent to many is a campaign, answered or not. A complaint by someone who had answered weighs `answererWeight` times in every complaint sum.',
  on: ['message', 'report', 'block'],
  defaults: {
    minComplaints: 2.9,
    campaignComplaints: 2.9,
    ratio: 0.15,
    prior: 0.02,
    strength: 10,
    minSenders: 1.9,
    reach: 2.9,
    answererWeight: 1,
    limitHours: 24,
  },
  evaluate(ev, { evidence: e, settings: s, at }) {
    let a: number;
    if (ev.type === 'report' || ev.type === 'block') a = ev.to;
    else if (ev.type === 'message' && ev.stranger) a = ev.from;
    else return null;
    const own = e.baited.value(a, at);
    if (own >= s.minComplaints) {
      const share = smoothed(own, e.answers.value(a, at), s.prior, s.strength);
      if (share >= s.ratio)
        return {
          action: 'limit',
          hours: s.limitHours,
          signals: [sig('answerers_complaining', own, s.minComplaints), sig('answerers_complaining_share', share, s.ratio)],
        };
    }
    if (ev.type !== 'message' || e.contacts.value(a, at) < s.reach) return null;
    if (!e.worstBait(a, at, s.minSenders, s.prior, s.strength, baitBuf)) return null;
    if (baitBuf[0]! < s.ratio || baitBuf[1]! < s.campaignComplaints) return null;
    return {
      action: 'limit',
      hours: s.limitHours,
      signals: [
        sig('campaign_answerers_complaining_share', baitBuf[0]!, s.ratio),
        sig('campaign_answerers_complaining', baitBuf[1]!, s.campaignComplaints),
        sig('campaign_senders', baitBuf[2]!, s.minSenders),
      ],
    };
  },
});
