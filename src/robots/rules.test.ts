import { describe, expect, it } from 'vitest';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textHash, textSignals } from './events.js';
import { BUILT_IN_RULES, robotsConfig, type Effect, type RobotsConfig } from './rules.js';

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
  apply(account: number, rule: string, effect: Effect, at: number): void {
    this.applied.push({ account, rule, effect, at });
  }
  shadow(account: number, rule: string, effect: Effect, at: number, why: 'shadow' | 'daily_cap' | 'manual_decision'): void {
    this.shadowed.push({ account, rule, effect, at, why });
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

  message(from: number, to: number, at: number, text = 'hi', opts: { stranger?: boolean; newChat?: boolean } = {}): void {
    const s = textSignals(text);
    void this.engine.observe({ type: 'message', at, from, to, stranger: opts.stranger ?? true, newChat: opts.newChat ?? true, textHash: s.textHash, link: s.link, inviteLink: s.inviteLink });
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
  invite(by: number, account: number, at: number, stranger = true): void {
    void this.engine.observe({ type: 'invite', at, by, account, stranger });
  }

  get applied(): Applied[] {
    return this.sink.applied;
  }
}

const limit24 = (rule: string, account: number) => ({ account, rule, effect: { action: 'limit', hours: 24 } });

describe('cold_fanout', () => {
  it('limits an established account on its 21st new stranger chat in an hour, not its 20th', () => {
    const w = new World(only('cold_fanout'));
    const a = w.established();
    for (let i = 0; i < 20; i++) w.cold(a, T0 + 10 * HOUR + i * MIN);
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 10 * HOUR + 20 * MIN);
    expect(w.applied).toEqual([{ ...limit24('cold_fanout', a), at: T0 + 10 * HOUR + 20 * MIN }]);
  });

  it('limits an established account on its 51st new stranger chat in a day, under 20 an hour', () => {
    const w = new World(only('cold_fanout'));
    const a = w.established();
    for (let i = 0; i < 50; i++) w.cold(a, T0 + Math.floor(i / 10) * HOUR + (i % 10) * MIN);
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 6 * HOUR);
    expect(w.applied).toEqual([{ ...limit24('cold_fanout', a), at: T0 + 6 * HOUR }]);
  });

  it('forgets the hour and the day: 20 an hour every hour of a day is fine until the day reaches 51', () => {
    const w = new World(only('cold_fanout', { daily: 10_000 }));
    const a = w.established();
    for (let h = 0; h < 24; h++) for (let i = 0; i < 20; i++) w.cold(a, T0 + h * HOUR + i * MIN);
    expect(w.applied).toEqual([]);
    // The next day starts from zero too: 40 late one day and 40 early the next.
    const d = new World(only('cold_fanout'));
    const b = d.established();
    for (const start of [22 * HOUR, 23 * HOUR, DAY, DAY + HOUR]) for (let i = 0; i < 20; i++) d.cold(b, T0 + start + i * MIN);
    expect(d.applied).toEqual([]);
    expect(d.engine.counters.total(b, 'coldChats')).toBe(80);
  });

  it('is stricter for an account under a day old: 9th in an hour', () => {
    const w = new World(only('cold_fanout'));
    const a = w.young();
    for (let i = 0; i < 8; i++) w.cold(a, T0 + i * MIN);
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 8 * MIN);
    expect(w.applied).toEqual([{ ...limit24('cold_fanout', a), at: T0 + 8 * MIN }]);
  });

  it('is stricter for an account under a day old: 16th in a day, under 8 an hour', () => {
    const w = new World(only('cold_fanout'));
    const a = w.young();
    for (let i = 0; i < 15; i++) w.cold(a, T0 + Math.floor(i / 5) * HOUR + (i % 5) * MIN);
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 4 * HOUR);
    expect(w.applied).toEqual([{ ...limit24('cold_fanout', a), at: T0 + 4 * HOUR }]);
  });

  it('treats an account as young below youngHours only', () => {
    const w = new World(only('cold_fanout'));
    const almostADay = w.account(23 * HOUR);
    const overADay = w.account(25 * HOUR);
    for (let i = 0; i < 9; i++) {
      w.cold(almostADay, T0 + i * MIN);
      w.cold(overADay, T0 + i * MIN);
    }
    expect(w.applied.map((x) => x.account)).toEqual([almostADay]);
  });

  it('counts only new chats with strangers', () => {
    const w = new World(only('cold_fanout'));
    const a = w.young();
    const friend = w.established();
    const stranger = w.established();
    for (let i = 0; i < 50; i++) w.message(a, friend, T0 + i * 1000, 'hi', { stranger: false, newChat: i === 0 });
    w.message(a, stranger, T0, 'hi');
    for (let i = 0; i < 50; i++) w.message(a, stranger, T0 + i * 1000, 'hi', { newChat: false });
    expect(w.applied).toEqual([]);
    expect(w.engine.counters.total(a, 'coldChats')).toBe(1);
  });

  it('follows the thresholds of the robots file', () => {
    const w = new World(only('cold_fanout', { youngHourly: 2, limitHours: 6 }));
    const a = w.young();
    w.cold(a, T0);
    w.cold(a, T0 + 1);
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 2);
    expect(w.applied).toEqual([{ account: a, rule: 'cold_fanout', effect: { action: 'limit', hours: 6 }, at: T0 + 2 }]);
  });
});

describe('same_text', () => {
  /** One template; digits, spaces and case vary from message to message. */
  const template = (i: number) => `${i % 2 ? 'DEAR' : 'Dear'}  friend ${i}, I have a   great offer for you: ${i * 37}% off, write\nme back`;

  it('hashes a template the same whatever its digits, spacing and case, and short texts to 0', () => {
    expect(textHash(template(1))).not.toBe(0);
    expect(new Set(Array.from({ length: 20 }, (_, i) => textHash(template(i)))).size).toBe(1);
    expect(textHash('Dear friend, I have a great offer for you: 5% off, write me back')).toBe(textHash(template(3)));
    expect(textHash('Dear friend, I have a great offer for him: 5% off, write me back')).not.toBe(textHash(template(3)));
    for (const t of ['ok', 'Thanks!', 'See you tomorrow', 'Call me 0123 4567 89', '']) expect(textHash(t)).toBe(0);
  });

  it('limits on the 8th new stranger chat with the same template within the hour, not the 7th', () => {
    const w = new World(only('same_text'));
    const a = w.established();
    for (let i = 0; i < 7; i++) w.cold(a, T0 + i * 8 * MIN, template(i));
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 56 * MIN, template(7));
    expect(w.applied).toEqual([{ ...limit24('same_text', a), at: T0 + 56 * MIN }]);
  });

  it('lets the run fade: 8 an hour apart are not 8 in a row (half-life 6 h); a steady 1 an hour reaches it on the 15th', () => {
    const w = new World(only('same_text'));
    const a = w.established();
    for (let i = 0; i < 14; i++) w.cold(a, T0 + i * HOUR, template(i));
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 14 * HOUR, template(14));
    expect(w.applied).toEqual([{ ...limit24('same_text', a), at: T0 + 14 * HOUR }]);
  });

  it('does not limit again on the first message after its limit ended (the run does not outlive it)', () => {
    const w = new World(only('same_text'));
    const a = w.established();
    for (let i = 0; i < 8; i++) w.cold(a, T0 + i * MIN, template(i));
    expect(w.applied).toHaveLength(1);
    // 24 h later the limit ended; the same template to a new stranger is one of a new run.
    w.cold(a, T0 + DAY + 10 * MIN, template(8));
    expect(w.applied).toHaveLength(1);
    expect(w.engine.counters.runValue(a, T0 + DAY + 10 * MIN, 6 * HOUR)).toBeLessThan(1.6);
  });

  it('counts distinct new chats: the same text again and again to one stranger is one', () => {
    const w = new World(only('same_text'));
    const a = w.established();
    const b = w.cold(a, T0, template(0));
    for (let i = 1; i < 30; i++) w.message(a, b, T0 + i * MIN, template(i), { newChat: false });
    // And to people who know the sender, it does not count at all.
    for (let i = 0; i < 30; i++) w.message(a, w.established(), T0 + i * MIN, template(i), { stranger: false });
    expect(w.applied).toEqual([]);
    expect(w.engine.counters.total(a, 'sameText')).toBe(1);
  });

  it('ignores short texts like "ok" sent to any number of strangers', () => {
    const w = new World(only('same_text'));
    const a = w.established();
    for (let i = 0; i < 40; i++) w.cold(a, T0 + i * MIN, i % 2 ? 'ok' : 'Hello 12');
    expect(w.applied).toEqual([]);
  });

  it('counts a run: another template in between starts it again, a short text does not', () => {
    const w = new World(only('same_text'));
    const a = w.established();
    for (let i = 0; i < 7; i++) w.cold(a, T0 + i * MIN, template(i));
    w.cold(a, T0 + 7 * MIN, 'A completely different and long message here');
    for (let i = 0; i < 7; i++) w.cold(a, T0 + (10 + i) * MIN, template(i));
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 20 * MIN, 'ok');
    w.cold(a, T0 + 21 * MIN, template(99));
    expect(w.applied).toEqual([{ ...limit24('same_text', a), at: T0 + 21 * MIN }]);
  });
});

describe('links_to_strangers', () => {
  const link = (i: number) => `Have a look at deals-${'abcdefgh'[i % 8]}.example today`;

  it('limits an established account on its 6th link to strangers in a day', () => {
    const w = new World(only('links_to_strangers'));
    const a = w.established();
    expect(textSignals(link(0))).toMatchObject({ link: true, inviteLink: false });
    for (let i = 0; i < 5; i++) w.cold(a, T0 + i * HOUR, link(i));
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 5 * HOUR, link(5));
    expect(w.applied).toEqual([{ ...limit24('links_to_strangers', a), at: T0 + 5 * HOUR }]);
  });

  it('limits an account under a day old on its 3rd', () => {
    const w = new World(only('links_to_strangers'));
    const a = w.young();
    w.cold(a, T0, link(0));
    w.cold(a, T0 + MIN, link(1));
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 2 * MIN, link(2));
    expect(w.applied).toEqual([{ ...limit24('links_to_strangers', a), at: T0 + 2 * MIN }]);
  });

  it('counts an invite link inviteWeight times', () => {
    const invite = 'Join our group: t.me/joinchat/AbCdEf';
    expect(textSignals(invite)).toMatchObject({ link: true, inviteLink: true });
    const w = new World(only('links_to_strangers'));
    const a = w.established();
    w.cold(a, T0, invite);
    w.cold(a, T0 + MIN, invite);
    w.cold(a, T0 + 2 * MIN, link(0));
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 3 * MIN, invite);
    expect(w.applied).toEqual([{ ...limit24('links_to_strangers', a), at: T0 + 3 * MIN }]);
    // With weight 1, invite links count as any link.
    const w1 = new World(only('links_to_strangers', { inviteWeight: 1 }));
    const b = w1.established();
    for (let i = 0; i < 5; i++) w1.cold(b, T0 + i * MIN, invite);
    expect(w1.applied).toEqual([]);
  });

  it('ignores links to people who know the sender, and starts again each day', () => {
    const w = new World(only('links_to_strangers'));
    const a = w.established();
    for (let i = 0; i < 30; i++) w.message(a, w.established(), T0 + i * MIN, link(i), { stranger: false });
    for (let i = 0; i < 5; i++) w.cold(a, T0 + 20 * HOUR + i * MIN, link(i));
    for (let i = 0; i < 5; i++) w.cold(a, T0 + DAY + i * MIN, link(i));
    expect(w.applied).toEqual([]);
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

  it('ignores blocks by people who know the account', () => {
    const w = new World(only('blocks_per_stranger'));
    const a = w.established();
    for (let i = 0; i < 20; i++) w.block(w.established(), a, T0 + i * MIN, false);
    expect(w.applied).toEqual([]);
    expect(w.engine.counters.total(a, 'blocks')).toBe(0);
  });
});

describe('mass_invites', () => {
  it('limits on the 31st stranger added to groups in an hour, not the 30th', () => {
    const w = new World(only('mass_invites'));
    const a = w.established();
    for (let i = 0; i < 30; i++) w.invite(a, w.established(), T0 + i * MIN);
    expect(w.applied).toEqual([]);
    w.invite(a, w.established(), T0 + 30 * MIN);
    expect(w.applied).toEqual([{ ...limit24('mass_invites', a), at: T0 + 30 * MIN }]);
  });

  it('limits on the 101st in a day, under 30 an hour', () => {
    const w = new World(only('mass_invites'));
    const a = w.established();
    for (let i = 0; i < 100; i++) w.invite(a, w.established(), T0 + Math.floor(i / 25) * HOUR + (i % 25) * MIN);
    expect(w.applied).toEqual([]);
    w.invite(a, w.established(), T0 + 5 * HOUR);
    expect(w.applied).toEqual([{ ...limit24('mass_invites', a), at: T0 + 5 * HOUR }]);
  });

  it('ignores adding people who saved the inviter', () => {
    const w = new World(only('mass_invites'));
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

  it('freezes on the 1000th new stranger chat in all, at under 300 a day', () => {
    const w = new World(only('industrial_scale'));
    const a = w.established();
    for (let i = 0; i < 999; i++) w.cold(a, T0 + Math.floor(i / 250) * DAY + (i % 250) * 5 * MIN);
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 3 * DAY + 23 * HOUR);
    expect(w.applied).toEqual([{ account: a, rule: 'industrial_scale', effect: { action: 'freeze' }, at: T0 + 3 * DAY + 23 * HOUR }]);
  });
});

describe('all rules together, defaults', () => {
  it('a young account writing short texts to 9 strangers in an hour is limited by cold_fanout alone', () => {
    const w = new World(robotsConfig({}));
    const a = w.young();
    for (let i = 0; i < 8; i++) w.cold(a, T0 + i * MIN, 'hey');
    expect(w.applied).toEqual([]);
    w.cold(a, T0 + 8 * MIN, 'hey');
    expect(w.applied).toEqual([{ ...limit24('cold_fanout', a), at: T0 + 8 * MIN }]);
    expect(w.sink.shadowed).toEqual([]);
  });

  it('an ordinary established account talking to friends and a few strangers is never touched', () => {
    const w = new World(robotsConfig({}));
    const a = w.established();
    const friends = Array.from({ length: 50 }, () => w.established());
    for (let d = 0; d < 7; d++) {
      for (const [i, f] of friends.entries()) w.message(a, f, T0 + d * DAY + i * MIN, `See you at the park around ${i}, bring the ball`, { stranger: false, newChat: d === 0 });
      for (let i = 0; i < 3; i++) w.cold(a, T0 + d * DAY + 12 * HOUR + i * HOUR, ['Hello, is the bike still for sale?', 'Good evening, are you selling the sofa? see shop.example', 'Is the flat still free?'][i]!);
    }
    expect(w.applied).toEqual([]);
  });
});
