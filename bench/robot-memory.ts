/**
 * The robots' memory (src/robots/memory.ts): what keeping robot events in the store costs per
 * event, and how fast a start replays them.
 *
 * The stream is bench/_robot-stream.ts's, every text signal included (landing domains,
 * near-duplicate bands), as the platform publishes them. Written through `RobotMemory` on a
 * fresh SQLite data folder, 1000 events a turn (the send path's batch at load), one flush each.
 *
 * - write, CPU per event: this process's CPU time over the whole stream (encoding, JSON, SQLite
 *   and its WAL). Baseline: the same events, the same store and table, one row per event as an
 *   object's JSON (the first design) — ratio = baseline CPU / memory CPU.
 * - replay, events/s: `RobotMemory.replay` into a fresh engine with every built-in rule (the
 *   start's work: reading, decoding, counting; the engine is quiet, no rule runs). Baseline: a
 *   live engine observing the same events from an array — ratio = replay rate / observe rate.
 *
 * Run: node --expose-gc --import tsx bench/robot-memory.ts
 */
import fs from 'node:fs';
import pino from 'pino';
import { RobotsEngine, type EffectSink } from '../src/robots/engine.js';
import { RobotMemory } from '../src/robots/memory.js';
import { robotsConfig } from '../src/robots/rules.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { param, statement } from '../src/store/statement.js';
import { robotStream } from './_robot-stream.js';
import { cpuMs, envInt, fmt, gc, log, result, scratchDir, table } from './_lib.js';

const EVENTS = envInt('BENCH_EVENTS', 1_000_000);
const TURN = 1000;

const { stream, mixText, builtMs } = robotStream(20_000, EVENTS, true);
log('robot-memory', `stream: ${stream.length.toLocaleString('en')} events (${mixText}), built in ${(builtMs / 1000).toFixed(1)} s`);
const last = stream[stream.length - 1]!.at;
const now = () => last + 1;
const quiet = pino({ level: 'silent' });

const nothing: EffectSink = { apply() {}, shadow() {}, manualDecisionAt: () => 0, restricted: () => false };

async function writeMemory(dir: string): Promise<{ cpu: number; bytes: number; memory: RobotMemory; store: SqliteStore }> {
  const store = await SqliteStore.open(dir, { durability: 'process' });
  const memory = new RobotMemory(store, { days: 3650, node: '', now, log: quiet });
  gc();
  const c0 = cpuMs();
  for (let i = 0; i < stream.length; i += TURN) {
    for (let j = i; j < Math.min(stream.length, i + TURN); j++) memory.remember(stream[j]!);
    await memory.flush();
  }
  await store.flush();
  const cpu = cpuMs() - c0;
  const r = await store.first<{ n: number }>(store.db.selectFrom('robot_events').select((eb) => eb.fn.sum<number>(eb.fn('length', ['events'])).as('n')));
  return { cpu, bytes: Number(r?.n ?? 0), memory, store };
}

async function writeRows(dir: string): Promise<{ cpu: number; bytes: number }> {
  const store = await SqliteStore.open(dir, { durability: 'process' });
  const insert = statement<{ at: number; events: string }>(
    store.db.insertInto('robot_events').values({ at: param<number>('at'), node: '', events: param<string>('events') }),
  );
  gc();
  const c0 = cpuMs();
  for (let i = 0; i < stream.length; i += TURN) {
    const batch = stream.slice(i, i + TURN);
    await store.write(batch.map((ev) => insert.bind({ at: ev.at, events: JSON.stringify(ev) })));
  }
  await store.flush();
  const cpu = cpuMs() - c0;
  const r = await store.first<{ n: number }>(store.db.selectFrom('robot_events').select((eb) => eb.fn.sum<number>(eb.fn('length', ['events'])).as('n')));
  await store.close();
  return { cpu, bytes: Number(r?.n ?? 0) };
}

const dirA = scratchDir('banya-bench-robot-memory-');
const dirB = scratchDir('banya-bench-robot-rows-');
const rows = await writeRows(dirB);
const mine = await writeMemory(dirA);
const perEvent = (mine.cpu * 1000) / stream.length;
const perEventRows = (rows.cpu * 1000) / stream.length;
result({
  name: "robots' memory: write, CPU per event",
  value: perEvent,
  unit: 'µs',
  baseline: perEventRows,
  ratio: perEventRows / perEvent,
  target: '',
  pass: true,
  note: `${stream.length.toLocaleString('en')} events (${mixText}), ${TURN} a turn, one row each turn, ${(mine.bytes / stream.length).toFixed(0)} bytes an event; baseline: one row per event as an object's JSON (a prepared insert), same store and table, ${(rows.bytes / stream.length).toFixed(0)} bytes an event; ratio = baseline CPU / memory CPU`,
});

// Replay: the start's work, against observing the same events from memory.
gc();
const c1 = cpuMs();
const replayed = await mine.memory.replay(new RobotsEngine(robotsConfig({}), nothing));
const replayCpu = cpuMs() - c1;
gc();
const engine = new RobotsEngine(robotsConfig({}), nothing);
const c2 = cpuMs();
for (const ev of stream) void engine.observe(ev);
const observeCpu = cpuMs() - c2;
const replayRate = replayed.events / (replayCpu / 1000);
const observeRate = stream.length / (observeCpu / 1000);
result({
  name: "robots' memory: replay at start (events per CPU-second)",
  value: replayRate,
  unit: 'events/s',
  baseline: observeRate,
  ratio: replayRate / observeRate,
  target: '',
  pass: replayed.events === stream.length,
  note: `${replayed.events.toLocaleString('en')} events replayed into a quiet engine (counted, no rule run), ${replayed.skipped} skipped, ${fmt(replayed.ms / 1000)} s wall; baseline: a live engine, every built-in rule, observing the same events from an array`,
});
await mine.store.close();
fs.rmSync(dirA, { recursive: true, force: true });
fs.rmSync(dirB, { recursive: true, force: true });
table("Robots' memory: write and replay", [
  `  write: memory ${fmt(mine.cpu)} ms CPU, one row per event ${fmt(rows.cpu)} ms CPU; replay ${fmt(replayCpu)} ms CPU, observe ${fmt(observeCpu)} ms CPU`,
]);
