import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../domain/random.js';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textSignals } from './events.js';
import { BUILT_IN_RULES, robotsConfig, type Effect } from './rules.js';
import { ANSWER_HALF_LIFE, keyHash, PATIENT_HALF_LIFE, PatientView } from './signals.js';

/**
 * Rings and patient senders: feedback that reaches every landing an account sent lately, the
 * campaign judged again on a complaint and its first members swept once it shows for what it
 * is (campaign's `sweep`), and complaints set against the answers due (`patient_feedback`).
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 6);

function world(rules: string[], settings: Record<string, Record<string, number>> = {}) {
  const applied: { account: number; rule: string; effect: Effect; at: number }[] = [];
  const limitedUntil = new Map<number, number>();
  const sink: EffectSink = {
    apply: (account, r, effect, at) => {
      applied.push({ account, rule: r, effect, at });
      if (effect.action === 'limit') limitedUntil.set(account, at + effect.hours * HOUR);
    },
    shadow: () => undefined,
    manualDecisionAt: () => 0,
    restricted: (a, at) => (limitedUntil.get(a) ?? 0) > at,
  };
  const cfg = robotsConfig({
    rules: Object.fromEntries(BUILT_IN_RULES.map((r) => [r.name, rules.includes(r.name) ? { settings: settings[r.name] ?? {} } : { enabled: false }])),
  });
  const engine = new RobotsEngine(cfg, sink);
  let next = 1;
  const account = (ageMs: number) => {
    const id = next++;
    void engine.observe({ type: 'account', at: T0 - ageMs, account: id, voip: false });
    return id;
  };
  const send = (from: number, to: number, at: number, text: string) =>
    void engine.observe({ type: 'message', at, from, to, stranger: true, newChat: true, ...textSignals(text) });
  const answer = (from: number, to: number, at: number) =>
    void engine.observe({ type: 'message', at, from, to, stranger: false, newChat: false, reply: true, ...textSignals('who is this?') });
  const block = (from: number, to: number, at: number) => void engine.observe({ type: 'block', at, from, to, stranger: true, initiated: true });
  const limited = (a: number) => applied.filter((x) => x.account === a).map((x) => x.rule);
  return { engine, applied, account, send, answer, block, limited };
}

/** A tiny deterministic generator, so the texts below are the same on every run. */
const rng = mulberry32;

describe('feedback reaches every landing the account sent lately', () => {
  it('a complaint after a text with a shortened link still counts against the domain sent before', () => {
    const w = world(['campaign']);
    const a = w.account(DAY);
    const rs = [w.account(60 * DAY), w.account(60 * DAY), w.account(60 * DAY)];
    w.send(a, rs[0]!, T0, 'Hello friend, my crypto bot doubled my money, join now: https://gold-win77.top/1');
    w.send(a, rs[1]!, T0 + MIN, 'Hello friend, my crypto bot doubled my money, join now: @gold_win77_bot');
    w.send(a, rs[2]!, T0 + 2 * MIN, 'Hello friend, my crypto bot doubled my money, join now: bit.ly/x9k2q');
    w.block(rs[0]!, a, T0 + HOUR);
    const out = new Float64Array(4);
    expect(w.engine.evidence.campaigns.read(keyHash('gold-win77.top'), T0 + HOUR, out)).toBe(true);
    expect(out[2]).toBeCloseTo(1, 3);
    expect(w.engine.evidence.campaigns.read(keyHash('@gold_win77_bot'), T0 + HOUR, out)).toBe(true);
    expect(out[2]).toBeCloseTo(1, 3);
  });
});

describe('campaign: a ring whose first members sent all they had before the complaints came', () => {
  /**
   * Eight young accounts, one after the other, each send the ring's offer to five strangers
   * (spun, with the landing written three ways); a quarter of the strangers block, an hour or
   * more later, when the first members are done.
   */
  function ring(sweep: number) {
    const w = world(['campaign'], { campaign: { sweep } });
    const rnd = rng(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const members = Array.from({ length: 8 }, () => w.account(DAY));
    const blockers: [number, number, number][] = [];
    let t = T0;
    members.forEach((m) => {
      for (let k = 0; k < 5; k++) {
        const r = w.account(60 * DAY);
        const link = pick(['https://lux-prime41.vip/7', 'lux-prime41 dot vip', '@lux_prime41_bot']);
        w.send(
          m,
          r,
          (t += 5 * MIN),
          `${pick(['Hi', 'Hello', 'Hey'])}, ${pick(['only today', 'this week'])} 80% off ${pick(['watches', 'bags'])}, details here: ${link}`,
        );
        if (rnd() < 0.3) blockers.push([r, m, t + HOUR + Math.floor(rnd() * 2 * HOUR)]);
      }
    });
    // The complaints, in time order, about whichever member wrote to each blocker.
    blockers.sort((x, y) => x[2] - y[2]);
    for (const [r, m, at] of blockers) w.block(r, m, at);
    return { w, members, complained: new Set(blockers.map((b) => b[1])) };
  }

  it('limits the members nobody complained about, once complaints about the others show the campaign', () => {
    const { w, members, complained } = ring(1);
    const quiet = members.filter((m) => !complained.has(m));
    expect(quiet.length).toBeGreaterThan(0);
    for (const m of members) expect(w.limited(m)).toEqual(['campaign']);
  });

  it('without the sweep those members stay free (the test can fail)', () => {
    const { w, members, complained } = ring(0);
    const quiet = members.filter((m) => !complained.has(m));
    for (const m of quiet) expect(w.limited(m)).toEqual([]);
  });

  it('leaves alone parents who share one school link that people answer, though two of those written to block', () => {
    const w = world(['campaign', 'patient_feedback']);
    const rnd = rng(11);
    const parents = Array.from({ length: 6 }, () => w.account(400 * DAY));
    let t = T0 + 18 * HOUR;
    const blockers: [number, number][] = [];
    parents.forEach((p, i) => {
      for (let k = 0; k < 30; k++) {
        const r = w.account(300 * DAY);
        w.send(p, r, (t += MIN), `Hi, this is Anna's mum from class ${i + 1}B. The school fair is on Saturday: school-fair.example/2026`);
        if (rnd() < 0.7) w.answer(r, p, t + 20 * MIN + Math.floor(rnd() * 3 * HOUR));
        else if (blockers.length < 2 && rnd() < 0.2) blockers.push([r, p]);
      }
    });
    for (const [r, p] of blockers) w.block(r, p, t + 4 * HOUR);
    expect(blockers.length).toBe(2);
    expect(w.applied).toEqual([]);
  });
});

describe('patient_feedback: complaints against the answers due', () => {
  it('counts a stranger reached by the share of answers due by now', () => {
    const p = new PatientView(PATIENT_HALF_LIFE, ANSWER_HALF_LIFE);
    p.reach(1, T0);
    expect(p.matured(1, T0)).toBeCloseTo(0, 6);
    // After one answer half-life, half of it is due (and the long window has decayed a little).
    expect(p.matured(1, T0 + ANSWER_HALF_LIFE)).toBeCloseTo(0.5 * 2 ** (-ANSWER_HALF_LIFE / PATIENT_HALF_LIFE), 4);
    expect(p.matured(1, T0 + 10 * ANSWER_HALF_LIFE)).toBeGreaterThan(0.99 * 2 ** ((-10 * ANSWER_HALF_LIFE) / PATIENT_HALF_LIFE));
  });

  /**
   * An aged account writes one stranger every two hours, ten hours a day, for four days (20
   * strangers); three of them block it, days apart; `answers` of the others answer within hours.
   */
  function drip(answers: number) {
    const w = world(['patient_feedback', 'stranger_feedback']);
    const a = w.account(40 * DAY);
    const rs = Array.from({ length: 20 }, () => w.account(300 * DAY));
    const answering = new Set(rs.slice(0, answers));
    const complaining = [rs[3]!, rs[9]!, rs[16]!];
    let n = 0;
    for (let d = 0; d < 4; d++)
      for (let h = 0; h < 10; h += 2) {
        const r = rs[n++]!;
        const at = T0 + d * DAY + (9 + h) * HOUR;
        w.send(a, r, at, `Good evening, earn 500$ a week from home, write me: cash-easy${n} dot top`);
        if (answering.has(r)) w.answer(r, a, at + 3 * HOUR);
        if (complaining.includes(r)) w.block(r, a, at + 2 * HOUR);
      }
    return [...new Set(w.limited(a))];
  }

  it('limits a sender of a few cold messages a day whose strangers complain and hardly answer', () => {
    expect(drip(1)).toEqual(['patient_feedback']);
  });

  it('leaves it alone when most of those who had time to answer did (as people answer someone they welcome)', () => {
    expect(drip(12)).toEqual([]);
  });

  it('takes one complaint when many answers were due and hardly any came, from a sender that sends people somewhere', () => {
    /** 20 strangers over four days, as `drip`; one blocks on the last day; `answers` answer within hours. */
    const quiet = (opts: { answers: number; text?: string; settings?: Record<string, number> }) => {
      const w = world(['patient_feedback'], { patient_feedback: opts.settings ?? {} });
      const a = w.account(40 * DAY);
      const rs = Array.from({ length: 20 }, () => w.account(300 * DAY));
      let n = 0;
      for (let d = 0; d < 4; d++)
        for (let h = 0; h < 10; h += 2) {
          const r = rs[n++]!;
          const at = T0 + d * DAY + (9 + h) * HOUR;
          w.send(a, r, at, opts.text ?? `Good evening, earn 500$ a week from home, write me: cash-easy${n} dot top`);
          if (n <= opts.answers) w.answer(r, a, at + 3 * HOUR);
        }
      w.block(rs[17]!, a, T0 + 3 * DAY + 16 * HOUR);
      return {
        limited: w.limited(a),
        effect: w.applied.find((x) => x.account === a)?.effect,
        matured: w.engine.evidence.patient.matured(a, T0 + 3 * DAY + 16 * HOUR),
      };
    };
    const hit = quiet({ answers: 1 });
    expect(hit.matured).toBeGreaterThan(8);
    expect(hit.limited).toEqual(['patient_feedback']);
    expect(hit.effect!.signals!.find((x) => x.name === 'patient_complaints')!.threshold).toBe(0.9);
    // Without the quiet tier, one complaint is not enough.
    expect(quiet({ answers: 1, settings: { quietMatured: 0 } }).limited).toEqual([]);
    // Nor when four answered: a quarter of the answers due (about 16), over a fifth, though under
    // the 30% that two complaints would ask.
    expect(hit.matured).toBeLessThan(17);
    expect(quiet({ answers: 4 }).limited).toEqual([]);
    expect(quiet({ answers: 4, settings: { quietAnswered: 0.3 } }).limited).toEqual(['patient_feedback']);
    // Nor for a plain question that sends nobody anywhere.
    expect(quiet({ answers: 1, text: 'Good evening, is the flat on Elm Street still available?' }).limited).toEqual([]);
  });

  it('asks no answer of people added to a group: a community admin who then writes a few strangers is judged on those', () => {
    const w = world(['patient_feedback']);
    const admin = w.account(400 * DAY);
    // Two days ago: 20 people added to the admin's group, all accepting (they seldom write back).
    for (let i = 0; i < 20; i++)
      void w.engine.observe({ type: 'invite', at: T0 + i * MIN, by: admin, account: w.account(300 * DAY), stranger: true, group: 9 });
    // Now a flat enquiry to 5 landlords, one answering within the hour; then one blocks.
    const t = T0 + 2 * DAY;
    const ls = Array.from({ length: 5 }, () => w.account(300 * DAY));
    for (const [i, l] of ls.entries()) {
      w.send(admin, l, t + i * 2 * MIN, 'Hello, I am interested in the flat you posted, is it still available?');
      if (i < 1) w.answer(l, admin, t + i * 2 * MIN + 10 * MIN);
    }
    w.block(ls[3]!, admin, t + 25 * MIN);
    expect(w.engine.evidence.patient.matured(admin, t + 25 * MIN)).toBeLessThan(5);
    expect(w.limited(admin)).toEqual([]);
    // Had the 20 been messages nobody answered, the same block would be the quiet tier's limit.
    const v = world(['patient_feedback']);
    const pusher = v.account(400 * DAY);
    for (let i = 0; i < 20; i++) v.send(pusher, v.account(300 * DAY), T0 + i * MIN, `Join my group for daily deals: deals-${i} dot top`);
    const vs = Array.from({ length: 5 }, () => v.account(300 * DAY));
    for (const [i, l] of vs.entries()) {
      v.send(pusher, l, t + i * 2 * MIN, 'Hello, I am interested in the flat you posted, is it still available?');
      if (i < 1) v.answer(l, pusher, t + i * 2 * MIN + 10 * MIN);
    }
    v.block(vs[3]!, pusher, t + 25 * MIN);
    expect(v.limited(pusher)).toEqual(['patient_feedback']);
  });

  it('does not judge a busy afternoon by the first answers, though five complain and the few matured strangers hardly answered', () => {
    /** A new account greets 56 people of its phone book in three and a half hours; five block, two answer, as it ends. */
    function greet(minMaturedShare: number) {
      const w = world(['patient_feedback'], { patient_feedback: { minMaturedShare } });
      const a = w.account(HOUR);
      const rs = Array.from({ length: 56 }, () => w.account(300 * DAY));
      rs.forEach((r, i) => w.send(a, r, T0 + i * 225_000, 'Hi! I am on banya now, save my number please'));
      w.answer(rs[3]!, a, T0 + 90 * MIN);
      w.answer(rs[20]!, a, T0 + 4 * HOUR);
      for (let i = 0; i < 5; i++) w.block(rs[50 - i * 7]!, a, T0 + 3.5 * HOUR + i * 15 * MIN);
      return w.limited(a);
    }
    expect(greet(0.3)).toEqual([]);
    // Judged on the few strangers matured so far, it would have been limited.
    expect(greet(0)).toEqual(['patient_feedback']);
  });

  it('does not take a busy hour for an unanswered one: answers not yet due are not asked for', () => {
    const w = world(['patient_feedback']);
    const a = w.account(400 * DAY);
    const rs = Array.from({ length: 30 }, () => w.account(300 * DAY));
    rs.forEach((r, i) => w.send(a, r, T0 + i * 2 * MIN, `Hi ${i}, we have a backend opening that matches your profile: jobs.example/${i}`));
    // Three block within the hour, before anyone had time to answer.
    for (let i = 0; i < 3; i++) w.block(rs[i]!, a, T0 + HOUR + i);
    expect(w.limited(a)).toEqual([]);
    // Were the same 30 written over three days, answers would have been due: the same
    // complaints, with nobody answering, are a patient sender's.
    const v = world(['patient_feedback']);
    const b = v.account(400 * DAY);
    const qs = Array.from({ length: 30 }, () => v.account(300 * DAY));
    qs.forEach((r, i) => v.send(b, r, T0 + i * 2 * HOUR, `Hi ${i}, we have a backend opening that matches your profile: jobs.example/${i}`));
    for (let i = 0; i < 3; i++) v.block(qs[i]!, b, T0 + 60 * HOUR + i);
    expect(v.limited(b)).toEqual(['patient_feedback']);
  });
});
