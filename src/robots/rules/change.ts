import { complainedOrCold, DAY_MS, rule, sig } from '../rule.js';
import { smoothed } from '../signals.js';
import { badCampaign, campaignBuf } from './campaign.js';

/**
 * The sudden_change rule: an established account that suddenly reaches far more people than it
 * used to, and that they complain about. The trust it earned before does not shield it; when its
 * texts belong to a campaign others were complained about, the campaign's rate stands for its own;
 * when the change began with its link to a whole circle of people who know it within minutes, one
 * complaint confirms it.
 */

export const suddenChange = rule({
  name: 'sudden_change',
  description:
    "An established account (at least `minAgeDays` old, whose past robots saw for at least `minKnownHours`: since its creation, or since robots began watching) that suddenly reaches far more people than it used to — at least `minReach` lately (half-life a day), and at least `recentShare` of all it reached over the past weeks (half-life 14 days), strangers among them (`minStrangers`) — and that those people complain about: the complaints (a complaint from someone who knew the account and got its link weighs `contactWeight`) reach `minComplaints`, their smoothed rate over the people it reached passes `ratio`, and strangers' answers are fewer than `answersPerComplaint` per complaint (answers from people who knew it do not count). When its texts belong to a campaign (a landing or band at least `campaignSenders` accounts sent) that drew at least `campaignComplaints` complaints besides its own, at a smoothed rate of `campaignRatio`, and few answers (`answersPerComplaint`), `campaignMinComplaints` of its own are enough and the campaign's rate stands for its own. When the change began with a link to many people who know it within about an hour (the peak of a decaying count with a half-life of an hour reached `blastContacts`: a taken-over account writing its whole circle), `blastComplaints` are enough, a friend's or a stranger's, at a smoothed rate of `blastRatio`. Thin evidence: a short limit (`shortHours`), and, unless the campaign stands for it, with `plainComplaints` when it sent nobody anywhere (`thinPitched`, as for stranger_feedback); strong (`strongComplaints`, `strongRatio`): a day. The trust it earned before does not shield it: what it did before is what it no longer does.",
  on: ['report', 'block', 'message'],
  defaults: {
    minAgeDays: 7,
    minKnownHours: 24,
    minReach: 8,
    recentShare: 0.5,
    minStrangers: 3,
    contactWeight: 2,
    minComplaints: 1.9,
    ratio: 0.07,
    prior: 0.02,
    strength: 10,
    answersPerComplaint: 0.6,
    strongComplaints: 4,
    strongRatio: 0.12,
    campaignSenders: 1.9,
    campaignRatio: 0.07,
    campaignComplaints: 0.9,
    campaignMinComplaints: 0.9,
    shortHours: 6,
    limitHours: 24,
    thinPitched: 0.5,
    plainComplaints: 2.9,
    blastContacts: 6,
    blastComplaints: 0.9,
    blastRatio: 0.025,
  },
  evaluate(ev, { counters: c, evidence: e, settings: s, at }) {
    const a = complainedOrCold(ev);
    if (a === 0) return null;
    if (c.age(a, at) < s.minAgeDays * DAY_MS) return null;
    // A change from a past robots saw: an account they have watched for less than that has no
    // known past (after a restart, every busy account would look changed).
    if (e.knownFor(a < c.createdAt.length ? c.createdAt[a]! : 0, at) < s.minKnownHours * (DAY_MS / 24)) return null;
    const recent = e.recentReach.value(a, at);
    if (recent < s.minReach || recent < s.recentShare * e.pastReach.value(a, at)) return null;
    if (e.recentStrangers.value(a, at) < s.minStrangers) return null;
    const known = e.knownNeg.value(a, at);
    const neg = e.complaints(a, at) + (s.contactWeight - 1) * known;
    if (neg < Math.min(s.minComplaints, s.campaignMinComplaints)) return null;
    const own = smoothed(neg, e.contacts.value(a, at), s.prior, s.strength);
    // A changed account whose texts belong to a campaign others were complained about needs one
    // complaint of its own, and the campaign's rate stands for its own: its complaints are still
    // on their way, the campaign's have come.
    const bad = badCampaign(a, at, e, s, e.complaints(a, at));
    // A change that began with a link to a whole circle of people who know it within minutes
    // (the takeover's pattern): one complaint, a friend's or a stranger's, confirms it, and the
    // blast stands for most of the rate (the friends and strangers still to complain are on their
    // way): one complaint among its first few dozen people reached, not among hundreds.
    const blast = s.blastContacts > 0 && e.blast.value(a, at) >= s.blastContacts;
    const bar = Math.min(bad ? s.campaignMinComplaints : s.minComplaints, blast ? s.blastComplaints : Infinity);
    if (neg < bar) return null;
    const rate = bad ? Math.max(own, campaignBuf[0]!) : own;
    if (rate < (blast ? s.blastRatio : s.ratio)) return null;
    const answers = Math.max(0, e.pos.value(a, at) - e.knownPos.value(a, at));
    if (answers >= neg * s.answersPerComplaint) return null;
    // As for stranger_feedback: thin evidence, a short limit; strong, a day.
    const strong = neg >= s.strongComplaints && rate >= s.strongRatio;
    if (!strong && !bad && !blast && neg < s.plainComplaints && e.pitched.value(a, at) < s.thinPitched) return null;
    return {
      action: 'limit',
      hours: strong ? s.limitHours : s.shortHours,
      signals: [
        sig('recent_reach', recent, Math.max(s.minReach, s.recentShare * e.pastReach.value(a, at))),
        sig('complaints', neg, bar, known > 0 ? 'people who knew it among them' : undefined),
        sig('complaint_rate', rate, blast ? s.blastRatio : s.ratio),
        sig('stranger_answers', answers, neg * s.answersPerComplaint),
        ...(blast ? [sig('link_blast', e.blast.value(a, at), s.blastContacts, 'a link to many who know it within the hour')] : []),
        ...(bad ? [sig('campaign_complaint_rate', campaignBuf[0]!, s.campaignRatio, 'shared with accounts complained about')] : []),
      ],
    };
  },
});
