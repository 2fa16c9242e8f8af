import { describe, expect, it } from 'vitest';
import type { Recorded } from '../events/projector.js';
import { robotDecisionOf } from './decisions.js';
import { RobotsEngine, type EffectSink } from './engine.js';
import { textSignals } from './events.js';
import { BUILT_IN_RULES, robotsConfig, type Effect } from './rules.js';

/**
 * Answers against complaints (stranger_feedback's `answersPerComplaint`), answered campaigns
 * whose complaints are beyond anyone's (campaign's `answeredRatio`), the link that comes after an
 * opener, and people's decisions (`decision` events: the complainers' record, forgiveness).
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 6);

function world(...rules: string[]) {
  const applied: { account: number; rule: string; effect: Effect }[] = [];
  const sink: EffectSink = {
    apply: (account, r, effect) => void applied.push({ account, rule: r, effect }),
    shadow: () => undefined,
    manualDecisionAt: () => 0,
    restricted: () => false,
  };
  const cfg = robotsConfig({ rules: Object.fromEntries(BUILT_IN_RULES.map((r) => [r.name, rules.includes(r.name) ? {} : { enabled: false }])) });
  const engine = new RobotsEngine(cfg, sink);
  let next = 1;
  const account = (ageMs: number) => {
    const id = next++;
    void engine.observe({ type: 'account', at: T0 - ageMs, account: id, voip: false });
    return id;
  };
  const send = (from: number, to: number, at: number, text: string, newChat = true) =>
    void engine.observe({ type: 'message', at, from, to, stranger: true, newChat, ...textSignals(text) });
  const answer = (from: number, to: number, at: number) =>
    void engine.observe({ type: 'message', at, from, to, stranger: false, newChat: false, reply: true, ...textSignals('yes?') });
  const block = (from: number, to: number, at: number) => void engine.observe({ type: 'block', at, from, to, stranger: true, initiated: true });
  return { engine, applied, account, send, answer, block };
}

describe('stranger_feedback weighs complaints against the answers already in', () => {
  /**
   * 30 strangers written to; `answers` of them answer, then 3 others block, an hour in. The
   * account is days old: an established one's thin evidence waits for the answers due (below).
   */
  function run(answers: number) {
    const w = world('stranger_feedback');
    const a = w.account(3 * DAY);
    const rs = Array.from({ length: 30 }, () => w.account(60 * DAY));
    rs.forEach((r, i) => w.send(a, r, T0 + i * 2 * MIN, `Hello ${i}, we have an opening that fits your profile, interested? jobs-board.top/${i}`));
    for (let i = 0; i < answers; i++) w.answer(rs[i]!, a, T0 + HOUR + i);
    for (let i = 0; i < 3; i++) w.block(rs[29 - i]!, a, T0 + 2 * HOUR + i);
    return w.applied.filter((x) => x.account === a);
  }

  it('limits on three complaints with no answer yet, and holds off when answers outnumber them', () => {
    expect(run(0).map((x) => x.rule)).toEqual(['stranger_feedback']);
    // Two answers per three complaints: answers >= 0.6 × complaints.
    expect(run(2)).toEqual([]);
  });

  it('an answer followed by a complaint no longer counts as a welcome', () => {
    const w = world('stranger_feedback');
    const a = w.account(3 * DAY);
    const rs = Array.from({ length: 30 }, () => w.account(60 * DAY));
    rs.forEach((r, i) => w.send(a, r, T0 + i * 2 * MIN, `Hello ${i}, is this the person I met at the fair last week? fair-photos.top/${i}`));
    // Two answer, then those same two and one more block: the answers are taken back.
    w.answer(rs[0]!, a, T0 + HOUR);
    w.answer(rs[1]!, a, T0 + HOUR + 1);
    expect(w.engine.evidence.pos.value(a, T0 + HOUR + 2)).toBeCloseTo(2, 3);
    w.block(rs[0]!, a, T0 + 2 * HOUR);
    w.block(rs[1]!, a, T0 + 2 * HOUR + 1);
    expect(w.engine.evidence.pos.value(a, T0 + 2 * HOUR + 2)).toBeLessThan(0.01);
    w.block(rs[2]!, a, T0 + 2 * HOUR + 2);
    expect(w.applied.map((x) => x.rule)).toEqual(['stranger_feedback']);
  });
});

describe('campaign: answered, yet complained about beyond anyone', () => {
  const QUESTION = 'Hello, is this Maria? I think we met at the conference last spring';

  /** Three accounts send the same question to 20 strangers each; `answered` of each 20 answer; `complaints` of each block. */
  function run(answered: number, complaints: number, reach = 3) {
    const w = world('campaign');
    const senders = [w.account(2 * DAY), w.account(2 * DAY), w.account(2 * DAY)];
    let t = T0;
    senders.forEach((s) => {
      const rs = Array.from({ length: 20 }, () => w.account(60 * DAY));
      rs.forEach((r) => w.send(s, r, (t += MIN), QUESTION));
      for (let i = 0; i < answered; i++) w.answer(rs[i]!, s, (t += MIN));
      for (let i = 0; i < complaints; i++) w.block(rs[19 - i]!, s, (t += MIN));
    });
    // A fourth account sends the question to `reach` strangers.
    const next = w.account(2 * DAY);
    for (let i = 0; i < reach; i++) w.send(next, w.account(60 * DAY), (t += MIN), QUESTION);

    return w.applied.filter((x) => x.account === next).map((x) => x.rule);
  }

  it("limits a new sender of a question whose recipients answer it yet complain about a quarter of its senders' reach", () => {
    expect(run(8, 5)).toEqual(['campaign']);
  });

  it('leaves alone a single question that happens to look like the campaign (under `answeredReach` strangers)', () => {
    expect(run(8, 5, 2)).toEqual([]);
  });

  it('leaves it alone when answered and complained about less than that (a rate past `ratio`, short of `answeredRatio`)', () => {
    expect(run(8, 2)).toEqual([]);
    // Unanswered, the same complaints are a campaign's.
    expect(run(0, 2)).toEqual(['campaign']);
  });
});

describe('a link after an opener', () => {
  it('counts the chat as carrying a link once, when the link comes in the second message', () => {
    const w = world('cold_fanout');
    const a = w.account(HOUR);
    const b = w.account(60 * DAY);
    w.send(a, b, T0, 'hi');
    expect(w.engine.evidence.landing.value(a, T0)).toBe(0);
    w.send(a, b, T0 + MIN, 'Great offer for you at https://offers.example.com/x today only', false);
    expect(w.engine.evidence.landing.value(a, T0 + MIN)).toBeCloseTo(1, 3);
    w.send(a, b, T0 + 2 * MIN, 'Another look at https://offers.example.com/y if you like', false);
    expect(w.engine.evidence.landing.value(a, T0 + 2 * MIN)).toBeCloseTo(1, 3);
  });
});

describe("people's decisions", () => {
  it("set a blocker's record: cleared subjects lower it, confirmed ones raise it; a clearing forgives the complaints", () => {
    const w = world('stranger_feedback');
    const blocker = w.account(60 * DAY);
    const [x, y] = [w.account(30 * DAY), w.account(30 * DAY)];
    expect(w.engine.recordOf(blocker)).toBe(1);
    w.send(x, blocker, T0, 'Hello there, is the flat still available for viewing?');
    w.block(blocker, x, T0 + MIN);
    expect(w.engine.evidence.complaints(x, T0 + MIN)).toBeGreaterThan(0.9);
    void w.engine.observe({ type: 'decision', at: T0 + HOUR, account: x, outcome: 'cleared' });
    expect(w.engine.recordOf(blocker)).toBeCloseTo(0.6, 3);
    expect(w.engine.evidence.complaints(x, T0 + HOUR)).toBe(0);
    // A second decision about x finds nobody new to judge.
    void w.engine.observe({ type: 'decision', at: T0 + 2 * HOUR, account: x, outcome: 'cleared' });
    expect(w.engine.recordOf(blocker)).toBeCloseTo(0.6, 3);
    // The next block by this blocker weighs by the record.
    w.send(y, blocker, T0 + 3 * HOUR, 'Cheap followers for your page, write to me now please');
    w.block(blocker, y, T0 + 3 * HOUR + MIN);
    expect(w.engine.evidence.complaints(y, T0 + 3 * HOUR + MIN)).toBeCloseTo(0.6, 3);
    void w.engine.observe({ type: 'decision', at: T0 + 4 * HOUR, account: y, outcome: 'confirmed' });
    expect(w.engine.recordOf(blocker)).toBeCloseTo(6 / 7, 3);
    // A confirmation forgives nothing.
    expect(w.engine.evidence.complaints(y, T0 + 4 * HOUR)).toBeGreaterThan(0.59);
  });
});

describe('robotDecisionOf: what the journal tells robots', () => {
  const rec = (event: Recorded['event']): Recorded => ({ at: T0, actor: { kind: 'system' }, accountId: 7, event });
  it('maps confirmations, dismissals, overturned appeals and lifts; nothing else', () => {
    const caseDecision = (action: 'confirm' | 'dismiss' | 'escalate', reportIds = [3]) =>
      rec({ type: 'decision', payload: { caseId: 1, action, policy: 'spam', by: 'm', reportIds, reporters: [4] } } as unknown as Recorded['event']);
    expect(robotDecisionOf(caseDecision('confirm'))).toEqual({ type: 'decision', at: T0, account: 7, outcome: 'confirmed' });
    expect(robotDecisionOf(caseDecision('dismiss'))).toEqual({ type: 'decision', at: T0, account: 7, outcome: 'cleared' });
    expect(robotDecisionOf(caseDecision('escalate'))).toBeNull();
    // A case robots raised with no report, dismissed: their signals were not enough; nobody was cleared.
    expect(robotDecisionOf(caseDecision('dismiss', []))).toBeNull();
    expect(robotDecisionOf(rec({ type: 'appeal_decided', payload: { appealId: 1, outcome: 'overturn', by: 's', note: null } }))).toMatchObject({
      outcome: 'cleared',
    });
    expect(robotDecisionOf(rec({ type: 'appeal_decided', payload: { appealId: 1, outcome: 'uphold', by: 's', note: null } }))).toBeNull();
    expect(robotDecisionOf(rec({ type: 'restriction_lifted', payload: { restrictionId: 1, reason: 'lifted: a mistake', cause: 'lifted' } }))).toMatchObject({
      outcome: 'cleared',
    });
    expect(robotDecisionOf(rec({ type: 'restriction_expired', payload: { restrictionId: 1, reason: 'expired' } }))).toBeNull();
  });
});
