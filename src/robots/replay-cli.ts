import fs from 'node:fs';
import path from 'node:path';
import { generateAdversarialTrace } from './adversarial.js';
import { generateTrace } from './generate.js';
import { actionsChart, Replay, type Harm, type ReplayReport } from './replay.js';
import { loadRobotsConfig } from './rules.js';

/**
 * `banya replay FILE [--json] [--svg FILE] [--robots FILE]` and
 * `banya trace [--profile basic|adversarial] --seed N --accounts N [--days D] [--report-rate-scale X] [--block-rate-scale X]
 *   [--innocent-reply X] [--innocent-complaints X] [--delays uniform|exponential] [--out FILE]`.
 */

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

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

export async function replayCommand(args: string[]): Promise<number> {
  const file = args.find((a, i) => !a.startsWith('--') && !['--svg', '--robots'].includes(args[i - 1] ?? ''));
  if (!file) {
    process.stderr.write('usage: banya replay FILE [--json] [--svg FILE] [--robots FILE]\n');
    return 1;
  }
  const json = args.includes('--json');
  const replay = new Replay(loadRobotsConfig(flag(args, '--robots') ?? process.env.BANYA_ROBOTS_FILE));
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
  const svg = flag(args, '--svg') ?? `${file.replace(/\.jsonl?$/, '')}.svg`;
  fs.writeFileSync(svg, actionsChart(report.timeline));
  printHuman(report, svg);
  if (json) process.stdout.write(`${JSON.stringify(report.summary)}\n`);
  return 0;
}

function printHuman(r: ReplayReport, svg: string): void {
  const s = r.summary;
  const pct = (a: number, b: number) => (b === 0 ? '—' : `${((a / b) * 100).toFixed(2)}%`);
  const out = process.stderr;
  for (const p of r.problems.slice(0, 20)) out.write(`line ${p.line}: ${p.problem} (skipped)\n`);
  if (r.problems.length > 20) out.write(`… and ${r.problems.length - 20} more problems\n`);
  const harmRow = (name: string, h: Harm, label: string | null) => {
    const bad = label === 'spammer';
    return `  ${name.padEnd(22)} ${String(h.accounts).padStart(6)}  ${(bad ? 'caught' : 'limited').padEnd(7)} ${pct(h.limited, h.accounts).padStart(7)}  within 20 ${pct(h.limitedWithin20, h.accounts).padStart(7)}  median ${String(h.medianColdToLimit).padStart(4)}  refused ${String(h.refused).padStart(6)}  repeat ${String(h.repeatLimited).padStart(4)}  overturned ${h.overturned}`;
  };
  out.write(
    [
      `accounts ${s.accounts}, lines ${r.lines}, messages the gate refused ${r.messagesDenied}, reports refused (nothing to report) ${s.reportsRefused}, held after a decision ${s.heldAfterDecision}`,
      `spammers ${s.spammers}: caught ${s.caught} (${pct(s.caught, s.spammers)}), within 20 cold messages ${s.caughtWithin20} (${pct(s.caughtWithin20, s.spammers)}), median cold messages to catch ${s.medianColdMessagesToCatch}`,
      `innocents ${s.innocents}: limited ${s.innocentsLimited} (${pct(s.innocentsLimited, s.innocents)}), businesses ${s.businessesLimited}, brigade victims ${s.brigadeVictimsLimited}`,
      `actions: ${Object.entries(s.actions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      'per label (accounts, limited or caught, within 20 cold messages, median cold messages, messages refused, limited twice or more, overturned):',
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

const TRACE_USAGE =
  'usage: banya trace --seed N --accounts N (≥ 50) [--days D] [--out FILE]\n' +
  '       banya trace --profile adversarial --seed N --accounts N (≥ 300) [--days D] [--reactions X] [--report-rate-scale X] [--block-rate-scale X]\n' +
  '         [--landings shared|own] [--spam-share X] [--busy-share X] [--innocent-reply X] [--innocent-complaints X]\n' +
  '         [--delays uniform|exponential] [--out FILE]\n' +
  '  --innocent-reply X       the chance (0–1) that a stranger written by a busy innocent or a shop replies (default: each class its own)\n' +
  '  --innocent-complaints X  multiplies the chances to block and report busy innocents and shops only\n' +
  '  --delays exponential     replies and complaints come early (means ~3 h and ~40 min, capped at 20 h and 6 h); default uniform\n';

export async function traceCommand(args: string[]): Promise<number> {
  const seed = Number(flag(args, '--seed') ?? 1);
  const accounts = Number(flag(args, '--accounts') ?? 1000);
  const profile = flag(args, '--profile') ?? 'basic';
  const days = Number(flag(args, '--days') ?? (profile === 'adversarial' ? 14 : 7));
  // --reactions X scales reports and blocks together (the two flags below override it).
  const reactions = Number(flag(args, '--reactions') ?? 1);
  const reportRateScale = Number(flag(args, '--report-rate-scale') ?? reactions);
  const blockRateScale = Number(flag(args, '--block-rate-scale') ?? reactions);
  const landings = flag(args, '--landings') ?? 'shared';
  const spamShare = Number(flag(args, '--spam-share') ?? 1);
  const busyShare = Number(flag(args, '--busy-share') ?? 1);
  const innocentReplyFlag = flag(args, '--innocent-reply');
  const innocentReply = innocentReplyFlag === undefined ? undefined : Number(innocentReplyFlag);
  const innocentComplaints = Number(flag(args, '--innocent-complaints') ?? 1);
  const delays = flag(args, '--delays') ?? 'uniform';
  const okScale = (x: number) => Number.isFinite(x) && x >= 0 && x <= 100;
  if (
    !Number.isInteger(seed) ||
    !Number.isInteger(accounts) ||
    !(days > 0) ||
    !['basic', 'adversarial'].includes(profile) ||
    accounts < (profile === 'adversarial' ? 300 : 50) ||
    !okScale(reportRateScale) ||
    !okScale(blockRateScale) ||
    !['shared', 'own'].includes(landings) ||
    !(spamShare > 0 && spamShare <= 20) ||
    !(busyShare > 0 && busyShare <= 20) ||
    (innocentReply !== undefined && !(innocentReply >= 0 && innocentReply <= 1)) ||
    !okScale(innocentComplaints) ||
    !['uniform', 'exponential'].includes(delays) ||
    (profile === 'basic' &&
      [
        '--report-rate-scale',
        '--block-rate-scale',
        '--reactions',
        '--landings',
        '--spam-share',
        '--busy-share',
        '--innocent-reply',
        '--innocent-complaints',
        '--delays',
      ].some((f) => args.includes(f)))
  ) {
    process.stderr.write(TRACE_USAGE);
    return 1;
  }
  const out = flag(args, '--out');
  const sink = out ? fs.createWriteStream(path.resolve(out)) : process.stdout;
  const lines =
    profile === 'adversarial'
      ? generateAdversarialTrace({
          seed,
          accounts,
          days,
          reportRateScale,
          blockRateScale,
          landings: landings as 'shared' | 'own',
          spamShare,
          busyShare,
          innocentReply,
          innocentComplaints,
          delays: delays as 'uniform' | 'exponential',
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
