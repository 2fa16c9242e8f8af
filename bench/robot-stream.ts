/**
 * What the robots' stream costs Redis (docs/SCALING.md): Redis CPU (INFO cpu, user + sys) and
 * memory per robot event, for the publisher's pipelined XADD batches of several sizes and the
 * consumer's reads (XREAD pages of 500, then one MULTI moving the cursor), as in
 * src/cluster/robot-stream.ts, and the consuming process's own CPU to read and decode them. The events are message events with a real text's signals.
 *
 * Run:   node --import tsx bench/robot-stream.ts
 * Size:  BENCH_EVENTS (100000 per batch size).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { Redis } from 'ioredis';
import pino from 'pino';
import { RobotPublisher } from '../src/cluster/robot-stream.js';
import { textSignals, type RobotEvent } from '../src/robots/events.js';
import { freePort } from '../test/helpers/net.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);

async function cpu(r: Redis): Promise<number> {
  const info = await r.info('cpu');
  const v = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return v('used_cpu_user') + v('used_cpu_sys');
}

const port = await freePort();
const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 300));
const url = `redis://127.0.0.1:${port}`;
const control = new Redis(url);
const log = pino({ level: 'silent' });
const texts = ['hello there, how are you today', 'cheap watches at example.com, click here', 'see you tomorrow at the station'];
const event = (i: number): RobotEvent => ({
  type: 'message',
  at: 1_800_000_000_000 + i,
  from: 1000 + (i % 5000),
  to: 9000 + ((i * 7919) % 50_000),
  stranger: i % 3 === 0,
  newChat: i % 5 === 0,
  ...textSignals(texts[i % texts.length]!),
});
const rows: string[] = [];
try {
  for (const batch of [1, 8, 64]) {
    await control.del('banya:robots', 'banya:robots:cursor');
    const pubConn = new Redis(url);
    const publisher = new RobotPublisher(pubConn, { maxLen: 1_000_000, log });
    const c0 = await cpu(control);
    for (let i = 0; i < EVENTS; i += batch) {
      for (let k = 0; k < batch; k++) publisher.publish(event(i + k));
      await publisher.flush();
    }
    const c1 = await cpu(control);
    const length = await control.xlen('banya:robots');
    const bytes = Number(await control.memory('USAGE', 'banya:robots', 'SAMPLES', '0'));
    // The consumer's side: pages of 500, each followed by the cursor's MULTI.
    const reader = new Redis(url);
    let cursor = '0-0';
    let read = 0;
    const c2 = await cpu(control);
    const own0 = process.cpuUsage();
    for (;;) {
      const got = (await reader.xread('COUNT', 500, 'STREAMS', 'banya:robots', cursor)) as [string, [string, string[]][]][] | null;
      const entries = got?.[0]?.[1] ?? [];
      if (entries.length === 0) break;
      for (const [, f] of entries) JSON.parse(f[1]!);
      read += entries.length;
      cursor = entries[entries.length - 1]![0];
      await reader.multi().hincrby('banya:robots:caps:1', 'cold_fanout', 0).set('banya:robots:cursor', cursor).exec();
    }
    const own = process.cpuUsage(own0);
    const c3 = await cpu(control);
    rows.push(
      `| ${batch} | ${(((c1 - c0) / EVENTS) * 1e6).toFixed(2)} µs | ${(((c3 - c2) / read) * 1e6).toFixed(2)} µs | ${((own.user + own.system) / read).toFixed(2)} µs | ${(bytes / length).toFixed(0)} B |`,
    );
    pubConn.disconnect();
    reader.disconnect();
  }
  console.log(
    `bench/robot-stream.ts ${new Date().toISOString()} · ${os.cpus()[0]?.model} ×${os.cpus().length} · load ${os.loadavg()[0]!.toFixed(2)} · ${EVENTS} events per row`,
  );
  console.log(
    '| events per XADD pipeline | Redis CPU per event, publishing | Redis CPU per event, consuming | consumer process CPU per event (read, decode; engine not included) | stream memory per entry |',
  );
  console.log('|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
} finally {
  control.disconnect();
  child.kill('SIGKILL');
}
