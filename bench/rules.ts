/**
 * The robots' rules engine on one core.
 *
 * A realistic event stream is generated once, before timing: `generateTrace` (src/robots/
 * generate.ts — circles of friends writing mostly to their contacts, businesses answered by
 * clients, group admins inviting, cold/slow/ring spammers with the blocks and reports they draw,
 * brigades of fresh accounts) converted to RobotEvents the way the platform publishes them
 * (stranger = the recipient has not saved the sender and never wrote to them; newChat = first
 * message of the pair; text signals and report weights computed once). The same trace is then
 * repeated with shifted ids and times until the stream has BENCH_EVENTS events.
 *
 * Measured: `RobotsEngine.observe` with every built-in rule on, against a sink that only keeps
 * track of who is limited or frozen (so guard rails behave as in production). Baseline: the
 * same loop through a RobotsEngine with no rules, which only updates the counters. Each round
 * uses fresh engines; the two take turns on chunks of the stream (so machine noise hits both
 * alike), and CPU time of this process is counted. Reported: median over rounds.
 *
 * Run: node --expose-gc --import tsx bench/rules.ts
 */
import { performance } from 'node:perf_hooks';
import { RobotsEngine, type EffectSink } from '../src/robots/engine.js';
import { BUILT_IN_RULES, robotsConfig, type Effect } from '../src/robots/rules.js';
import { robotStream } from './_robot-stream.js';
import { envInt, fmt, gc, log, median, result, table } from './_lib.js';

const TRACE_ACCOUNTS = envInt('BENCH_TRACE_ACCOUNTS', 20_000);
const EVENTS = envInt('BENCH_EVENTS', 3_000_000);
const ROUNDS = envInt('BENCH_ROUNDS', 5);
const TARGET = 300_000;

const t0 = performance.now();

// ---- the stream ---------------------------------------------------------------------------------
const { stream, accounts: traceAccounts, traceEvents, mixText, builtMs } = robotStream(TRACE_ACCOUNTS, EVENTS);
log(
  'rules',
  `stream: ${stream.length.toLocaleString('en')} events (${mixText}), from a ${traceAccounts}-account trace of ${traceEvents} events, built in ${(builtMs / 1000).toFixed(1)} s`,
);

// ---- engines --------------------------------------------------------------------------------------
class TrackingSink implements EffectSink {
  readonly limitedUntil = new Map<number, number>();
  readonly frozen = new Set<number>();
  applied = 0;
  apply(account: number, _rule: string, effect: Effect, at: number): void {
    this.applied++;
    if (effect.action === 'limit') this.limitedUntil.set(account, Math.max(this.limitedUntil.get(account) ?? 0, at + effect.hours * 3600_000));
    else if (effect.action === 'freeze') this.frozen.add(account);
  }
  shadow(): void {}
  manualDecisionAt(): number {
    return 0;
  }
  restricted(account: number, at: number): boolean {
    return this.frozen.has(account) || (this.limitedUntil.get(account) ?? 0) > at;
  }
}

const config = robotsConfig({});

function run(engine: RobotsEngine, from: number, to: number): number {
  let promises = 0;
  for (let i = from; i < to; i++) if (engine.observe(stream[i]!) !== undefined) promises++;
  return promises;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// Warm-up: a whole pass through each.
run(new RobotsEngine(config, new TrackingSink()), 0, stream.length);
run(new RobotsEngine(config, new TrackingSink(), []), 0, stream.length);

const CHUNK = 100_000;
const rates: number[] = [];
const baseRates: number[] = [];
const ratios: number[] = [];
const wallRates: number[] = [];
let lastSink = new TrackingSink();
let lastEngine: RobotsEngine | null = null;
for (let r = 0; r < ROUNDS; r++) {
  const sink = new TrackingSink();
  const engine = new RobotsEngine(config, sink);
  const base = new RobotsEngine(config, new TrackingSink(), []);
  gc();
  let cpu = 0;
  let wall = 0;
  let baseCpu = 0;
  const timeRules = (a: number, b: number) => {
    const w = performance.now();
    const c = cpuMs();
    run(engine, a, b);
    cpu += cpuMs() - c;
    wall += performance.now() - w;
  };
  const timeBase = (a: number, b: number) => {
    const c = cpuMs();
    run(base, a, b);
    baseCpu += cpuMs() - c;
  };
  for (let at = 0, k = 0; at < stream.length; at += CHUNK, k++) {
    const end = Math.min(stream.length, at + CHUNK);
    if ((k + r) % 2 === 0) {
      timeRules(at, end);
      timeBase(at, end);
    } else {
      timeBase(at, end);
      timeRules(at, end);
    }
  }
  rates.push(stream.length / (cpu / 1000));
  baseRates.push(stream.length / (baseCpu / 1000));
  ratios.push(baseCpu / cpu);
  wallRates.push(stream.length / (wall / 1000));
  lastSink = sink;
  lastEngine = engine;
  log(
    'rules',
    `round ${r + 1}/${ROUNDS}: rules ${fmt(rates[r]!)} events/s, counters only ${fmt(baseRates[r]!)} events/s (CPU time), ratio ${ratios[r]!.toFixed(2)}`,
  );
}

const rate = median(rates);
const baseRate = median(baseRates);
const ratio = median(ratios);
const perRule = [...lastEngine!.stats].map(([name, s]) => `${name} ${s.actions}`).join(', ');
result({
  name: 'rules engine, all built-in rules (events/s, one core)',
  value: rate,
  unit: 'events/s',
  baseline: baseRate,
  ratio,
  target: `≥ ${TARGET.toLocaleString('en')} events/s`,
  pass: rate >= TARGET,
  note: `CPU time, median of ${ROUNDS} rounds over ${stream.length.toLocaleString('en')} events (${mixText}); wall ${fmt(median(wallRates))} events/s; baseline: the same observe loop through an engine with no rules (counters only); ratio = baseline CPU / rules CPU; actions per rule in a round: ${perRule}; run through tsx, whose keepNames helper (__name: an Object.defineProperty) runs for every closure created per event — the engine creates one (ctx.young) per observed event`,
});
table(`Rules engine: ${BUILT_IN_RULES.length} built-in rules, ${stream.length.toLocaleString('en')} events × ${ROUNDS} rounds`, [
  `stream: ${mixText}`,
  `effects applied per round: ${lastSink.applied} (${perRule}); total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
]);
