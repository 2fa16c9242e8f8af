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
import { reportWeight } from '../src/domain/reporting.js';
import { RobotsEngine, type EffectSink } from '../src/robots/engine.js';
import { textSignals, type RobotEvent } from '../src/robots/events.js';
import { generateTrace } from '../src/robots/generate.js';
import { BUILT_IN_RULES, robotsConfig, type Effect } from '../src/robots/rules.js';
import { envInt, fmt, gc, log, median, result, table } from './_lib.js';

const TRACE_ACCOUNTS = envInt('BENCH_TRACE_ACCOUNTS', 20_000);
const EVENTS = envInt('BENCH_EVENTS', 3_000_000);
const ROUNDS = envInt('BENCH_ROUNDS', 5);
const TARGET = 300_000;
const DAY = 86_400_000;

const t0 = performance.now();

// ---- the stream ---------------------------------------------------------------------------------
function convert(): { events: RobotEvent[]; accounts: number; spanMs: number } {
  const ids = new Map<string, number>();
  const created: number[] = [0];
  const labels: (string | undefined)[] = [undefined];
  const contacts = new Map<number, Set<number>>();
  const wrote = new Set<number>();
  const chats = new Set<number>();
  const groups = new Map<string, number>();
  const out: RobotEvent[] = [];
  const pair = (a: number, b: number) => a * 0x200000 + b;
  const has = (o: number, x: number) => contacts.get(o)?.has(x) ?? false;
  const id = (name: string) => {
    const n = ids.get(name);
    if (n === undefined) throw new Error(`unknown id ${name}`);
    return n;
  };
  let last = 0;
  for (const e of generateTrace({ seed: 42, accounts: TRACE_ACCOUNTS, days: 7 })) {
    const at = Math.round(e.t * 1000);
    last = Math.max(last, at);
    switch (e.type) {
      case 'account': {
        const n = created.length;
        ids.set(e.id, n);
        created.push(at);
        labels.push(e.label);
        out.push({ type: 'account', at: at || 1, account: n, voip: e.numberKind === 'voip' });
        break;
      }
      case 'contact': {
        const f = id(e.from);
        let s = contacts.get(f);
        if (!s) contacts.set(f, (s = new Set()));
        s.add(id(e.to));
        break;
      }
      case 'block': {
        const from = id(e.from);
        const to = id(e.to);
        out.push({ type: 'block', at, from, to, stranger: !has(from, to) });
        break;
      }
      case 'message': {
        const from = id(e.from);
        const to = id(e.to);
        const stranger = !has(to, from) && !wrote.has(pair(to, from));
        const key = pair(Math.min(from, to), Math.max(from, to));
        const newChat = !chats.has(key);
        chats.add(key);
        wrote.add(pair(from, to));
        const s = textSignals(e.text);
        out.push({ type: 'message', at, from, to, stranger, newChat, textHash: s.textHash, link: s.link, inviteLink: s.inviteLink });
        break;
      }
      case 'group':
        groups.set(e.id, id(e.owner));
        break;
      case 'invite': {
        const by = id(e.by);
        const account = id(e.account);
        out.push({ type: 'invite', at, by, account, stranger: !has(account, by) });
        break;
      }
      case 'report': {
        const from = id(e.from);
        const to = id(e.to);
        const age = at - created[from]!;
        out.push({
          type: 'report',
          at,
          from,
          to,
          weight: reportWeight({ confirmed: 0, dismissed: 0, muted: false, accountAgeMs: age, groupAdmin: false }),
          fresh: age < DAY,
        });
        break;
      }
      case 'post':
        break;
    }
  }
  return { events: out, accounts: created.length - 1, spanMs: last + DAY };
}

const trace = convert();
/** Repeats the trace with ids and times shifted, so every copy is a new population in a new week. */
const stream: RobotEvent[] = [];
for (let copy = 0; stream.length < EVENTS; copy++) {
  const dId = copy * trace.accounts;
  const dT = copy * trace.spanMs;
  for (const ev of trace.events) {
    if (stream.length === EVENTS) break;
    switch (ev.type) {
      case 'account':
        stream.push({ ...ev, at: ev.at + dT, account: ev.account + dId });
        break;
      case 'message':
        stream.push({ ...ev, at: ev.at + dT, from: ev.from + dId, to: ev.to + dId });
        break;
      case 'invite':
        stream.push({ ...ev, at: ev.at + dT, by: ev.by + dId, account: ev.account + dId });
        break;
      case 'report':
      case 'block':
        stream.push({ ...ev, at: ev.at + dT, from: ev.from + dId, to: ev.to + dId });
        break;
    }
  }
}
const mix = new Map<string, number>();
let cold = 0;
for (const ev of stream) {
  mix.set(ev.type, (mix.get(ev.type) ?? 0) + 1);
  if (ev.type === 'message' && ev.stranger) cold++;
}
const messages = mix.get('message') ?? 0;
const mixText =
  [...mix].map(([k, n]) => `${k} ${((100 * n) / stream.length).toFixed(1)}%`).join(', ') + `; ${((100 * cold) / messages).toFixed(1)}% of messages cold`;
log(
  'rules',
  `stream: ${stream.length.toLocaleString('en')} events (${mixText}), from a ${trace.accounts}-account trace of ${trace.events.length} events, built in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
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
