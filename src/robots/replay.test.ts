import { describe, expect, it } from 'vitest';
import { Replay } from './replay.js';
import { BUILT_IN_RULES, robotsConfig, type RobotsConfig } from './rules.js';

/**
 * The replay world and TRACE.md's extensions, one hand-written trace each: aged accounts,
 * classes, group admins, declined invites, joins and leaves, decisions (the guard rails),
 * appeals, labels that change, reports the API refuses, and lines the replay does not know.
 */

const HOUR = 3600;
const DAY = 24 * HOUR;

type Line = Record<string, unknown>;

function replay(lines: Line[], config: RobotsConfig = robotsConfig({})) {
  const r = new Replay(config);
  for (const l of lines) r.line(JSON.stringify(l));
  return r.report();
}

/** Only the named rules on, with their settings. */
/** Volume rules whose thresholds limit here on volume alone (`hardFactor` 1): these tests are about the replay, not about thin evidence. */
const VOLUME_RULES = new Set(['cold_fanout', 'same_text', 'mass_invites']);

function only(rules: Record<string, Record<string, number>>, rest: { manualBlockHours?: number } = {}): RobotsConfig {
  return robotsConfig({
    rules: Object.fromEntries(
      BUILT_IN_RULES.map((r) => [
        r.name,
        r.name in rules ? { settings: { ...(VOLUME_RULES.has(r.name) ? { hardFactor: 1 } : {}), ...rules[r.name] } } : { enabled: false },
      ]),
    ),
    ...rest,
  });
}

let phone = 447700900000;
function acct(id: string, label: string, extra: Line = {}): Line {
  return { type: 'account', t: 0, id, phone: `+${phone++}`, label, ...extra };
}

/** `from` writes to `n` strangers v0..v(n-1), one a minute from `t`. */
function coldRun(from: string, n: number, t: number, text = (i: number) => `hello number ${i}`, first = 0): Line[] {
  return Array.from({ length: n }, (_, i) => ({ type: 'message', t: t + i * 60, from, to: `v${first + i}`, text: text(i) }));
}

/** cold_fanout pinned to fixed thresholds (the replay's mechanics are under test here, not the defaults). */
const FANOUT = { hourly: 20, daily: 50, youngHourly: 8, youngDaily: 15, youngPlainHourly: 8, youngPlainDaily: 15 };
const victims = (n: number) => Array.from({ length: n }, (_, i) => acct(`v${i}`, 'innocent'));

describe('account ageDays', () => {
  it('an aged account is not young: the young thresholds do not apply to it', () => {
    // cold_fanout: young accounts past 8 new cold chats in an hour, others past 20.
    const lines = [acct('new', 'spammer'), acct('old', 'spammer', { ageDays: 30 }), ...victims(24), ...coldRun('new', 12, 10), ...coldRun('old', 12, 10)];
    const r = replay(lines, only({ cold_fanout: FANOUT }));
    expect(r.summary.caught).toBe(1);
    expect(r.summary.medianColdMessagesToCatch).toBe(9);
    expect(r.falsePositives).toEqual([]);
  });

  it("weighs reports by the reporter's age before the trace", () => {
    // reports_per_stranger with minWeight 1: one report from an aged reporter suffices, one
    // from an account made at t = 0 weighs a quarter (fresh) and does not.
    const cfg = only({ reports_per_stranger: { minWeight: 1, ratio: 0, freshCap: 1 } });
    const base = [
      acct('s', 'spammer'),
      acct('fresh', 'innocent'),
      acct('aged', 'innocent', { ageDays: 3 }),
      { type: 'message', t: 10, from: 's', to: 'fresh', text: 'buy now please' },
      { type: 'message', t: 20, from: 's', to: 'aged', text: 'buy now please' },
    ];
    expect(replay([...base, { type: 'report', t: 30, from: 'fresh', to: 's' }], cfg).summary.caught).toBe(0);
    expect(replay([...base, { type: 'report', t: 30, from: 'aged', to: 's' }], cfg).summary.caught).toBe(1);
  });
});

/** The harm figures of a class robots never acted on. */
const UNTOUCHED = {
  limited: 0,
  limitedWithin20: 0,
  medianColdToLimit: 0,
  refused: 0,
  repeatLimited: 0,
  overturned: 0,
  raised: 0,
  limitedOrRaisedWithin20: 0,
  unheardBy20: 0,
};

describe('account class', () => {
  it("breaks the harm down per class, with the class's label; no byClass without classes", () => {
    const lines = [
      acct('a', 'spammer', { class: 'fast' }),
      acct('b', 'spammer', { class: 'fast' }),
      acct('c', 'spammer', { class: 'quiet' }),
      acct('p', 'innocent', { class: 'friend' }),
      ...victims(30),
      ...coldRun('a', 12, 10),
      ...coldRun('b', 12, 10, undefined, 12),
      { type: 'message', t: 5, from: 'c', to: 'v0', text: 'just one' },
    ];
    const s = replay(lines, only({ cold_fanout: FANOUT })).summary;
    expect(s.byClass).toEqual({
      fast: {
        label: 'spammer',
        accounts: 2,
        limited: 2,
        limitedWithin20: 2,
        medianColdToLimit: 9,
        refused: 6,
        repeatLimited: 0,
        overturned: 0,
        raised: 0,
        limitedOrRaisedWithin20: 2,
        unheardBy20: 0,
      },
      quiet: { label: 'spammer', accounts: 1, ...UNTOUCHED },
      friend: { label: 'innocent', accounts: 1, ...UNTOUCHED },
    });
    expect(s.byLabel.spammer).toMatchObject({ accounts: 3, limited: 2, refused: 6 });
    const plain = replay(
      lines.map((l) => ({ ...l, class: undefined })),
      only({ cold_fanout: FANOUT }),
    ).summary;
    expect(plain.byClass).toBeUndefined();
  });
});

describe('unheard by 20: a 21st cold message before any complaint', () => {
  // No rule on: what is measured is the evidence, not a rule.
  const none = only({});
  const base = [acct('s', 'spammer', { class: 'quiet' }), acct('t', 'spammer', { class: 'quiet' }), ...victims(50)];

  it('counts an account whose 21st cold message went out with no block or report in yet', () => {
    const s = replay([...base, ...coldRun('s', 21, 10), ...coldRun('t', 20, 10, undefined, 21)], none).summary;
    // t sent only 20: not unheard, whatever came.
    expect(s.byLabel.spammer.unheardBy20).toBe(1);
    expect(s.byClass?.quiet?.unheardBy20).toBe(1);
  });

  it('a block or a report the API takes before the 21st counts; one after it, or a refused report, does not', () => {
    const run = coldRun('s', 21, 10);
    const blockedBefore = [...base, ...run.slice(0, 20), { type: 'block', t: 1000, from: 'v3', to: 's' }, ...run.slice(20)];
    expect(replay(blockedBefore, none).summary.byLabel.spammer.unheardBy20).toBe(0);
    const reportedBefore = [...base, ...run.slice(0, 20), { type: 'report', t: 1000, from: 'v3', to: 's' }, ...run.slice(20)];
    expect(replay(reportedBefore, none).summary.byLabel.spammer.unheardBy20).toBe(0);
    // NOTHING_TO_REPORT: s never wrote to v40.
    const refused = [...base, ...run.slice(0, 20), { type: 'report', t: 1000, from: 'v40', to: 's' }, ...run.slice(20)];
    expect(replay(refused, none).summary.byLabel.spammer.unheardBy20).toBe(1);
    const after = [...base, ...run, { type: 'block', t: 5000, from: 'v3', to: 's' }];
    expect(replay(after, none).summary.byLabel.spammer.unheardBy20).toBe(1);
  });

  it('counts afresh under a new label: complaints while innocent do not hear a spammer', () => {
    const lines = [
      acct('h', 'innocent', { class: 'turned' }),
      ...victims(50),
      ...coldRun('h', 2, 10, undefined, 40),
      { type: 'block', t: 500, from: 'v40', to: 'h' },
      { type: 'label', t: 600, id: 'h', label: 'spammer' },
      ...coldRun('h', 21, 700),
    ];
    const s = replay(lines, none).summary;
    expect(s.byLabel.spammer.unheardBy20).toBe(1);
    expect(s.byLabel.innocent.unheardBy20).toBe(0);
  });
});

describe('groups: admins, declined invites, joins and leaves, the report threshold', () => {
  // reports_per_stranger with minWeight 2: one admin's report (weight 2 for an aged admin) limits,
  // one member's (weight 1) does not, and below the threshold of 3 members nothing reaches robots.
  const cfg = only({ reports_per_stranger: { minWeight: 2, ratio: 0 } });
  const world = (extra: Line[]) => [
    acct('owner', 'innocent', { ageDays: 100 }),
    acct('adm', 'innocent', { ageDays: 100 }),
    acct('m1', 'innocent', { ageDays: 100 }),
    acct('m2', 'innocent', { ageDays: 100 }),
    acct('m3', 'innocent', { ageDays: 100 }),
    acct('s', 'spammer', { ageDays: 100 }),
    { type: 'group', t: 1, id: 'g', owner: 'owner', admins: ['adm'] },
    { type: 'join', t: 2, group: 'g', account: 's' },
    { type: 'invite', t: 3, group: 'g', by: 'owner', account: 'm1' },
    { type: 'invite', t: 3, group: 'g', by: 'owner', account: 'm2' },
    { type: 'invite', t: 3, group: 'g', by: 'owner', account: 'm3' },
    { type: 'post', t: 10, group: 'g', from: 's', text: 'cheap watches at watches.example' },
    ...extra,
  ];

  it('an admin named in `admins` weighs as an admin alone; one member does not reach the rules', () => {
    expect(replay(world([{ type: 'report', t: 20, from: 'adm', to: 's', group: 'g' }]), cfg).summary.caught).toBe(1);
    expect(replay(world([{ type: 'report', t: 20, from: 'm1', to: 's', group: 'g' }]), cfg).summary.caught).toBe(0);
    // Three members pass the threshold: the third report reaches the rules (weight 1 of 2 needed).
    const three = replay(
      world(['m1', 'm2', 'm3'].map((m, i) => ({ type: 'report', t: 20 + i, from: m, to: 's', group: 'g' }))),
      only({ reports_per_stranger: { minWeight: 1, ratio: 0 } }),
    );
    expect(three.summary.caught).toBe(1);
    const two = replay(
      world(['m1', 'm2'].map((m, i) => ({ type: 'report', t: 20 + i, from: m, to: 's', group: 'g' }))),
      only({ reports_per_stranger: { minWeight: 1, ratio: 0 } }),
    );
    expect(two.summary.caught).toBe(0);
  });

  it('an admin weighs as one only about a member who joined alone or was added a day before', () => {
    const added = [
      acct('s2', 'spammer', { ageDays: 100 }),
      { type: 'invite', t: 11, group: 'g', by: 'adm', account: 's2' },
      { type: 'post', t: 12, group: 'g', from: 's2', text: 'cheap watches' },
    ];
    expect(replay(world([...added, { type: 'report', t: 20, from: 'adm', to: 's2', group: 'g' }]), cfg).summary.caught).toBe(0);
    expect(replay(world([...added, { type: 'report', t: DAY + 20, from: 'adm', to: 's2', group: 'g' }]), cfg).summary.caught).toBe(1);
  });

  it('a declined invite makes no member, and a member who left cannot report what is said there', () => {
    const declined = world([
      acct('d', 'innocent', { ageDays: 100 }),
      { type: 'invite', t: 11, group: 'g', by: 'owner', account: 'd', accepted: false },
      { type: 'report', t: 20, from: 'd', to: 's', group: 'g' },
    ]);
    expect(replay(declined, cfg).summary.reportsRefused).toBe(1);
    const left = world([
      { type: 'leave', t: 11, group: 'g', account: 'adm' },
      { type: 'report', t: 20, from: 'adm', to: 's', group: 'g' },
    ]);
    const r = replay(left, cfg);
    expect(r.summary).toMatchObject({ reportsRefused: 1, caught: 0 });
    const rejoined = world([
      { type: 'leave', t: 11, group: 'g', account: 'm1' },
      { type: 'join', t: 12, group: 'g', account: 'm1' },
      { type: 'report', t: 20, from: 'm1', to: 's', group: 'g' },
    ]);
    expect(replay(rejoined, cfg).summary.reportsRefused).toBe(0);
  });

  it('a group report counts only when the subject came to the reporter: not from a crowd that walked in after it', () => {
    // A brigade of accounts days old joins a public group and reports its owner, then a member
    // who had joined before them; 20 reports each pass the group's threshold and reach robots.
    const crowd = Array.from({ length: 20 }, (_, i) => `b${i}`);
    const lines = [
      acct('owner', 'innocent', { ageDays: 400 }),
      acct('regular', 'innocent', { ageDays: 400 }),
      ...crowd.map((b) => acct(b, 'brigader', { ageDays: 5, class: 'brigade-group' })),
      { type: 'group', t: 1, id: 'g', owner: 'owner', public: true },
      { type: 'join', t: 2, group: 'g', account: 'regular' },
      ...crowd.map((b, i) => ({ type: 'join', t: 3 + i, group: 'g', account: b })),
      { type: 'post', t: 100, group: 'g', from: 'owner', text: 'weekly news at news.example' },
      { type: 'post', t: 101, group: 'g', from: 'regular', text: 'thanks, see you on friday' },
      ...crowd.flatMap((b, i) => [
        { type: 'report', t: 200 + i, from: b, to: 'owner', group: 'g' },
        { type: 'report', t: 300 + i, from: b, to: 'regular', group: 'g' },
      ]),
    ];
    const backstop = only({ reports_per_stranger: { minWeight: 2, ratio: 0 } });
    for (const cfg of [robotsConfig({}), backstop]) {
      const r = replay(lines, cfg);
      expect(r.summary).toMatchObject({ innocentsLimited: 0, brigadeVictimsLimited: 0, brigades: { 'brigade-group': { targets: 2, targetsLimited: 0 } } });
    }
    // A spammer who joins and posts came to the members already there, and is still one who
    // came after it leaves: the third of them to report passes the group's threshold and reaches
    // the rule (weight 1, 1 needed).
    const spam = world([
      { type: 'post', t: 11, group: 'g', from: 's', text: 'cheap watches' },
      { type: 'leave', t: 12, group: 'g', account: 's' },
      ...['m1', 'm2', 'm3'].map((m, i) => ({ type: 'report', t: 20 + i, from: m, to: 's', group: 'g' })),
    ]);
    const one = only({ reports_per_stranger: { minWeight: 1, ratio: 0 } });
    expect(replay(spam, one).summary.caught).toBe(1);
    // The same three, had they joined by themselves after the spammer, are no evidence.
    const walkedIn = spam.map((l) => (l.type === 'invite' ? { type: 'join', t: 4, group: 'g', account: l.account } : l));
    expect(replay(walkedIn, one).summary.caught).toBe(0);
  });

  it('people who asked to be added, then complain, were not reached by the one who added them', () => {
    // Twenty accounts days old ask a community's admin to add them, are added, then report and
    // block it and leave: they wrote first, so the invite reached no stranger.
    const crowd = Array.from({ length: 20 }, (_, i) => `b${i}`);
    const members = Array.from({ length: 40 }, (_, i) => `m${i}`);
    const lines = [
      acct('admin', 'innocent', { ageDays: 500, class: 'community-admin' }),
      ...members.map((m) => acct(m, 'innocent', { ageDays: 200 })),
      ...crowd.map((b) => acct(b, 'brigader', { ageDays: 5, class: 'brigade-ask' })),
      { type: 'group', t: 1, id: 'c', owner: 'admin' },
      ...members.map((m, i) => ({ type: 'invite', t: 10 + i, group: 'c', by: 'admin', account: m })),
      ...crowd.flatMap((b, i) => [
        { type: 'message', t: DAY + i * 600, from: b, to: 'admin', text: 'hi, can you add me to the street group?' },
        { type: 'message', t: DAY + i * 600 + 300, from: 'admin', to: b, text: 'sure!' },
        { type: 'invite', t: DAY + i * 600 + 360, group: 'c', by: 'admin', account: b },
      ]),
      { type: 'post', t: 2 * DAY, group: 'c', from: 'admin', text: 'Street party on Sunday, bring food' },
      ...crowd.flatMap((b, i) => [
        { type: 'report', t: 2 * DAY + 60 + i * 30, from: b, to: 'admin', group: 'c' },
        { type: 'block', t: 2 * DAY + 61 + i * 30, from: b, to: 'admin' },
        { type: 'leave', t: 2 * DAY + 62 + i * 30, group: 'c', account: b },
      ]),
    ];
    const r = replay(lines);
    expect(r.problems).toEqual([]);
    expect(r.summary).toMatchObject({ innocentsLimited: 0, brigadeVictimsLimited: 0, brigades: { 'brigade-ask': { targets: 1, targetsLimited: 0 } } });
  });

  it('a report about someone who never posted in the group is refused', () => {
    const r = replay(world([{ type: 'report', t: 20, from: 'adm', to: 'm1', group: 'g' }]), cfg);
    expect(r.summary).toMatchObject({ reportsRefused: 1, innocentsLimited: 0 });
  });
});

describe('reports the API would refuse (NOTHING_TO_REPORT)', () => {
  it('a report from someone the subject never wrote to is counted as refused and reaches no rule', () => {
    const cfg = only({ reports_per_stranger: { minWeight: 1, ratio: 0 } });
    const lines = [
      acct('p', 'innocent', { ageDays: 100 }),
      acct('x', 'brigader', { ageDays: 100, class: 'aged-brigade' }),
      acct('y', 'brigader', { ageDays: 100, class: 'aged-brigade' }),
    ];
    const r = replay([...lines, { type: 'report', t: 10, from: 'x', to: 'p' }, { type: 'report', t: 11, from: 'y', to: 'p' }], cfg);
    expect(r.summary).toMatchObject({
      reportsRefused: 2,
      innocentsLimited: 0,
      brigadeVictimsLimited: 0,
      brigades: { 'aged-brigade': { targets: 1, targetsLimited: 0 } },
    });
    // Once the subject wrote to the reporter, the same report reaches the rule.
    const wrote = replay([...lines, { type: 'message', t: 5, from: 'p', to: 'x', text: 'hello there' }, { type: 'report', t: 10, from: 'x', to: 'p' }], cfg);
    expect(wrote.summary).toMatchObject({
      reportsRefused: 0,
      innocentsLimited: 1,
      brigadeVictimsLimited: 1,
      brigades: { 'aged-brigade': { targets: 1, targetsLimited: 1 } },
    });
    // Writing to the subject is not enough: the subject must have written to the reporter.
    const other = replay([...lines, { type: 'message', t: 5, from: 'x', to: 'p', text: 'hello there' }, { type: 'report', t: 10, from: 'x', to: 'p' }], cfg);
    expect(other.summary.reportsRefused).toBe(1);
  });

  it('one open report per reporter, subject and place: a repeat adds nothing', () => {
    const cfg = only({ reports_per_stranger: { minWeight: 2, ratio: 0 } });
    const lines = [acct('s', 'spammer'), acct('r', 'innocent', { ageDays: 100 }), { type: 'message', t: 1, from: 's', to: 'r', text: 'buy buy buy' }];
    const reports = Array.from({ length: 3 }, (_, i) => ({ type: 'report', t: 10 + i, from: 'r', to: 's' }));
    expect(replay([...lines, ...reports], cfg).summary.caught).toBe(0);
  });
});

describe('decisions: the guard rails', () => {
  // cold_fanout for a young account limits on the 9th new cold chat within the hour.
  const cfg = only({ cold_fanout: FANOUT }, { manualBlockHours: 48 });
  const people = [acct('a', 'innocent', { class: 'organiser' }), ...victims(40)];

  it('a dismissal holds robots off for manualBlockHours, then they act again', () => {
    const r = replay(
      [...people, { type: 'decision', t: 1, account: 'a', action: 'dismiss' }, ...coldRun('a', 12, 10), ...coldRun('a', 24, 49 * HOUR, undefined, 12)],
      cfg,
    );
    expect(r.summary.heldAfterDecision).toBe(1);
    expect(r.summary.innocentsLimited).toBe(1);
    // The first run was let through (held off); robots acted only in the second, after the hold
    // (the account is two days old by then: past 20 new cold chats in the hour).
    expect(r.summary.byLabel.innocent).toMatchObject({ limited: 1, limitedWithin20: 0, medianColdToLimit: 33 });
  });

  it("a lift ends the robots' limit at once and holds them off", () => {
    const lines = [...people, ...coldRun('a', 10, 10), { type: 'decision', t: 700, account: 'a', action: 'lift' }, ...coldRun('a', 12, 800, undefined, 10)];
    const r = replay(lines, cfg);
    // Limited at the 9th; the 10th refused; after the lift all 12 go out, and robots hold off.
    expect(r.summary.byLabel.innocent).toMatchObject({ limited: 1, refused: 1, repeatLimited: 0 });
    expect(r.messagesDenied).toBe(1);
    expect(r.summary.heldAfterDecision).toBe(1);
  });

  it("a confirmation applies the ladder (24 h, then 72 h), is not a robots' catch, and its refusals are not theirs", () => {
    const lines = [
      acct('s', 'spammer', { ageDays: 100 }),
      ...victims(6),
      { type: 'decision', t: 1, account: 's', action: 'confirm', policy: 'spam' },
      ...coldRun('s', 2, 10),
      ...coldRun('s', 1, DAY + 10, undefined, 2),
      { type: 'decision', t: DAY + 100, account: 's', action: 'confirm' },
      ...coldRun('s', 1, 3 * DAY, undefined, 3),
      ...coldRun('s', 1, 4 * DAY + 200, undefined, 4),
    ];
    const r = replay(lines, cfg);
    expect(r.summary.caught).toBe(0);
    expect(r.summary.byLabel.spammer.refused).toBe(0);
    // Refused: the two in the first 24 h, the one in the second strike's 72 h; the last goes out.
    expect(r.messagesDenied).toBe(3);
    expect(r.summary.heldAfterDecision).toBe(0);
  });

  it('a confirmation under another policy freezes; robots leave a restricted account alone', () => {
    const lines = [acct('s', 'spammer'), ...victims(12), { type: 'decision', t: 1, account: 's', action: 'confirm', policy: 'scam' }, ...coldRun('s', 12, 10)];
    const r = replay(lines, cfg);
    expect(r.messagesDenied).toBe(12);
    expect(r.summary.actions).toEqual({ limit: 0, freeze: 0 });
  });
});

describe('appeals', () => {
  const cfg = only({ cold_fanout: FANOUT }, { manualBlockHours: 48 });
  const people = [acct('a', 'innocent', { class: 'organiser' }), ...victims(40)];

  it("an overturn lifts the robots' restriction, counts a false positive for the rule, and holds robots off", () => {
    const lines = [...people, ...coldRun('a', 10, 10), { type: 'appeal', t: 700, account: 'a', outcome: 'overturn' }, ...coldRun('a', 12, 800, undefined, 10)];
    const r = replay(lines, cfg);
    expect(r.perRule.cold_fanout).toMatchObject({ actions: 1, overturned: 1 });
    expect(r.summary.byLabel.innocent).toMatchObject({ limited: 1, refused: 1, overturned: 1 });
    expect(r.summary.byClass!.organiser).toMatchObject({ limited: 1, overturned: 1 });
    expect(r.messagesDenied).toBe(1);
    expect(r.summary.heldAfterDecision).toBe(1);
  });

  it('an upheld appeal changes nothing', () => {
    const lines = [...people, ...coldRun('a', 10, 10), { type: 'appeal', t: 700, account: 'a', outcome: 'uphold' }, ...coldRun('a', 12, 800, undefined, 10)];
    const r = replay(lines, cfg);
    expect(r.perRule.cold_fanout).toMatchObject({ actions: 1, overturned: 0 });
    expect(r.messagesDenied).toBe(13);
    expect(r.summary.byLabel.innocent.refused).toBe(13);
  });

  it('reports behind an overturned restriction count against their reporters', () => {
    // Reporter r reports a (weight 1, limits), the appeal is overturned; r's next report on b
    // weighs less (accuracy 1/3 → 0.667) and no longer reaches minWeight 1.
    const cfg2 = only({ reports_per_stranger: { minWeight: 1, ratio: 0 } });
    const lines = [
      acct('a', 'innocent', { ageDays: 100 }),
      acct('b', 'innocent', { ageDays: 100 }),
      acct('r', 'brigader', { ageDays: 100 }),
      { type: 'message', t: 1, from: 'a', to: 'r', text: 'hello' },
      { type: 'message', t: 1, from: 'b', to: 'r', text: 'hello' },
      { type: 'report', t: 2, from: 'r', to: 'a' },
      { type: 'appeal', t: 3, account: 'a', outcome: 'overturn' },
      { type: 'report', t: 4, from: 'r', to: 'b' },
    ];
    const r = replay(lines, cfg2);
    expect(r.summary.innocentsLimited).toBe(1);
    expect(r.falsePositives.map((f) => f.id)).toEqual(['a']);
  });
});

describe('labels that change', () => {
  it('counts an account under the label it had when acted on, its cold messages counted afresh', () => {
    const cfg = only({ cold_fanout: FANOUT });
    const lines = [
      acct('h', 'innocent', { class: 'hijacked' }),
      ...victims(40),
      ...coldRun('h', 5, 10),
      { type: 'label', t: 2 * HOUR, id: 'h', label: 'spammer' },
      ...coldRun('h', 12, 2 * HOUR + 10, undefined, 5),
    ];
    const s = replay(lines, cfg).summary;
    expect(s).toMatchObject({ spammers: 1, caught: 1, caughtWithin20: 1, medianColdMessagesToCatch: 9, innocentsLimited: 0 });
    // Counted among innocents and spammers, limited only as a spammer.
    expect(s.byLabel.innocent).toMatchObject({ accounts: 41, limited: 0 });
    expect(s.byClass!.hijacked).toMatchObject({ label: 'innocent', accounts: 1, limited: 1 });
    // Acted on while still innocent: an innocent limited.
    const early = replay([...lines.slice(0, 41), ...coldRun('h', 12, 10), { type: 'label', t: 2 * HOUR, id: 'h', label: 'spammer' }], cfg).summary;
    expect(early).toMatchObject({ caught: 0, innocentsLimited: 1 });
  });
});

describe('lines the replay must still read', () => {
  it('ignores fields it does not know, on old lines and new ones', () => {
    const lines = [
      { ...acct('a', 'spammer'), colour: 'red', problem: 'none' },
      ...victims(12).map((v) => ({ ...v, extra: { nested: [1, 2] } })),
      ...coldRun('a', 12, 10).map((m) => ({ ...m, future: true })),
      { type: 'appeal', t: 2000, account: 'a', outcome: 'uphold', note: 'later field' },
    ];
    const r = replay(lines, only({ cold_fanout: FANOUT }));
    expect(r.problems).toEqual([]);
    expect(r.summary.caught).toBe(1);
  });

  it('reads what an exported trace may carry: lines without t, lines out of order, long texts, other number kinds', () => {
    const noT = ({ t: _t, ...rest }: Line): Line => rest;
    // Accounts without a time (registered at the start), a landline, no phone at all.
    const people = [noT(acct('a', 'spammer')), noT(acct('b', 'innocent', { numberKind: 'landline' })), ...victims(24).map(noT)];
    delete people[1]!.phone;
    // Twelve cold messages, the first dated, the rest without a time: all in the same second.
    const undated = coldRun('a', 12, 10).map((m, i) => (i === 0 ? m : noT(m)));
    let r = replay([...people, ...undated], only({ cold_fanout: FANOUT }));
    expect(r.problems).toEqual([]);
    expect(r.summary.accounts).toBe(26);
    expect(r.summary.caught).toBe(1);
    // Spread over a day they are not a burst; listed newest first, every line but the first is
    // dated before the one above it, and happens at its time: a burst again, and counted.
    const spread = coldRun('a', 12, 10).map((m, i) => ({ ...m, t: 10 + i * 2 * HOUR }));
    expect(replay([...people, ...spread], only({ cold_fanout: FANOUT })).summary.caught).toBe(0);
    r = replay([...people, ...spread.reverse()], only({ cold_fanout: FANOUT }));
    expect(r.summary.caught).toBe(1);
    expect(r.linesOutOfOrder).toBe(11);
    // A text past 10,000 characters is read (its start), not skipped.
    const long = coldRun('a', 12, 10, (i) => `${'buy now '.repeat(2000)}${i}`);
    r = replay([...people, ...long], only({ cold_fanout: FANOUT }));
    expect(r.problems).toEqual([]);
    expect(r.summary.caught).toBe(1);
  });

  it('reports bad extension lines by number and goes on', () => {
    const r = new Replay(robotsConfig({}));
    const text = [
      JSON.stringify(acct('a', 'innocent')),
      JSON.stringify(acct('b', 'innocent', { ageDays: -1 })), // 2
      JSON.stringify({ type: 'decision', t: 1, account: 'a', action: 'ban' }), // 3
      JSON.stringify({ type: 'appeal', t: 1, account: 'a' }), // 4
      JSON.stringify({ type: 'label', t: 1, id: 'a', label: 'robot' }), // 5
      JSON.stringify({ type: 'join', t: 1, group: 'nope', account: 'a' }), // 6
      JSON.stringify({ type: 'group', t: 1, id: 'g', owner: 'a', admins: 'a' }), // 7
      JSON.stringify({ type: 'invite', t: 1, group: 'g', by: 'a', account: 'a', accepted: 'yes' }), // 8
      JSON.stringify({ type: 'teleport', t: 1 }), // 9
      JSON.stringify({ type: 'decision', t: 1, account: 'ghost', action: 'lift' }), // 10
      JSON.stringify({ type: 'decision', t: 1, account: 'a', action: 'lift' }),
    ];
    for (const l of text) r.line(l);
    const rep = r.report();
    expect(rep.problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rep.problems.find((p) => p.line === 6)!.problem).toMatch(/unknown group "nope"/);
    expect(rep.problems.find((p) => p.line === 9)!.problem).toMatch(/type/);
    expect(rep.summary.accounts).toBe(1);
  });
});

describe('lines that must not move the clock, and other edges of TRACE.md', () => {
  const cfg = only({ cold_fanout: FANOUT });
  const people = [acct('a', 'spammer'), ...victims(24)];

  it('skips a line whose t is past any trace (digits that read as Infinity, or whose milliseconds do), and the lines after it keep their times', () => {
    const huge = [`1${'0'.repeat(400)}`, `1${'0'.repeat(306)}`, '250000000001'];
    for (const t of huge) {
      for (const line of [`{"type":"message","t":${t},"from":"a","to":"v3","text":"x"}`, `{"type":"block","t":${t},"from":"v3","to":"a"}`]) {
        const r = new Replay(cfg);
        for (const l of [...people, ...coldRun('a', 3, 10)]) r.line(JSON.stringify(l));
        r.line(line);
        for (const l of coldRun('a', 9, 200, undefined, 4)) r.line(JSON.stringify(l));
        const rep = r.report();
        expect(rep.problems, line.slice(0, 40)).toEqual([{ line: 29, problem: expect.stringMatching(/^t: /) }]);
        expect(rep.linesOutOfOrder).toBe(0);
        expect(rep.summary.caught).toBe(1);
      }
    }
  });

  it('a line skipped for an unknown id or a duplicate moves nothing, its time included', () => {
    const bad = [
      { type: 'contact', t: 90_000, from: 'nobody', to: 'a' },
      { ...acct('a', 'spammer'), t: 90_000 },
      { type: 'group', t: 90_000, id: 'g', owner: 'ghost' },
    ];
    for (const b of bad) {
      const r = replay([...people, ...coldRun('a', 4, 10), b, ...coldRun('a', 8, 300, undefined, 4)], cfg);
      expect(r.problems).toHaveLength(1);
      expect(r.linesOutOfOrder).toBe(0);
      // The twelve cold chats are one burst: limited on the ninth.
      expect(r.summary.caught).toBe(1);
    }
  });

  it("a decision at the trace's first instant holds robots off like any other", () => {
    const lines = [acct('i', 'innocent'), ...victims(24), { type: 'decision', t: 0, account: 'i', action: 'dismiss' }, ...coldRun('i', 12, 10)];
    const r = replay(lines, cfg);
    expect(r.summary.innocentsLimited).toBe(0);
    expect(r.summary.heldAfterDecision).toBe(1);
  });

  it('counts an account once among the innocents whatever labels it had: innocent, then a business', () => {
    const lines = [
      acct('w', 'innocent'),
      acct('x', 'innocent'),
      ...victims(24),
      ...coldRun('w', 9, 10),
      { type: 'label', t: 2 * DAY, id: 'w', label: 'business' },
      { type: 'label', t: 2 * DAY, id: 'x', label: 'business' },
      ...coldRun('w', 12, 3 * DAY, undefined, 9),
    ];
    const s = replay(lines, only({ cold_fanout: { ...FANOUT, hourly: 8 } })).summary;
    expect(s.innocents).toBe(26);
    expect(s.innocentsLimited).toBe(1);
    expect(s.businessesLimited).toBe(1);
  });

  it('reads a file that begins with a byte-order mark', () => {
    const r = new Replay(cfg);
    const lines = [...people, ...coldRun('a', 12, 10)].map((l) => JSON.stringify(l));
    lines[0] = `\ufeff${lines[0]}`;
    for (const l of lines) r.line(l);
    const rep = r.report();
    expect(rep.problems).toEqual([]);
    expect(rep.summary.caught).toBe(1);
  });

  it("counts ageDays back from t = 0, whenever the account's line comes", () => {
    // Registered on day 10 with ageDays 0.5: ten and a half days old by then, not young (read
    // from its own line it would be twelve hours old, and young); without ageDays, new.
    const late = (extra: Line) => ({ ...acct('a', 'spammer', extra), t: 10 * DAY });
    const run = (extra: Line) => replay([late(extra), ...victims(24), ...coldRun('a', 12, 10 * DAY + 60)], cfg).summary.caught;
    expect(run({ ageDays: 0.5 })).toBe(0);
    expect(run({})).toBe(1);
  });
});

describe('an appeal with nothing in force', () => {
  it('changes nothing and starts no hold (there is no restriction to appeal against)', () => {
    const cfg = only({ cold_fanout: FANOUT });
    const lines = [acct('a', 'innocent'), ...victims(12), { type: 'appeal', t: 1, account: 'a', outcome: 'overturn' }, ...coldRun('a', 12, 10)];
    const r = replay(lines, cfg);
    expect(r.summary).toMatchObject({ innocentsLimited: 1, heldAfterDecision: 0 });
    expect(r.perRule.cold_fanout!.overturned).toBe(0);
  });
});

describe('who wrote first', () => {
  it('a brigade that writes to its target and reports and blocks the answer wins nothing', () => {
    const lines: Line[] = [acct('p', 'innocent', { ageDays: 100 })];
    for (let i = 0; i < 12; i++) {
      lines.push(acct(`x${i}`, 'brigader', { ageDays: 5, class: 'aged-block' }));
      lines.push({ type: 'message', t: 10 + i * 60, from: `x${i}`, to: 'p', text: 'hi, is the bike for sale?' });
      lines.push({ type: 'message', t: 20 + i * 60, from: 'p', to: `x${i}`, text: 'no, wrong number' });
      lines.push({ type: 'report', t: 30 + i * 60, from: `x${i}`, to: 'p' });
      lines.push({ type: 'block', t: 31 + i * 60, from: `x${i}`, to: 'p' });
    }
    const s = replay(lines).summary;
    expect(s).toMatchObject({
      brigadeVictimsLimited: 0,
      innocentsLimited: 0,
      reportsRefused: 0,
      brigades: { 'aged-block': { targets: 1, targetsLimited: 0 } },
    });
  });

  it('the people a spammer wrote to still count: six blocks of twenty limit it', () => {
    const lines: Line[] = [acct('s', 'spammer', { ageDays: 10 }), ...victims(20).map((v) => ({ ...v, ageDays: 100 }))];
    lines.push(...coldRun('s', 20, 10, () => 'a different text each time, honest'));
    for (let i = 0; i < 6; i++) lines.push({ type: 'block', t: 3 * HOUR + i, from: `v${i}`, to: 's' });
    const r = replay(lines, only({ blocks_per_stranger: {} }));
    expect(r.summary.caught).toBe(1);
  });
});
