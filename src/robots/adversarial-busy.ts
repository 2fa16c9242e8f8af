import { DAY, FIRST, HOUR, MIN, REACT, type Reaction, type World } from './adversarial-world.js';
import type { Label } from './trace.js';

/**
 * The busy innocents of an adversarial trace (label `innocent`, `business` for the shop): people
 * who write to many strangers for good reasons, each with a life of their own, whom people
 * sometimes clear (a case dismissed, an appeal overturned).
 */

export const BUSY_CLASSES = ['organiser', 'new-employee', 'shop', 'phonebook', 'community-admin', 'parent', 'flat-hunter', 'recruiter'] as const;

export function addBusyInnocents(w: World, perBusyClass: number): void {
  const { o, days, span, pick, int, chance, push, account, circleOf, save, chatLife, stranger, react } = w;
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
}
