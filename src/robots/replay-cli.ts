import fs from 'node:fs';
import path from 'node:path';
import { type CommandSpec, choice, defineCommand, flag, integer, number, text, UsageError, type Values } from '../cli-args.js';
import { generateAdversarialTrace } from './adversarial.js';
import { generateTrace } from './generate.js';
import { Replay, type Harm, type ReplayReport } from './replay.js';
import { actionsChart } from './replay-chart.js';
import { loadRobotsConfig } from './rules.js';

/**
 * `banya replay FILE` and `banya trace`: their command lines (src/cli-args.ts) and what they do.
 * `banya replay --help` and `banya trace --help` print the options.
 */

function bar(done: number, total: number): string {
  const width = 30;
  const f = total > 0 ? Math.min(1, done / total) : 1;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

/**
 * Calls `fn` with each line of a UTF-8 stream (without its "\n" or "\r\n"), the last one even
 * without a final newline. Cheaper than readline, which costs a tenth of a replay.
 */
export async function eachLine(input: NodeJS.ReadableStream, fn: (line: string) => void): Promise<void> {
  input.setEncoding('utf8');
  let rest = '';
  const emit = (l: string) => fn(l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l);
  for await (const chunk of input as AsyncIterable<string>) {
    const text = rest === '' ? chunk : rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      emit(text.slice(start, nl));
      start = nl + 1;
    }
    rest = start === 0 ? text : text.slice(start);
  }
  if (rest !== '') emit(rest);
}

export const replayCommand = defineCommand(
  {
    name: 'replay',
    summary: 'Runs a trace (TRACE.md) through the robots and prints what they caught and whom they limited by mistake.',
    operands: [{ name: 'FILE', description: 'the trace: one JSON object per line' }],
    options: {
      json: flag('print the summary as one JSON object on the last line of stdout'),
      svg: text('FILE', "the chart of the robots' actions (default: FILE with .svg for .jsonl)"),
      robots: text('FILE', 'the robots settings (JSON) (default: BANYA_ROBOTS_FILE, else the built-in ones)'),
    },
  },
  (v, [file]) => ({ file: file!, json: v.json, svg: v.svg, robots: v.robots }),
  replay,
);

async function replay(args: { file: string; json: boolean; svg: string | undefined; robots: string | undefined }): Promise<number> {
  const { file, json } = args;
  const replay = new Replay(loadRobotsConfig(args.robots ?? process.env.BANYA_ROBOTS_FILE));
  const total = fs.statSync(file).size;
  const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const showProgress = process.stderr.isTTY || process.env.BANYA_PROGRESS === '1';
  let lastDraw = 0;
  await eachLine(input, (line) => {
    replay.line(line);
    if (showProgress && replay.lines % 20_000 === 0 && Date.now() - lastDraw > 100) {
      lastDraw = Date.now();
      process.stderr.write(`\rreplaying ${bar(input.bytesRead, total)} ${replay.lines} lines`);
    }
  });
  if (showProgress) process.stderr.write(`\rreplaying ${bar(total, total)} ${replay.lines} lines\n`);
  const report = replay.report();
  const svg = args.svg ?? `${file.replace(/\.jsonl?$/, '')}.svg`;
  fs.writeFileSync(svg, actionsChart(report.timeline));
  printHuman(report, svg);
  if (json) process.stdout.write(`${JSON.stringify(report.summary)}\n`);
  return 0;
}

/** Problem lines listed one by one before the rest are only counted. */
const SHOWN_PROBLEMS = 1000;

function printHuman(r: ReplayReport, svg: string): void {
  const s = r.summary;
  const pct = (a: number, b: number) => (b === 0 ? '—' : `${((a / b) * 100).toFixed(2)}%`);
  const out = process.stderr;
  // Each bad line by number (TRACE.md), up to a bound that keeps a broken export's output readable.
  for (const p of r.problems.slice(0, SHOWN_PROBLEMS)) out.write(`line ${p.line}: ${p.problem} (skipped)\n`);
  if (r.problems.length > SHOWN_PROBLEMS) out.write(`… and ${r.problems.length - SHOWN_PROBLEMS} more problems\n`);
  if (r.linesOutOfOrder > 0) out.write(`${r.linesOutOfOrder} lines dated before the line above them were read as happening at that line's time\n`);
  const harmRow = (name: string, h: Harm, label: string | null) => {
    const bad = label === 'spammer';
    return `  ${name.padEnd(22)} ${String(h.accounts).padStart(6)}  ${(bad ? 'caught' : 'limited').padEnd(7)} ${pct(h.limited, h.accounts).padStart(7)}  within 20 ${pct(h.limitedWithin20, h.accounts).padStart(7)}  median ${String(h.medianColdToLimit).padStart(4)}  refused ${String(h.refused).padStart(6)}  repeat ${String(h.repeatLimited).padStart(4)}  overturned ${String(h.overturned).padStart(3)}  unheard by 20 ${String(h.unheardBy20).padStart(4)}  before a person ${String(h.raised).padStart(4)}  limited or before a person within 20 ${pct(h.limitedOrRaisedWithin20, h.accounts).padStart(7)}`;
  };
  out.write(
    [
      `accounts ${s.accounts}, lines ${r.lines}, messages the gate refused ${r.messagesDenied}, reports refused (nothing to report) ${s.reportsRefused}, held after a decision ${s.heldAfterDecision}`,
      `spammers ${s.spammers}: caught ${s.caught} (${pct(s.caught, s.spammers)}), within 20 cold messages ${s.caughtWithin20} (${pct(s.caughtWithin20, s.spammers)}), median cold messages to catch ${s.medianColdMessagesToCatch}`,
      `innocents ${s.innocents}: limited ${s.innocentsLimited} (${pct(s.innocentsLimited, s.innocents)}), businesses ${s.businessesLimited}, brigade victims ${s.brigadeVictimsLimited}`,
      `actions: ${Object.entries(s.actions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      'per label (accounts, limited or caught, within 20 cold messages, median cold messages, messages refused, limited twice or more, overturned, sent a 21st cold message before any complaint, cases robots raised for a person, limited or raised before the 21st cold message):',
      ...Object.entries(s.byLabel)
        .filter(([, h]) => h.accounts > 0)
        .map(([l, h]) => harmRow(l, h, l)),
      ...(s.byClass ? ['per class:', ...Object.entries(s.byClass).map(([c, h]) => harmRow(`${c} (${h.label ?? '?'})`, h, h.label))] : []),
      ...(s.brigades
        ? [
            'brigades (targets reported, limited afterwards):',
            ...Object.entries(s.brigades).map(([c, b]) => `  ${c.padEnd(22)} ${b.targets} → ${b.targetsLimited} limited`),
          ]
        : []),
      'per rule (hits / actions / shadowed / overturned on appeal):',
      ...Object.entries(r.perRule).map(([name, v]) => `  ${name.padEnd(22)} ${v.hits} / ${v.actions} / ${v.shadowed} / ${v.overturned}`),
      ...r.falsePositives.slice(0, 10).map((f) => `  false positive: ${f.id} (${f.label}${f.class ? `, ${f.class}` : ''}) by ${f.rule}`),
      `chart: ${svg}`,
      '',
    ].join('\n'),
  );
}

/** The options only the adversarial generator reads. */
const ADVERSARIAL_ONLY = [
  'reactions',
  'report-rate-scale',
  'block-rate-scale',
  'landings',
  'spam-share',
  'busy-share',
  'innocent-reply',
  'innocent-complaints',
  'delays',
] as const;

const SCALE = { min: 0, max: 100 };
const SHARE = { above: 0, max: 20 };

export const TRACE = {
  name: 'trace',
  summary: 'Writes a generated labelled trace (TRACE.md): one JSON object per line, on stdout or into --out.',
  options: {
    profile: choice(['basic', 'adversarial'], 'the generator (default basic)'),
    seed: integer('N', 'the same seed and options give the same trace (default 1)'),
    accounts: integer('N', 'how many accounts (default 1000; at least 300 for adversarial)', { min: 50 }),
    days: number('D', 'how long the trace runs (default 7; adversarial 14)', { above: 0 }),
    out: text('FILE', 'write the trace into FILE instead of stdout'),
    reactions: number('X', 'multiplies the chances to report and to block together (default 1)', SCALE),
    'report-rate-scale': number('X', "multiplies every recipient's chance to report (default --reactions)", SCALE),
    'block-rate-scale': number('X', "multiplies every recipient's chance to block (default --reactions)", SCALE),
    landings: choice(['shared', 'own'], "spammers' landing domains: a shared few (default), or each its own"),
    'spam-share': number('X', 'multiplies the number of spammers per class (default 1)', SHARE),
    'busy-share': number('X', 'multiplies the number of busy innocents per class (default 1)', SHARE),
    'innocent-reply': number('X', 'the chance (0–1) that a stranger written by a busy innocent or a shop replies (default: per class)', { min: 0, max: 1 }),
    'innocent-complaints': number('X', 'multiplies the chances to block and report busy innocents and shops only (default 1)', SCALE),
    delays: choice(['uniform', 'exponential'], 'when replies and complaints come: evenly within 20 h and 6 h (default), or mostly early'),
  },
  notes: [
    '--reactions and the options below it belong to --profile adversarial.',
    'With --delays exponential, replies come a mean of about 3 h after the message (capped at 20 h) and complaints about 40 min (capped at 6 h).',
  ],
} as const satisfies CommandSpec;

export interface TraceArgs {
  profile: 'basic' | 'adversarial';
  seed: number;
  accounts: number;
  days: number;
  out: string | undefined;
  reportRateScale: number;
  blockRateScale: number;
  landings: 'shared' | 'own';
  spamShare: number;
  busyShare: number;
  innocentReply: number | undefined;
  innocentComplaints: number;
  delays: 'uniform' | 'exponential';
}

/** The trace's settings from its options: the defaults, and the rules that join options. */
export function traceArgs(v: Values<typeof TRACE.options>): TraceArgs {
  const profile = v.profile ?? 'basic';
  if (profile === 'basic') {
    const other = ADVERSARIAL_ONLY.find((name) => v[name] !== undefined);
    if (other) throw new UsageError(`--${other} belongs to --profile adversarial`);
  }
  const accounts = v.accounts ?? 1000;
  if (profile === 'adversarial' && accounts < 300) throw new UsageError(`--accounts must be at least 300 with --profile adversarial, not ${accounts}`);
  const reactions = v.reactions ?? 1;
  return {
    profile,
    seed: v.seed ?? 1,
    accounts,
    days: v.days ?? (profile === 'adversarial' ? 14 : 7),
    out: v.out,
    reportRateScale: v['report-rate-scale'] ?? reactions,
    blockRateScale: v['block-rate-scale'] ?? reactions,
    landings: v.landings ?? 'shared',
    spamShare: v['spam-share'] ?? 1,
    busyShare: v['busy-share'] ?? 1,
    innocentReply: v['innocent-reply'],
    innocentComplaints: v['innocent-complaints'] ?? 1,
    delays: v.delays ?? 'uniform',
  };
}

export const traceCommand = defineCommand(TRACE, traceArgs, trace);

async function trace(args: TraceArgs): Promise<number> {
  const { profile, seed, accounts, days, out } = args;
  const sink = out ? fs.createWriteStream(path.resolve(out)) : process.stdout;
  const lines =
    profile === 'adversarial'
      ? generateAdversarialTrace({
          seed,
          accounts,
          days,
          reportRateScale: args.reportRateScale,
          blockRateScale: args.blockRateScale,
          landings: args.landings,
          spamShare: args.spamShare,
          busyShare: args.busyShare,
          innocentReply: args.innocentReply,
          innocentComplaints: args.innocentComplaints,
          delays: args.delays,
        })
      : generateTrace({ seed, accounts, days });
  let buf = '';
  for (const line of lines) {
    buf += `${JSON.stringify(line)}\n`;
    if (buf.length > 1 << 16) {
      if (!sink.write(buf)) await new Promise<void>((r) => (sink as NodeJS.WritableStream).once('drain', () => r()));
      buf = '';
    }
  }
  sink.write(buf);
  if (out) await new Promise<void>((r) => (sink as fs.WriteStream).end(() => r()));
  return 0;
}
