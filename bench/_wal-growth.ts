/**
 * Why the soak's p99 grows with time (not a benchmark: bench/run.ts skips files starting with
 * `_`). The real SqliteStore (its group commit and checkpointer), fed the soak's write pattern
 * without HTTP: message rows in `--chats` (6,000: the soak's 2,000 accounts × 6 contacts / 2)
 * chats, `--per-commit` (2) per commit, at `--rate` messages a second (0: as fast as the store
 * takes them). Per window of 100,000 messages: commits, their time on the event loop per second,
 * p99 and longest, the WAL file's largest size and the process's CPU per message (all threads).
 *
 *   node --expose-gc --import tsx bench/_wal-growth.ts [--messages 3000000] [--per-commit 2] [--rate 5000] [--chats 6000]
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { param, statement } from '../src/store/statement.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { scratchDir } from './_lib.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const MESSAGES = opt('messages', 3_000_000);
const PER_COMMIT = opt('per-commit', 2);
const RATE = opt('rate', 0); // 0: as fast as the store takes them
const CHATS = opt('chats', 6_000);
const WINDOW = 100_000;

const dir = scratchDir('wal');
const store = await SqliteStore.open(dir, { durability: 'process' });
const insert = statement<{ id: number; chat: number; from: number; text: string; at: number }>(
  store.db
    .insertInto('messages')
    .values({ id: param('id'), chat_id: param('chat'), from_id: param('from'), text: param('text'), buttons: null, sent_at: param('at') }),
);
const inner = store as unknown as { commitWhole(batch: unknown[]): boolean };
const commitWhole = inner.commitWhole.bind(inner);
let durations: number[] = [];
inner.commitWhole = (batch) => {
  const s = performance.now();
  try {
    return commitWhole(batch);
  } finally {
    durations.push(performance.now() - s);
  }
};
const walFile = path.join(dir, 'banya.sqlite-wal');
const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
const texts = ['Hi! How are you?', 'See you tomorrow', 'Did you get the photos?', 'Call me when you can', 'On my way'];
let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
let id = 1;
const t0 = performance.now();
let cpu0 = process.cpuUsage();
let walMax = 0;
console.log('| messages | commits | loop ms in commits per s | commit p99 ms | longest commit ms | WAL MB (max) | CPU µs per message |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
let wStart = performance.now();
while (id <= MESSAGES) {
  const writes: Promise<void>[] = [];
  for (let k = 0; k < PER_COMMIT; k++, id++) {
    const chat = 1 + Math.floor(rand() * CHATS);
    writes.push(store.write([insert.bind({ id, chat, from: chat * 2 + (id & 1), text: texts[id % texts.length]!, at: 1_800_000_000_000 + id })]));
  }
  await Promise.all(writes);
  walMax = Math.max(walMax, size(walFile));
  if (RATE > 0) {
    const due = t0 + ((id - 1) / RATE) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  }
  if ((id - 1) % WINDOW === 0) {
    const c = process.cpuUsage(cpu0);
    cpu0 = process.cpuUsage();
    const d = durations.sort((a, b) => a - b);
    const total = d.reduce((a, b) => a + b, 0);
    const seconds = (performance.now() - wStart) / 1000;
    wStart = performance.now();
    console.log(
      `| ${(id - 1).toLocaleString('en')} | ${d.length} | ${(total / seconds).toFixed(0)} | ${d[Math.floor(d.length * 0.99)]!.toFixed(2)} | ${d.at(-1)!.toFixed(1)} | ${(walMax / 2 ** 20).toFixed(1)} | ${((c.user + c.system) / WINDOW).toFixed(1)} |`,
    );
    durations = [];
    walMax = 0;
  }
}
await store.close();
