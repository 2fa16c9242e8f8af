import { describe, expect, it } from 'vitest';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textHash, textSignals } from './events.js';
import { BUILT_IN_RULES, robotsConfig, type Effect, type RobotsConfig, type FiredSignal } from './rules.js';

/**
 * Each built-in rule, through the engine, against a recording sink: it fires at its threshold and
 * not one event below. Every other rule is switched off, so what fires is the rule under test.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2025-01-06 00:00 UTC. */
const T0 = Date.UTC(2025, 0, 6);

interface Applied {
  account: number;
  rule: string;
  effect: Effect;
  at: number;
}

class RecordingSink implements EffectSink {
  readonly applied: Applied[] = [];
  readonly shadowed: (Applied & { why: string })[] = [];
  /** The signals each applied effect carried (kept apart, so that effects compare plainly). */
  readonly signals: (readonly FiredSignal[] | undefined)[] = [];
  apply(account: number, rule: string, effect: Effect, at: number): void {
    const { signals, ...bare } = effect;
    this.signals.push(signals);
    this.applied.push({ account, rule, effect: bare as Effect, at });
  }
  shadow(account: number, rule: string, effect: Effect, at: number, why: 'shadow' | 'daily_cap' | 'manual_decision'): void {
    const { signals: _, ...bare } = effect;
    this.shadowed.push({ account, rule, effect: bare as Effect, at, why });
  }
  manualDecisionAt(): number {
    return 0;
  }
  restricted(): boolean {
    return false;
  }
}

/** A config with only `rule` enabled (with `settings` over its defaults). */
function only(rule: string, settings: Record<string, number> = {}): RobotsConfig {
  return robotsConfig({ rules: Object.fromEntries(BUILT_IN_RULES.map((r) => [r.name, r.name === rule ? { settings } : { enabled: false }])) });
}

/** A small world of numbered accounts feeding one engine. */
class World {
  readonly sink = new RecordingSink();
  readonly engine: RobotsEngine;
  private nextId = 1;
  constructor(config: RobotsConfig) {
    this.engine = new RobotsEngine(config, this.sink);
  }

  /** An account registered `ageMs` before T0. */
  account(ageMs: number): number {
    const id = this.nextId++;
    void this.engine.observe({ type: 'account', at: T0 - ageMs, account: id, voip: false });
    return id;
  }
  established(): number {
    return this.account(30 * DAY);
  }
  young(): number {
    return this.account(HOUR);
  }

  message(from: number, to: number, at: number, text = 'hi', opts: { stranger?: boolean; newChat?: boolean; reply?: boolean } = {}): void {
    void this.engine.observe({
      type: 'message',
      at,
      from,
      to,
      stranger: opts.stranger ?? true,
      newChat: opts.newChat ?? true,
      ...(opts.reply ? { reply: true } : {}),
      ...textSignals(text),
    });
  }
  /** `to` answers `from`'s first message. */
  answer(to: number, from: number, at: number): void {
    this.message(to, from, at, 'Thanks, sounds good', { stranger: false, newChat: false, reply: true });
  }
  /** `from` starts a chat with a new stranger. */
  cold(from: number, at: number, text = 'hi'): number {
    const to = this.established();
    this.message(from, to, at, text);
    return to;
  }
  report(from: number, to: number, at: number, weight: number, fresh: boolean): void {
    void this.engine.observe({ type: 'report', at, from, to, weight, fresh });
  }
  block(from: number, to: number, at: number, stranger = true): void {
    void this.engine.observe({ type: 'block', at, from, to, stranger });
  }
  invite(by: number, account: number, at: number, stranger = true, accepted?: boolean, group?: number): void {
    void this.engine.observe({
      type: 'invite',
      at,
      by,
      account,
      stranger,
      ...(accepted === undefined ? {} : { accepted }),
      ...(group === undefined ? {} : { group }),
    });
  }

  get applied(): Applied[] {
    return this.sink.applied;
  }
}

const limit24 = (rule: string, account: number) => ({ account, rule, effect: { action: 'limit', hours: 24 } });
/** A volume rule's thresholds on their own, as they limit when the volume alone is enough (`hardFactor` 1). */
const VOLUME_ALONE = { hardFactor: 1 };

describe('cold_fanout', () => {
  it('limits an established account on its 41st new stranger chat in an hour, not its 40th', () => {
    const w = new World(only('cold_fanout', VOLUME_ALONE));
    const a = w.established();
    for (let i = 0; i < 40; i++) w.cold(a, T0 + 10 * HOUR + i * 30_000);
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 10 * HOUR + 40 * 30_000);
    expect(w.applied).toEqual([{ ...limit24('cold_fanout', a), at: T0 + 10 * HOUR + 40 * 30_000 }]);
    expect(w.sink.signals[0]).toEqual([
      { name: 'cold_chats_hour', value: 41, threshold: 40 },
      { name: 'trust', value: 1, threshold: 1 },
      { name: 'volume_alone', value: 41, threshold: 40 },
    ]);
  });

  it('is stricter for a young account whose texts carry links (9th in an hour) than for one without (31st)', () => {
    const w = new World(only('cold_fanout', VOLUME_ALONE));
    const linky = w.young();
    for (let i = 0; i < 8; i++) w.cold(linky, T0 + i * MIN, `look at deals-${i}.example now`);
    expect(w.applied).toEqual([]);
    w.cold(linky, T0 + 8 * MIN, 'look at deals-8.example now');
    expect(w.applied).toEqual([{ ...limit24('cold_fanout', linky), at: T0 + 8 * MIN }]);
    const plain = w.young();
    for (let i = 0; i < 30; i++) w.cold(plain, T0 + i * MIN);
    expect(w.applied).toHaveLength(1);
    w.cold(plain, T0 + 30 * MIN);
    expect(w.applied[1]).toEqual({ ...limit24('cold_fanout', plain), at: T0 + 30 * MIN });
  });

  it('gives more room to an account whose strangers answer it', () => {
    const w = new World(only('cold_fanout', VOLUME_ALONE));
    const a = w.established();
    // A first hour of 30 strangers, 24 of whom answer: trust grows, and so does the threshold.
    for (let i = 0; i < 30; i++) {
      const r = w.cold(a, T0 + i * MIN);
      if (i % 5 !== 0) w.answer(r, a, T0 + i * MIN + 30_000);
    }
    for (let i = 0; i < 60; i++) w.cold(a, T0 + HOUR + i * 30_000);
    expect(w.applied).toEqual([]);
    // Without the answers, the same second hour is limited on its 41st.
    const v = new World(only('cold_fanout', VOLUME_ALONE));
    const b = v.established();
    for (let i = 0; i < 30; i++) v.cold(b, T0 + i * MIN);
    for (let i = 0; i < 60; i++) v.cold(b, T0 + HOUR + i * 30_000);
    expect(v.applied).toEqual([{ ...limit24('cold_fanout', b), at: T0 + HOUR + 40 * 30_000 }]);
  });

  it('counts only new chats with strangers', () => {
    const w = new World(only('cold_fanout', VOLUME_ALONE));
    const a = w.young();
    const r = w.cold(a, T0);
    for (let i = 0; i < 100; i++) w.message(a, r, T0 + i * 1000, 'hi', { newChat: false });
    for (let i = 0; i < 100; i++) w.message(a, w.established(), T0 + i * 1000, 'hi', { stranger: false });
    expect(w.applied).toEqual([]);
  });
});

describe('same_text', () => {
  /** One template; digits, spaces and case vary from message to message. */
  const template = (i: number) => `${i % 2 ? 'DEAR' : 'Dear'}  friend ${i}, I have a   great offer for you: ${i * 37}% off, write\nme back`;
  /** A spun template with a link, behind invisible characters now and then. */
  const spun = (i: number) =>
    `${['Hi', 'Hello', 'Hey'][i % 3]} ${['dear', 'friend'][i % 2]}, only today ${['90%', '80%'][i % 2]} off designer watches${i % 4 === 0 ? '\u200b' : ''}: luxwatch.live/${100 + i}`;

  it('hashes a template the same whatever its digits, spacing and case, and short texts to 0', () => {
    expect(textHash(template(1))).not.toBe(0);
    expect(new Set(Array.from({ length: 20 }, (_, i) => textHash(template(i)))).size).toBe(1);
    expect(textHash('Dear friend, I have a great offer for you: 5% off, write me back')).toBe(textHash(template(3)));
    expect(textHash('Dear friend, I have a great offer for him: 5% off, write me back')).not.toBe(textHash(template(3)));
    for (const t of ['ok', 'Thanks!', 'See you tomorrow', 'Call me 0123 4567 89', '']) expect(textHash(t)).toBe(0);
  });

  it('limits a young account on its 6th near-duplicate text with a link to strangers, spun or not', () => {
    const w = new World(only('same_text', VOLUME_ALONE));
    const a = w.young();
    for (let i = 0; i < 5; i++) w.cold(a, T0 + i * MIN, spun(i));
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 5 * MIN, spun(5));
    expect(w.applied).toEqual([{ ...limit24('same_text', a), at: T0 + 5 * MIN }]);
  });

  it('needs a far longer run without a link, and leaves an established account alone (a parent, a flat hunter)', () => {
    const w = new World(only('same_text', VOLUME_ALONE));
    const a = w.young();
    for (let i = 0; i < 24; i++) w.cold(a, T0 + i * MIN, template(i));
    expect(w.applied).toEqual([]);
    // 25 and a little more: the run fades a little between messages, and the account ages.
    for (let i = 24; i < 27; i++) w.cold(a, T0 + i * MIN, template(i));
    expect(w.applied).toHaveLength(1);
    const parent = w.established();
    for (let i = 0; i < 100; i++) w.cold(parent, T0 + i * MIN, spun(i));
    expect(w.applied).toHaveLength(1);
  });

  it('lets the run fade (half-life 6 h): it does not outlive a limit', () => {
    const w = new World(only('same_text', VOLUME_ALONE));
    const a = w.young();
    for (let i = 0; i < 6; i++) w.cold(a, T0 + i * MIN, spun(i));
    expect(w.applied).toHaveLength(1);
    // A day later (the limit over), the first message of the same template is not limited again.
    w.cold(a, T0 + DAY + HOUR, spun(7));
    expect(w.applied).toHaveLength(1);
    // Spread an hour apart, six are not a run.
    const b = w.young();
    for (let i = 0; i < 6; i++) w.cold(b, T0 + i * 3 * HOUR, spun(i));
    expect(w.applied).toHaveLength(1);
  });

  it('ignores short texts like "ok" sent to any number of strangers', () => {
    const w = new World(only('same_text', VOLUME_ALONE));
    const a = w.established();
    for (let i = 0; i < 40; i++) w.cold(a, T0 + i * MIN, i % 2 ? 'ok' : 'Hello 12');
    expect(w.applied).toEqual([]);
  });

  it('counts a run: another text in between starts it again', () => {
    const w = new World(only('same_text', VOLUME_ALONE));
    const a = w.young();
    for (let i = 0; i < 5; i++) w.cold(a, T0 + i * MIN, spun(i));
    w.cold(a, T0 + 5 * MIN, 'Completely different words about the weather and a garden party: villa-rosa.example');
    for (let i = 6; i < 11; i++) w.cold(a, T0 + i * MIN, spun(i));
    expect(w.applied).toEqual([]);
  });
});

describe('links_to_strangers', () => {
  it('limits a new account on its 5th link to strangers in a day; a week-old one needs far more', () => {
    const w = new World(only('links_to_strangers', VOLUME_ALONE));
    const a = w.young();
    for (let i = 0; i < 4; i++) w.cold(a, T0 + i * MIN, `see deal${i} dot top`);
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 4 * MIN, 'write to @bonus_now_bot');
    expect(w.applied).toEqual([{ ...limit24('links_to_strangers', a), at: T0 + 4 * MIN }]);
    const old = w.account(7 * DAY);
    for (let i = 0; i < 40; i++) w.cold(old, T0 + i * MIN, `see deal${i} dot top`);
    expect(w.applied).toHaveLength(1);
    const established = w.established();
    for (let i = 0; i < 200; i++) w.cold(established, T0 + i * MIN, `your order ${i} ships: shop.example/t/${i}`);
    expect(w.applied).toHaveLength(1);
  });

  it('counts an invite link inviteWeight times, and ignores links to people who know the sender', () => {
    const w = new World(only('links_to_strangers', VOLUME_ALONE));
    const a = w.young();
    for (let i = 0; i < 2; i++) w.cold(a, T0 + i * MIN, `join my group t.me/+abc${i}`);
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 2 * MIN, 'join my group t.me/+abc2');
    expect(w.applied).toHaveLength(1);
    const b = w.young();
    for (let i = 0; i < 50; i++) w.message(b, w.established(), T0 + i * MIN, 'photos: photos.example/x', { stranger: false });
    expect(w.applied).toHaveLength(1);
  });
});

describe('links_to_strangers by default', () => {
  it('puts a new account before a person on its 5th link, limits it on its 10th (twice the threshold), unless someone answered it', () => {
    const w = new World(only('links_to_strangers'));
    const a = w.young();
    for (let i = 0; i < 5; i++) w.cold(a, T0 + i * MIN, `see deal${i} dot top`);
    expect(w.applied).toEqual([{ account: a, rule: 'links_to_strangers', effect: { action: 'open_case', priority: 3 }, at: T0 + 4 * MIN }]);
    for (let i = 5; i < 9; i++) w.cold(a, T0 + i * MIN, `see deal${i} dot top`);
    expect(w.applied).toHaveLength(1);
    w.cold(a, T0 + 9 * MIN, 'see deal9 dot top');
    expect(w.applied[1]).toEqual({ ...limit24('links_to_strangers', a), at: T0 + 9 * MIN });
    // A teacher's form link to the class's parents, one of whom answered within minutes: volume
    // alone is no reason to limit her; a complaint would be.
    const t = w.young();
    for (let i = 0; i < 30; i++) {
      const r = w.cold(t, T0 + i * 20_000, 'Dear parents, please fill in the trip form: forms.example/trip');
      if (i === 3) w.answer(r, t, T0 + i * 20_000 + 10_000);
    }
    expect(w.applied.filter((x) => x.account === t).map((x) => x.effect.action)).toEqual(['open_case']);
  });
});

describe('stranger_feedback', () => {
  /** An established account that started chats with `n` strangers, sending each a link; returns them. */
  function reach(w: World, a: number, n: number, link = true): number[] {
    return Array.from({ length: n }, (_, i) => {
      const x = 'abcdefghijklmnopqrstuvwxyz'[i % 26];
      return w.cold(a, T0 + i * 5 * MIN, link ? `message number ${x}: deals-${x}.top` : `message number ${x}, is it still free?`);
    });
  }

  /** An account days old: thin evidence about an established one waits for the answers due (below). */
  const days = (w: World) => w.account(3 * DAY);

  it('limits briefly on the 2nd complaint of 10 strangers reached, for a day with strong evidence', () => {
    const w = new World(only('stranger_feedback'));
    const a = days(w);
    const rs = reach(w, a, 10);
    w.block(rs[0]!, a, T0 + HOUR);
    expect(w.applied).toEqual([]);
    w.block(rs[1]!, a, T0 + HOUR + MIN);
    expect(w.applied).toEqual([{ account: a, rule: 'stranger_feedback', effect: { action: 'limit', hours: 6 }, at: T0 + HOUR + MIN }]);
    expect(w.sink.signals[0]!.map((x) => x.name)).toEqual(['complaints', 'complaint_rate', 'positive_rate']);
    const b = days(w);
    const more = reach(w, b, 20);
    for (let i = 0; i < 5; i++) w.block(more[i]!, b, T0 + 2 * HOUR + i * MIN);
    expect(w.applied[1]).toMatchObject({ account: b, effect: { action: 'limit', hours: 6 } });
  });

  it('needs a third complaint when it sent strangers nowhere (plain questions: no link, no handle, no group)', () => {
    const w = new World(only('stranger_feedback'));
    const a = days(w);
    const rs = reach(w, a, 10, false);
    w.block(rs[0]!, a, T0 + HOUR);
    w.block(rs[1]!, a, T0 + HOUR + MIN);
    expect(w.applied).toEqual([]);
    w.block(rs[2]!, a, T0 + HOUR + 2 * MIN);
    expect(w.applied).toEqual([{ account: a, rule: 'stranger_feedback', effect: { action: 'limit', hours: 6 }, at: T0 + HOUR + 2 * MIN }]);
    // With thinPitched 0 the second complaint is enough, as for a link.
    const v = new World(only('stranger_feedback', { thinPitched: 0 }));
    const b = days(v);
    const more = reach(v, b, 10, false);
    v.block(more[0]!, b, T0 + HOUR);
    v.block(more[1]!, b, T0 + HOUR + MIN);
    expect(v.applied).toMatchObject([{ account: b, effect: { action: 'limit', hours: 6 } }]);
  });

  it('waits, for an established account, until the answers due could have outnumbered the complaints', () => {
    // A shop's morning: 10 customers written within the hour, with its link; three block at once.
    const run = (opts: { ageDays: number; answers?: number }) => {
      const w = new World(only('stranger_feedback'));
      const a = w.account(opts.ageDays * DAY);
      const rs = reach(w, a, 10);
      for (let i = 0; i < 3; i++) w.block(rs[9 - i]!, a, T0 + HOUR + i * MIN);
      const early = w.applied.length;
      // Later in the day, answers come in (or do not), and it writes one more customer.
      for (let i = 0; i < (opts.answers ?? 0); i++) w.answer(rs[i]!, a, T0 + 5 * HOUR + i * MIN);
      w.cold(a, T0 + 10 * HOUR, 'message number k: deals-k.top');
      return { early, applied: w.applied };
    };
    // A month old: not on the first hour's blocks (a tenth of the answers were due)…
    const unanswered = run({ ageDays: 30 });
    expect(unanswered.early).toBe(0);
    // …but once most were due and none came, the same complaints limit it (briefly).
    expect(unanswered.applied).toMatchObject([{ rule: 'stranger_feedback', effect: { action: 'limit', hours: 6 }, at: T0 + 10 * HOUR }]);
    // Answered as a welcome account is, it is left alone.
    expect(run({ ageDays: 30, answers: 3 }).applied).toEqual([]);
    // An account days old has no such wait: the first hour's blocks limit it.
    expect(run({ ageDays: 3 }).early).toBe(1);
    // Nor has an established one with the wait off (welcomeAnswered 0).
    const w = new World(only('stranger_feedback', { welcomeAnswered: 0 }));
    const a = w.established();
    const rs = reach(w, a, 10);
    for (let i = 0; i < 3; i++) w.block(rs[9 - i]!, a, T0 + HOUR + i * MIN);
    expect(w.applied).toHaveLength(1);
  });

  it('counts one person once (a report and a block), and nobody the account did not reach first', () => {
    const w = new World(only('stranger_feedback'));
    const a = w.established();
    const rs = reach(w, a, 10);
    w.report(rs[0]!, a, T0 + HOUR, 1, false);
    w.block(rs[0]!, a, T0 + HOUR + 1);
    for (let i = 0; i < 10; i++) w.block(w.established(), a, T0 + HOUR + i);
    void w.engine.observe({ type: 'block', at: T0 + HOUR, from: rs[1]!, to: a, stranger: true, initiated: false });
    expect(w.applied).toEqual([]);
  });

  it('is not reached when the strangers answer and save it (an organiser), nor by fresh accounts (a brigade)', () => {
    const w = new World(only('stranger_feedback'));
    const a = w.established();
    const rs = reach(w, a, 20);
    for (let i = 2; i < 20; i++) w.answer(rs[i]!, a, T0 + 2 * HOUR + i);
    w.block(rs[0]!, a, T0 + 3 * HOUR);
    w.block(rs[1]!, a, T0 + 3 * HOUR + 1);
    expect(w.applied).toEqual([]);
    const b = w.established();
    const fresh = Array.from({ length: 30 }, () => w.account(HOUR));
    for (const [i, f] of fresh.entries()) w.message(b, f, T0 + i * MIN, `hello ${'abcdefghijklmnopqrstuvwxyz'[i % 26]} there`);
    for (const [i, f] of fresh.entries()) w.block(f, b, T0 + HOUR + i);
    expect(w.applied).toEqual([]);
  });

  it('forgets: complaints a fortnight old weigh an eighth (half-life 3 days)', () => {
    const w = new World(only('stranger_feedback'));
    const a = w.established();
    const rs = reach(w, a, 10);
    w.block(rs[0]!, a, T0 + HOUR);
    // 14 days later: one new stranger, one new complaint.
    const later = T0 + 14 * DAY;
    const r = w.cold(a, later, 'hello again, something new');
    w.block(r, a, later + HOUR);
    expect(w.applied).toEqual([]);
  });

  it('counts declined invites and quick leaves of the group it added people to', () => {
    const w = new World(only('stranger_feedback'));
    const a = days(w);
    const people = Array.from({ length: 20 }, () => w.established());
    for (const [i, p] of people.entries()) w.invite(a, p, T0 + i * MIN, true, i % 2 === 0 ? false : undefined, 7);
    for (const [i, p] of people.entries()) if (i % 2 === 1) void w.engine.observe({ type: 'leave', at: T0 + HOUR + i, group: 7, account: p });
    // 10 × 0.1 + 10 × 0.15 = 2.5 of 20 reached.
    expect(w.applied).toMatchObject([{ account: a, rule: 'stranger_feedback' }]);
  });
});

describe('campaign', () => {
  it('counts a group’s invitations as its posts’ reach: admins sharing a reminder’s wording are no campaign; a group spammer’s declines are', () => {
    const post = (w: World, from: number, group: number, at: number, text: string) =>
      void w.engine.observe({ type: 'post', at, from, group, members: 40, ...textSignals(text) });
    const run = (declineEvery: number, leaveEvery: number) => {
      const w = new World(only('campaign'));
      const admins = Array.from({ length: 12 }, () => w.established());
      for (const [g, a] of admins.entries()) {
        const t = T0 + g * HOUR;
        // The group's first post, then 60 people added, a few declining or leaving.
        post(w, a, 100 + g, t, 'Reminder: the meeting is on Saturday at 10:00 in the hall, see you there');
        for (let i = 0; i < 60; i++) {
          const p = w.established();
          w.invite(a, p, t + MIN + i * 20_000, true, i % declineEvery === 0 ? false : undefined, 100 + g);
          if (i % leaveEvery === 1) void w.engine.observe({ type: 'leave', at: t + 30 * MIN + i, group: 100 + g, account: p });
        }
        post(w, a, 100 + g, t + 40 * MIN, 'Reminder: the meeting is on Saturday at 10:00 in the hall, see you there');
      }
      return w.applied.filter((x) => x.rule === 'campaign').length;
    };
    // One in twelve declines and one in twenty leaves, as for a community admin: nobody limited.
    expect(run(12, 20)).toBe(0);
    // Half decline and a third leave, as for a group spammer's pushed invitations: limited.
    expect(run(2, 3)).toBeGreaterThan(0);
  });

  it('limits a member of a ring on its first message once strangers complained about the others sending the same domain', () => {
    const w = new World(only('campaign'));
    const ring = [w.young(), w.young(), w.young()];
    const reached: number[][] = [[], [], []];
    for (let k = 0; k < 2; k++)
      for (let i = 0; i < 6; i++) reached[k]!.push(w.cold(ring[k]!, T0 + i * MIN, `Earn ${500 + i}$ a day from home ${k}: cash-easy1.sbs/${i}`));
    expect(w.applied).toEqual([]);
    w.block(reached[0]![0]!, ring[0]!, T0 + HOUR);
    w.block(reached[0]![1]!, ring[0]!, T0 + HOUR + 1);
    w.block(reached[1]![0]!, ring[1]!, T0 + HOUR + 2);
    // The third complaint shows the campaign: the member before (swept: it sent nothing since)
    // and the member it is about are limited at once.
    expect(w.applied.map((x) => [x.account, x.rule, x.at])).toEqual([
      [ring[0]!, 'campaign', T0 + HOUR + 2],
      [ring[1]!, 'campaign', T0 + HOUR + 2],
    ]);
    w.cold(ring[2]!, T0 + 2 * HOUR, 'Make money online, write me: cash-easy1 dot sbs');
    expect(w.applied[2]).toEqual({ ...limit24('campaign', ring[2]!), at: T0 + 2 * HOUR });
    // Another domain is another campaign.
    const other = w.young();
    w.cold(other, T0 + 2 * HOUR, 'Make money online, write me: gold-prime7.cfd');
    expect(w.applied).toHaveLength(3);
  });

  it('leaves alone a member its own strangers answer (shops sharing a tracking domain), not the others', () => {
    const run = (settings: Record<string, number> = {}) => {
      const w = new World(only('campaign', settings));
      const shops = [w.account(700 * DAY), w.account(700 * DAY), w.account(700 * DAY)];
      const customers = shops.map((shop, k) =>
        Array.from({ length: 10 }, (_, i) =>
          w.cold(shop, T0 + (k * 10 + i) * MIN, `Hello ${i}, your order #${k}${i}7 has shipped. Track it at parcel-track.example/t/${k}${i}7`),
        ),
      );
      // The third shop's customers answer three times; the others' never.
      for (let i = 0; i < 3; i++) w.answer(customers[2]![i]!, shops[2]!, T0 + 2 * HOUR + i);
      for (let k = 0; k < 2; k++) for (let i = 0; i < 3; i++) w.block(customers[k]![9 - i]!, shops[k]!, T0 + 3 * HOUR + k * MIN + i);
      w.block(customers[2]![9]!, shops[2]!, T0 + 3 * HOUR + 10 * MIN);
      return shops.map((a) => w.applied.some((x) => x.account === a));
    };
    // Three answers against one complaint of its own: the campaign's complaints do not stand for its.
    expect(run()).toEqual([true, true, false]);
    expect(run({ ownAnswers: 0 })).toEqual([true, true, true]);
  });

  it('leaves alone a shop its customers answer when others spam its domain, however bad their campaign (a joe-job)', () => {
    const w = new World(only('campaign'));
    const shop = w.account(700 * DAY);
    const customers = Array.from({ length: 20 }, (_, i) => w.cold(shop, T0 + i * 5 * MIN, `Hello ${i}, our spring collection is in: shop-x.example/new/${i}`));
    for (let i = 0; i < 8; i++) w.answer(customers[i]!, shop, T0 + 2 * HOUR + i * MIN);
    // Six fresh accounts send the shop's domain to strangers, four of every ten of whom block them.
    const attackers = Array.from({ length: 6 }, () => w.young());
    for (const [k, x] of attackers.entries()) {
      const got = Array.from({ length: 10 }, (_, i) =>
        w.cold(x, T0 + 3 * HOUR + (k * 10 + i) * MIN, `MEGA SALE 90% off only today shop-x.example/deal${k}${i}`),
      );
      for (let i = 0; i < 4; i++) w.block(got[i]!, x, T0 + 4 * HOUR + (k * 4 + i) * MIN);
    }
    expect(attackers.filter((x) => w.applied.some((a) => a.account === x)).length).toBeGreaterThan(0);
    // The shop writes its next customer: its campaign is far past the answered-campaign rate,
    // and its own answers (8, against no complaint) still speak for it.
    w.cold(shop, T0 + 5 * HOUR, 'Hello, our spring collection is in: shop-x.example/new/21');
    expect(w.applied.filter((a) => a.account === shop)).toEqual([]);
  });
});

describe('reports_per_stranger', () => {
  /** An established account that started chats with `n` strangers; returns it and them. */
  function contacted(w: World, n: number): { subject: number; recipients: number[] } {
    const subject = w.established();
    const recipients = Array.from({ length: n }, (_, i) => w.cold(subject, T0 + i * 20 * MIN, `message number ${'abcdefghijklmnopqrstuvwxyz'[i % 26]}`));
    return { subject, recipients };
  }

  it('is not reached by 30 fresh reports from all 30 contacted strangers (brigading)', () => {
    const w = new World(only('reports_per_stranger'));
    const { subject, recipients } = contacted(w, 30);
    for (const [i, r] of recipients.entries()) w.report(r, subject, T0 + DAY + i * MIN, 0.25, true);
    expect(w.applied).toEqual([]);
    // Even if fresh reporters weighed 1 each: they count together for at most freshCap.
    const w2 = new World(only('reports_per_stranger'));
    const c2 = contacted(w2, 30);
    for (const [i, r] of c2.recipients.entries()) w2.report(r, c2.subject, T0 + DAY + i * MIN, 1, true);
    expect(w2.applied).toEqual([]);
  });

  it('is reached by 8 established reporters out of 30 contacted: on the 6th (weight 6, ratio 0.2)', () => {
    const w = new World(only('reports_per_stranger'));
    const { subject, recipients } = contacted(w, 30);
    for (let i = 0; i < 5; i++) w.report(recipients[i]!, subject, T0 + DAY + i * MIN, 1, false);
    expect(w.applied).toEqual([]);
    for (let i = 5; i < 8; i++) w.report(recipients[i]!, subject, T0 + DAY + i * MIN, 1, false);
    expect(w.applied).toEqual([{ ...limit24('reports_per_stranger', subject), at: T0 + DAY + 5 * MIN }]);
  });

  it('needs a fifth of the contacted strangers: 8 of 40, not 7', () => {
    const w = new World(only('reports_per_stranger'));
    const { subject, recipients } = contacted(w, 40);
    for (let i = 0; i < 7; i++) w.report(recipients[i]!, subject, T0 + DAY + i * MIN, 1, false);
    expect(w.applied).toEqual([]);
    w.report(recipients[7]!, subject, T0 + DAY + 7 * MIN, 1, false);
    expect(w.applied).toEqual([{ ...limit24('reports_per_stranger', subject), at: T0 + DAY + 7 * MIN }]);
  });

  it('adds fresh reports for at most freshCap on top of established ones', () => {
    const w = new World(only('reports_per_stranger'));
    const { subject, recipients } = contacted(w, 30);
    for (let i = 0; i < 26; i++) w.report(recipients[i]!, subject, T0 + DAY + i * MIN, 0.25, true);
    for (let i = 26; i < 29; i++) w.report(recipients[i]!, subject, T0 + DAY + i * MIN, 1, false);
    expect(w.applied).toEqual([]); // 3 + min(6.5, 2) = 5
    w.report(recipients[29]!, subject, T0 + DAY + 29 * MIN, 1, false);
    expect(w.applied).toEqual([{ ...limit24('reports_per_stranger', subject), at: T0 + DAY + 29 * MIN }]);
  });

  it('forgets over days: five reports and a sixth a month later are not six (lifetime counts would be)', () => {
    const w = new World(only('reports_per_stranger'));
    const { subject, recipients } = contacted(w, 30);
    for (let i = 0; i < 5; i++) w.report(recipients[i]!, subject, T0 + DAY + i * MIN, 1, false);
    w.report(recipients[5]!, subject, T0 + 31 * DAY, 1, false);
    expect(w.applied).toEqual([]);
    // Limited once, its limit over, one more report weeks later does not limit it again.
    const w2 = new World(only('reports_per_stranger'));
    const c2 = contacted(w2, 30);
    for (let i = 0; i < 6; i++) w2.report(c2.recipients[i]!, c2.subject, T0 + DAY + i * MIN, 1, false);
    expect(w2.applied).toHaveLength(1);
    w2.report(c2.recipients[6]!, c2.subject, T0 + 30 * DAY, 1, false);
    expect(w2.applied).toHaveLength(1);
  });

  it('weighs reports by the reporter: three accurate reporters of weight 2 reach it, muted ones never', () => {
    const w = new World(only('reports_per_stranger'));
    const { subject, recipients } = contacted(w, 10);
    for (let i = 0; i < 30; i++) w.report(w.established(), subject, T0 + DAY + i, 0, false);
    w.report(recipients[0]!, subject, T0 + DAY + MIN, 2, false);
    w.report(recipients[1]!, subject, T0 + DAY + 2 * MIN, 2, false);
    w.report(recipients[2]!, subject, T0 + DAY + 3 * MIN, 1.5, false);
    expect(w.applied).toEqual([]);
    w.report(recipients[3]!, subject, T0 + DAY + 4 * MIN, 0.5, false);
    expect(w.applied).toEqual([{ ...limit24('reports_per_stranger', subject), at: T0 + DAY + 4 * MIN }]);
  });
});

describe('blocks_per_stranger', () => {
  it('limits on the 6th stranger block of 20 contacted, not the 5th', () => {
    const w = new World(only('blocks_per_stranger'));
    const a = w.established();
    const rs = Array.from({ length: 20 }, (_, i) => w.cold(a, T0 + i * 10 * MIN));
    for (let i = 0; i < 5; i++) w.block(rs[i]!, a, T0 + 4 * HOUR + i * MIN);
    expect(w.applied).toEqual([]);
    w.block(rs[5]!, a, T0 + 5 * HOUR);
    expect(w.applied).toEqual([{ ...limit24('blocks_per_stranger', a), at: T0 + 5 * HOUR }]);
  });

  it('needs 30% of the contacted strangers: 9 of 30, not 8', () => {
    const w = new World(only('blocks_per_stranger'));
    const a = w.established();
    const rs = Array.from({ length: 30 }, (_, i) => w.cold(a, T0 + i * 10 * MIN));
    for (let i = 0; i < 8; i++) w.block(rs[i]!, a, T0 + 6 * HOUR + i * MIN);
    expect(w.applied).toEqual([]);
    w.block(rs[8]!, a, T0 + 7 * HOUR);
    expect(w.applied).toEqual([{ ...limit24('blocks_per_stranger', a), at: T0 + 7 * HOUR }]);
  });

  it('forgets over days: five blocks and a sixth a month later are not six', () => {
    const w = new World(only('blocks_per_stranger'));
    const a = w.established();
    const rs = Array.from({ length: 20 }, (_, i) => w.cold(a, T0 + i * 10 * MIN));
    for (let i = 0; i < 5; i++) w.block(rs[i]!, a, T0 + 4 * HOUR + i * MIN);
    w.block(rs[5]!, a, T0 + 30 * DAY);
    expect(w.applied).toEqual([]);
  });

  it('ignores blocks by people who know the account', () => {
    const w = new World(only('blocks_per_stranger'));
    const a = w.established();
    for (let i = 0; i < 20; i++) w.block(w.established(), a, T0 + i * MIN, false);
    expect(w.applied).toEqual([]);
    expect(w.engine.counters.total(a, 'blocks')).toBe(0);
  });
});

describe('mass_invites', () => {
  it('limits a young account on its 31st stranger added in an hour, an established one on its 151st', () => {
    const w = new World(only('mass_invites', VOLUME_ALONE));
    const a = w.young();
    for (let i = 0; i < 30; i++) w.invite(a, w.established(), T0 + i * MIN);
    expect(w.applied).toEqual([]);
    w.invite(a, w.established(), T0 + 30 * MIN);
    expect(w.applied).toEqual([{ ...limit24('mass_invites', a), at: T0 + 30 * MIN }]);
    const b = w.established();
    for (let i = 0; i < 150; i++) w.invite(b, w.established(), T0 + i * 20_000);
    expect(w.applied).toHaveLength(1);
    w.invite(b, w.established(), T0 + 150 * 20_000);
    expect(w.applied[1]).toMatchObject({ account: b, rule: 'mass_invites' });
  });

  it('ignores adding people who saved the inviter', () => {
    const w = new World(only('mass_invites', VOLUME_ALONE));
    const a = w.established();
    for (let i = 0; i < 300; i++) w.invite(a, w.established(), T0 + i * 1000, false);
    expect(w.applied).toEqual([]);
  });
});

describe('industrial_scale', () => {
  it('freezes on the 300th message to strangers in a day, not the 299th', () => {
    const w = new World(only('industrial_scale'));
    const a = w.established();
    for (let i = 0; i < 299; i++) w.cold(a, T0 + i * 4 * MIN);
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 299 * 4 * MIN);
    expect(w.applied).toEqual([{ account: a, rule: 'industrial_scale', effect: { action: 'freeze' }, at: T0 + 299 * 4 * MIN }]);
  });

  it('counts every message to a stranger towards the day, not only new chats', () => {
    const w = new World(only('industrial_scale'));
    const a = w.established();
    const b = w.cold(a, T0);
    for (let i = 1; i < 299; i++) w.message(a, b, T0 + i * MIN, 'hi', { newChat: false });
    expect(w.applied).toEqual([]);
    w.message(a, b, T0 + 299 * MIN, 'hi', { newChat: false });
    expect(w.applied.map((x) => x.effect)).toEqual([{ action: 'freeze' }]);
  });

  it('freezes when it reached 1000 strangers within the decaying window (half-life 3 days), at under 300 a day', () => {
    const w = new World(only('industrial_scale'));
    const a = w.established();
    // 280 a day, every day: the window settles near 280 × 3 / ln 2 ≈ 1200, and passes 1000 on day 6.
    let first = -1;
    for (let i = 0; i < 280 * 10 && w.applied.length === 0; i++) {
      w.cold(a, T0 + Math.floor(i / 280) * DAY + (i % 280) * 4 * MIN);
      if (w.applied.length > 0) first = i;
    }
    expect(Math.floor(first / 280)).toBeGreaterThanOrEqual(4);
    expect(Math.floor(first / 280)).toBeLessThanOrEqual(7);
    expect(w.applied[0]).toMatchObject({ account: a, rule: 'industrial_scale', effect: { action: 'freeze' } });
    // A shop writing 100 customers a day for a month never gets there (the window holds about 430).
    const shop = w.established();
    for (let d = 0; d < 30; d++) for (let i = 0; i < 100; i++) w.cold(shop, T0 + d * DAY + i * 5 * MIN);
    expect(w.applied).toHaveLength(1);
  });
});

describe('early_review', () => {
  /** A month-old account that started chats with `n` strangers, with a link (or a plain question); returns them. */
  function pitch(w: World, a: number, n: number, link = true): number[] {
    return Array.from({ length: n }, (_, i) => {
      const x = 'abcdefghijklmnopqrstuvwxyz'[i % 26];
      return w.cold(a, T0 + i * 5 * MIN, link ? `offer ${x}: see deals-${x}.top today` : `offer ${x}, is it still free?`);
    });
  }
  /** Only `rules` enabled, at their defaults. */
  const these = (...rules: string[]) =>
    robotsConfig({ rules: Object.fromEntries(BUILT_IN_RULES.map((r) => [r.name, rules.includes(r.name) ? {} : { enabled: false }])) });
  const raised = (account: number, at: number) => ({ account, rule: 'early_review', effect: { action: 'open_case', priority: 5 }, at });

  it("raises an account's case for a person on the first complaint among the strangers it pitched, with no answer yet", () => {
    const w = new World(only('early_review'));
    const a = w.established();
    const rs = pitch(w, a, 10);
    expect(w.applied).toEqual([]);
    w.block(rs[3]!, a, T0 + HOUR);
    expect(w.applied).toEqual([raised(a, T0 + HOUR)]);
    expect(w.sink.signals[0]!.map((x) => x.name)).toEqual(['complaints', 'complaint_rate', 'stranger_answers', 'strangers_reached']);
  });

  it('asks a second complaint of plain questions, and nothing of an account answered as often as complained about, or that reached few', () => {
    const plain = new World(only('early_review'));
    const a = plain.established();
    const qs = pitch(plain, a, 10, false);
    plain.block(qs[0]!, a, T0 + HOUR);
    expect(plain.applied).toEqual([]);
    plain.block(qs[1]!, a, T0 + HOUR + MIN);
    expect(plain.applied).toEqual([raised(a, T0 + HOUR + MIN)]);

    const welcome = new World(only('early_review'));
    const b = welcome.established();
    const rs = pitch(welcome, b, 10);
    welcome.answer(rs[0]!, b, T0 + 30 * MIN);
    welcome.block(rs[5]!, b, T0 + HOUR);
    expect(welcome.applied).toEqual([]);

    const few = new World(only('early_review'));
    const c = few.established();
    const ts = pitch(few, c, 4);
    few.block(ts[0]!, c, T0 + HOUR);
    expect(few.applied).toEqual([]);
  });

  it('raises a case once a day, and the limit stronger evidence asks for still comes within that day', () => {
    const w = new World(only('early_review'));
    const a = w.established();
    const rs = pitch(w, a, 10);
    w.block(rs[0]!, a, T0 + HOUR);
    w.block(rs[1]!, a, T0 + 2 * HOUR);
    expect(w.applied).toEqual([raised(a, T0 + HOUR)]);
    w.block(rs[2]!, a, T0 + 26 * HOUR);
    expect(w.applied).toEqual([raised(a, T0 + HOUR), raised(a, T0 + 26 * HOUR)]);

    // With stranger_feedback on too: raised at the first complaint, limited at the second.
    const v = new World(these('early_review', 'stranger_feedback'));
    const b = v.account(3 * DAY);
    const more = pitch(v, b, 10);
    v.block(more[0]!, b, T0 + HOUR);
    v.block(more[1]!, b, T0 + HOUR + MIN);
    expect(v.applied).toEqual([raised(b, T0 + HOUR), { account: b, rule: 'stranger_feedback', effect: { action: 'limit', hours: 6 }, at: T0 + HOUR + MIN }]);
    // Limited, it is left be: a third complaint raises nothing.
    v.block(more[2]!, b, T0 + HOUR + 2 * MIN);
    expect(v.applied).toHaveLength(2);
  });
});

describe('volume alone is thin evidence (cold_fanout, same_text, mass_invites)', () => {
  const review = (rule: string, account: number, at: number) => ({ account, rule, effect: { action: 'open_case', priority: 3 }, at });

  it('past the threshold, a person is asked to look; the limit comes with the first complaint, or at three times the threshold', () => {
    const w = new World(only('cold_fanout'));
    const a = w.young();
    const reached = Array.from({ length: 31 }, (_, i) => w.cold(a, T0 + i * MIN));
    // The 31st stranger in an hour: its case raised for a person, nobody limited.
    expect(w.applied).toEqual([review('cold_fanout', a, T0 + 30 * MIN)]);
    expect(w.sink.signals[0]).toContainEqual({ name: 'complaints', value: 0, threshold: 0.9, note: 'none yet: a person looks' });
    // One stranger it reached complains: one in 31 is how often people complain about anyone.
    w.block(reached[3]!, a, T0 + 31 * MIN);
    w.cold(a, T0 + 32 * MIN);
    expect(w.applied).toHaveLength(1);
    // A second: the next new chat is limited.
    w.block(reached[7]!, a, T0 + 33 * MIN);
    w.cold(a, T0 + 34 * MIN);
    expect(w.applied[1]).toEqual({ ...limit24('cold_fanout', a), at: T0 + 34 * MIN });
    expect(w.sink.signals[1]!.find((x) => x.name === 'complaints')!.value).toBeCloseTo(2, 2);
    // Without complaints, 91 in an hour (three times 30) is limited on volume alone.
    const b = w.young();
    for (let i = 0; i < 90; i++) w.cold(b, T0 + i * 30_000);
    expect(w.applied.filter((x) => x.account === b)).toEqual([review('cold_fanout', b, T0 + 30 * 30_000)]);
    w.cold(b, T0 + 90 * 30_000);
    expect(w.applied.at(-1)).toEqual({ ...limit24('cold_fanout', b), at: T0 + 90 * 30_000 });
    expect(w.sink.signals.at(-1)).toContainEqual({ name: 'volume_alone', value: 91, threshold: 90 });
  });

  it('a welcome account is not limited by two complaints among more answers (a new employee greeting the team)', () => {
    const w = new World(only('same_text'));
    const a = w.young();
    const greeting = (i: number) => `Hello, I am Anna, new in accounting from today. Nice to meet you, colleague number ${i}!`;
    for (let i = 0; i < 40; i++) {
      const r = w.cold(a, T0 + i * MIN, greeting(i));
      if (i > 25 && i % 3 === 0) w.answer(r, a, T0 + i * MIN + 30_000);
      if (i === 34 || i === 36) w.block(r, a, T0 + i * MIN + 40_000);
    }
    expect(w.applied.map((x) => x.effect.action)).toEqual(['open_case']);
    // The same run from an account nobody answers is limited once a stranger complains.
    const b = w.young();
    for (let i = 0; i < 40; i++) {
      const r = w.cold(b, T0 + i * MIN, greeting(i));
      if (i === 34 || i === 36) w.block(r, b, T0 + i * MIN + 40_000);
    }
    expect(w.applied.filter((x) => x.account === b).map((x) => x.effect.action)).toEqual(['open_case', 'limit']);
  });

  it('a community admin adding 40 people an hour who accept is put before a person, one whose invitees decline half the time is limited', () => {
    const w = new World(only('mass_invites'));
    const admin = w.young();
    for (let i = 0; i < 40; i++) w.invite(admin, w.established(), T0 + i * 90_000);
    expect(w.applied.map((x) => x.effect.action)).toEqual(['open_case']);
    const pusher = w.young();
    for (let i = 0; i < 40; i++) w.invite(pusher, w.established(), T0 + i * 90_000, true, i % 2 === 0);
    expect(w.applied.filter((x) => x.account === pusher).map((x) => x.effect.action)).toContain('limit');
  });
});

const review0 = (rule: string, account: number, at: number) => ({ account, rule, effect: { action: 'open_case', priority: 3 }, at });

describe('all rules together, defaults', () => {
  it('a young account writing short texts to 31 strangers in an hour is put before a person, not limited, until someone complains', () => {
    const w = new World(robotsConfig({}));
    const a = w.young();
    const reached = Array.from({ length: 30 }, (_, i) => w.cold(a, T0 + i * MIN, 'hi'));
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 30 * MIN, 'hi');
    expect(w.applied).toEqual([review0('cold_fanout', a, T0 + 30 * MIN)]);
    w.report(reached[0]!, a, T0 + 40 * MIN, 1, false);
    w.block(reached[1]!, a, T0 + 40 * MIN);
    w.cold(a, T0 + 41 * MIN, 'hi');
    expect(w.applied.at(-1)).toMatchObject({ account: a, effect: { action: 'limit' } });
  });

  it('an ordinary established account talking to friends and a few strangers is never touched', () => {
    const w = new World(robotsConfig({}));
    const a = w.established();
    const friends = Array.from({ length: 50 }, () => w.established());
    for (let d = 0; d < 7; d++) {
      for (const [i, f] of friends.entries())
        w.message(a, f, T0 + d * DAY + i * MIN, `See you at the park around ${i}, bring the ball`, { stranger: false, newChat: d === 0 });
      for (let i = 0; i < 3; i++)
        w.cold(
          a,
          T0 + d * DAY + 12 * HOUR + i * HOUR,
          ['Hello, is the bike still for sale?', 'Good evening, are you selling the sofa? see shop.example', 'Is the flat still free?'][i]!,
        );
    }
    expect(w.applied).toEqual([]);
  });
});
