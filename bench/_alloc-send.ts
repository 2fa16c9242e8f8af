/**
 * What a send costs below the HTTP layer (not a benchmark: bench/run.ts skips files starting
 * with `_`). The app of bench/_profile-send.ts (2,000 accounts, 6 mutual contacts each), then
 * `sendMessage` called in-process with `--in-flight` (64) sends outstanding, as the HTTP load's
 * 64 connections keep them: every write of an event-loop turn in one group commit. Per message:
 * this process's CPU time (all threads: the commit, the checkpointer, the collector's helpers),
 * the bytes allocated on the JavaScript heap (from the collector's own before/after figures,
 * v8.GCProfiler) and the messages per commit. `--rounds` windows of `--sends` each, one after the
 * other on the same growing database.
 *
 *   node --expose-gc --import tsx bench/_alloc-send.ts [--sends 100000] [--rounds 3] [--in-flight 64]
 */
import v8 from 'node:v8';
import { sendMessage } from '../src/platform/messages.js';
import { benchApp, gc, populate, rng, scratchDir } from './_lib.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SENDS = opt('sends', 100_000);
const ROUNDS = opt('rounds', 3);
const IN_FLIGHT = opt('in-flight', 64);
const TEXTS = ['Hi! How are you?', 'See you tomorrow', 'Did you get the photos?', 'Call me when you can', 'Thanks!', 'On my way'];

const app = await benchApp(scratchDir('alloc'));
const p = app.platform;
const pop = await populate(p, 2000, 3);
const rand = rng(12);
const N = 16_000;
const from = Array.from({ length: N }, (_, k) => pop.ids[k % pop.ids.length]!);
const to = Array.from({ length: N }, (_, k) => {
  const m = pop.mutual[k % pop.ids.length]!;
  return { accountId: `u${pop.ids[m[Math.floor(rand() * m.length)]!]}` };
});
const texts = Array.from({ length: N }, () => TEXTS[Math.floor(rand() * TEXTS.length)]!);

const store = p.store as unknown as { commitWhole(batch: unknown[]): boolean };
const commitWhole = store.commitWhole.bind(store);
let commits = 0;
store.commitWhole = (batch) => {
  commits++;
  return commitWhole(batch);
};

async function sends(n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++ % N;
      await sendMessage(p, from[i]!, to[i]!, texts[i]!);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

await sends(20_000); // warm-up
for (let r = 1; r <= ROUNDS; r++) {
  gc();
  const profiler = new v8.GCProfiler();
  const used0 = v8.getHeapStatistics().used_heap_size;
  commits = 0;
  profiler.start();
  const c0 = process.cpuUsage();
  await sends(SENDS);
  const c = process.cpuUsage(c0);
  const used1 = v8.getHeapStatistics().used_heap_size;
  const stats = profiler.stop()?.statistics ?? [];
  let allocated = 0;
  let after = used0;
  for (const s of stats) {
    allocated += s.beforeGC.heapStatistics.usedHeapSize - after;
    after = s.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += used1 - after;
  console.log(
    `round ${r}: ${((c.user + c.system) / SENDS).toFixed(2)} µs CPU per message (user ${(c.user / SENDS).toFixed(2)}, system ${(c.system / SENDS).toFixed(2)}), ` +
      `${(allocated / SENDS).toFixed(0)} B allocated per message, ${(SENDS / commits).toFixed(1)} messages per commit, ${stats.length} collections`,
  );
}
await app.close();
process.exit(0);
