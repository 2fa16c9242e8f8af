import { DAY_MS, rule, sig } from '../rule.js';
import { type Evidence, smoothed } from '../signals.js';

/**
 * Feedback rules: what the strangers an account reached say of it. stranger_feedback (their
 * complaints, decaying over days, against the answers and saves it had), patient_feedback (the
 * same over weeks, asking only answers that were due by now), and the plain counts
 * reports_per_stranger and blocks_per_stranger (reports and blocks over the strangers it wrote
 * to).
 */

export const strangerFeedback = rule({
  name: 'stranger_feedback',
  description:
    'The strangers it reached first complain (reports, blocks, declined invites, quick leaves; weighted by the complainer: age, record; complainers under a day old together count for at most `freshCap`) more often than people complain about anyone: the smoothed complaint rate (Beta prior `prior`, strength `strength`) passes `ratio`, with at least `minComplaints`, unless the strangers answer and save it (smoothed `pos` rate under `maxPositive`, and fewer than `answersPerComplaint` answers per complaint: answers still on their way are not yet counted, but the few that arrived for a welcome account already outnumber its complaints). Decaying sums (half-life 3 days). Thin evidence: a short limit, with at least `plainComplaints` for an account that sent nobody anywhere lately (its recent contacts that carried a link or a handle, or were added to a group, a decaying count with a half-life of 3 days, under `thinPitched`: none lately; one plain enquiry to many landlords), and, for an account at least `waitAgeDays` old, only once the answers due by now would have told: a welcome account answered by `welcomeAnswered` of the strangers who had time to answer would have `answersPerComplaint` per complaint; strong: a day.',
  on: ['report', 'block', 'invite', 'leave', 'message'],
  defaults: {
    minComplaints: 1.9,
    ratio: 0.07,
    prior: 0.02,
    strength: 10,
    maxPositive: 0.4,
    answersPerComplaint: 0.6,
    strongComplaints: 4,
    strongRatio: 0.12,
    shortHours: 6,
    limitHours: 24,
    thinPitched: 0.5,
    plainComplaints: 2.9,
    welcomeAnswered: 0.5,
    waitAgeDays: 7,
  },
  evaluate(ev, { counters: c, evidence: e, settings: s, at }) {
    let a: number;
    if (ev.type === 'report' || ev.type === 'block') a = ev.to;
    else if (ev.type === 'invite') {
      if (ev.accepted !== false) return null;
      a = ev.by;
    } else if (ev.type === 'leave') {
      const by = e.groupInviter.get(ev.group);
      if (by === undefined) return null;
      a = by;
    } else if (ev.type === 'message' && ev.stranger && ev.newChat) a = ev.from;
    else return null;
    const neg = e.complaints(a, at);
    if (neg < s.minComplaints) return null;
    const contacts = e.contacts.value(a, at);
    const rate = smoothed(neg, contacts, s.prior, s.strength);
    if (rate < s.ratio) return null;
    const answers = e.pos.value(a, at);
    const pos = smoothed(answers, contacts, 0.1, 5);
    if (pos >= s.maxPositive) return null;
    const strong = neg >= s.strongComplaints && rate >= s.strongRatio;
    // Answers arrive over a day, complaints within hours: people who welcome an account answer
    // it many times more often than others complain, even while most answers are still to come.
    // Thin evidence yields to them; a complaint rate past `strongRatio` (nobody's) does not.
    if (!strong && answers >= neg * s.answersPerComplaint) return null;
    // An account that sent strangers nowhere (no link, no handle, no group: "is the flat still
    // available?") needs one complaint more: two blocks in the hour before the answers come are
    // the busy innocent's bad luck, and a pitch with nowhere to go has done less harm.
    if (!strong && neg < s.plainComplaints && e.pitched.value(a, at) < s.thinPitched) return null;
    // An established account's thin evidence waits until its strangers had time to answer: in a
    // shop's first hour, two blocks have come and the answers have not, whoever sends.
    if (!strong && c.age(a, at) >= s.waitAgeDays * DAY_MS && !answersDue(e, a, at, neg, s.welcomeAnswered, s.answersPerComplaint)) return null;
    return {
      action: 'limit',
      hours: strong ? s.limitHours : s.shortHours,
      signals: [
        sig('complaints', neg, strong ? s.strongComplaints : s.minComplaints),
        sig('complaint_rate', rate, strong ? s.strongRatio : s.ratio),
        sig('positive_rate', pos, s.maxPositive),
      ],
    };
  },
});

/**
 * The answers that are due by now would have told a welcome account from an unwelcome one: a
 * welcome account, answered by `welcomeAnswered` of the strangers who had time to answer
 * (`PatientView.matured`), would by now have at least `answersPerComplaint` answers per complaint.
 * Until then, thin evidence has only the complaints, which come sooner than answers whoever sends.
 */
export function answersDue(e: Evidence, a: number, at: number, neg: number, welcomeAnswered: number, answersPerComplaint: number): boolean {
  return welcomeAnswered <= 0 || welcomeAnswered * e.patient.matured(a, at) >= answersPerComplaint * neg;
}

export const patientFeedback = rule({
  name: 'patient_feedback',
  description:
    'Over days (half-life 10 days), the strangers it reached complain about it (at least `minComplaints`, a smoothed rate past `ratio`), and of the strangers who had time to answer (each counted by the share of answers due by now: half after 12 hours) few did (answers per matured stranger under `maxAnswered`, with at least `minMatured` of them, and at least `minMaturedShare` of the strangers reached): a sender of a few cold messages an hour, or a day, whose complaints come one by one while nobody welcomes it. Answers not yet due are not asked for, so a busy day is not taken for an unanswered one. When at least `quietMatured` answers were due and under `quietAnswered` of them came, from an account that sent people somewhere lately (a link, a handle, a group: `pitched` at least `thinPitched`), `quietComplaints` are enough at a smoothed rate of `quietRatio`.',
  on: ['report', 'block', 'message'],
  defaults: {
    minComplaints: 1.9,
    ratio: 0.07,
    prior: 0.02,
    strength: 10,
    minMatured: 5,
    minMaturedShare: 0.3,
    maxAnswered: 0.3,
    limitHours: 24,
    quietMatured: 8,
    quietAnswered: 0.2,
    quietComplaints: 0.9,
    quietRatio: 0.03,
    thinPitched: 0.5,
  },
  evaluate(ev, { evidence: e, settings: s, at }) {
    let a: number;
    if ((ev.type === 'report' || ev.type === 'block') && ev.initiated !== false) a = ev.to;
    else if (ev.type === 'message' && ev.stranger && ev.newChat) a = ev.from;
    else return null;
    const p = e.patient;
    const neg = p.complaints(a, at);
    if (neg < Math.min(s.minComplaints, s.quietMatured > 0 ? s.quietComplaints : Infinity)) return null;
    const reached = p.reached.value(a, at);
    const rate = smoothed(neg, reached, s.prior, s.strength);
    // Only an account most of whose strangers had time to answer: in a busy hour, the answers
    // to come are most of them, and the few in say little.
    const matured = p.matured(a, at);
    if (matured < s.minMatured || matured < s.minMaturedShare * reached) return null;
    const answered = p.pos.value(a, at) / matured;
    if (answered >= s.maxAnswered) return null;
    // Many answers due and hardly any came, from an account that sent people somewhere (a link,
    // a handle, a group): one complaint is enough. A plain question to many needs the usual two.
    const quiet = s.quietMatured > 0 && matured >= s.quietMatured && answered < s.quietAnswered && e.pitched.value(a, at) >= s.thinPitched;
    if (neg < (quiet ? s.quietComplaints : s.minComplaints)) return null;
    if (rate < (quiet ? s.quietRatio : s.ratio)) return null;
    return {
      action: 'limit',
      hours: s.limitHours,
      signals: [
        sig('patient_complaints', neg, quiet ? s.quietComplaints : s.minComplaints),
        sig('patient_complaint_rate', rate, quiet ? s.quietRatio : s.ratio),
        sig('answered_when_due', answered, s.maxAnswered, `${Math.round(matured)} due`),
      ],
    };
  },
});

export const reportsPerStranger = rule({
  name: 'reports_per_stranger',
  description:
    'Over days (half-life 10 days), many of the people it reached report it: report weight at least `minWeight` and at least `ratio` of the people reached. Reports weigh by the reporter (accuracy, age, muting); reports from accounts under a day old count together for at most `freshCap`; reports from people it did not contact first (they wrote first, or walked into a group after it) do not count. A backstop: `stranger_feedback` and `patient_feedback` decide first.',
  on: ['report'],
  defaults: { minWeight: 5.9, ratio: 0.2, freshCap: 2, limitHours: 24 },
  evaluate(ev, { evidence: e, settings: s, at }) {
    if (ev.type !== 'report' || ev.initiated === false) return null;
    const a = ev.to;
    const weight = e.reports.value(a, at) + Math.min(e.freshReports.value(a, at), s.freshCap);
    const reached = Math.max(1, e.patient.reached.value(a, at));
    return weight >= s.minWeight && weight / reached >= s.ratio ? { action: 'limit', hours: s.limitHours } : null;
  },
});

export const blocksPerStranger = rule({
  name: 'blocks_per_stranger',
  description:
    'Over days (half-life 10 days), many of the strangers it reached block it: at least `minBlocks` and at least `ratio` of the people reached. Blocks by people it did not contact first do not count; a blocker under a day old weighs a quarter. A backstop, as `reports_per_stranger`.',
  on: ['block'],
  defaults: { minBlocks: 5.9, ratio: 0.3, limitHours: 24 },
  evaluate(ev, { evidence: e, settings: s, at }) {
    if (ev.type !== 'block' || !ev.stranger || ev.initiated === false) return null;
    const a = ev.to;
    const blocks = e.blocks.value(a, at);
    const reached = Math.max(1, e.patient.reached.value(a, at));
    return blocks >= s.minBlocks && blocks / reached >= s.ratio ? { action: 'limit', hours: s.limitHours } : null;
  },
});
