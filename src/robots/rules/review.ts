import { complainedOrCold, rule, sig } from '../rule.js';
import { smoothed } from '../signals.js';

/**
 * The early_review rule: the softer first action. Evidence too thin to limit anybody on (one
 * complaint among the strangers an account pitched, no answers yet) is what a careful spammer's
 * first hour looks like, and a busy innocent's bad hour too; the limit waits for evidence that
 * tells them apart, and meanwhile a person is asked to look: the account's case goes to the top
 * of the moderation queue, with the signals. Nobody is limited by it.
 */

export const earlyReview = rule({
  name: 'early_review',
  description:
    "Asks a person to look, and restricts nobody: the account's case (opened when it has none) is raised by `priority` in the moderation queue, with the signals, when the strangers it reached lately (at least `minStrangers`, decaying as for stranger_feedback) have begun to complain — at least `minComplaints` (weighted as for stranger_feedback), at a smoothed rate past `ratio` — and have answered fewer than `answersPerComplaint` times per complaint. An account that sent nobody anywhere lately (`pitched` under `thinPitched`) needs `plainComplaints`. Once raised, robots leave the case be for a day unless evidence strong enough to limit comes, or a person decides.",
  on: ['report', 'block', 'message'],
  defaults: {
    minStrangers: 5,
    minComplaints: 0.9,
    plainComplaints: 1.9,
    ratio: 0.03,
    prior: 0.02,
    strength: 10,
    answersPerComplaint: 0.9,
    thinPitched: 0.5,
    priority: 5,
  },
  evaluate(ev, { evidence: e, settings: s, at }) {
    const a = complainedOrCold(ev);
    if (a === 0) return null;
    const neg = e.complaints(a, at);
    if (neg < s.minComplaints) return null;
    const contacts = e.contacts.value(a, at);
    if (contacts < s.minStrangers) return null;
    const pitched = e.pitched.value(a, at) >= s.thinPitched;
    if (!pitched && neg < s.plainComplaints) return null;
    const rate = smoothed(neg, contacts, s.prior, s.strength);
    if (rate < s.ratio) return null;
    const answers = e.pos.value(a, at);
    if (answers >= neg * s.answersPerComplaint) return null;
    return {
      action: 'open_case',
      priority: s.priority,
      signals: [
        sig('complaints', neg, pitched ? s.minComplaints : s.plainComplaints, pitched ? 'it sent people somewhere' : undefined),
        sig('complaint_rate', rate, s.ratio),
        sig('stranger_answers', answers, neg * s.answersPerComplaint),
        sig('strangers_reached', contacts, s.minStrangers),
      ],
    };
  },
});
