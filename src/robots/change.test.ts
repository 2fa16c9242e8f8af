import { describe, expect, it } from 'vitest';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textSignals } from './events.js';
import { BUILT_IN_RULES, robotsConfig, type Effect } from './rules.js';

/**
 * sudden_change: an established account that suddenly reaches far more people than it used to
 * (its link to many of its own contacts at once, then links to strangers), and that those people
 * complain about — a complaint from someone who knew it weighing more, its earlier trust no
 * shield. Busy people who look alike (a recruiter's links to candidates, a parent's link to the
 * class's parents, a steady sender) are left alone.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 6);
const LINK = 'Is this you in the video? quick-look.example/v/123';
const PITCH = 'Hello, only this week 80% off designer watches: quick-look.example/w';

function world(rules = ['sudden_change'], settings: Record<string, number> = {}, watching = true) {
  const applied: { account: number; rule: string; effect: Effect }[] = [];
  const sink: EffectSink = {
    apply: (account, r, effect) => void applied.push({ account, rule: r, effect }),
    shadow: () => undefined,
    manualDecisionAt: () => 0,
    restricted: () => false,
  };
  const cfg = robotsConfig({
    rules: Object.fromEntries(
      BUILT_IN_RULES.map((r) => [r.name, rules.includes(r.name) ? (r.name === 'sudden_change' ? { settings } : {}) : { enabled: false }]),
    ),
  });
  const engine = new RobotsEngine(cfg, sink);
  let next = 1;
  const account = (ageMs: number) => {
    const id = next++;
    void engine.observe({ type: 'account', at: T0 - ageMs, account: id, voip: false });
    return id;
  };
  /** `n` people who saved `a` long ago and chat with it. */
  const friendsOf = (a: number, n: number) =>
    Array.from({ length: n }, () => {
      const f = account(300 * DAY);
      void engine.observe({ type: 'contact', at: T0 - 100 * DAY, from: f, to: a });
      return f;
    });
  const toFriend = (from: number, to: number, at: number, text: string) =>
    void engine.observe({ type: 'message', at, from, to, stranger: false, newChat: false, ...textSignals(text) });
  const send = (from: number, to: number, at: number, text: string) =>
    void engine.observe({ type: 'message', at, from, to, stranger: true, newChat: true, ...textSignals(text) });
  const answer = (from: number, to: number, at: number) =>
    void engine.observe({ type: 'message', at, from, to, stranger: false, newChat: false, reply: true, ...textSignals('what? is this really you?') });
  const block = (from: number, to: number, at: number, stranger = true) => void engine.observe({ type: 'block', at, from, to, stranger, initiated: true });
  const limited = (a: number) => applied.filter((x) => x.account === a).map((x) => x.rule);
  /** Robots began watching at `at` (their first traffic): two people saving each other. */
  const watchFrom = (at: number) => {
    const [x, y] = [account(400 * DAY), account(400 * DAY)];
    void engine.observe({ type: 'contact', at, from: x, to: y });
  };
  // Robots have watched for a month unless a test says otherwise.
  if (watching) watchFrom(T0 - 30 * DAY);
  return { engine, applied, account, friendsOf, toFriend, send, answer, block, limited, watchFrom };
}

describe('sudden_change', () => {
  /** A long-established account sends its link to its friends, then writes strangers. */
  function hijack(
    w: ReturnType<typeof world>,
    opts: { friendComplaints: number; strangerComplaints: number; friendAnswers?: number; strangers?: number; friendGap?: number },
  ) {
    const a = w.account(800 * DAY);
    const friends = w.friendsOf(a, 12);
    // Its link to its twelve friends, a minute apart (the takeover's blast) unless `friendGap` says otherwise.
    const gap = opts.friendGap ?? MIN;
    friends.forEach((f, i) => w.toFriend(a, f, T0 - 11 * gap + i * gap, LINK));
    for (let i = 0; i < (opts.friendAnswers ?? 0); i++) w.answer(friends[i]!, a, T0 + 20 * MIN + i);
    for (let i = 0; i < opts.friendComplaints; i++) w.block(friends[11 - i]!, a, T0 + 40 * MIN + i, false);
    const strangers = Array.from({ length: opts.strangers ?? 8 }, () => w.account(200 * DAY));
    strangers.forEach((s, i) => w.send(a, s, T0 + HOUR + i * 5 * MIN, PITCH));
    for (let i = 0; i < opts.strangerComplaints; i++) w.block(strangers[i]!, a, T0 + 2 * HOUR + i);
    return a;
  }

  it('limits a hijacked-looking account on one complaint from a friend who got its link', () => {
    const w = world();
    const a = hijack(w, { friendComplaints: 1, strangerComplaints: 0 });
    expect(w.limited(a)).toEqual(['sudden_change']);
    const fired = w.applied[0]!.effect.signals!.find((x) => x.name === 'complaints')!;
    // One established complainer, weighing contactWeight (2), a little decayed.
    expect(fired.value).toBeGreaterThan(1.9);
    expect(fired.value).toBeLessThanOrEqual(2);
    expect(fired.note).toBe('people who knew it among them');
  });

  it('the friends answering ("is this really you?") do not count as strangers welcoming it', () => {
    const w = world();
    const a = hijack(w, { friendComplaints: 1, strangerComplaints: 0, friendAnswers: 6 });
    expect(w.limited(a)).toEqual(['sudden_change']);
    const e = w.engine.evidence;
    expect(e.pos.value(a, T0 + 3 * HOUR)).toBeGreaterThan(5.5);
    expect(e.knownPos.value(a, T0 + 3 * HOUR)).toBeCloseTo(e.pos.value(a, T0 + 3 * HOUR), 6);
  });

  it('the same evidence does not reach stranger_feedback, whose rate the friends thin out and whose answers they fill', () => {
    const evidence = { friendComplaints: 1, strangerComplaints: 1, friendAnswers: 4, strangers: 12 };
    const old = world(['stranger_feedback']);
    expect(old.limited(hijack(old, evidence))).toEqual([]);
    const w = world();
    expect(w.limited(hijack(w, evidence))).toEqual(['sudden_change']);
  });

  it('one stranger complaint is enough after its link went to a whole circle of friends within minutes; not when those links were hours apart', () => {
    const w = world();
    const a = hijack(w, { friendComplaints: 0, strangerComplaints: 1 });
    expect(w.limited(a)).toEqual(['sudden_change']);
    const fired = w.applied.find((x) => x.account === a)!.effect;
    expect(fired).toMatchObject({ action: 'limit', hours: 6 });
    const blast = fired.signals!.find((x) => x.name === 'link_blast')!;
    expect(blast.value).toBeGreaterThan(10);
    expect(blast.threshold).toBe(6);
    // The same links to the same friends, three hours apart: no blast, and one complaint is not
    // enough (a world of its own: the first account's complaint would make its text a campaign).
    const v = world();
    const spread = hijack(v, { friendComplaints: 0, strangerComplaints: 1, friendGap: 3 * HOUR });
    expect(v.engine.evidence.blast.value(spread, T0 + 3 * HOUR)).toBeLessThan(2);
    expect(v.limited(spread)).toEqual([]);
    // Nor with the blast path switched off.
    const off = world(['sudden_change'], { blastContacts: 0 });
    expect(off.limited(hijack(off, { friendComplaints: 0, strangerComplaints: 1 }))).toEqual([]);
    // Two strangers complaining are enough without the blast, once it changed this sharply.
    const two = world();
    expect(two.limited(hijack(two, { friendComplaints: 0, strangerComplaints: 2, friendGap: 3 * HOUR }))).toEqual(['sudden_change']);
  });

  it('after a blast, one complaint is not enough when it came from among a hundred strangers, when the strangers answer, or before it wrote to strangers', () => {
    const many = world();
    expect(many.limited(hijack(many, { friendComplaints: 0, strangerComplaints: 1, strangers: 100 }))).toEqual([]);
    const w = world();
    // Accounts are numbered in order: the sender, its 12 friends, then its 12 strangers.
    const answered = hijack(w, { friendComplaints: 0, strangerComplaints: 0, strangers: 12 });
    const e = w.engine.evidence;
    expect(e.blast.value(answered, T0 + 2 * HOUR)).toBeGreaterThan(6);
    // Two of the strangers answer before one complains: a welcome burst, however it began.
    void w.engine.observe({
      type: 'message',
      at: T0 + 2 * HOUR,
      from: answered + 13,
      to: answered,
      stranger: false,
      newChat: false,
      reply: true,
      ...textSignals('sounds good'),
    });
    void w.engine.observe({
      type: 'message',
      at: T0 + 2 * HOUR + 1,
      from: answered + 14,
      to: answered,
      stranger: false,
      newChat: false,
      reply: true,
      ...textSignals('thanks!'),
    });
    w.block(answered + 20, answered, T0 + 3 * HOUR);
    expect(w.limited(answered)).toEqual([]);
    // A friend's complaint before it wrote to any stranger: no change towards strangers yet.
    const early = world();
    expect(early.limited(hijack(early, { friendComplaints: 1, strangerComplaints: 0, strangers: 2 }))).toEqual([]);
  });

  it('leaves alone a parent sending the school link to thirty parents who know them, one of whom blocks', () => {
    const w = world();
    const a = w.account(900 * DAY);
    const parents = w.friendsOf(a, 30);
    parents.forEach((p, i) => w.toFriend(a, p, T0 + i * MIN, 'The school fair is on Saturday: school-fair.example/2026'));
    w.block(parents[3]!, a, T0 + HOUR, false);
    expect(w.limited(a)).toEqual([]);
  });

  it('leaves alone a recruiter writing 20 candidates with job links: one complaint, or two against the answers', () => {
    const run = (complaints: number, answers: number) => {
      const w = world();
      const a = w.account(900 * DAY);
      const cs = Array.from({ length: 20 }, () => w.account(300 * DAY));
      cs.forEach((c, i) =>
        w.send(a, c, T0 + i * 8 * MIN, `Hi ${i}, we have a backend opening that matches your profile: jobs.example/${1000 + i}. Interested?`),
      );
      for (let i = 0; i < answers; i++) w.answer(cs[i]!, a, T0 + 3 * HOUR + i);
      for (let i = 0; i < complaints; i++) w.block(cs[19 - i]!, a, T0 + 3 * HOUR + MIN + i);
      return w.limited(a);
    };
    expect(run(1, 0)).toEqual([]);
    expect(run(2, 2)).toEqual([]);
    // Without the answers, two complaints among the first who could complain are a spammer's.
    expect(run(2, 0)).toEqual(['sudden_change']);
  });

  it('one complaint is enough once its texts belong to a campaign others were complained about, and unanswered', () => {
    const run = (opts: { otherComplaints: number; otherAnswers?: number; text?: string }) => {
      const w = world();
      const text = opts.text ?? PITCH;
      // Another account sent the same text to strangers, and they complained (and maybe answered).
      const other = w.account(30 * DAY);
      const os = Array.from({ length: 10 }, () => w.account(300 * DAY));
      os.forEach((c, i) => w.send(other, c, T0 - 6 * HOUR + i * 5 * MIN, text));
      for (let i = 0; i < (opts.otherAnswers ?? 0); i++) w.answer(os[i]!, other, T0 - 4 * HOUR + i);
      for (let i = 0; i < opts.otherComplaints; i++) w.block(os[9 - i]!, other, T0 - 3 * HOUR + i);
      // An established account turns and writes 20 strangers the same; one of them blocks it.
      const a = w.account(40 * DAY);
      const cs = Array.from({ length: 20 }, () => w.account(300 * DAY));
      cs.forEach((c, i) => w.send(a, c, T0 + i * 5 * MIN, text));
      w.block(cs[0]!, a, T0 + 2 * HOUR);
      return { limited: w.limited(a), effect: w.applied.find((x) => x.account === a)?.effect };
    };
    const hit = run({ otherComplaints: 3 });
    expect(hit.limited).toEqual(['sudden_change']);
    expect(hit.effect!.signals!.map((x) => x.name)).toContain('campaign_complaint_rate');
    // Without the campaign's complaints, one complaint is not enough.
    expect(run({ otherComplaints: 0 }).limited).toEqual([]);
    // Nor when the campaign is one people answer (a job board, an event's page).
    expect(run({ otherComplaints: 3, otherAnswers: 6 }).limited).toEqual([]);
  });

  it('waits for a past robots saw: an account busy since before they began watching has not changed', () => {
    // A shop years old writes 20 of its customers with its link on robots' first morning; two block.
    const run = (watchedHours: number) => {
      const w = world(['sudden_change'], {}, false);
      w.watchFrom(T0 - watchedHours * HOUR);
      const a = w.account(900 * DAY);
      const cs = Array.from({ length: 20 }, () => w.account(300 * DAY));
      cs.forEach((c, i) => w.send(a, c, T0 + i * 3 * MIN, `Hello ${i}, your order has shipped. Track it at shop.example/t/${1000 + i}`));
      for (let i = 0; i < 2; i++) w.block(cs[19 - i]!, a, T0 + HOUR + i);
      return w.limited(a);
    };
    // Robots watching since this morning: its weeks before are unknown, not empty.
    expect(run(1)).toEqual([]);
    // Watching for two days, they saw it reach nobody: the same morning is a change.
    expect(run(48)).toEqual(['sudden_change']);
    // Robots began watching 20 hours ago: still short of `minKnownHours` (24).
    expect(run(20)).toEqual([]);
  });

  it('leaves alone an account that has long reached this many people: its behaviour did not change', () => {
    const w = world();
    const a = w.account(900 * DAY);
    let k = 0;
    for (let d = 20; d >= 1; d--)
      for (let i = 0; i < 20; i++) w.send(a, w.account(300 * DAY), T0 - d * DAY + i * 10 * MIN, `Hello ${k++}, your order is ready`);
    const today = Array.from({ length: 20 }, () => w.account(300 * DAY));
    today.forEach((c, i) => w.send(a, c, T0 + i * 10 * MIN, `Hello ${k++}, your order is ready`));
    for (let i = 0; i < 2; i++) w.block(today[i]!, a, T0 + 4 * HOUR + i);
    expect(w.engine.evidence.recentReach.value(a, T0 + 4 * HOUR)).toBeLessThan(0.5 * w.engine.evidence.pastReach.value(a, T0 + 4 * HOUR));
    expect(w.limited(a)).toEqual([]);
  });

  it('is not for young accounts (other rules judge them)', () => {
    const w = world();
    const a = w.account(2 * DAY);
    const cs = Array.from({ length: 20 }, () => w.account(300 * DAY));
    cs.forEach((c, i) => w.send(a, c, T0 + i * 5 * MIN, PITCH));
    for (let i = 0; i < 3; i++) w.block(cs[i]!, a, T0 + 2 * HOUR + i);
    expect(w.limited(a)).toEqual([]);
  });

  it('a clearing by a person forgives the contacts’ complaints too', () => {
    const w = world();
    const a = w.account(800 * DAY);
    const friends = w.friendsOf(a, 12);
    friends.forEach((f, i) => w.toFriend(a, f, T0 + i * MIN, LINK));
    w.block(friends[0]!, a, T0 + 30 * MIN, false);
    void w.engine.observe({ type: 'decision', at: T0 + 40 * MIN, account: a, outcome: 'cleared' });
    expect(w.engine.evidence.knownNeg.value(a, T0 + 41 * MIN)).toBe(0);
    const strangers = Array.from({ length: 8 }, () => w.account(200 * DAY));
    strangers.forEach((s, i) => w.send(a, s, T0 + HOUR + i * 5 * MIN, PITCH));
    expect(w.limited(a)).toEqual([]);
  });

  it('needs a third complaint when the burst sends people nowhere (one plain enquiry to 15 landlords)', () => {
    const run = (text: string, complaints = 2) => {
      const w = world();
      const a = w.account(400 * DAY);
      const friends = w.friendsOf(a, 12);
      friends.forEach((f, i) => w.toFriend(a, f, T0 - 3 * DAY + i * HOUR, 'See you tomorrow'));
      const landlords = Array.from({ length: 15 }, () => w.account(200 * DAY));
      landlords.forEach((l, i) => w.send(a, l, T0 + i * 5 * MIN, text));
      for (let i = 0; i < complaints; i++) w.block(landlords[i]!, a, T0 + 2 * HOUR + i * HOUR);
      return w.limited(a);
    };
    expect(run('Hello, is the flat still available? I can view any evening.')).toEqual([]);
    expect(run('Hello, is the flat still available? I can view any evening.', 3)).toEqual(['sudden_change']);
    // The same burst with a link: two complaints are enough for the short limit.
    expect(run('Hello, is the flat still available? My references: my-refs.top/cv')).toEqual(['sudden_change']);
  });
});
