import type { TraceLine } from './trace.js';

/**
 * A deterministic generator of labelled traces (TRACE.md): ordinary people in circles of
 * friends, businesses answering clients who write first, bursty but legitimate group admins,
 * cold spammers, slow spammers, spam rings, and brigades of fresh accounts reporting an innocent.
 * The same seed and size always give the same trace.
 */

import { mulberry32 } from '../domain/random.js';

export { mulberry32 };

export interface TraceOptions {
  seed: number;
  accounts: number;
  days?: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

const SPAM = [
  'Only today: 90% off designer watches! Order at deals-max.example',
  'You won a prize! Claim it here: lucky-win.example/claim',
  'Earn 500$ a day from home, details: easy-money.example',
  'Crypto signals with 300% profit, join: t.me/joinchat/cryptoX',
  'Cheap followers and likes, 1000 for 1$: boost-fast.example',
  'Hot singles in your area: meet-now.example',
  'Hello dear, I saw your profile and want to be friends, write me back please',
  'Selling brand new phones at half price, interested? Answer and I send the catalogue',
  'Dear customer, your parcel is waiting, confirm your address by replying to this message',
];
const ASK = [
  'Hello, do you deliver on Saturday?',
  'Hi! What are your opening hours?',
  'Good afternoon, is the blue one in stock?',
  'Can I book a table for four tonight?',
  'How much is shipping to my address?',
  'Hello! I would like to order a cake',
  'Do you have gift cards?',
  'Is the discount still valid?',
];
const GREET = ['Hi', 'Hello', 'Good evening', 'Hey', 'Nice to meet you'];
const NAMES = ['Anna', 'Oleg', 'Maria', 'Ivan', 'Sofia', 'Pavel', 'Olga', 'Denis', 'Irina', 'Artem', 'Elena', 'Maxim'];
/** What friends say to each other (the adversarial generator's friends say it too). */
export const CHAT = [
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
];

export function* generateTrace(o: TraceOptions): Generator<TraceLine> {
  const rnd = mulberry32(o.seed);
  const days = o.days ?? 7;
  const span = days * DAY;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const events: TraceLine[] = [];
  const n = Math.max(50, o.accounts);

  const brigades = Math.max(1, Math.floor(n / 3000));
  const brigadeSize = 30;
  const spammerCount = Math.max(3, Math.round(n * 0.02));
  const businessCount = Math.max(1, Math.round(n * 0.03));
  const adminCount = Math.max(1, Math.round(n * 0.03));
  const innocentCount = n - brigades * brigadeSize - spammerCount - businessCount;

  const innocents: string[] = [];
  const businesses: string[] = [];
  const spammers: string[] = [];
  let phone = 447700000000;
  const account = (id: string, label: 'innocent' | 'spammer' | 'business' | 'brigader', t = 0) => {
    events.push({ type: 'account', t, id, phone: `+${phone++}`, label });
  };
  for (let i = 0; i < innocentCount; i++) innocents.push(`p${i}`);
  for (const id of innocents) account(id, 'innocent');
  for (let i = 0; i < businessCount; i++) {
    businesses.push(`b${i}`);
    account(`b${i}`, 'business');
  }

  // Circles of friends: contacts are mostly mutual, and people write mostly to them.
  const contacts = new Map<string, string[]>();
  const circle = 20;
  for (let c = 0; c * circle < innocents.length; c++) {
    const members = innocents.slice(c * circle, (c + 1) * circle);
    for (const a of members) {
      const saved = members.filter((b) => b !== a && rnd() < 0.7);
      contacts.set(a, saved);
      for (const b of saved) events.push({ type: 'contact', t: 0, from: a, to: b });
    }
    for (const a of members)
      for (const b of contacts.get(a)!) if (!contacts.get(b)!.includes(a) && rnd() < 0.8) events.push({ type: 'contact', t: 0, from: b, to: a });
  }
  const mutualish = (a: string) => contacts.get(a) ?? [];
  for (const a of innocents) {
    const friends = mutualish(a);
    if (friends.length === 0) continue;
    const count = int(days * 2, days * 8);
    for (let k = 0; k < count; k++) {
      const t = rnd() * span;
      const b = pick(friends);
      events.push({ type: 'message', t, from: a, to: b, text: pick(CHAT) });
      if (rnd() < 0.6) events.push({ type: 'message', t: t + int(30, 3600), from: b, to: a, text: pick(CHAT) });
    }
    // Now and then a stranger: a seller found online, who usually answers.
    if (rnd() < 0.3) {
      const seller = pick(innocents);
      if (seller !== a) {
        const t = rnd() * span;
        events.push({ type: 'message', t, from: a, to: seller, text: 'Hello, is the bike still for sale?' });
        if (rnd() < 0.7) events.push({ type: 'message', t: t + int(60, 7200), from: seller, to: a, text: 'Yes, it is' });
      }
    }
  }

  // Businesses: clients write first and get answers; regular clients saved the shop.
  for (const b of businesses) {
    const clients = Array.from({ length: int(30, 120) }, () => pick(innocents));
    for (const c of new Set(clients)) {
      const t = rnd() * span;
      events.push({ type: 'message', t, from: c, to: b, text: pick(ASK) });
      events.push({ type: 'message', t: t + int(60, 3 * HOUR), from: b, to: c, text: 'Yes, from 10 to 18. Shall we book a slot?' });
      if (rnd() < 0.4) {
        events.push({ type: 'contact', t: t + 10, from: c, to: b });
        events.push({ type: 'message', t: t + int(DAY, 3 * DAY), from: b, to: c, text: 'Your order is ready for pickup' });
      }
    }
  }

  // Group admins: bursts of invites, almost all people who saved them.
  for (let i = 0; i < adminCount; i++) {
    const admin = innocents[i * Math.floor(innocents.length / adminCount)]!;
    const g = `g${i}`;
    const t0 = rnd() * span;
    events.push({ type: 'group', t: t0, id: g, owner: admin, public: rnd() < 0.3 });
    const pool = [...mutualish(admin), ...Array.from({ length: 3 }, () => pick(innocents))];
    let t = t0;
    for (const m of new Set(pool)) {
      if (m === admin) continue;
      t += int(2, 30);
      events.push({ type: 'invite', t, group: g, by: admin, account: m });
    }
    events.push({ type: 'post', t: t + 60, group: g, from: admin, text: 'Welcome everyone!' });
  }

  // Spammers: cold (fast fan-out), slow (a few an hour, varied texts), and rings (one text, many senders).
  let s = 0;
  const reactions = (spammer: string, victim: string, t: number) => {
    if (rnd() < 0.15) events.push({ type: 'block', t: t + int(30, 3600), from: victim, to: spammer });
    if (rnd() < 0.12) events.push({ type: 'report', t: t + int(30, 3600), from: victim, to: spammer, reason: 'spam' });
  };
  const victims = () => pick(innocents);
  const kinds = ['cold', 'slow', 'ring'] as const;
  while (s < spammerCount) {
    const kind = kinds[s % 3]!;
    if (kind === 'ring') {
      const size = Math.min(5, spammerCount - s);
      const text = pick(SPAM);
      const start = DAY + rnd() * (span - 3 * DAY);
      for (let r = 0; r < size; r++, s++) {
        const id = `s${s}`;
        spammers.push(id);
        account(id, 'spammer', start - int(HOUR, 10 * HOUR));
        let t = start + r * 60;
        for (let k = 0, count = int(20, 40); k < count; k++, t += int(60, 300)) {
          const v = victims();
          events.push({ type: 'message', t, from: id, to: v, text: text.replace('$', `${int(1, 9)}$`) });
          reactions(id, v, t);
        }
      }
      continue;
    }
    const id = `s${s++}`;
    spammers.push(id);
    const start = DAY + rnd() * (span - 3 * DAY);
    account(id, 'spammer', start - int(HOUR, 20 * HOUR));
    if (kind === 'cold') {
      const text = pick(SPAM);
      let t = start;
      for (let k = 0, count = int(60, 150); k < count; k++, t += int(10, 120)) {
        const v = victims();
        events.push({ type: 'message', t, from: id, to: v, text: `${text} ${int(10, 99)}` });
        reactions(id, v, t);
      }
    } else {
      let t = start;
      for (let k = 0, count = int(40, 80); k < count; k++, t += int(600, 1500)) {
        const v = victims();
        events.push({ type: 'message', t, from: id, to: v, text: `${pick(SPAM)} (${pick(['hi', 'hello', 'dear friend', 'hey'])})` });
        reactions(id, v, t);
      }
    }
  }

  // Brigades: fresh accounts, each written to once by an innocent, all report that innocent.
  for (let b = 0; b < brigades; b++) {
    const victim = innocents[(b * 97 + 13) % innocents.length]!;
    const t0 = DAY + rnd() * (span - 2 * DAY);
    for (let k = 0; k < brigadeSize; k++) {
      const id = `x${b}_${k}`;
      account(id, 'brigader', t0 + k * 600 - 1800);
      const t = t0 + k * 600;
      events.push({
        type: 'message',
        t,
        from: victim,
        to: id,
        text: `${pick(GREET)} ${pick(NAMES)}, I think we met at the ${pick(['conference', 'meetup', 'fair', 'workshop'])}?`,
      });
      events.push({ type: 'report', t: t + int(600, 3 * HOUR), from: id, to: victim, reason: 'spam' });
    }
  }

  // Accounts first at equal times, then time order (stable).
  const order = (e: TraceLine) => (e.type === 'account' ? 0 : e.type === 'contact' ? 1 : e.type === 'group' ? 2 : 3);
  for (const e of events) e.t = Math.round(e.t * 1000) / 1000;
  const indexed = events.map((e, i) => [e, i] as const);
  indexed.sort((x, y) => x[0].t - y[0].t || order(x[0]) - order(y[0]) || x[1] - y[1]);
  for (const [e] of indexed) yield e;
}
