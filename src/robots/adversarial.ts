import { mulberry32 } from './generate.js';
import type { Label, TraceLine } from './trace.js';

/**
 * An adversarial trace (`banya trace --profile adversarial`): spammers who read the thresholds,
 * busy people who write to many strangers for good reasons, and brigades — each account with a
 * `class` for scoring, and recipients who react as people do (reply, save the sender, block,
 * report) at rates that can be scaled. The same options always give the same trace.
 *
 * Classes (label in brackets):
 * - careful spammers [spammer]: `fast` (the classic burst, as a yardstick), `slow` (1–4 cold
 *   messages an hour for days), `warmed` (weeks old, normal life, then spam at a moderate pace),
 *   `varied` (spintax, zero-width characters, look-alike letters, rotating templates), `opener`
 *   (a short opener, then the pitch in the same chat), `links` (new TLDs, shorteners, "dot"
 *   spellings, @handles), `reply-bait` (an innocent question, the pitch only to those who answered),
 *   `ring` (6–20 accounts, a few messages each, one template and one landing domain),
 *   `phone-list` (a bought list imported as contacts, then messaged), `group-spam` (add people to a
 *   group, post, then write to them), `hijacked` (an ordinary account taken over: the label
 *   changes, and it writes to its own contacts);
 * - busy innocents [innocent, `shop` business]: `organiser` (30–90 strangers a day, who mostly
 *   answer), `new-employee` (a new account writing 30–60 colleagues a day), `shop` (writes first to
 *   its web customers, whose numbers it saved), `phonebook` (a new account greeting its imported
 *   phone book), `community-admin` (adds more than 30 people an hour to a group, who accept),
 *   `parent` (the school event link to 30 parents), `flat-hunter` (one enquiry to 15 landlords a
 *   day); everybody else is `friend` (circles of friends);
 * - brigades [brigader]: `brigade-fresh-report`, `brigade-fresh-block` (report and block),
 *   `brigade-aged-report`, `brigade-aged-block` (accounts days old): part of each brigade first
 *   asks the target something and gets an answer, the rest report someone who never wrote to them.
 * People also decide: some spammers' cases are confirmed a day or two in, some busy innocents'
 * cases dismissed, and a busy innocent who is restricted on a given day may have an appeal
 * overturned.
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

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;

export const SPAMMER_CLASSES = [
  'fast',
  'slow',
  'warmed',
  'varied',
  'opener',
  'links',
  'reply-bait',
  'ring',
  'phone-list',
  'group-spam',
  'hijacked',
  'drip',
] as const;
export const BUSY_CLASSES = ['organiser', 'new-employee', 'shop', 'phonebook', 'community-admin', 'parent', 'flat-hunter', 'recruiter'] as const;
export const BRIGADE_CLASSES = ['brigade-fresh-report', 'brigade-fresh-block', 'brigade-aged-report', 'brigade-aged-block'] as const;

/** How strangers react to a first message of some kind: chances of each reaction. */
interface Reaction {
  reply: number;
  contact: number;
  block: number;
  report: number;
}

const REACT: Record<'spam' | 'bait' | 'pitch' | 'legit' | 'shop' | 'friendSpam', Reaction> = {
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

const FIRST = [
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
const CHAT = [
  'Hi! How are you?',
  'See you tomorrow',
  'Did you get the photos?',
  'Call me when you can',
  'Thanks!',
  'On my way',
  'What time is dinner?',
  'Happy birthday!',
  'ok',
  'Sounds good',
  'Can you pick up milk?',
  'haha yes',
  'Running 10 min late',
  'Love it',
];
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
const SPAM_ANSWER = ['who is this?', 'stop', 'not interested', 'how did you get my number?', '??'];

// Look-alike letters (Cyrillic and Greek) and invisible characters, as spammers use them.
const CONFUSABLE: Record<string, string[]> = {
  a: ['а', 'ɑ'],
  e: ['е'],
  o: ['о', '0', 'ο'],
  p: ['р'],
  c: ['с'],
  x: ['х'],
  y: ['у'],
  i: ['і', '1'],
  s: ['ѕ'],
  k: ['κ'],
};
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'];

const LANDINGS = ['quick-profit.top', 'luxwatch.live', 'bonus-now.click', 'crypto-x.buzz', 'deal4u.shop', 'win-big.icu', 'fastloan.site', 'nft-drop.xyz'];
const SHORT = ['bit.ly', 'cutt.ly', 'tinyurl.com', 'is.gd', 't.ly'];

/**
 * Seconds from a uniform draw `u` in [0, 1): evenly within `cap`, or exponential with `mean`,
 * cut at `cap` (one draw either way, so the reaction stream stays aligned).
 */
export function reactionDelay(shape: 'uniform' | 'exponential'): (u: number, mean: number, cap: number) => number {
  if (shape === 'uniform') return (u, _mean, cap) => Math.floor(u * cap);
  return (u, mean, cap) => Math.min(cap, Math.floor(-mean * Math.log(1 - u)));
}

export function* generateAdversarialTrace(o: AdversarialOptions): Generator<TraceLine> {
  const rnd = mulberry32(o.seed ^ 0x5eed);
  const days = o.days ?? 14;
  const span = days * DAY;
  const rs = o.reportRateScale ?? 1;
  const bs = o.blockRateScale ?? 1;
  const n = Math.max(300, o.accounts);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const chance = (p: number) => rnd() < p;
  const events: TraceLine[] = [];
  const push = (e: TraceLine) => {
    if (e.t < span) events.push(e);
  };

  let phone = 447800000000;
  const account = (id: string, label: Label, cls: string, t: number, ageDays?: number, voip = false) => {
    if (t < 0) {
      // Registered before the trace began.
      ageDays = Math.round(((ageDays ?? 0) + -t / DAY) * 1000) / 1000;
      t = 0;
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

  // Sizes: 4% spammers, 3% busy innocents, a few brigades, the rest friends.
  const perSpamClass = Math.max(3, Math.round((n * 0.04 * (o.spamShare ?? 1)) / SPAMMER_CLASSES.length));
  const perBusyClass = Math.max(3, Math.round((n * 0.03 * (o.busyShare ?? 1)) / BUSY_CLASSES.length));
  const brigadeCount = Math.max(BRIGADE_CLASSES.length, Math.round(n / 1500));
  const brigadeSizes = Array.from({ length: brigadeCount }, () => int(8, 20));
  const reserved =
    perSpamClass * (SPAMMER_CLASSES.length - 1) + Math.max(6, perSpamClass) * 2 + perBusyClass * BUSY_CLASSES.length + brigadeSizes.reduce((a, b) => a + b, 0);
  const friendCount = Math.max(200, n - reserved);

  // --- Friends: circles with mostly mutual contacts, chatting mostly among themselves. ---
  const friends: string[] = [];
  const circleOf = new Map<string, string[]>();
  for (let i = 0; i < friendCount; i++) {
    const id = `f${i}`;
    friends.push(id);
    account(id, 'innocent', 'friend', 0, int(30, 2000), chance(0.02));
  }
  const CIRCLE = 16;
  const savedBy = new Map<string, Set<string>>(); // whose contacts hold the key
  const save = (t: number, from: string, to: string) => {
    let s = savedBy.get(to);
    if (!s) savedBy.set(to, (s = new Set()));
    if (s.has(from)) return;
    s.add(from);
    push({ type: 'contact', t, from, to });
  };
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

  // --- Texts ---
  const spin = (s: string) => s.replace(/\{([^{}]*)\}/g, (_, alts: string) => pick(alts.split('|')));
  const disguise = (s: string, p: number) => {
    let out = '';
    for (const ch of s) {
      const alts = CONFUSABLE[ch];
      out += alts && chance(p) ? pick(alts) : ch;
      if (ch !== ' ' && chance(p / 2)) out += pick(INVISIBLE);
    }
    return out;
  };
  const link = (domain: string) => {
    switch (int(0, 4)) {
      case 0:
        return `https://${domain}/${int(100, 999)}`;
      case 1:
        return `${pick(SHORT)}/${Math.floor(rnd() * 36 ** 5).toString(36)}`;
      case 2:
        return domain.replace('.', ' dot ');
      case 3:
        return domain.replace('.', '(.)');
      default:
        return `@${domain.split('.')[0]!.replace(/-/g, '_')}_bot`;
    }
  };
  const PITCH = [
    '{Hi|Hello|Hey} {dear|friend|there}, {only today|this week only} {90%|80%|70%} off {designer watches|branded bags|sneakers}: {link}',
    '{Earn|Make} {500|700|1000}$ a {day|week} from home, {details|info|write me}: {link}',
    '{Crypto|Forex|Bitcoin} signals with {300|250|400}% profit, {join|come}: {link}',
    '{Congratulations|Good news}! {You won|You were selected for} a {prize|gift card|iPhone}, {claim it|take it}: {link}',
    '{Cheap|Fast} {loans|credit} without checks, {apply|write}: {link}',
  ];
  // With landings of their own, spammers write templates of their own too (from common phrases).
  const OPEN = [
    '{Hi|Hello|Hey}',
    'Good {day|evening}',
    '{Dear|Hi} friend',
    'Attention',
    'Hey {you|there}',
    'Greetings',
    '{Psst|Quick one}',
    'Hello {dear|sir|madam}',
  ];
  const OFFER = [
    '{only today|this week} {70%|80%|90%} off {watches|bags|perfume}',
    '{earn|make} {300|500|800}$ a {day|week} {from home|online}',
    'my {crypto|forex} {signals|bot} {doubled|tripled} my money',
    'you {won|were chosen for} a {gift card|phone|voucher}',
    '{loans|credit} {without checks|in 5 minutes}',
    '{followers|likes} for your {page|channel} {cheap|fast}',
    'a {job|side job} that pays {daily|weekly}, no experience',
    '{cheap|free} {subscriptions|tickets} {today|now}',
  ];
  const CTA = [
    '{details|info} here',
    '{write|message} me',
    '{join|come} now',
    '{claim|get} it',
    '{look|see} here',
    'do not miss it',
    'limited places',
    'ask me how',
  ];
  const ownTemplate = () => `${pick(OPEN)}, ${pick(OFFER)}, ${pick(CTA)}: {link}`;
  let template0 = PITCH[0]!;
  const pitch = (domain: string, template = ownLandings ? template0 : pick(PITCH)) =>
    spin(template.replace('{link}', '\u0000')).replace('\u0000', link(domain));

  // Landing domains: a handful shared, or one per spammer on a made-up name and a new TLD.
  const TLD = ['top', 'live', 'click', 'buzz', 'shop', 'icu', 'site', 'xyz', 'store', 'online', 'fun', 'vip', 'cfd', 'sbs'];
  const SYL = ['lux', 'win', 'cash', 'bonus', 'deal', 'fast', 'profit', 'crypto', 'promo', 'gift', 'star', 'prime', 'gold', 'mega', 'easy', 'smart'];
  const ownLandings = o.landings === 'own';
  const landing = () => (ownLandings ? `${pick(SYL)}-${pick(SYL)}${int(1, 999)}.${pick(TLD)}` : pick(LANDINGS));
  // --- Spammers ---
  let sIndex = 0;
  const newSpammer = (cls: string, t: number, ageDays?: number, label: Label = 'spammer') => {
    const id = `s${sIndex++}`;
    account(id, label, cls, t, ageDays, chance(0.1));
    if (ownLandings) template0 = ownTemplate();
    return id;
  };
  const start = () => int(HOUR, Math.max(HOUR, span - 3 * DAY));
  const spamRun = (id: string, t0: number, count: number, gap: () => number, text: () => string, r = REACT.spam) => {
    let t = t0;
    for (let k = 0; k < count; k++, t += gap()) {
      const v = stranger();
      push({ type: 'message', t, from: id, to: v, text: text() });
      react(id, v, t, r, SPAM_ANSWER);
    }
    return t;
  };
  const spamDecision = (id: string, t: number) => {
    // People confirm some cases a day or two in.
    if (chance(0.2)) push({ type: 'decision', t: t + int(DAY, 2 * DAY), account: id, action: 'confirm', policy: 'spam' });
  };

  for (let i = 0; i < perSpamClass; i++) {
    // fast: the classic burst.
    {
      const t0 = start();
      const id = newSpammer('fast', t0 - int(HOUR, 10 * HOUR));
      const text = pitch(landing());
      spamRun(
        id,
        t0,
        int(60, 150),
        () => int(10, 120),
        () => `${text} ${int(10, 99)}`,
      );
      spamDecision(id, t0);
    }
    // slow: 1–4 cold messages an hour for days, awake 14 hours a day.
    {
      const t0 = int(DAY, Math.max(DAY, span - 5 * DAY));
      const id = newSpammer('slow', 0, int(0, 1) ? int(2, 30) : undefined);
      const domain = landing();
      const templates = [pick(PITCH), pick(PITCH), pick(PITCH)];
      const perHour = int(1, 4);
      for (let d = 0; d < int(3, 6); d++) {
        for (let h = 0; h < 14; h++) {
          const base = t0 + d * DAY + h * HOUR;
          for (let k = 0; k < perHour; k++) {
            const t = base + rnd() * HOUR;
            const v = stranger();
            push({ type: 'message', t, from: id, to: v, text: pitch(domain, pick(templates)) });
            react(id, v, t, REACT.spam, SPAM_ANSWER);
          }
        }
      }
      spamDecision(id, t0 + DAY);
    }
    // warmed: weeks old, a normal life among friends, then spam at a moderate pace.
    {
      const id = newSpammer('warmed', 0, int(14, 60));
      const mates = Array.from({ length: int(4, 10) }, () => stranger());
      circleOf.set(id, mates);
      for (const m of mates) {
        save(0, id, m);
        save(0, m, id);
      }
      const t0 = int(2 * DAY, Math.max(2 * DAY, span - 3 * DAY));
      chatLife(id, 0, span, [2, 5]);
      const domain = landing();
      for (let d = 0; d < int(2, 4); d++)
        spamRun(
          id,
          t0 + d * DAY,
          int(15, 40),
          () => int(4 * MIN, 15 * MIN),
          () => pitch(domain),
        );
      spamDecision(id, t0);
    }
    // varied: the same offer, never the same bytes.
    {
      const t0 = start();
      const id = newSpammer('varied', t0 - int(2 * HOUR, 3 * DAY));
      const domain = landing();
      for (let d = 0; d < int(1, 3); d++)
        spamRun(
          id,
          t0 + d * DAY,
          int(25, 60),
          () => int(2 * MIN, 6 * MIN),
          () => disguise(pitch(domain), 0.15),
        );
      spamDecision(id, t0);
    }
    // opener: "hi" first, the pitch a minute later in the same chat.
    {
      const t0 = start();
      const id = newSpammer('opener', t0 - int(2 * HOUR, 2 * DAY), int(0, 2) ? undefined : int(3, 20));
      const domain = landing();
      let t = t0;
      for (let k = 0, count = int(40, 90); k < count; k++, t += int(3 * MIN, 9 * MIN)) {
        const v = stranger();
        push({ type: 'message', t, from: id, to: v, text: pick(['hi', 'hello', 'hey there', `Hi ${pick(FIRST)}!`, 'good evening']) });
        push({ type: 'message', t: t + int(20, 120), from: id, to: v, text: pitch(domain) });
        react(id, v, t, REACT.spam, SPAM_ANSWER);
      }
      spamDecision(id, t0);
    }
    // links: links the old pattern does not see.
    {
      const t0 = start();
      const id = newSpammer('links', t0 - int(2 * HOUR, 2 * DAY));
      const domain = landing();
      for (let d = 0; d < int(1, 3); d++)
        spamRun(
          id,
          t0 + d * DAY,
          int(20, 45),
          () => int(3 * MIN, 8 * MIN),
          () => `${spin('{Look|See|Check} {this|what I found}')} ${link(domain)} ${int(1, 999)}`,
        );
      spamDecision(id, t0);
    }
    // reply-bait: an innocent question to many; the pitch only to those who answered.
    {
      const t0 = start();
      const id = newSpammer('reply-bait', t0 - int(2 * HOUR, 3 * DAY), int(0, 1) ? int(5, 30) : undefined);
      const domain = landing();
      let t = t0;
      for (let k = 0, count = int(40, 90); k < count; k++, t += int(3 * MIN, 10 * MIN)) {
        const v = stranger();
        push({
          type: 'message',
          t,
          from: id,
          to: v,
          text: spin(`{Hi|Hello}, is this ${pick(FIRST)}? {We met at the|I think we met at the} {conference|fair|meetup|gym}`),
        });
        if (react(id, v, t, REACT.bait, ['Sorry, wrong number', 'No, who is this?', 'Hi! Hm, which one?', 'Yes?'])) {
          const tp = t + int(20 * HOUR + 1, 21 * HOUR);
          push({ type: 'message', t: tp, from: id, to: v, text: pitch(domain) });
          // The recipient already knows the sender: block and report come now, if at all.
          const tr = tp + MIN + Math.floor(rr() * HOUR);
          if (rchance(Math.min(1, REACT.pitch.report * rs))) push({ type: 'report', t: tr, from: v, to: id, reason: 'spam' });
          if (rchance(Math.min(1, REACT.pitch.block * bs))) push({ type: 'block', t: tr + 1, from: v, to: id });
        }
      }
      spamDecision(id, t0);
    }
    // phone-list: a bought list imported as contacts (one-sided), then messaged.
    {
      const t0 = start();
      const id = newSpammer('phone-list', t0 - int(HOUR, DAY));
      const list = Array.from({ length: int(100, 250) }, () => stranger());
      for (const v of new Set(list)) save(t0 - 30 * MIN, id, v);
      const domain = landing();
      let t = t0;
      for (const v of new Set(list)) {
        t += int(MIN, 5 * MIN);
        push({ type: 'message', t, from: id, to: v, text: pitch(domain) });
        react(id, v, t, REACT.spam, SPAM_ANSWER);
      }
      spamDecision(id, t0);
    }
    // group-spam: add strangers to a group slowly, post, then write to each.
    {
      const t0 = start();
      const id = newSpammer('group-spam', t0 - int(HOUR, 2 * DAY));
      const g = `gs${i}`;
      push({ type: 'group', t: t0, id: g, owner: id });
      const domain = landing();
      const members: string[] = [];
      let t = t0;
      for (let k = 0, count = int(60, 150); k < count; k++) {
        t += int(2 * MIN, 4 * MIN); // under 30 an hour
        const v = stranger();
        const accepted = !chance(0.25);
        push({ type: 'invite', t, group: g, by: id, account: v, ...(accepted ? {} : { accepted: false }) });
        if (accepted) members.push(v);
      }
      push({ type: 'post', t: t + MIN, group: g, from: id, text: pitch(domain) });
      for (const v of members) {
        const tl = t + 2 * MIN + Math.floor(rr() * 5 * HOUR);
        if (rchance(0.3)) push({ type: 'leave', t: tl + 1, group: g, account: v });
        if (rchance(Math.min(1, 0.08 * rs))) push({ type: 'report', t: tl, from: v, to: id, group: g, reason: 'spam' });
      }
      t += HOUR;
      for (const v of members) {
        t += int(MIN, 4 * MIN);
        push({ type: 'message', t, from: id, to: v, text: pitch(domain) });
        react(id, v, t, REACT.spam, SPAM_ANSWER);
      }
      spamDecision(id, t0);
    }
    // drip: an aged account, one cold message every hour or three, ten hours a day, for one or
    // two weeks: never a burst, never the same bytes.
    {
      const id = newSpammer('drip', 0, int(7, 60));
      const domain = landing();
      const templates = [pick(PITCH), pick(PITCH)];
      let t = int(0, Math.max(0, span - 10 * DAY)) + 9 * HOUR;
      const end = Math.min(span, t + int(7, 14) * DAY);
      while (t < end) {
        const v = stranger();
        push({ type: 'message', t, from: id, to: v, text: disguise(pitch(domain, ownLandings ? template0 : pick(templates)), 0.08) });
        react(id, v, t, REACT.spam, SPAM_ANSWER);
        t += int(HOUR, 3 * HOUR);
        if (t % DAY > 19 * HOUR) t += 14 * HOUR;
      }
      spamDecision(id, t);
    }
    // hijacked: an ordinary account taken over; it writes to its own friends.
    {
      // Innocent until taken over: the label changes at t0.
      const id = newSpammer('hijacked', 0, int(100, 1500), 'innocent');
      const mates = Array.from({ length: int(8, 20) }, () => stranger());
      circleOf.set(id, mates);
      for (const m of mates) {
        save(0, id, m);
        save(0, m, id);
      }
      const t0 = int(DAY, Math.max(DAY, span - 2 * DAY));
      chatLife(id, 0, t0, [2, 5]);
      push({ type: 'label', t: t0, id, label: 'spammer' });
      const domain = landing();
      let t = t0 + MIN;
      for (const m of mates) {
        t += int(20, 90);
        push({ type: 'message', t, from: id, to: m, text: `${pick(['Look at this!', 'Is this you in the video?', 'I won, you can too'])} ${link(domain)}` });
        react(id, m, t, REACT.friendSpam, ['what?', 'is this really you?', 'hacked?']);
      }
      // Then strangers, a moderate run.
      spamRun(
        id,
        t + HOUR,
        int(20, 40),
        () => int(3 * MIN, 8 * MIN),
        () => pitch(domain),
      );
    }
  }
  // rings: 6–20 accounts, a few messages each, one template and one landing domain.
  for (let r = 0; r < Math.max(1, Math.round((perSpamClass * 2) / 10)); r++) {
    const size = int(6, 20);
    const t0 = start();
    const domain = landing();
    const template = ownLandings ? ownTemplate() : pick(PITCH);
    for (let k = 0; k < size; k++) {
      const id = newSpammer('ring', t0 - int(2 * HOUR, 2 * DAY));
      spamRun(
        id,
        t0 + k * int(5 * MIN, 40 * MIN),
        int(4, 12),
        () => int(3 * MIN, 12 * MIN),
        () => pitch(domain, template),
      );
    }
  }

  // --- Busy innocents ---
  let bIndex = 0;
  const busy = (cls: string, label: Label, t: number, ageDays?: number) => {
    const id = `b${bIndex++}`;
    account(id, label, cls, t, ageDays);
    // A life of their own.
    const mates = Array.from({ length: int(5, 15) }, () => stranger());
    circleOf.set(id, mates);
    for (const m of mates) {
      save(t, id, m);
      if (chance(0.8)) save(t, m, id);
    }
    chatLife(id, t, span, [2, 5]);
    return id;
  };
  const busyDecisions = (id: string, from = 0) => {
    // A case dismissed by a person now and then; an appeal overturned if restricted that day.
    if (chance(0.1)) push({ type: 'decision', t: from + int(DAY, span), account: id, action: 'dismiss' });
    if (chance(0.3))
      for (let d = Math.ceil(from / DAY) + 1; d < days; d += 2)
        push({ type: 'appeal', t: d * DAY + int(8 * HOUR, 20 * HOUR), account: id, outcome: 'overturn' });
  };
  // How strangers react to busy innocents and shops, with the options' harder (or easier) rates.
  const ic = o.innocentComplaints ?? 1;
  const innocentReact = (r: Reaction): Reaction =>
    o.innocentReply === undefined && ic === 1 ? r : { ...r, reply: o.innocentReply ?? r.reply, block: r.block * ic, report: r.report * ic };
  const writeStrangers = (id: string, t0: number, count: number, gap: () => number, text: (i: number) => string, r: Reaction) => {
    let t = t0;
    for (let k = 0; k < count; k++, t += gap()) {
      const v = stranger();
      push({ type: 'message', t, from: id, to: v, text: text(k) });
      if (react(id, v, t, innocentReact(r)) && chance(0.5))
        push({ type: 'message', t: t + int(21 * HOUR, 23 * HOUR), from: id, to: v, text: pick(['Great, thanks!', 'See you then', 'Perfect']) });
    }
    return t;
  };
  for (let i = 0; i < perBusyClass; i++) {
    // organiser: 30–90 strangers a day for several days, personal texts, a link sometimes.
    {
      const id = busy('organiser', 'innocent', 0, int(100, 1500));
      const event = pick(['charity run', 'book club', 'hackathon', 'street festival', 'choir concert']);
      const t0 = int(0, Math.max(0, span - 4 * DAY)) + 8 * HOUR;
      for (let d = 0; d < int(3, 5); d++) {
        writeStrangers(
          id,
          t0 + d * DAY,
          int(30, 90),
          () => int(3 * MIN, 12 * MIN),
          () =>
            `Hi ${pick(FIRST)}, I'm organising the ${event} on ${pick(['Saturday', 'Sunday', 'the 14th'])}. Would you like to join?${chance(0.3) ? ' Details: events.example/' + event.replace(' ', '-') : ''}`,
          REACT.legit,
        );
      }
      busyDecisions(id);
    }
    // new-employee: a brand-new account writing 30–60 colleagues a day.
    {
      const t0 = int(0, Math.max(0, span - 4 * DAY)) + 9 * HOUR;
      const id = busy('new-employee', 'innocent', t0 - HOUR);
      const me = pick(FIRST);
      const team = pick(['the design team', 'accounting', 'support', 'the warehouse', 'sales']);
      for (let d = 0; d < int(2, 4); d++) {
        writeStrangers(
          id,
          t0 + d * DAY,
          int(30, 60),
          () => int(2 * MIN, 8 * MIN),
          () =>
            `Hello ${pick(FIRST)}! I'm ${me}, new in ${team}. ${pick(['Could you add me to the rota?', 'Who handles the keys?', 'Nice to meet you!', 'Is the meeting at 10?'])}`,
          { ...REACT.legit, reply: 0.85 },
        );
      }
      busyDecisions(id, t0);
    }
    // shop: writes first to its web customers, whose numbers it saved from their orders.
    {
      const id = busy('shop', 'business', 0, int(200, 2000));
      for (let d = 0; d < days; d++) {
        const t0 = d * DAY + 9 * HOUR;
        let t = t0;
        for (let k = 0, count = int(30, 100); k < count; k++, t += int(MIN, 8 * MIN)) {
          const v = stranger();
          save(t - 10, id, v);
          const order = int(10000, 99999);
          push({
            type: 'message',
            t,
            from: id,
            to: v,
            text: `Hello ${pick(FIRST)}, your order #${order} ${pick(['has shipped', 'is ready for pickup', 'is confirmed'])}. Track it at shop.example/t/${order}`,
          });
          react(id, v, t, innocentReact(REACT.shop));
        }
      }
      busyDecisions(id);
    }
    // phonebook: a new account greets its imported phone book; some of them saved it long ago.
    {
      const t0 = int(0, Math.max(0, span - 2 * DAY)) + 10 * HOUR;
      const id = busy('phonebook', 'innocent', t0 - 30 * MIN);
      const book = [...new Set(Array.from({ length: int(80, 250) }, () => stranger()))];
      for (const v of book) {
        save(t0 - 20 * MIN, id, v);
        if (chance(0.4)) save(t0 - 25 * MIN, v, id); // they had the number already
      }
      let t = t0;
      for (const v of book.slice(0, int(50, book.length))) {
        t += int(20, 4 * MIN);
        push({
          type: 'message',
          t,
          from: id,
          to: v,
          text: pick(['Hi! I am on banya now 🙂 Save my number', 'Hello, this is my new number', 'Hi, it is me, new account!']),
        });
        react(id, v, t, innocentReact({ ...REACT.legit, reply: 0.65 }));
      }
      busyDecisions(id, t0);
    }
    // community-admin: adds more than 30 people an hour to a group; they accept and stay.
    {
      const id = busy('community-admin', 'innocent', 0, int(100, 1500));
      const g = `gc${i}`;
      const t0 = int(HOUR, Math.max(HOUR, span - DAY));
      push({ type: 'group', t: t0, id: g, owner: id, admins: [] });
      let t = t0;
      for (let k = 0, count = int(40, 120); k < count; k++) {
        t += int(30, 100); // 36–120 an hour
        const v = stranger();
        const accepted = !chance(0.08);
        push({ type: 'invite', t, group: g, by: id, account: v, ...(accepted ? {} : { accepted: false }) });
        if (accepted && chance(0.3)) save(t + int(MIN, DAY), v, id);
        if (accepted && chance(0.03)) push({ type: 'leave', t: t + int(MIN, DAY), group: g, account: v });
      }
      push({ type: 'post', t: t + MIN, group: g, from: id, text: 'Welcome to the neighbourhood group! Rules in the pinned message.' });
      busyDecisions(id);
    }
    // parent: the school event link to 30 parents, the same text to each.
    {
      const id = busy('parent', 'innocent', 0, int(100, 1500));
      const t0 = int(0, Math.max(0, span - DAY)) + 18 * HOUR;
      const text = `Hi, this is ${pick(FIRST)}'s ${pick(['mum', 'dad'])} from class ${int(1, 4)}${pick(['A', 'B'])}. The school fair is on Saturday: school-fair.example/2026`;
      writeStrangers(
        id,
        t0,
        int(25, 35),
        () => int(30, 3 * MIN),
        () => text,
        { ...REACT.legit, reply: 0.7, contact: 0.3 },
      );
      busyDecisions(id);
    }
    // recruiter: an established account writing 20–50 candidates a day with a link to the job.
    {
      const id = busy('recruiter', 'innocent', 0, int(300, 2000));
      const company = pick(['Northwind', 'Acme Robotics', 'Blue Harbour', 'Greenfield Labs']);
      const t0 = int(0, Math.max(0, span - 5 * DAY)) + 9 * HOUR;
      for (let d = 0; d < int(3, 5); d++)
        writeStrangers(
          id,
          t0 + d * DAY,
          int(20, 50),
          () => int(4 * MIN, 15 * MIN),
          () =>
            `Hi ${pick(FIRST)}, I'm a recruiter at ${company}. We have a ${pick(['backend', 'data', 'QA', 'support', 'design'])} opening that matches your profile: jobs.example/${int(1000, 9999)}. Interested?`,
          { ...REACT.legit, reply: 0.55, contact: 0.2, block: 0.01, report: 0.003 },
        );
      busyDecisions(id);
    }
    // flat-hunter: the same flat enquiry to 15 landlords a day, for a few days.
    {
      const id = busy('flat-hunter', 'innocent', 0, int(100, 1500));
      const text = 'Hello, is the flat still available? I am a quiet professional, non-smoker, can view any evening.';
      const t0 = int(0, Math.max(0, span - 4 * DAY)) + 12 * HOUR;
      for (let d = 0; d < int(2, 4); d++)
        writeStrangers(
          id,
          t0 + d * DAY,
          15,
          () => int(2 * MIN, 8 * MIN),
          () => text,
          { ...REACT.legit, reply: 0.6, contact: 0.2 },
        );
      busyDecisions(id);
    }
  }

  // --- Brigades ---
  for (let b = 0; b < brigadeCount; b++) {
    const cls = BRIGADE_CLASSES[b % BRIGADE_CLASSES.length]!;
    const aged = cls.startsWith('brigade-aged');
    const withBlock = cls.endsWith('block');
    const target = friends[(b * 131 + 7) % friends.length]!;
    const t0 = int(DAY, Math.max(DAY, span - DAY));
    for (let k = 0; k < brigadeSizes[b]!; k++) {
      const id = `x${b}_${k}`;
      const tk = t0 + k * int(MIN, 10 * MIN);
      account(id, 'brigader', cls, aged ? 0 : tk - int(10 * MIN, 3 * HOUR), aged ? int(3, 10) : undefined);
      let t = tk;
      if (chance(0.6)) {
        // Lure an answer first: then the report has something to show.
        push({
          type: 'message',
          t,
          from: id,
          to: target,
          text: pick(['Hi, are you selling the bike?', 'Hello, is this the plumber?', 'Hey, we met at the fair?']),
        });
        t += int(5 * MIN, 2 * HOUR);
        push({ type: 'message', t, from: target, to: id, text: pick(['No, sorry, wrong number', 'Hi! No, you must mean someone else', 'Yes?']) });
      }
      t += int(MIN, 30 * MIN);
      push({ type: 'report', t, from: id, to: target, reason: 'spam' });
      if (withBlock) push({ type: 'block', t: t + 1, from: id, to: target });
    }
    // Someone at support dismisses the case later.
    if (chance(0.5)) push({ type: 'decision', t: t0 + int(6 * HOUR, 2 * DAY), account: target, action: 'dismiss' });
  }

  // Accounts first at equal times, then contacts and groups, then the rest (stable).
  const order = (e: TraceLine) => (e.type === 'account' ? 0 : e.type === 'contact' ? 1 : e.type === 'group' ? 2 : 3);
  for (const e of events) {
    e.t = Math.round(e.t * 1000) / 1000;
  }
  const idx = new Uint32Array(events.length).map((_, i) => i);
  idx.sort((x, y) => events[x]!.t - events[y]!.t || order(events[x]!) - order(events[y]!) || x - y);
  for (const i of idx) yield events[i]!;
}
