import { type Effect, type RuleContext, rule, sig } from '../rule.js';
import type { Evidence } from '../signals.js';

/**
 * The campaign rule: what several accounts send alike (a landing, a near-duplicate text) is
 * judged on the complaints about all of them, so that feedback on one member of a ring reaches
 * the others, and once a complaint shows a campaign for what it is, its first members are judged
 * too. Also `badCampaign`, the same question sudden_change asks of an account's campaigns; both
 * read the worst campaign into `campaignBuf`.
 */

/**
 * Scratch for `Evidence.worstCampaign` ([rate, complaints, senders, positive rate, answers, key]),
 * shared by this rule and sudden_change: each read follows the fill in the same call.
 */
export const campaignBuf = new Float64Array(6);

type CampaignSettings = {
  minSenders: number;
  minComplaints: number;
  ratio: number;
  prior: number;
  strength: number;
  maxPositive: number;
  answeredRatio: number;
  answeredReach: number;
  answersPerComplaint: number;
  sweep: number;
  ownAnswers: number;
  ownRatio: number;
  limitHours: number;
};

/**
 * The campaign rule's judgement of account `a`: its worst campaign (into `campaignBuf`) is bad
 * enough. `privateMessage`: judged on a private message to a stranger (an answered campaign's
 * complaints count whatever the answers, see `answeredRatio`).
 */
function campaignJudgement(a: number, privateMessage: boolean, { evidence: e, settings: s, at, trust }: RuleContext<CampaignSettings>): Effect | null {
  if (!e.worstCampaign(a, at, s.minSenders, s.prior, s.strength, campaignBuf)) return null;
  const rate = campaignBuf[0]!;
  if (rate < s.ratio || campaignBuf[1]! < s.minComplaints) return null;
  // A campaign people answer, and an account that strangers answer and save, are not taken for
  // spam — unless the campaign's complaints are far beyond anyone's (`answeredRatio`): people
  // answered a harmless first message and complained about what came after it.
  // Only a private message is judged so: a post reaches many at once, and its group's leaves
  // and declines weigh against one send.
  // And only an account that reached a few strangers lately (`answeredReach`): one person's
  // single question that happens to look like the campaign's is not a campaign.
  const answered = rate < s.answeredRatio || !privateMessage || e.contacts.value(a, at) < s.answeredReach;
  if (answered && (campaignBuf[3]! >= s.maxPositive || trust(a) >= 2 || campaignBuf[4]! >= campaignBuf[1]! * s.answersPerComplaint)) return null;
  // Nor is an account its own strangers answer (twice as often as they complain, twice at least): a
  // campaign's band collects its members' early complaints, while their answers, later, reach
  // the bands of their latest texts. This holds however bad the campaign: others sending a
  // shop's domain or an event's link to strangers who complain make the campaign bad, not the
  // shop its customers answer (a bait account's answerers take their answers back when they
  // complain, so its own answers do not outnumber its complaints twice).
  if (s.ownAnswers > 0 && e.pos.value(a, at) >= s.ownAnswers && e.pos.value(a, at) >= s.ownRatio * e.complaints(a, at)) return null;
  return {
    action: 'limit',
    hours: s.limitHours,
    signals: [
      sig('campaign_complaint_rate', rate, s.ratio),
      sig('campaign_complaints', campaignBuf[1]!, s.minComplaints),
      sig('campaign_senders', campaignBuf[2]!, s.minSenders),
    ],
  };
}

export const campaign = rule({
  name: 'campaign',
  description:
    "It sends what a campaign sends — a landing domain or handle, or a near-duplicate of a text — that several accounts sent (at least `minSenders`) and that the strangers reached complain about (smoothed rate over `ratio`, at least `minComplaints`, few answers, or, for an account that reached at least `answeredReach` strangers lately, a rate over `answeredRatio` whatever the answers; where answers count, an account with at least `ownAnswers` answers of its own, and `ownRatio` times its own complaints, is always left alone, whatever the campaign's rate): feedback on one member of a ring reaches the others. Judged when it sends, when it is complained about, and (`sweep` 1) when a complaint about another member shows the campaign for what it is: then the campaign's first members that reached at least `answeredReach` strangers lately are judged too, though they sent nothing since.",
  on: ['message', 'post', 'invite', 'report', 'block'],
  defaults: {
    minSenders: 1.9,
    minComplaints: 2.9,
    ratio: 0.06,
    prior: 0.01,
    strength: 20,
    maxPositive: 0.3,
    answeredRatio: 0.15,
    answeredReach: 2.9,
    answersPerComplaint: 0.6,
    sweep: 1,
    ownAnswers: 1.9,
    ownRatio: 2,
    limitHours: 24,
  } as CampaignSettings,
  evaluate(ev, ctx) {
    let a: number;
    if (ev.type === 'message') {
      if (!ev.stranger || (ev.textHash === 0 && !ev.link)) return null;
      a = ev.from;
    } else if (ev.type === 'post') a = ev.from;
    else if (ev.type === 'invite' && ev.stranger) a = ev.by;
    // A complaint about an account that already sent what it had to send: its campaign's
    // complaints may have grown past the threshold since (its ring's, arriving later).
    else if ((ev.type === 'report' || ev.type === 'block') && ev.initiated !== false) a = ev.to;
    else return null;
    return campaignJudgement(a, ev.type === 'message', ctx);
  },
  implicated(ev, ctx) {
    if (ctx.settings.sweep < 1 || (ev.type !== 'report' && ev.type !== 'block') || ev.initiated === false) return null;
    // The complained-about account's worst campaign, if bad by itself (answers and all): its
    // first members, who may have sent all they had before the complaints came.
    const s = ctx.settings;
    const e = ctx.evidence;
    if (!e.worstCampaign(ev.to, ctx.at, s.minSenders, s.prior, s.strength, campaignBuf)) return null;
    if (campaignBuf[0]! < s.ratio || campaignBuf[1]! < s.minComplaints) return null;
    if (campaignBuf[3]! >= s.maxPositive || campaignBuf[4]! >= campaignBuf[1]! * s.answersPerComplaint) return null;
    return e.campaigns.membersOf(campaignBuf[5]!, ctx.at);
  },
  judge(a, ctx) {
    // A member is an account that wrote to a few strangers lately, not one look-alike message.
    if (ctx.evidence.contacts.value(a, ctx.at) < ctx.settings.answeredReach) return null;
    return campaignJudgement(a, false, ctx);
  },
});

/**
 * The account's worst campaign (into `campaignBuf`: a landing or band at least two accounts
 * sent) has drawn at least `campaignComplaints` besides the account's own (`own`: its complaints
 * reach its campaigns too, and are no evidence from elsewhere), at a smoothed rate of at least
 * `campaignRatio`, and answered less than `answersPerComplaint` per complaint.
 */
export function badCampaign(
  a: number,
  at: number,
  e: Evidence,
  s: { campaignSenders: number; campaignRatio: number; campaignComplaints: number; prior: number; strength: number; answersPerComplaint: number },
  own: number,
): boolean {
  if (!e.worstCampaign(a, at, s.campaignSenders, s.prior, s.strength, campaignBuf)) return false;
  if (campaignBuf[0]! < s.campaignRatio || campaignBuf[1]! - own < s.campaignComplaints) return false;
  // A campaign people answer (a job board, an event's page) is not made bad by a few complaints.
  return campaignBuf[4]! < campaignBuf[1]! * s.answersPerComplaint;
}
