import { DAY, FIRST, HOUR, MIN, REACT, SPAM_ANSWER, type World } from './adversarial-world.js';
import { PITCH, spamTexts } from './adversarial-texts.js';
import type { Label } from './trace.js';

/**
 * The spammers of an adversarial trace (label `spammer`), one of each class per round: careful
 * spammers who read the thresholds, the classic burst as a yardstick, and rings.
 */

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

export function addSpammers(w: World, perSpamClass: number): void {
  const { rnd, pick, int, chance, push, account, circleOf, save, chatLife, stranger, react, rr, rchance, rs, bs, span } = w;
  const tx = spamTexts(w);
  const { ownLandings, spin, disguise, link, ownTemplate, pitch, landing } = tx;
  let sIndex = 0;
  const newSpammer = (cls: string, t: number, ageDays?: number, label: Label = 'spammer') => {
    const id = `s${sIndex++}`;
    account(id, label, cls, t, ageDays, chance(0.1));
    if (ownLandings) tx.template0 = ownTemplate();
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
        push({ type: 'message', t, from: id, to: v, text: disguise(pitch(domain, ownLandings ? tx.template0 : pick(templates)), 0.08) });
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
}
