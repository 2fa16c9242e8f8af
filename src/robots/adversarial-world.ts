import { CHAT as BASIC_CHAT, mulberry32 } from './generate.js';
import type { Label, TraceLine } from './trace.js';

/**
 * The world of an adversarial trace (adversarial.ts): its options, the seeded draws, the accounts
 * and the events they make, the circles of friends everybody else writes to, and how recipients
 * react to a first message (reply, save the sender, block, report).
 */

export interface AdversarialOptions {
  seed: number;
  accounts: number;
  days?: number;
  /** Multiplies every recipient's chance to report (0.5: half as often, 2: twice). */
  reportRateScale?: number;
  /** Multiplies every recipient's chance to block. */
  blockRateScale?: number;
  /**
   * `shared` (default): spammers draw their landing domains from a handful, as campaigns run
   * by a few operators do; `own`: every spammer (every ring) has a landing domain and templates
   * of its own, so that no campaign links two accounts but a ring's.
   */
  landings?: 'shared' | 'own';
  /** Multiplies the number of spammers (and of busy innocents) per class: other sizes, other rates. */
  spamShare?: number;
  busyShare?: number;
  /**
   * The chance that a stranger written by a busy innocent or a shop replies, for every such class
   * (by default each class has its own, 50–85%): 0.51 is the low end an independent trace shows.
   */
  innocentReply?: number;
  /** Multiplies the chances to block and to report busy innocents and shops only (on top of the scales above). */
  innocentComplaints?: number;
  /**
   * `uniform` (default): a reply comes within 20 h, a complaint within 6 h, evenly; `exponential`:
   * most come early, as people's do (replies a mean of about 3 h, capped at 20 h; complaints a mean
   * of about 40 min, capped at 6 h). The same draws either way, so only the times differ.
   */
  delays?: 'uniform' | 'exponential';
}

export const MIN = 60;
export const HOUR = 3600;
export const DAY = 24 * HOUR;

/** How strangers react to a first message of some kind: chances of each reaction. */
export interface Reaction {
  reply: number;
  contact: number;
  block: number;
  report: number;
}

export const REACT: Record<'spam' | 'bait' | 'pitch' | 'legit' | 'shop' | 'friendSpam', Reaction> = {
  // From the independent trace: strangers answer spammers 11–13%, never save them, block 15–24%, report 4–7%.
  spam: { reply: 0.12, contact: 0, block: 0.19, report: 0.055 },
  // An innocent-looking question: people answer it.
  bait: { reply: 0.35, contact: 0.01, block: 0.03, report: 0.005 },
  // The pitch after the answer: people feel tricked.
  pitch: { reply: 0.1, contact: 0, block: 0.3, report: 0.1 },
  // Innocents writing to strangers: answered 51–94%, saved 28–45%, blocks and reports ≤ 1%.
  legit: { reply: 0.75, contact: 0.35, block: 0.006, report: 0.002 },
  shop: { reply: 0.5, contact: 0.28, block: 0.01, report: 0.003 },
  // A friend's hijacked account: friends mostly ask what happened, some block or report.
  friendSpam: { reply: 0.3, contact: 0, block: 0.12, report: 0.06 },
};

export const FIRST = [
  'Anna',
  'Oleg',
  'Maria',
  'Ivan',
  'Sofia',
  'Pavel',
  'Olga',
  'Denis',
  'Irina',
  'Artem',
  'Elena',
  'Maxim',
  'Lena',
  'Tom',
  'Sara',
  'Ali',
  'Mei',
  'Jonas',
  'Aisha',
  'Lucas',
];
// Everyday chat: the basic generator's lines, and a few more.
const CHAT = [...BASIC_CHAT, 'Can you pick up milk?', 'haha yes', 'Running 10 min late', 'Love it'];
const ANSWER = [
  'Yes, sure!',
  'Thanks, sounds good',
  'Hi! Yes, I am interested',
  'Who is this?',
  'ok thanks',
  'Great, see you there',
  'Sorry, not for me',
  'Hello! Tell me more',
];
export const SPAM_ANSWER = ['who is this?', 'stop', 'not interested', 'how did you get my number?', '??'];

/**
 * Seconds from a uniform draw `u` in [0, 1): evenly within `cap`, or exponential with `mean`,
 * cut at `cap` (one draw either way, so the reaction stream stays aligned).
 */
export function reactionDelay(shape: 'uniform' | 'exponential'): (u: number, mean: number, cap: number) => number {
  if (shape === 'uniform') return (u, _mean, cap) => Math.floor(u * cap);
  return (u, mean, cap) => Math.min(cap, Math.floor(-mean * Math.log(1 - u)));
}

/** What every class of account draws on: the seeded draws, the events so far, the friends and their circles. */
export interface World {
  o: AdversarialOptions;
  days: number;
  span: number;
  /** The options' report and block scales. */
  rs: number;
  bs: number;
  rnd: () => number;
  pick: <T>(xs: readonly T[]) => T;
  int: (lo: number, hi: number) => number;
  chance: (p: number) => boolean;
  events: TraceLine[];
  push: (e: TraceLine) => void;
  account: (id: string, label: Label, cls: string, t: number, ageDays?: number, voip?: boolean) => void;
  friends: string[];
  circleOf: Map<string, string[]>;
  save: (t: number, from: string, to: string) => void;
  chatLife: (a: string, from: number, to: number, perDay: [number, number]) => void;
  stranger: () => string;
  react: (from: string, to: string, t: number, r: Reaction, answer?: readonly string[]) => boolean;
  /** The reactions' own stream, and a chance drawn from it. */
  rr: () => number;
  rchance: (p: number) => boolean;
}

/** The world before anybody exists: nothing here draws a number. */
export function createWorld(o: AdversarialOptions): World {
  const rnd = mulberry32(o.seed ^ 0x5eed);
  const days = o.days ?? 14;
  const span = days * DAY;
  const rs = o.reportRateScale ?? 1;
  const bs = o.blockRateScale ?? 1;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const chance = (p: number) => rnd() < p;
  const events: TraceLine[] = [];
  const push = (e: TraceLine) => {
    if (e.t < span) events.push(e);
  };

  let phone = 447800000000;
  const account = (id: string, label: Label, cls: string, t: number, ageDays?: number, voip = false) => {
    // `ageDays` here is the account's age at `t`; the trace's `ageDays` is its age at t = 0
    // (TRACE.md). Created before the trace began: its line (at `t`, or at 0 for a `t` before the
    // trace) says how long before; created since: its line is at its creation.
    const created = t - (ageDays ?? 0) * DAY;
    if (created < 0) {
      ageDays = Math.round((-created / DAY) * 100_000) / 100_000;
      t = Math.max(t, 0);
    } else {
      ageDays = undefined;
      t = created;
    }
    events.push({
      type: 'account',
      t,
      id,
      phone: `+${phone++}`,
      ...(voip ? { numberKind: 'voip' as const } : {}),
      label,
      class: cls,
      ...(ageDays ? { ageDays } : {}),
    });
  };

  const friends: string[] = [];
  const circleOf = new Map<string, string[]>();
  const savedBy = new Map<string, Set<string>>(); // whose contacts hold the key
  const save = (t: number, from: string, to: string) => {
    let s = savedBy.get(to);
    if (!s) savedBy.set(to, (s = new Set()));
    if (s.has(from)) return;
    s.add(from);
    push({ type: 'contact', t, from, to });
  };
  const chatLife = (a: string, from: number, to: number, perDay: [number, number]) => {
    const mine = circleOf.get(a) ?? [];
    if (mine.length === 0) return;
    const count = Math.round(((to - from) / DAY) * int(perDay[0], perDay[1]));
    for (let k = 0; k < count; k++) {
      const t = from + rnd() * (to - from);
      const b = pick(mine);
      push({ type: 'message', t, from: a, to: b, text: pick(CHAT) });
      if (chance(0.6)) push({ type: 'message', t: t + int(30, 2 * HOUR), from: b, to: a, text: pick(CHAT) });
    }
  };
  const stranger = () => pick(friends);

  /**
   * A stranger's reaction to a first message at `t` from `from`: a reply within the day, saving
   * the sender within the week, a block, a report (often with a block), each scaled.
   */
  // Reactions draw from a stream of their own, a fixed number of draws each: scaling the rates
  // changes who reacts, never who exists or what they send.
  const rr = mulberry32(o.seed ^ 0xbeef);
  const delay = reactionDelay(o.delays ?? 'uniform');
  const react = (from: string, to: string, t: number, r: Reaction, answer: readonly string[] = ANSWER) => {
    const [dReply, dContact, dReport, dWith, dBlock, dT1, dT2, dT3, dText] = [rr(), rr(), rr(), rr(), rr(), rr(), rr(), rr(), rr()];
    const replied = dReply < r.reply;
    if (replied) push({ type: 'message', t: t + MIN + delay(dT1, 3 * HOUR, 20 * HOUR), from: to, to: from, text: answer[Math.floor(dText * answer.length)]! });
    if (dContact < r.contact) save(t + 10 * MIN + Math.floor(dT2 * 7 * DAY), to, from);
    const reported = dReport < Math.min(1, r.report * rs);
    const tr = t + MIN + delay(dT3, 40 * MIN, 6 * HOUR);
    if (reported) push({ type: 'report', t: tr, from: to, to: from, reason: 'spam' });
    // Most who report also block.
    if ((reported && dWith < 0.6) || dBlock < Math.min(1, r.block * bs)) push({ type: 'block', t: tr + 1, from: to, to: from });
    return replied;
  };
  const rchance = (p: number) => rr() < p;
  return { o, days, span, rs, bs, rnd, pick, int, chance, events, push, account, friends, circleOf, save, chatLife, stranger, react, rr, rchance };
}

/** Friends: circles with mostly mutual contacts, chatting mostly among themselves. */
export function addFriends(w: World, friendCount: number): void {
  const { rnd, pick, int, chance, push, account, friends, circleOf, save, chatLife, span } = w;
  for (let i = 0; i < friendCount; i++) {
    const id = `f${i}`;
    friends.push(id);
    account(id, 'innocent', 'friend', 0, int(30, 2000), chance(0.02));
  }
  const CIRCLE = 16;
  for (let c = 0; c * CIRCLE < friends.length; c++) {
    const members = friends.slice(c * CIRCLE, (c + 1) * CIRCLE);
    for (const a of members) {
      const mine = members.filter((b) => b !== a && chance(0.65));
      circleOf.set(a, mine);
      for (const b of mine) {
        save(0, a, b);
        if (chance(0.85)) save(0, b, a);
      }
    }
  }
  for (const a of friends) {
    chatLife(a, 0, span, [1, 4]);
    // Now and then a stranger: a seller found online, who answers.
    if (chance(0.25)) {
      const seller = pick(friends);
      if (seller !== a) {
        const t = rnd() * span;
        push({
          type: 'message',
          t,
          from: a,
          to: seller,
          text: pick(['Hello, is the bike still for sale?', 'Hi, I saw your ad for the sofa, is it available?', 'Good evening, do you still rent the garage?']),
        });
        if (chance(0.8)) push({ type: 'message', t: t + int(MIN, 3 * HOUR), from: seller, to: a, text: 'Yes, it is' });
      }
    }
  }
}
