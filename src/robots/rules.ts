import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import type { Counters } from './counters.js';
import type { RobotEvent } from './events.js';
import { type Evidence, smoothed } from './signals.js';

/**
 * Robot rules: plain functions with a name, a description and default settings. A rule reads
 * the event and the counters (already updated for this event) and may propose one effect on the
 * event's subject. The engine applies at most one effect per event, after every rule ran.
 */

/** A signal a rule read, with the value it had and the threshold it passed: shown to staff, never to the person. */
export interface FiredSignal {
  name: string;
  value: number;
  threshold: number;
  note?: string;
}

/**
 * What a rule proposes. The engine fills `signals` for the effect it applies or shadows: the
 * winning rule's signals, and those of the other rules that fired on the same event.
 */
export type Effect = (
  | { action: 'limit'; hours: number }
  | { action: 'freeze' }
  | { action: 'open_case'; priority: number }
  | { action: 'flag'; note: string }
) & { signals?: readonly FiredSignal[] };

export interface RuleContext<S> {
  counters: Counters;
  /** How people respond to accounts and campaigns (decaying, smoothed). */
  evidence: Evidence;
  settings: S;
  at: number;
  /** The account is younger than the rule's idea of "new" (ms). */
  young(a: number, hours: number): boolean;
  /**
   * How far the account has earned the benefit of the doubt from the people it reaches: 1 with
   * no evidence, up to 1 + 4 + 4 when strangers answer and save it and it mostly writes to people
   * who know it. Volume thresholds are multiplied by it.
   */
  trust(a: number): number;
  /** `youth` of the account (1 new … 0 established), raised for a VoIP number. */
  youth(a: number): number;
}

export interface Rule<S extends Record<string, number> = Record<string, number>> {
  name: string;
  description: string;
  /** Event types the rule looks at. */
  on: readonly RobotEvent['type'][];
  defaults: S;
  evaluate(ev: RobotEvent, ctx: RuleContext<S>): Effect | null;
  /**
   * Accounts besides the event's subject that the event implicates (a campaign's members, once
   * a complaint shows the campaign for what it is), each then judged by `judge`; none most of
   * the time.
   */
  implicated?(ev: RobotEvent, ctx: RuleContext<S>): ArrayLike<number> | null;
  /** The rule's effect on an implicated account, on what robots know of it now. */
  judge?(a: number, ctx: RuleContext<S>): Effect | null;
}

/** The account an event is about, for the rules: who sent, invited, or was reported or blocked. */
export function subjectOf(ev: RobotEvent): number {
  switch (ev.type) {
    case 'message':
    case 'post':
    case 'contact':
      return ev.type === 'contact' ? ev.to : ev.from;
    case 'join':
    case 'leave':
      return ev.account;
    case 'invite':
      return ev.by;
    case 'report':
    case 'block':
      return ev.to;
    case 'account':
    case 'decision':
      return ev.account;
  }
}

function rule<S extends Record<string, number>>(r: Rule<S>): Rule<S> {
  return r;
}

/** A fired signal (allocated only when a rule fires). */
function sig(name: string, value: number, threshold: number, note?: string): FiredSignal {
  return note === undefined ? { name, value: Math.round(value * 1000) / 1000, threshold } : { name, value: Math.round(value * 1000) / 1000, threshold, note };
}

export const coldFanout = rule({
  name: 'cold_fanout',
  description:
    'Starts chats with (or adds to groups) many strangers in an hour or a day: a backstop for bursts. Young accounts (under `youngHours`) whose texts carry links have the low thresholds; the thresholds grow with trust (strangers answering and saving it, chats with people who know it).',
  on: ['message'],
  defaults: { hourly: 40, daily: 150, youngHourly: 8, youngDaily: 15, youngPlainHourly: 30, youngPlainDaily: 80, youngHours: 24, limitHours: 24 },
  evaluate(ev, { counters: c, evidence: e, settings: s, at, young, trust }) {
    if (ev.type !== 'message' || !ev.stranger || !ev.newChat) return null;
    const y = young(ev.from, s.youngHours);
    const hour = c.hour(ev.from, 'coldChats', at);
    const day = c.day(ev.from, 'coldChats', at);
    const linky = y && e.landing.value(ev.from, at) * 2 >= e.contacts.value(ev.from, at);
    const f = trust(ev.from);
    const h = (y ? (linky ? s.youngHourly : s.youngPlainHourly) : s.hourly) * f;
    const d = (y ? (linky ? s.youngDaily : s.youngPlainDaily) : s.daily) * f;
    if (hour > h || day > d)
      return {
        action: 'limit',
        hours: s.limitHours,
        signals: [
          sig(hour > h ? 'cold_chats_hour' : 'cold_chats_day', hour > h ? hour : day, hour > h ? h : d, y ? (linky ? 'young, links' : 'young') : undefined),
          sig('trust', f, 1),
        ],
      };
    return null;
  },
});

export const sameText = rule({
  name: 'same_text',
  description:
    'Sends nearly the same text (MinHash bands over the unmasked skeleton, or the same hash) to many strangers in a row: the run fades by half every `halfLifeHours`, so that it does not outlive a limit. The run needed grows as the account ages (`youth` curve) and with trust; texts with a link need fewer.',
  on: ['message'],
  defaults: { strangers: 25, linkStrangers: 6, halfLifeHours: 6, limitHours: 24, minYouth: 0.05 },
  evaluate(ev, { counters: c, settings: s, at, youth, trust }) {
    if (ev.type !== 'message' || !ev.stranger || ev.textHash === 0) return null;
    const y = youth(ev.from);
    if (y < s.minYouth) return null;
    const need = ((ev.link ? s.linkStrangers : s.strangers) * trust(ev.from)) / y;
    const run = c.runValue(ev.from, at, s.halfLifeHours * 3600_000);
    return run + 0.5 >= need
      ? { action: 'limit', hours: s.limitHours, signals: [sig('same_text_run', run, need, ev.link ? 'with a link' : undefined), sig('youth', y, s.minYouth)] }
      : null;
  },
});

export const linksToStrangers = rule({
  name: 'links_to_strangers',
  description:
    'A young account sends links, handles or invite links (found by linkify-it, disguises taken off) to strangers in a day; an invite link counts `inviteWeight` times. The number needed is `youngDaily` for a new account and grows as it ages (`youth` curve; none past `minYouth`) and with trust.',
  on: ['message'],
  defaults: { youngDaily: 5, minYouth: 0.02, inviteWeight: 2, limitHours: 24 },
  evaluate(ev, { counters: c, settings: s, at, youth, trust }) {
    if (ev.type !== 'message' || !ev.stranger || !(ev.link || ev.inviteLink)) return null;
    const y = youth(ev.from);
    if (y < s.minYouth) return null;
    const n = c.day(ev.from, 'links', at);
    const need = (s.youngDaily * trust(ev.from)) / y;
    return n + 0.5 >= need ? { action: 'limit', hours: s.limitHours, signals: [sig('links_to_strangers_day', n, need)] } : null;
  },
});

export const strangerFeedback = rule({
  name: 'stranger_feedback',
  description:
    'The strangers it reached first complain (reports, blocks, declined invites, quick leaves; weighted by the complainer: age, record; complainers under a day old together count for at most `freshCap`) more often than people complain about anyone: the smoothed complaint rate (Beta prior `prior`, strength `strength`) passes `ratio`, with at least `minComplaints`, unless the strangers answer and save it (smoothed `pos` rate under `maxPositive`, and fewer than `answersPerComplaint` answers per complaint: answers still on their way are not yet counted, but the few that arrived for a welcome account already outnumber its complaints). Decaying sums (half-life 3 days). Thin evidence: a short limit, with at least `plainComplaints` for an account that sent nobody anywhere lately (under `thinPitched` of its recent contacts carried a link or a handle, or were added to a group: one plain enquiry to many landlords); strong: a day.',
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
  },
  evaluate(ev, { evidence: e, settings: s, at }) {
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

export const patientFeedback = rule({
  name: 'patient_feedback',
  description:
    'Over days (half-life 10 days), the strangers it reached complain about it (at least `minComplaints`, a smoothed rate past `ratio`), and of the strangers who had time to answer (each counted by the share of answers due by now: half after 12 hours) few did (answers per matured stranger under `maxAnswered`, with at least `minMatured` of them, and at least `minMaturedShare` of the strangers reached): a sender of a few cold messages an hour, or a day, whose complaints come one by one while nobody welcomes it. Answers not yet due are not asked for, so a busy day is not taken for an unanswered one.',
  on: ['report', 'block', 'message'],
  defaults: { minComplaints: 1.9, ratio: 0.07, prior: 0.02, strength: 10, minMatured: 5, minMaturedShare: 0.3, maxAnswered: 0.3, limitHours: 24 },
  evaluate(ev, { evidence: e, settings: s, at }) {
    let a: number;
    if ((ev.type === 'report' || ev.type === 'block') && ev.initiated !== false) a = ev.to;
    else if (ev.type === 'message' && ev.stranger && ev.newChat) a = ev.from;
    else return null;
    const p = e.patient;
    const neg = p.complaints(a, at);
    if (neg < s.minComplaints) return null;
    const reached = p.reached.value(a, at);
    const rate = smoothed(neg, reached, s.prior, s.strength);
    if (rate < s.ratio) return null;
    // Only an account most of whose strangers had time to answer: in a busy hour, the answers
    // to come are most of them, and the few in say little.
    const matured = p.matured(a, at);
    if (matured < s.minMatured || matured < s.minMaturedShare * reached) return null;
    const answered = p.pos.value(a, at) / matured;
    if (answered >= s.maxAnswered) return null;
    return {
      action: 'limit',
      hours: s.limitHours,
      signals: [
        sig('patient_complaints', neg, s.minComplaints),
        sig('patient_complaint_rate', rate, s.ratio),
        sig('answered_when_due', answered, s.maxAnswered, `${Math.round(matured)} due`),
      ],
    };
  },
});

const campaignBuf = new Float64Array(6);

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
    "It sends what a campaign sends — a landing domain or handle, or a near-duplicate of a text — that several accounts sent (at least `minSenders`) and that the strangers reached complain about (smoothed rate over `ratio`, at least `minComplaints`, few answers, or, for an account that reached at least `answeredReach` strangers lately, a rate over `answeredRatio` whatever the answers): feedback on one member of a ring reaches the others. Judged when it sends, when it is complained about, and (`sweep` 1) when a complaint about another member shows the campaign for what it is: then the campaign's first members that reached at least `answeredReach` strangers lately are judged too, though they sent nothing since.",
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

const DAY_MS = 86_400_000;

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

export const reportsPerStranger = rule({
  name: 'reports_per_stranger',
  description:
    'Many of the strangers it wrote to report it. Reports weigh by the reporter (accuracy, age, muting); reports from accounts under a day old count together for at most `freshCap`; reports from people who wrote to it first do not count.',
  on: ['report'],
  defaults: { minWeight: 6, ratio: 0.2, freshCap: 2, limitHours: 24 },
  evaluate(ev, { counters: c, settings: s }) {
    if (ev.type !== 'report' || ev.initiated === false) return null;
    const weight = c.total(ev.to, 'reports') + Math.min(c.total(ev.to, 'freshReports'), s.freshCap);
    const contacted = Math.max(1, c.total(ev.to, 'coldChats'));
    return weight >= s.minWeight && weight / contacted >= s.ratio ? { action: 'limit', hours: s.limitHours } : null;
  },
});

export const blocksPerStranger = rule({
  name: 'blocks_per_stranger',
  description: 'Many of the strangers it wrote to block it. Blocks by people who wrote to it first do not count; a blocker under a day old weighs a quarter.',
  on: ['block'],
  defaults: { minBlocks: 6, ratio: 0.3, limitHours: 24 },
  evaluate(ev, { counters: c, settings: s }) {
    if (ev.type !== 'block' || !ev.stranger || ev.initiated === false) return null;
    const blocks = c.total(ev.to, 'blocks');
    const contacted = Math.max(1, c.total(ev.to, 'coldChats'));
    return blocks >= s.minBlocks && blocks / contacted >= s.ratio ? { action: 'limit', hours: s.limitHours } : null;
  },
});

export const massInvites = rule({
  name: 'mass_invites',
  description:
    'Adds many people who have not saved it to groups and channels, in an hour or a day; young accounts have the low thresholds, and the thresholds grow with trust (people it added save it, few decline or leave).',
  on: ['invite'],
  defaults: { hourly: 150, daily: 400, youngHourly: 30, youngDaily: 100, youngHours: 72, limitHours: 24 },
  evaluate(ev, { counters: c, settings: s, at, young, trust }) {
    if (ev.type !== 'invite' || !ev.stranger) return null;
    const y = young(ev.by, s.youngHours);
    const f = trust(ev.by);
    const h = (y ? s.youngHourly : s.hourly) * f;
    const d = (y ? s.youngDaily : s.daily) * f;
    const hour = c.hour(ev.by, 'invites', at);
    const day = c.day(ev.by, 'invites', at);
    return hour > h || day > d
      ? { action: 'limit', hours: s.limitHours, signals: [sig('invites', hour > h ? hour : day, hour > h ? h : d, hour > h ? 'hour' : 'day')] }
      : null;
  },
});

export const industrialScale = rule({
  name: 'industrial_scale',
  description:
    "Writes to strangers at industrial scale — `daily` cold messages in a day, or `total` strangers reached within the decaying window (half-life 3 days: about a week's worth) — unless the strangers answer it (trust): frozen under the industrial_spam policy.",
  on: ['message'],
  defaults: { daily: 300, total: 1000 },
  evaluate(ev, { counters: c, evidence: e, settings: s, at, trust }) {
    if (ev.type !== 'message' || !ev.stranger) return null;
    const day = c.day(ev.from, 'cold', at);
    const reached = e.contacts.value(ev.from, at);
    if (day < s.daily && reached < s.total) return null;
    const f = trust(ev.from);
    if (day < s.daily * f && reached < s.total * f) return null;
    return {
      action: 'freeze',
      signals: [day >= s.daily * f ? sig('cold_messages_day', day, s.daily * f) : sig('strangers_reached', reached, s.total * f), sig('trust', f, 1)],
    };
  },
});

export const suddenChange = rule({
  name: 'sudden_change',
  description:
    "An established account (at least `minAgeDays` old) that suddenly reaches far more people than it used to — at least `minReach` lately (half-life a day), and at least `recentShare` of all it reached over the past weeks (half-life 14 days), strangers among them (`minStrangers`) — and that those people complain about: the complaints (a complaint from someone who knew the account and got its link weighs `contactWeight`) reach `minComplaints`, their smoothed rate over the people it reached passes `ratio`, and strangers' answers are fewer than `answersPerComplaint` per complaint (answers from people who knew it do not count). When its texts belong to a campaign (a landing or band at least `campaignSenders` accounts sent) that drew at least `campaignComplaints` complaints besides its own, at a smoothed rate of `campaignRatio`, and few answers (`answersPerComplaint`), `campaignMinComplaints` of its own are enough and the campaign's rate stands for its own. Thin evidence: a short limit (`shortHours`), and, unless the campaign stands for it, with `plainComplaints` when it sent nobody anywhere (`thinPitched`, as for stranger_feedback); strong (`strongComplaints`, `strongRatio`): a day. The trust it earned before does not shield it: what it did before is what it no longer does.",
  on: ['report', 'block', 'message'],
  defaults: {
    minAgeDays: 7,
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
  },
  evaluate(ev, { counters: c, evidence: e, settings: s, at }) {
    let a: number;
    if (ev.type === 'report' || ev.type === 'block') a = ev.to;
    else if (ev.type === 'message' && ev.stranger && ev.newChat) a = ev.from;
    else return null;
    if (c.age(a, at) < s.minAgeDays * DAY_MS) return null;
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
    const bar = bad ? s.campaignMinComplaints : s.minComplaints;
    if (neg < bar) return null;
    const rate = bad ? Math.max(own, campaignBuf[0]!) : own;
    if (rate < s.ratio) return null;
    const answers = Math.max(0, e.pos.value(a, at) - e.knownPos.value(a, at));
    if (answers >= neg * s.answersPerComplaint) return null;
    // As for stranger_feedback: thin evidence, a short limit; strong, a day.
    const strong = neg >= s.strongComplaints && rate >= s.strongRatio;
    if (!strong && !bad && neg < s.plainComplaints && e.pitched.value(a, at) < s.thinPitched) return null;
    return {
      action: 'limit',
      hours: strong ? s.limitHours : s.shortHours,
      signals: [
        sig('recent_reach', recent, Math.max(s.minReach, s.recentShare * e.pastReach.value(a, at))),
        sig('complaints', neg, bar, known > 0 ? 'people who knew it among them' : undefined),
        sig('complaint_rate', rate, s.ratio),
        sig('stranger_answers', answers, neg * s.answersPerComplaint),
        ...(bad ? [sig('campaign_complaint_rate', campaignBuf[0]!, s.campaignRatio, 'shared with accounts complained about')] : []),
      ],
    };
  },
});

/**
 * The account's worst campaign (into `campaignBuf`: a landing or band at least two accounts
 * sent) has drawn at least `campaignComplaints` besides the account's own (`own`: its complaints
 * reach its campaigns too, and are no evidence from elsewhere), at a smoothed rate of at least
 * `campaignRatio`, and answered less than `answersPerComplaint` per complaint.
 */
function badCampaign(
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
] as Rule[];

/** The operator's robots file (BANYA_ROBOTS_FILE): per-rule switches and settings, guard rails. */
export const robotsConfigSchema = z
  .object({
    rules: z
      .record(
        z.string(),
        z
          .object({
            enabled: z.boolean().default(true),
            /** Record what the rule would have done, without doing it. */
            shadow: z.boolean().default(false),
            settings: z.record(z.string(), z.number()).default({}),
          })
          .strict(),
      )
      .default({}),
    /** Automated actions per rule per day before the rule falls back to shadow mode for the day. */
    dailyActionCap: z.number().int().min(0).default(1000),
    /** After a manual decision or an overturned appeal, robots leave the account alone this long. */
    manualBlockHours: z
      .number()
      .min(0)
      .default(7 * 24),
  })
  .strict(); // A misspelt key ("shadwo", "dailyActionCapp") is an error, not silently ignored.
export type RobotsConfig = z.infer<typeof robotsConfigSchema>;

export function robotsConfig(input: unknown = {}): RobotsConfig {
  const parsed = robotsConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(`robots config: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')}`);
  const cfg = parsed.data;
  const known = new Set(BUILT_IN_RULES.map((r) => r.name));
  for (const [name, r] of Object.entries(cfg.rules)) {
    if (!known.has(name)) throw new ConfigError(`robots config: unknown rule "${name}" (known: ${[...known].join(', ')})`);
    const rule = BUILT_IN_RULES.find((x) => x.name === name)!;
    for (const key of Object.keys(r.settings)) {
      if (!(key in rule.defaults))
        throw new ConfigError(`robots config: rule "${name}" has no setting "${key}" (has: ${Object.keys(rule.defaults).join(', ')})`);
    }
  }
  return cfg;
}

export function loadRobotsConfig(file: string | undefined): RobotsConfig {
  if (!file) return robotsConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read robots file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return robotsConfig(raw);
}
