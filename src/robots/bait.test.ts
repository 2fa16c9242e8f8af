import { describe, expect, it } from 'vitest';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textSignals } from './events.js';
import { BUILT_IN_RULES, robotsConfig, type Effect } from './rules.js';

/**
 * `opener_link` (a link sent right after an empty opener, before the stranger answered) and
 * `bait` (the people who answered complain afterwards, of the account or of its campaign).
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 6);

function world(rules: Record<string, Record<string, number>>) {
  const applied: { account: number; rule: string; effect: Effect; at: number }[] = [];
  const sink: EffectSink = {
    apply: (account, r, effect, at) => void applied.push({ account, rule: r, effect, at }),
    shadow: () => undefined,
    manualDecisionAt: () => 0,
    restricted: () => false,
  };
  const cfg = robotsConfig({
    rules: Object.fromEntries(BUILT_IN_RULES.map((r) => [r.name, r.name in rules ? { settings: rules[r.name] } : { enabled: false }])),
  });
  const engine = new RobotsEngine(cfg, sink);
  let next = 1;
  const account = (ageMs: number) => {
    const id = next++;
    void engine.observe({ type: 'account', at: T0 - ageMs, account: id, voip: false });
    return id;
  };
  const send = (from: number, to: number, at: number, text: string, newChat = true, stranger = true) =>
    void engine.observe({ type: 'message', at, from, to, stranger, newChat, ...textSignals(text) });
  const answer = (from: number, to: number, at: number) =>
    void engine.observe({ type: 'message', at, from, to, stranger: false, newChat: false, reply: true, ...textSignals('Yes? Who is this?') });
  const block = (from: number, to: number, at: number) => void engine.observe({ type: 'block', at, from, to, stranger: true, initiated: true });
  const of = (a: number) => applied.filter((x) => x.account === a);
  return { engine, applied, account, send, answer, block, of };
}

const PITCHES = [
  'Only this week 80% off watches, details here: lux-gold12.top/x',
  'Hey there, this week 70% off bags, look here: lux-gold12.top/y',
  'Greetings, only today 90% off perfume, claim it: lux-gold12 dot top',
];

describe('opener_link: the link after an empty opener', () => {
  /**
   * `chats` strangers, one every 5 minutes: `opener` first (or nothing), then the pitch `gap`
   * later; `answerFirst`: the stranger answered the opener before the pitch.
   */
  function run(ageMs: number, chats: number, o: { opener?: string | null; gap?: number; answerFirst?: boolean } = {}) {
    const w = world({ opener_link: {} });
    const a = w.account(ageMs);
    const rs = Array.from({ length: chats }, () => w.account(60 * DAY));
    const gap = o.gap ?? MIN;
    rs.forEach((r, i) => {
      const t = T0 + i * 5 * MIN;
      const opener = o.opener === undefined ? 'hi' : o.opener;
      if (opener === null) {
        w.send(a, r, t, PITCHES[i % 3]!);
        return;
      }
      w.send(a, r, t, opener);
      if (o.answerFirst) w.answer(r, a, t + 10_000);
      w.send(a, r, t + gap, PITCHES[i % 3]!, false, !o.answerFirst);
    });
    return { w, a, hits: w.of(a) };
  }

  it('limits an account weeks old that hides its link behind "hi" in chat after chat, within ten chats', () => {
    const { w, a, hits } = run(15 * DAY, 12);
    expect(hits.map((x) => x.rule)).toEqual(['opener_link']);
    // At 15 days the chats needed are 4 / exp(-15/30) ≈ 6.6: the seventh chat's link.
    expect(hits[0]!.at).toBe(T0 + 6 * 5 * MIN + MIN);
    expect(w.engine.evidence.openers.split.value(a, T0 + HOUR)).toBeGreaterThan(11.5);
  });

  it('a new account needs fewer such chats than an older one', () => {
    const young = run(HOUR, 12).hits;
    const old = run(15 * DAY, 12).hits;
    expect(young.length).toBe(1);
    expect(young[0]!.at).toBeLessThan(old[0]!.at);
  });

  it('leaves alone the same links sent in the first message, a link after the stranger answered, and a link half an hour later', () => {
    expect(run(15 * DAY, 12, { opener: null }).hits).toEqual([]);
    expect(run(15 * DAY, 12, { answerFirst: true }).hits).toEqual([]);
    expect(run(15 * DAY, 12, { gap: 30 * MIN }).hits).toEqual([]);
  });

  it('leaves alone an account with years of history that writes so, and one that did it in a few of its chats only', () => {
    expect(run(400 * DAY, 30).hits).toEqual([]);
    // Four split chats among twenty that carried the link in the first message.
    const w = world({ opener_link: {} });
    const a = w.account(2 * DAY);
    for (let i = 0; i < 20; i++) w.send(a, w.account(60 * DAY), T0 + i * MIN, PITCHES[i % 3]!);
    for (let i = 0; i < 4; i++) {
      const r = w.account(60 * DAY);
      w.send(a, r, T0 + HOUR + i * 5 * MIN, 'hello');
      w.send(a, r, T0 + HOUR + i * 5 * MIN + MIN, PITCHES[i % 3]!, false);
    }
    expect(w.of(a)).toEqual([]);
  });
});

describe('bait: the people who answered complain afterwards', () => {
  const QUESTION = 'Hello, is this Maria? I think we met at the conference last spring';

  /** `a` asks 30 strangers; `answers` of them answer; then `answererBlocks` of those, and `otherBlocks` who never answered, block. */
  function own(answers: number, answererBlocks: number, otherBlocks: number, settings: Record<string, number> = {}) {
    const w = world({ bait: settings });
    const a = w.account(10 * DAY);
    const rs = Array.from({ length: 30 }, () => w.account(60 * DAY));
    rs.forEach((r, i) => w.send(a, r, T0 + i * 5 * MIN, QUESTION));
    for (let i = 0; i < answers; i++) w.answer(rs[i]!, a, T0 + 4 * HOUR + i * MIN);
    // The pitch to those who answered (they wrote to it: no longer strangers).
    for (let i = 0; i < answers; i++) w.send(a, rs[i]!, T0 + 20 * HOUR + i * MIN, PITCHES[0]!, false, false);
    for (let i = 0; i < answererBlocks; i++) w.block(rs[i]!, a, T0 + 21 * HOUR + i * MIN);
    for (let i = 0; i < otherBlocks; i++) w.block(rs[29 - i]!, a, T0 + 22 * HOUR + i * MIN);
    return { w, a, rules: w.of(a).map((x) => x.rule) };
  }

  it('limits an account whose answerers complain after its next message', () => {
    expect(own(10, 4, 0).rules).toEqual(['bait']);
  });

  it('leaves alone complaints by people who never answered, and one answerer in many who complains', () => {
    expect(own(10, 0, 4).rules).toEqual([]);
    expect(own(25, 1, 0).rules).toEqual([]);
    // Three answerers of twenty-five: a share under `ratio`.
    expect(own(25, 3, 0).rules).toEqual([]);
  });

  it('weighs a complaint by an answerer `answererWeight` times in the complaint sums', () => {
    const one = own(10, 2, 0);
    const two = own(10, 2, 0, { answererWeight: 2 });
    const at = T0 + 23 * HOUR;
    expect(two.w.engine.evidence.complaints(two.a, at)).toBeCloseTo(2 * one.w.engine.evidence.complaints(one.a, at), 6);
    // Two complaints weighing two each pass `minComplaints`.
    expect(one.rules).toEqual([]);
    expect(two.rules).toEqual(['bait']);
  });

  /** Three accounts each ask 20 strangers; `answered` of each answer; `answererBlocks` of those block, `otherBlocks` others. */
  function campaign(answered: number, answererBlocks: number, otherBlocks: number, reach = 3) {
    const w = world({ bait: {} });
    const senders = [w.account(2 * DAY), w.account(2 * DAY), w.account(2 * DAY)];
    let t = T0;
    for (const s of senders) {
      const rs = Array.from({ length: 20 }, () => w.account(60 * DAY));
      for (const r of rs) w.send(s, r, (t += MIN), QUESTION);
      for (let i = 0; i < answered; i++) w.answer(rs[i]!, s, (t += MIN));
      for (let i = 0; i < answererBlocks; i++) w.block(rs[i]!, s, (t += MIN));
      for (let i = 0; i < otherBlocks; i++) w.block(rs[19 - i]!, s, (t += MIN));
    }
    const next = w.account(2 * DAY);
    for (let i = 0; i < reach; i++) w.send(next, w.account(60 * DAY), (t += MIN), QUESTION);
    return w.of(next).map((x) => x.rule);
  }

  it("limits a new sender of a question whose answerers complained of the campaign's other senders", () => {
    expect(campaign(8, 2, 0)).toEqual(['bait']);
  });

  it('leaves the new sender alone under `reach` strangers, or when those who complain are not those who answered', () => {
    expect(campaign(8, 2, 0, 2)).toEqual([]);
    expect(campaign(8, 0, 2)).toEqual([]);
  });
});
