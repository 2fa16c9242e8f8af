import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Replay, type ReplaySummary } from '../src/robots/replay.js';
import { robotsConfig } from '../src/robots/rules.js';

/**
 * `banya trace` and `banya replay` end to end (TRACE.md), as an operator runs them: a generated
 * trace of 2000 accounts, the summary on the last stdout line, the chart, determinism, a broken
 * hand-written trace, and the same numbers in-process.
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'banya.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-replay-'));
const trace = path.join(dir, 't7.jsonl');

const env = { ...process.env };
delete env.BANYA_ROBOTS_FILE;
delete env.BANYA_PROGRESS;

async function banya(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { cwd: ROOT, env, maxBuffer: 64 << 20, timeout: 150_000 });
}

const SUMMARY_KEYS = [
  'accounts',
  'spammers',
  'caught',
  'caughtWithin20',
  'medianColdMessagesToCatch',
  'innocents',
  'innocentsLimited',
  'businessesLimited',
  'brigadeVictimsLimited',
  'actions',
];

function lastLine(stdout: string): string {
  const lines = stdout.trimEnd().split('\n');
  return lines[lines.length - 1]!;
}

let summary: ReplaySummary;
let replayStderr: string;
const adversarial = path.join(dir, 'adv1.jsonl');
let adversarialSummary: ReplaySummary;
let adversarialStderr: string;
const adversarialOwn = path.join(dir, 'adv2-own.jsonl');
let ownSummary: ReplaySummary;

beforeAll(async () => {
  // Two traces of the same seed and one of another, side by side.
  await Promise.all([
    banya('trace', '--seed', '7', '--accounts', '2000', '--out', trace),
    banya('trace', '--seed', '7', '--accounts', '2000', '--out', path.join(dir, 't7-again.jsonl')),
    banya('trace', '--seed', '8', '--accounts', '2000', '--out', path.join(dir, 't8.jsonl')),
    banya('trace', '--profile', 'adversarial', '--seed', '1', '--accounts', '1500', '--days', '7', '--out', adversarial),
    banya('trace', '--profile', 'adversarial', '--seed', '2', '--accounts', '1500', '--days', '7', '--landings', 'own', '--out', adversarialOwn),
  ]);
  const [plain, adv, own] = await Promise.all([
    banya('replay', trace, '--json', '--svg', `${trace}.svg`),
    banya('replay', adversarial, '--json', '--svg', `${adversarial}.svg`),
    banya('replay', adversarialOwn, '--json', '--svg', `${adversarialOwn}.svg`),
  ]);
  ownSummary = JSON.parse(lastLine(own.stdout));
  summary = JSON.parse(lastLine(plain.stdout));
  replayStderr = plain.stderr;
  adversarialSummary = JSON.parse(lastLine(adv.stdout));
  adversarialStderr = adv.stderr;
}, 300_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('banya replay on a generated trace', () => {
  it('prints the TRACE.md summary object, with every key, on the last stdout line', () => {
    // TRACE.md's fixed fields, then the harm per label (and per class when the trace has them).
    expect(Object.keys(summary).slice(0, SUMMARY_KEYS.length)).toEqual(SUMMARY_KEYS);
    expect(Object.keys(summary).slice(SUMMARY_KEYS.length).sort()).toEqual(['brigades', 'byLabel', 'heldAfterDecision', 'reportsRefused']);
    for (const k of SUMMARY_KEYS.filter((k) => k !== 'actions')) expect(typeof summary[k as keyof ReplaySummary], k).toBe('number');
    expect(Object.keys(summary.actions).sort()).toEqual(['freeze', 'limit']);
    expect(summary.accounts).toBe(2000);
    // 2% spammers, one brigade of 30 (counted in neither), the rest innocents and businesses.
    expect(summary.spammers).toBe(40);
    expect(summary.innocents).toBe(2000 - 40 - 30);
    expect(summary.caughtWithin20).toBeLessThanOrEqual(summary.caught);
    expect(summary.caught).toBeLessThanOrEqual(summary.spammers);
    expect(summary.businessesLimited).toBeLessThanOrEqual(summary.innocentsLimited);
    expect(summary.actions.limit! + summary.actions.freeze!).toBeGreaterThanOrEqual(summary.caught + summary.innocentsLimited);
    expect(summary.medianColdMessagesToCatch).toBeGreaterThan(0);
    expect(summary.medianColdMessagesToCatch).toBeLessThanOrEqual(20);
    // The human report goes to stderr.
    expect(replayStderr).toMatch(/spammers 40: caught/);
    expect(replayStderr).toMatch(/cold_fanout/);
  });

  it('catches spammers early and leaves innocents and brigade victims alone', () => {
    expect(summary.caughtWithin20 / summary.spammers).toBeGreaterThanOrEqual(0.95);
    expect(summary.innocentsLimited / summary.innocents).toBeLessThanOrEqual(0.001);
    expect(summary.brigadeVictimsLimited).toBe(0);
  });

  it('draws the chart', () => {
    const svg = fs.readFileSync(`${trace}.svg`, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // One bar at least: robots acted.
    expect(svg).toMatch(/<rect x=/);
  });

  it('gives the same summary in-process, line by line', () => {
    const replay = new Replay(robotsConfig({}));
    for (const line of fs.readFileSync(trace, 'utf8').split('\n')) replay.line(line);
    const r = replay.report();
    expect(r.problems).toEqual([]);
    expect(r.summary).toEqual(summary);
  });

  it('refuses a robots file with an unknown rule, saying so', async () => {
    const robots = path.join(dir, 'robots.json');
    fs.writeFileSync(robots, JSON.stringify({ rules: { cold_fanot: { shadow: true } } }));
    const err = await banya('replay', trace, '--json', '--robots', robots).then(
      () => null,
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect(err).toMatchObject({ code: 1, stdout: '' });
    expect(err!.stderr).toMatch(/^banya: robots config: unknown rule "cold_fanot"/);
  });
});

/**
 * Small adversarial traces (`--profile adversarial`, 1500 accounts, 7 days): careful spammers,
 * busy innocents and brigades; seed 1 with the default landings (a few domains shared by many
 * spammers), seed 2 with `--landings own` (every spammer its own domain and template, so that
 * only feedback about the account itself and its ring can catch it). The bounds sit a little
 * under what the default rules reach (docs/ROBOTS.md), so that catches or false positives cannot
 * slip unnoticed.
 */
describe('banya replay on a small adversarial trace', () => {
  it('reads it without a problem and reports harm per class', () => {
    expect(adversarialStderr).not.toMatch(/^line \d+:/m);
    expect(adversarialSummary.byClass).toBeDefined();
    const classes = Object.keys(adversarialSummary.byClass!);
    for (const c of ['slow', 'ring', 'reply-bait', 'organiser', 'shop', 'community-admin', 'brigade-fresh-block', 'brigade-group-aged-block'])
      expect(classes).toContain(c);
    expect(adversarialStderr).toMatch(/^per class:$/m);
  });

  it('catches and spares at least as well as the default rules do today', () => {
    const s = adversarialSummary;
    expect(s.spammers).toBe(73);
    expect(s.innocents).toBe(1377);
    // Measured: 69 of 73 within 20 cold messages (95%; was 68 before answered campaigns counted,
    // 29 of 68 before the signal-based rules), 72 in all.
    expect(s.caughtWithin20).toBeGreaterThanOrEqual(66);
    expect(s.caught).toBeGreaterThanOrEqual(70);
    // Measured: no innocent, no business, no brigade target limited (was 41, 6 and 0).
    expect(s.innocentsLimited).toBeLessThanOrEqual(1);
    expect(s.businessesLimited).toBe(0);
    expect(s.brigadeVictimsLimited).toBe(0);
    // Every kind of brigade had targets, in private chats and in groups; none was limited.
    for (const c of [
      'brigade-fresh-report',
      'brigade-fresh-block',
      'brigade-aged-report',
      'brigade-aged-block',
      'brigade-group-fresh',
      'brigade-group-aged-block',
    ])
      expect(s.brigades![c], c).toMatchObject({ targetsLimited: 0 });
    expect(s.brigades!['brigade-group-aged-block']!.targets).toBeGreaterThan(0);
    expect(s.byClass!.friend!.limited).toBe(0);
    for (const c of ['organiser', 'new-employee', 'shop', 'phonebook', 'community-admin', 'parent', 'flat-hunter', 'recruiter'])
      expect(s.byClass![c]!.limited, c).toBe(0);
    for (const c of ['fast', 'slow', 'ring', 'phone-list', 'group-spam']) expect(s.byClass![c]!.limitedWithin20, c).toBe(s.byClass![c]!.accounts);
  });

  it('with landings of their own, spammers are still caught and innocents still spared', () => {
    const s = ownSummary;
    // Measured: 67 of 73 within 20 (92%; 57 before the opener, bait, sudden-change and sweep
    // rules, 52 before that), all 73 in the end; no innocent limited.
    expect(s.caughtWithin20).toBeGreaterThanOrEqual(63);
    expect(s.caught).toBeGreaterThanOrEqual(70);
    // A link behind an empty opener, chat after chat (opener_link): every opener within 20.
    expect(s.byClass!.opener!.limitedWithin20, 'opener').toBe(s.byClass!.opener!.accounts);
    // The question whose answerers then complain (an answered campaign): caught within 20.
    expect(s.byClass!['reply-bait']!.limitedWithin20, 'reply-bait').toBeGreaterThanOrEqual(2);
    expect(s.innocentsLimited).toBeLessThanOrEqual(1);
    expect(s.businessesLimited).toBe(0);
    expect(s.brigadeVictimsLimited).toBe(0);
  });
});

describe('banya trace', () => {
  it('is deterministic: the same seed gives the same bytes, another seed other bytes', () => {
    const a = fs.readFileSync(trace);
    const again = fs.readFileSync(path.join(dir, 't7-again.jsonl'));
    const other = fs.readFileSync(path.join(dir, 't8.jsonl'));
    expect(a.length).toBeGreaterThan(100_000);
    expect(a.equals(again)).toBe(true);
    expect(a.equals(other)).toBe(false);
  });

  it('writes the TRACE.md format: one JSON object a line, in time order, accounts before they act', () => {
    const lines = fs.readFileSync(trace, 'utf8').trimEnd().split('\n');
    const seen = new Set<string>();
    let t = 0;
    const types = new Set<string>();
    const bad: string[] = [];
    for (const l of lines) {
      const e = JSON.parse(l);
      types.add(e.type);
      if (!(typeof e.t === 'number' && e.t >= t)) bad.push(`out of order: ${l}`);
      t = e.t;
      if (e.type === 'account') seen.add(e.id);
      if ((e.type === 'message' || e.type === 'report' || e.type === 'block' || e.type === 'contact') && !(seen.has(e.from) && seen.has(e.to)))
        bad.push(`before its accounts: ${l}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect([...types].sort()).toEqual(['account', 'block', 'contact', 'group', 'invite', 'message', 'post', 'report']);
  });

  it('refuses nonsense sizes, profiles and scales as usage errors (exit 2), writing nothing', async () => {
    await Promise.all([
      expect(banya('trace', '--seed', '1', '--accounts', '10')).rejects.toMatchObject({ code: 2, stdout: '' }),
      expect(banya('trace', '--profile', 'nasty', '--accounts', '1000')).rejects.toMatchObject({ code: 2, stdout: '' }),
      expect(banya('trace', '--profile', 'adversarial', '--accounts', '1000', '--report-rate-scale', '-1')).rejects.toMatchObject({ code: 2, stdout: '' }),
      // The scales belong to the adversarial profile.
      expect(banya('trace', '--accounts', '1000', '--block-rate-scale', '2')).rejects.toMatchObject({ code: 2, stdout: '' }),
    ]);
  }, 60_000);
});

describe('a hand-written trace with problems', () => {
  const lines = [
    '{"type":"account","t":0,"id":"s","phone":"+447700900001","label":"spammer"}',
    ...Array.from({ length: 12 }, (_, i) => `{"type":"account","t":0,"id":"v${i}","phone":"+4477009001${String(10 + i)}","label":"innocent"}`),
    'this is not json', // line 14
    '{"type":"message","t":5,"from":"s","to":"ghost","text":"hey"}', // line 15
    '', // line 16: blank, skipped silently
    '{"type":"message","t":6,"from":"s"}', // line 17
    ...Array.from({ length: 12 }, (_, i) => `{"type":"message","t":${10 + i * 10},"from":"s","to":"v${i}","text":"hey"}`),
    '{"type":"report","t":200,"from":"v0","to":"s","reason":"spam"}',
  ];
  const text = `${lines.join('\n')}\n`;

  it('reports each bad line by number on stderr, skips it, and counts the rest', async () => {
    const file = path.join(dir, 'hand.jsonl');
    fs.writeFileSync(file, text);
    // cold_fanout pinned to the young threshold of 8 an hour for texts without links (default 30).
    const pinned = { rules: { cold_fanout: { settings: { youngPlainHourly: 8, hardFactor: 1 } } } };
    const robotsFile = path.join(dir, 'hand-robots.json');
    fs.writeFileSync(robotsFile, JSON.stringify(pinned));
    const { stdout, stderr } = await banya('replay', file, '--json', '--svg', path.join(dir, 'hand.svg'), '--robots', robotsFile);
    expect(stderr).toMatch(/^line 14: not JSON \(skipped\)$/m);
    expect(stderr).toMatch(/^line 15: unknown id "ghost" \(skipped\)$/m);
    expect(stderr).toMatch(/^line 17: .*(to|text).* \(skipped\)$/m);
    expect(stderr.match(/^line \d+:/gm)).toHaveLength(3);
    const s = JSON.parse(lastLine(stdout));
    // The spammer, young, is limited by cold_fanout on its 9th stranger; the 3 after are refused.
    expect(s).toMatchObject({
      accounts: 13,
      spammers: 1,
      caught: 1,
      caughtWithin20: 1,
      medianColdMessagesToCatch: 9,
      innocents: 12,
      innocentsLimited: 0,
      businessesLimited: 0,
      brigadeVictimsLimited: 0,
      actions: { limit: 1, freeze: 0 },
      reportsRefused: 0,
    });
    expect(s.byLabel.spammer).toEqual({
      accounts: 1,
      limited: 1,
      limitedWithin20: 1,
      medianColdToLimit: 9,
      refused: 3,
      repeatLimited: 0,
      overturned: 0,
      raised: 0,
      limitedOrRaisedWithin20: 1,
      unheardBy20: 0,
    });
    expect(stderr).toMatch(/messages the gate refused 3/);

    // In-process, the same problems with the same line numbers, and the same summary.
    const replay = new Replay(robotsConfig(pinned));
    for (const l of text.split('\n')) replay.line(l);
    const r = replay.report();
    expect(r.problems.map((p) => p.line)).toEqual([14, 15, 17]);
    expect(r.summary).toEqual(s);
    expect(r.perRule.cold_fanout).toEqual({ hits: 1, actions: 1, shadowed: 0, overturned: 0 });
  });
});
