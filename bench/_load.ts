/**
 * The HTTP load generator of bench/http.ts and bench/latency.ts, run as a child process (forked
 * with an IPC channel, structured-clone serialisation) so that the server under test keeps a core
 * of its own. Not a benchmark itself: bench/run.ts skips files starting with `_`.
 *
 * It speaks HTTP/1.1 over raw keep-alive sockets with pre-built request bytes and a minimal
 * response reader (status line, Content-Length, body), so that the generator costs far less per
 * request than either server and the same generator drives both.
 *
 *   closed loop: `connections` sockets, each sending its next request as soon as the previous
 *                answer is complete; counts answers completed inside the measured window.
 *   open loop:   requests scheduled at fixed intervals (`rate` per second) whatever the answers
 *                do; a request due while every socket is busy takes a new socket (up to
 *                `maxConnections`) or waits in line. Latency is measured from the request's
 *                scheduled time (so a stalled server is charged for the requests it delayed) and
 *                also from the moment its bytes were written. Between due times the generator
 *                sleeps precisely (Atomics.wait, ≤ 1 ms) instead of spinning, leaving the CPU to
 *                the server; answers are read between sleeps.
 *
 * The parent is told when the measured window starts and ends ({event: 'window', phase}), so it
 * can read its own CPU time over exactly that window.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ClosedJob {
  kind: 'closed';
  port: number;
  requests: Uint8Array[];
  connections: number;
  warmupMs: number;
  durationMs: number;
}

export interface OpenJob {
  kind: 'open';
  port: number;
  requests: Uint8Array[];
  /** Requests per second offered. */
  rate: number;
  connections: number;
  maxConnections: number;
  warmupMs: number;
  durationMs: number;
}

export type Job = ClosedJob | OpenJob;

export interface ClosedResult {
  completed: number;
  seconds: number;
  statuses: Record<string, number>;
  errors: number;
  /** CPU time of the generator over the window (ms). */
  cpuMs: number;
}

export interface OpenResult {
  offered: number;
  completed: number;
  seconds: number;
  statuses: Record<string, number>;
  errors: number;
  /** Latencies (ms) of the measured requests, from their scheduled time. */
  fromSchedule: Float64Array;
  /** The same, from the moment the request was written. */
  fromSend: Float64Array;
  /** How late the generator wrote requests (ms): its own jitter. */
  sendLag: Float64Array;
  connectionsUsed: number;
  cpuMs: number;
}

export type Reply = { event: 'done'; result: ClosedResult | OpenResult } | { event: 'window'; phase: 'start' | 'end' } | { event: 'error'; message: string };

const CRLFCRLF = Buffer.from('\r\n\r\n');
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** One keep-alive connection with at most one request in flight. */
class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private headerEnd = -1;
  private need = -1;
  private status = 0;
  busy = false;
  closed = false;

  constructor(
    readonly socket: net.Socket,
    private readonly onAnswer: (c: Conn, status: number) => void,
    onError: (err: Error) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', onError);
    socket.on('close', () => {
      this.closed = true;
      if (this.busy) onError(new Error('connection closed with a request in flight'));
    });
  }

  send(req: Uint8Array): void {
    this.busy = true;
    this.socket.write(req);
  }

  private data(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.headerEnd < 0) {
        const at = this.buf.indexOf(CRLFCRLF);
        if (at < 0) return;
        this.headerEnd = at + 4;
        const head = this.buf.toString('latin1', 0, at);
        this.status = Number(head.slice(9, 12));
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!m) throw new Error(`answer without Content-Length: ${head.slice(0, 200)}`);
        this.need = this.headerEnd + Number(m[1]);
      }
      if (this.buf.length < this.need) return;
      const rest = this.buf.length > this.need ? this.buf.subarray(this.need) : Buffer.alloc(0);
      const status = this.status;
      this.buf = rest;
      this.headerEnd = -1;
      this.need = -1;
      this.busy = false;
      this.onAnswer(this, status);
      if (this.buf.length === 0) return;
    }
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function tell(r: Reply): void {
  process.send!(r);
}

async function closed(job: ClosedJob): Promise<ClosedResult> {
  const statuses: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  let completed = 0;
  let inWindow = false;
  let stopping = false;
  let outstanding = 0;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((r) => (allDone = r));
  const onAnswer = (c: Conn, status: number) => {
    outstanding--;
    if (inWindow) {
      completed++;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    if (stopping) {
      if (outstanding === 0) allDone();
      return;
    }
    outstanding++;
    c.send(job.requests[next++ % job.requests.length]!);
  };
  const sockets = await Promise.all(Array.from({ length: job.connections }, () => connect(job.port)));
  const conns = sockets.map((s) => new Conn(s, onAnswer, () => errors++));
  for (const c of conns) {
    outstanding++;
    c.send(job.requests[next++ % job.requests.length]!);
  }
  await new Promise((r) => setTimeout(r, job.warmupMs));
  inWindow = true;
  tell({ event: 'window', phase: 'start' });
  const t0 = performance.now();
  const c0 = cpuMs();
  await new Promise((r) => setTimeout(r, job.durationMs));
  inWindow = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs() - c0;
  tell({ event: 'window', phase: 'end' });
  stopping = true;
  if (outstanding > 0) await finished;
  for (const s of sockets) s.destroy();
  return { completed, seconds, statuses, errors, cpuMs: cpu };
}

async function open(job: OpenJob): Promise<OpenResult> {
  const statuses: Record<string, number> = {};
  let errors = 0;
  const interval = 1000 / job.rate;
  const total = Math.floor(((job.warmupMs + job.durationMs) / 1000) * job.rate);
  const measuredFrom = Math.ceil((job.warmupMs / 1000) * job.rate);
  const scheduled = new Float64Array(total);
  const sentAt = new Float64Array(total);
  const doneAt = new Float64Array(total);
  const idle: Conn[] = [];
  const waiting: number[] = [];
  let waitingHead = 0;
  const inFlight = new Map<Conn, number>();
  let connections = 0;
  let completed = 0;
  let measured = 0;
  let opening = 0;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((r) => (allDone = r));

  const write = (c: Conn, k: number) => {
    inFlight.set(c, k);
    sentAt[k] = performance.now();
    c.send(job.requests[k % job.requests.length]!);
  };
  const onAnswer = (c: Conn, status: number) => {
    const k = inFlight.get(c)!;
    inFlight.delete(c);
    doneAt[k] = performance.now();
    completed++;
    if (k >= measuredFrom) {
      measured++;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    if (waitingHead < waiting.length) write(c, waiting[waitingHead++]!);
    else idle.push(c);
    if (completed === total) allDone();
  };
  const add = async () => {
    connections++;
    opening++;
    const c = new Conn(await connect(job.port), onAnswer, () => errors++);
    opening--;
    if (waitingHead < waiting.length) write(c, waiting[waitingHead++]!);
    else idle.push(c);
  };
  await Promise.all(Array.from({ length: job.connections }, add));

  const start = performance.now() + 20;
  for (let k = 0; k < total; k++) scheduled[k] = start + k * interval;
  let k = 0;
  let windowStarted = false;
  let c0 = 0;
  let t0 = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (k < total && scheduled[k]! <= now) {
        if (!windowStarted && k >= measuredFrom) {
          windowStarted = true;
          tell({ event: 'window', phase: 'start' });
          c0 = cpuMs();
          t0 = performance.now();
        }
        let c = idle.pop();
        while (c?.closed) c = idle.pop();
        if (c) write(c, k);
        else {
          waiting.push(k);
          if (connections < job.maxConnections && opening === 0) void add();
        }
        k++;
      }
      if (k >= total) return resolve();
      // Sleep until the next request is due (at most 1 ms) without spinning a core, then let the
      // event loop read answers (setImmediate: the poll phase does not block) and come back.
      const wait = scheduled[k]! - performance.now();
      if (wait > 0.02) Atomics.wait(sleeper, 0, 0, Math.min(wait, 1));
      setImmediate(tick);
    };
    tick();
  });
  if (completed < total) await Promise.race([finished, new Promise((r) => setTimeout(r, 10_000))]);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs() - c0;
  tell({ event: 'window', phase: 'end' });
  for (const c of [...idle, ...inFlight.keys()]) c.socket.destroy();

  const n = total - measuredFrom;
  const fromSchedule = new Float64Array(n);
  const fromSend = new Float64Array(n);
  const sendLag = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = measuredFrom + i;
    const done = doneAt[j]! || Infinity; // never answered: counts as infinitely slow
    fromSchedule[i] = done - scheduled[j]!;
    fromSend[i] = done - sentAt[j]!;
    sendLag[i] = sentAt[j]! - scheduled[j]!;
  }
  return { offered: n, completed: measured, seconds, statuses, errors, fromSchedule, fromSend, sendLag, connectionsUsed: connections, cpuMs: cpu };
}

process.on('message', (job: Job) => {
  (job.kind === 'closed' ? closed(job) : open(job)).then(
    (result) => tell({ event: 'done', result }),
    (err: unknown) => tell({ event: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
