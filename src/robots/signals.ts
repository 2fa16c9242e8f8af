import { Decaying } from './counters.js';
import { Openers } from './openers.js';
import { PairSet } from './pairs.js';

/**
 * What robots know about how people respond to an account, and to the campaigns it takes part
 * in: decaying sums (half-lives, not lifetime counts) in flat arrays, so that an update on the
 * hot path is a few array writes and allocates nothing.
 *
 * - `contacts`: strangers the account reached first (new chats with strangers, strangers added to
 *   groups) — the denominator of every ratio;
 * - `neg`: complaints from those strangers (reports, blocks, declined invites, leaving a group
 *   soon after being added), each weighted by who complains (age, record);
 * - `pos`: the strangers' good answers (a reply to the account's first message, saving its number
 *   after it wrote first);
 * - `known`: new chats with people who know the account (saved it, or wrote to it before);
 * - `landing`: new chats with strangers whose text carried a landing (a link, a handle);
 * - `pitched`: the same, links to people who know the account, and strangers added to groups:
 *   contacts that carried somewhere to go.
 *
 * Ratios use a Beta prior, so that one block among two contacts is not 50%: the evidence grows
 * with the contacts.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A Beta-smoothed rate: (hits + prior·strength) / (trials + strength). */
export function smoothed(hits: number, trials: number, prior: number, strength: number): number {
  return (hits + prior * strength) / (trials + strength);
}

/** What a complaint weighs by the complainer's age: a curve from 0.1 (new) to 1 (a week or more). */
export function ageWeight(ageMs: number): number {
  if (ageMs === Infinity) return 1;
  const days = ageMs / DAY;
  if (days <= 0) return 0.1;
  return Math.min(1, 0.1 + 0.9 * (1 - Math.exp(-days / 2.5)));
}

/**
 * How young an account is, as a curve: 1 for a new account, falling with age (0.72 at a day,
 * 0.37 at three days, 0.1 at a week). Unknown creation counts as established.
 */
export function youth(ageMs: number): number {
  if (ageMs === Infinity) return 0;
  return Math.exp(-Math.max(0, ageMs) / (3 * DAY));
}

const BANDS = 8;
/** Landing keys remembered per account (its latest distinct ones): feedback reaches each. */
export const LANDINGS = 3;

/** Half-life of `PatientView`'s sums: a sender's fortnight, not its day. */
export const PATIENT_HALF_LIFE = 10 * DAY;
/** How soon strangers answer, as a half-life: half within 12 hours, most within a day or two. */
export const ANSWER_HALF_LIFE = 12 * HOUR;

/** What complaints from accounts under a day old weigh together, at most. */
export const FRESH_CAP = 1;

/** Accounts remembered per campaign key: the first ones (a ring's first members are the ones that got away). */
export const MEMBERS = 16;
const NO_MEMBERS = new Int32Array(0);

/**
 * Campaign statistics per key (a landing domain or handle, or a near-duplicate band of a text),
 * across accounts: an open-addressed table of fixed size, whose stale entries (decayed to
 * nothing) are taken over by new keys, so that memory stays bounded whatever the traffic.
 */
export class Campaigns {
  private readonly keys: Int32Array;
  private readonly sends: Float64Array;
  private readonly senders: Float64Array;
  private readonly neg: Float64Array;
  private readonly pos: Float64Array;
  /** Answers, never taken back; and complaints by people who had answered a sender (`bait`). */
  private readonly ans: Float64Array;
  private readonly bet: Float64Array;
  private readonly at: Float64Array;
  /** Per slot: the first `MEMBERS` accounts that used the key since it was taken, and how many. */
  private readonly members: Int32Array;
  private readonly memberCount: Uint8Array;
  private readonly mask: number;

  constructor(
    readonly halfLifeMs: number,
    bits = 17,
  ) {
    const n = 1 << bits;
    this.mask = n - 1;
    this.keys = new Int32Array(n);
    this.sends = new Float64Array(n);
    this.senders = new Float64Array(n);
    this.neg = new Float64Array(n);
    this.pos = new Float64Array(n);
    this.ans = new Float64Array(n);
    this.bet = new Float64Array(n);
    this.at = new Float64Array(n);
    this.members = new Int32Array(n * MEMBERS);
    this.memberCount = new Uint8Array(n);
  }

  /** The slot of `key` (0 is no key), creating it when `create`; -1 when absent or full. */
  slot(key: number, at: number, create: boolean): number {
    if (key === 0) return -1;
    let i = Math.imul(key, 0x9e3779b1) >>> 15;
    i &= this.mask;
    let free = -1;
    for (let probe = 0; probe < 8; probe++, i = (i + 1) & this.mask) {
      const k = this.keys[i]!;
      if (k === key) return i;
      if (k === 0) {
        if (free < 0) free = i;
        break;
      }
      if (free < 0 && at - this.at[i]! > 6 * this.halfLifeMs) free = i;
    }
    if (!create || free < 0) return -1;
    this.keys[free] = key;
    this.sends[free] = 0;
    this.senders[free] = 0;
    this.neg[free] = 0;
    this.pos[free] = 0;
    this.ans[free] = 0;
    this.bet[free] = 0;
    this.at[free] = at;
    this.memberCount[free] = 0;
    return free;
  }

  private age(i: number, at: number): void {
    const dt = at - this.at[i]!;
    if (dt <= 0) return;
    const f = 2 ** (-dt / this.halfLifeMs);
    this.sends[i]! *= f;
    this.senders[i]! *= f;
    this.neg[i]! *= f;
    this.pos[i]! *= f;
    this.ans[i]! *= f;
    this.bet[i]! *= f;
    this.at[i] = at;
  }

  /** A send under `key` by `account`; `newSender` when the account had not used it lately. */
  send(key: number, at: number, newSender: boolean, account = 0): void {
    const i = this.slot(key, at, true);
    if (i < 0) return;
    this.age(i, at);
    this.sends[i]! += 1;
    if (!newSender) return;
    this.senders[i]! += 1;
    const n = this.memberCount[i]!;
    if (account === 0 || n >= MEMBERS) return;
    const base = i * MEMBERS;
    for (let j = 0; j < n; j++) if (this.members[base + j] === account) return;
    this.members[base + n] = account;
    this.memberCount[i] = n + 1;
  }

  /** The first accounts (at most `MEMBERS`) that used `key` since it was last taken; empty when unknown. */
  membersOf(key: number, at: number): Int32Array {
    const i = this.slot(key, at, false);
    if (i < 0) return NO_MEMBERS;
    return this.members.subarray(i * MEMBERS, i * MEMBERS + this.memberCount[i]!);
  }

  /** Complaints `neg` and answers `pos` (negative: taken back) about a sender; `bait` of the complaints came from people who had answered it. */
  feedback(key: number, at: number, neg: number, pos: number, bait = 0): void {
    const i = this.slot(key, at, false);
    if (i < 0) return;
    this.age(i, at);
    this.neg[i]! += neg;
    this.pos[i] = Math.max(0, this.pos[i]! + pos);
    if (pos > 0) this.ans[i]! += pos;
    this.bet[i]! += bait;
  }

  /** Reads one key's figures into `out` ([sends, senders, neg, pos, answers ever, bait]); false when unknown. */
  read(key: number, at: number, out: Float64Array): boolean {
    const i = this.slot(key, at, false);
    if (i < 0) return false;
    // Decayed as of `at` without writing back: reading a campaign is no activity of it (a slot
    // goes stale by its sends and feedback alone), and rules only read.
    const dt = at - this.at[i]!;
    const f = dt > 0 ? 2 ** (-dt / this.halfLifeMs) : 1;
    out[0] = this.sends[i]! * f;
    out[1] = this.senders[i]! * f;
    out[2] = this.neg[i]! * f;
    out[3] = this.pos[i]! * f;
    if (out.length > 5) {
      out[4] = this.ans[i]! * f;
      out[5] = this.bet[i]! * f;
    }
    return true;
  }
}

/** 32-bit FNV-1a of a string (a landing key's number); never 0. */
export function keyHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0 || 1;
}

/** Half-lives of the reach an account's recent behaviour is measured by, and of its own history. */
export const RECENT_REACH_HALF_LIFE = DAY;
export const PAST_REACH_HALF_LIFE = 14 * DAY;
/** Half-life of the burst of links to people who know an account (`Evidence.knownBurst`). */
export const BLAST_HALF_LIFE = HOUR;
/**
 * What the strangers an account reached said about it over days rather than hours: decaying
 * sums with a long half-life, for senders who write a few strangers an hour, or a day, for a week
 * or two. Besides the strangers reached, their complaints and answers, it keeps the strangers
 * reached who had time to answer (`matured`): each counts by the share of answers that would have
 * arrived by now, 1 − 2^(−age / `answerHalfLifeMs`), so that the answers in can be set against
 * the answers due, whatever the pace of the sending. A welcome account is answered by most of
 * those (more than half); an unwelcome one by a few (an eighth), however long one waits.
 */
export class PatientView {
  readonly reached: Decaying;
  /** The part of `reached` that owes an answer: strangers written to (invited people do not write back). */
  private readonly due: Decaying;
  /** `due`, weighted by 2^(−age / answerHalfLife) too: `due − lag` is the matured part. */
  private readonly lag: Decaying;
  readonly neg: Decaying;
  readonly freshNeg: Decaying;
  readonly pos: Decaying;

  constructor(
    readonly halfLifeMs: number,
    readonly answerHalfLifeMs: number,
  ) {
    this.reached = new Decaying(halfLifeMs);
    this.due = new Decaying(halfLifeMs);
    this.lag = new Decaying(1 / (1 / halfLifeMs + 1 / answerHalfLifeMs));
    this.neg = new Decaying(halfLifeMs);
    this.freshNeg = new Decaying(halfLifeMs);
    this.pos = new Decaying(halfLifeMs);
  }

  /**
   * A stranger reached; `answers` false for one added to a group: invited people accept, stay or
   * leave, and seldom write back, so they owe no answer — a community admin's hundred accepted
   * invitations are not a hundred unanswered messages.
   */
  reach(a: number, at: number, answers = true): void {
    this.reached.add(a, at);
    if (!answers) return;
    this.due.add(a, at);
    this.lag.add(a, at);
  }

  /** The strangers reached who owe an answer and had time to give it (see the class). */
  matured(a: number, at: number): number {
    return Math.max(0, this.due.value(a, at) - this.lag.value(a, at));
  }

  complaints(a: number, at: number): number {
    return this.neg.value(a, at) + Math.min(FRESH_CAP, this.freshNeg.value(a, at));
  }

  /** A person cleared the account: the complaints counted so far are forgiven. */
  forgive(a: number, at: number): void {
    this.neg.scale(a, at, 0);
    this.freshNeg.scale(a, at, 0);
  }

  get bytes(): number {
    return this.reached.bytes * 6;
  }
}

export class Evidence {
  readonly contacts: Decaying;
  /**
   * Reach (strangers reached first, people who know the account sent its link) over about a
   * day and over about two weeks: an account whose weeks' reach lies mostly in its last day has
   * changed what it does.
   */
  readonly recentReach = new Decaying(RECENT_REACH_HALF_LIFE);
  readonly pastReach = new Decaying(PAST_REACH_HALF_LIFE);
  /** Strangers alone, over about a day. */
  readonly recentStrangers = new Decaying(RECENT_REACH_HALF_LIFE);
  /** (account, other): the account sent a link to `other`, who knew it (saved it, or wrote to it). */
  readonly linkedKnown = new PairSet(1 << 12);
  /**
   * Links to people who know the account, over about an hour (`BLAST_HALF_LIFE`), and the highest
   * that count reached lately (half-life a day): the link to a whole circle of friends within
   * minutes that a taken-over account sends first.
   */
  readonly knownBurst = new Decaying(BLAST_HALF_LIFE);
  readonly blast = new Decaying(RECENT_REACH_HALF_LIFE);
  /** Complaints, and answers, from those people who knew the account and got its link. */
  readonly knownNeg: Decaying;
  readonly knownPos: Decaying;
  readonly neg: Decaying;
  /** Complaints from accounts under a day old: together they count for at most `FRESH_CAP`. */
  readonly freshNeg: Decaying;
  /**
   * For the backstops `reports_per_stranger` and `blocks_per_stranger`, over days (half-life
   * `PATIENT_HALF_LIFE`, as `patient.reached`, their denominator): reports alone (weight by the
   * reporter), those by accounts under a day old apart, and strangers' blocks (a blocker under a
   * day old weighs a quarter).
   */
  readonly reports: Decaying;
  readonly freshReports: Decaying;
  readonly blocks: Decaying;
  readonly pos: Decaying;
  /** Answers from strangers the account reached, never taken back; and complaints by people who had answered it. */
  readonly answers: Decaying;
  readonly baited: Decaying;
  /** Chats whose link came after an opener. */
  readonly openers: Openers;
  /** (account, other): `other` answered or saved the account after it wrote first (counted once). */
  readonly answered = new PairSet(1 << 14);
  /** (account, other): `other` complained about the account (counted once). */
  readonly complained = new PairSet(1 << 12);
  readonly known: Decaying;
  readonly landing: Decaying;
  /** `landing`, links to known people, strangers added to groups: what thin evidence needs (`thinPitched`). */
  readonly pitched: Decaying;
  /** The same over days (half-life `PATIENT_HALF_LIFE`), with the strangers who had time to answer. */
  readonly patient = new PatientView(PATIENT_HALF_LIFE, ANSWER_HALF_LIFE);
  /** Complaints from people the account wrote to, however well they knew it (a hijacked account's friends). */
  readonly campaigns: Campaigns;
  /** (account, other): the account reached `other` first (a new chat, an invite). */
  readonly reached = new PairSet(1 << 14);
  /** (account, other): a chat the account started carried a link to `other` (counted once in `landing`). */
  readonly landed = new PairSet(1 << 14);
  /** Per account: its latest landing key and text bands (BANDS each), for feedback to reach its campaigns. */
  private lastLanding = new Int32Array(1024);
  /**
   * Per account: its latest LANDINGS distinct landing keys, the newest first. A campaign writes
   * one place several ways (a domain, a handle, a shortened link): a complaint about the account
   * is about each of them, whichever its latest text carried.
   */
  private landings = new Int32Array(1024 * LANDINGS);
  private lastBands = new Int32Array(1024 * BANDS);
  voip = new Uint8Array(1024);
  /**
   * When robots first saw traffic (any event but an account's registration; 0: not yet). Robots
   * keep what they know in memory: an account that existed before then had a past they never saw
   * (after a restart, or when robots are switched on), which is unknown, not empty.
   */
  watchingSince = 0;
  /** Per group: the account that last added a stranger to it (a quick leave complains about it). */
  readonly groupInviter = new Map<number, number>();
  private readonly buf = new Float64Array(6);

  constructor(halfLifeMs: number) {
    this.contacts = new Decaying(halfLifeMs);
    this.neg = new Decaying(halfLifeMs);
    this.freshNeg = new Decaying(halfLifeMs);
    this.reports = new Decaying(PATIENT_HALF_LIFE);
    this.freshReports = new Decaying(PATIENT_HALF_LIFE);
    this.blocks = new Decaying(PATIENT_HALF_LIFE);
    this.pos = new Decaying(halfLifeMs);
    this.answers = new Decaying(halfLifeMs);
    this.baited = new Decaying(halfLifeMs);
    this.openers = new Openers(halfLifeMs);
    this.known = new Decaying(halfLifeMs);
    this.landing = new Decaying(halfLifeMs);
    this.pitched = new Decaying(halfLifeMs);
    this.knownNeg = new Decaying(halfLifeMs);
    this.knownPos = new Decaying(halfLifeMs);
    this.campaigns = new Campaigns(halfLifeMs);
  }

  private ensure(a: number): void {
    if (a < this.lastLanding.length) return;
    let n = this.lastLanding.length;
    while (n <= a) n *= 2;
    const l = new Int32Array(n);
    l.set(this.lastLanding);
    this.lastLanding = l;
    const ls = new Int32Array(n * LANDINGS);
    ls.set(this.landings);
    this.landings = ls;
    const b = new Int32Array(n * BANDS);
    b.set(this.lastBands);
    this.lastBands = b;
    const v = new Uint8Array(n);
    v.set(this.voip);
    this.voip = v;
  }

  setVoip(a: number, voip: boolean): void {
    this.ensure(a);
    this.voip[a] = voip ? 1 : 0;
  }

  isVoip(a: number): boolean {
    return a < this.voip.length && this.voip[a] === 1;
  }

  /**
   * A text the account sent to a stranger (or posted): its landing key and bands join their
   * campaigns. Returns how many bands it shares with the account's previous such text.
   */
  text(a: number, at: number, landing: number, bands: readonly number[] | undefined): number {
    this.ensure(a);
    if (landing !== 0) {
      this.campaigns.send(landing, at, this.lastLanding[a] !== landing, a);
      this.lastLanding[a] = landing;
      this.remember(a, landing);
    }
    if (!bands || bands.length === 0) return 0;
    const base = a * BANDS;
    let shared = 0;
    const lb = this.lastBands;
    for (let i = 0; i < BANDS && i < bands.length; i++) {
      const k = bands[i]!;
      const same = lb[base + i] === k;
      if (same) shared++;
      this.campaigns.send(k, at, !same, a);
      lb[base + i] = k;
    }
    return shared;
  }

  /**
   * The account invited a stranger to a group: a send under each of its campaigns (its landings,
   * its latest text's bands), for the group's posts reach the people invited, and their declines
   * and leaves reach those campaigns (`feedback`): a community admin's hundred invitations are
   * the denominator of its invitees' few declines, not its ten posts.
   */
  invited(a: number, at: number): void {
    if (a >= this.lastLanding.length) return;
    const lb = a * LANDINGS;
    for (let i = 0; i < LANDINGS; i++) {
      const l = this.landings[lb + i]!;
      if (l !== 0) this.campaigns.send(l, at, false, a);
    }
    const base = a * BANDS;
    for (let i = 0; i < BANDS; i++) {
      const k = this.lastBands[base + i]!;
      if (k !== 0) this.campaigns.send(k, at, false, a);
    }
  }

  /** Puts `landing` first among the account's remembered landings (moving it up if there). */
  private remember(a: number, landing: number): void {
    const base = a * LANDINGS;
    const ls = this.landings;
    let i = 0;
    while (i < LANDINGS - 1 && ls[base + i] !== landing) i++;
    for (; i > 0; i--) ls[base + i] = ls[base + i - 1]!;
    ls[base] = landing;
  }

  /**
   * Feedback about the account reaches its campaigns too: every landing it sent lately, the
   * latest text's bands (`bait`: complaints by people who had answered it).
   */
  feedback(a: number, at: number, neg: number, pos: number, bait = 0): void {
    if (a >= this.lastLanding.length) return;
    const lb = a * LANDINGS;
    for (let i = 0; i < LANDINGS; i++) {
      const l = this.landings[lb + i]!;
      if (l !== 0) this.campaigns.feedback(l, at, neg, pos, bait);
    }
    const base = a * BANDS;
    for (let i = 0; i < BANDS; i++) {
      const k = this.lastBands[base + i]!;
      if (k !== 0) this.campaigns.feedback(k, at, neg, pos, bait);
    }
  }

  /**
   * The campaign among the account's latest texts whose answers were most often followed by a
   * complaint from the person who answered: the highest smoothed share (complaints by answerers
   * over answers ever) among its keys that at least `minSenders` accounts used, into `out` as
   * [share, complaints by answerers, senders, answers]; false when none qualifies.
   */
  worstBait(a: number, at: number, minSenders: number, prior: number, strength: number, out: Float64Array): boolean {
    if (a >= this.lastLanding.length) return false;
    let found = false;
    out[0] = 0;
    const base = a * BANDS;
    const buf = this.buf;
    for (let i = -1; i < BANDS; i++) {
      const k = i < 0 ? this.lastLanding[a]! : this.lastBands[base + i]!;
      if (k === 0 || !this.campaigns.read(k, at, buf)) continue;
      if (buf[1]! < minSenders) continue;
      const share = smoothed(buf[5]!, buf[4]!, prior, strength);
      if (share > out[0]!) {
        out[0] = share;
        out[1] = buf[5]!;
        out[2] = buf[1]!;
        out[3] = buf[4]!;
        found = true;
      }
    }
    return found;
  }

  /**
   * The worst campaign the account's latest texts belong to: the highest smoothed complaint
   * rate among its keys that at least `minSenders` accounts used, into `out` as [rate, neg,
   * senders, posRate, pos] (and the key, when `out` has room for it); false when none qualifies.
   */
  worstCampaign(a: number, at: number, minSenders: number, prior: number, strength: number, out: Float64Array): boolean {
    if (a >= this.lastLanding.length) return false;
    let found = false;
    out[0] = 0;
    const base = a * BANDS;
    const lb = a * LANDINGS;
    const buf = this.buf;
    for (let i = -LANDINGS; i < BANDS; i++) {
      const k = i < 0 ? this.landings[lb + LANDINGS + i]! : this.lastBands[base + i]!;
      if (k === 0 || !this.campaigns.read(k, at, buf)) continue;
      const sends = buf[0]!;
      if (buf[1]! < minSenders) continue;
      const rate = smoothed(buf[2]!, sends, prior, strength);
      if (rate > out[0]!) {
        out[0] = rate;
        out[1] = buf[2]!;
        out[2] = buf[1]!;
        out[3] = sends > 0 ? buf[3]! / sends : 0;
        out[4] = buf[3]!;
        if (out.length > 5) out[5] = k;
        found = true;
      }
    }
    return found;
  }

  /** Weighted complaints about the account: established complainers', plus fresh ones' up to `FRESH_CAP`. */
  complaints(a: number, at: number): number {
    return this.neg.value(a, at) + Math.min(FRESH_CAP, this.freshNeg.value(a, at));
  }

  /**
   * The account reached someone: a stranger first (a new chat, an invite), or someone who knows
   * it with a link. Counts in `contacts` and in the reach its behaviour is measured by.
   */
  reach(a: number, at: number, stranger: boolean): void {
    this.contacts.add(a, at);
    this.recentReach.add(a, at);
    this.pastReach.add(a, at);
    if (stranger) this.recentStrangers.add(a, at);
  }

  /**
   * How long robots have known the past of an account created at `createdAt` (ms; 0 unknown,
   * that is older than anything robots saw): since its creation, or since they began watching,
   * whichever is later.
   */
  knownFor(createdAt: number, at: number): number {
    if (this.watchingSince === 0) return 0;
    return Math.max(0, at - Math.max(createdAt, this.watchingSince));
  }

  /** A link to someone who knows the account: the burst grows, and its peak with it. */
  linkToKnown(a: number, at: number): void {
    const burst = this.knownBurst.add(a, at);
    const peak = this.blast.value(a, at);
    if (burst > peak) this.blast.add(a, at, burst - peak);
  }

  /** The landing key of the account's latest text to a stranger (0: none). */
  landingOf(a: number): number {
    return a < this.lastLanding.length ? this.lastLanding[a]! : 0;
  }

  hasLanding(a: number): boolean {
    return a < this.lastLanding.length && this.lastLanding[a] !== 0;
  }
}
