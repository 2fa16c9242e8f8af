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

/**
 * A long open loop (bench/soak.ts): `rate` requests a second for `seconds`, cycling through
 * `requests` (whose kinds are in `kinds`: 0 message, 1 report), measured in buckets of
 * `bucketSeconds`; beside it, when `decide` is set, a moderator's loop that reads the open
 * cases every `everyMs` and decides each (every `confirmEvery`th confirmed, the others
 * dismissed). Percentiles are computed here, per bucket, so that only figures cross the channel.
 */
export interface SoakJob {
  kind: 'soak';
  port: number;
  requests: Uint8Array[];
  kinds: Uint8Array;
  rate: number;
  seconds: number;
  bucketSeconds: number;
  connections: number;
  maxConnections: number;
  decide: { token: string; everyMs: number; confirmEvery: number } | null;
}

export interface SoakBucket {
  /** Seconds since the start of the schedule (bucket start). */
  at: number;
  offered: number;
  /** Answers to requests scheduled in this bucket. */
  completed: number;
  statuses: Record<string, Record<string, number>>;
  /** Messages' latency from their scheduled time (ms). */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Reports' latency from their scheduled time (ms). */
  reportP99: number;
  decisions: number;
  decisionP99: number;
  /** How late the generator wrote requests (ms), p99. */
  lagP99: number;
}

export interface SoakResult {
  buckets: SoakBucket[];
  offered: number;
  completed: number;
  errors: number;
  statuses: Record<string, Record<string, number>>;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  decisions: number;
  decisionStatuses: Record<string, number>;
  connectionsUsed: number;
  seconds: number;
  cpuMs: number;
}

export type Job = ClosedJob | OpenJob | SoakJob;

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

export type Reply =
  | { event: 'done'; result: ClosedResult | OpenResult | SoakResult }
  | { event: 'window'; phase: 'start' | 'end' }
  | { event: 'error'; message: string };

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

/**
 * An open-loop schedule's connections: each request is written when it falls due onto an idle
 * connection or, when none is idle, queued for the next one that answers (one more connection is
 * opened meanwhile, up to the cap). Times of writing and answering are kept per request.
 */
class Dispatcher {
  readonly sentAt: Float64Array;
  readonly doneAt: Float64Array;
  /** Connections opened, and answers read. */
  connections = 0;
  completed = 0;
  errors = 0;
  /** Resolves once every request is answered. */
  readonly finished: Promise<void>;
  private readonly idle: Conn[] = [];
  private readonly waiting: number[] = [];
  private waitingHead = 0;
  private readonly inFlight = new Map<Conn, number>();
  private opening = 0;
  private allDone: () => void = () => {};

  constructor(
    private readonly port: number,
    private readonly requests: Uint8Array[],
    private readonly total: number,
    private readonly maxConnections: number,
    /** Called with each answer's request number and status. */
    private readonly answered: (k: number, status: number) => void = () => {},
  ) {
    this.sentAt = new Float64Array(total);
    this.doneAt = new Float64Array(total);
    this.finished = new Promise<void>((r) => (this.allDone = r));
  }

  /** Opens `n` connections before the schedule starts. */
  async open(n: number): Promise<void> {
    await Promise.all(Array.from({ length: n }, () => this.add()));
  }

  /** Request `k` is due: written now if a connection is idle, else queued. */
  dispatch(k: number): void {
    let c = this.idle.pop();
    while (c?.closed) c = this.idle.pop();
    if (c) this.write(c, k);
    else {
      this.waiting.push(k);
      if (this.connections < this.maxConnections && this.opening === 0) void this.add();
    }
  }

  close(): void {
    for (const c of [...this.idle, ...this.inFlight.keys()]) c.socket.destroy();
  }

  private async add(): Promise<void> {
    this.connections++;
    this.opening++;
    const c = new Conn(await connect(this.port), this.onAnswer, () => this.errors++);
    this.opening--;
    this.next(c);
  }

  private write(c: Conn, k: number): void {
    this.inFlight.set(c, k);
    this.sentAt[k] = performance.now();
    c.send(this.requests[k % this.requests.length]!);
  }

  /** A connection is free: the oldest queued request, else it idles. */
  private next(c: Conn): void {
    if (this.waitingHead < this.waiting.length) this.write(c, this.waiting[this.waitingHead++]!);
    else this.idle.push(c);
    if (this.waitingHead > 65_536 && this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingHead = 0;
    }
  }

  private readonly onAnswer = (c: Conn, status: number): void => {
    const k = this.inFlight.get(c)!;
    this.inFlight.delete(c);
    this.doneAt[k] = performance.now();
    this.completed++;
    this.answered(k, status);
    this.next(c);
    if (this.completed === this.total) this.allDone();
  };
}

/**
 * Dispatches each request at its scheduled time (`due` runs first for each), sleeping up to 1 ms
 * between without spinning a core, then letting the event loop read answers (setImmediate: the
 * poll phase does not block) and coming back.
 */
function runSchedule(scheduled: Float64Array, d: Dispatcher, due: (k: number) => void = () => {}): Promise<void> {
  const total = scheduled.length;
  let k = 0;
  return new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (k < total && scheduled[k]! <= now) {
        due(k);
        d.dispatch(k++);
      }
      if (k >= total) return resolve();
      const wait = scheduled[k]! - performance.now();
      if (wait > 0.02) Atomics.wait(sleeper, 0, 0, Math.min(wait, 1));
      setImmediate(tick);
    };
    tick();
  });
}

async function open(job: OpenJob): Promise<OpenResult> {
  const statuses: Record<string, number> = {};
  const interval = 1000 / job.rate;
  const total = Math.floor(((job.warmupMs + job.durationMs) / 1000) * job.rate);
  const measuredFrom = Math.ceil((job.warmupMs / 1000) * job.rate);
  const scheduled = new Float64Array(total);
  let measured = 0;
  const d = new Dispatcher(job.port, job.requests, total, job.maxConnections, (k, status) => {
    if (k < measuredFrom) return;
    measured++;
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const { sentAt, doneAt } = d;
  await d.open(job.connections);

  const start = performance.now() + 20;
  for (let k = 0; k < total; k++) scheduled[k] = start + k * interval;
  let c0 = 0;
  let t0 = 0;
  await runSchedule(scheduled, d, (k) => {
    if (k !== measuredFrom) return;
    tell({ event: 'window', phase: 'start' });
    c0 = cpuMs();
    t0 = performance.now();
  });
  if (d.completed < total) await Promise.race([d.finished, new Promise((r) => setTimeout(r, 10_000))]);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs() - c0;
  tell({ event: 'window', phase: 'end' });
  d.close();

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
  return { offered: n, completed: measured, seconds, statuses, errors: d.errors, fromSchedule, fromSend, sendLag, connectionsUsed: d.connections, cpuMs: cpu };
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const KIND_NAMES = ['message', 'report'];

async function soak(job: SoakJob): Promise<SoakResult> {
  let errors = 0;
  const interval = 1000 / job.rate;
  const total = Math.floor(job.seconds * job.rate);
  const scheduled = new Float64Array(total);
  const status = new Uint16Array(total);
  const d = new Dispatcher(job.port, job.requests, total, job.maxConnections, (k, code) => {
    status[k] = code;
  });
  const { sentAt, doneAt } = d;
  await d.open(job.connections);

  // The moderator: reads the open cases and decides them, one at a time, until the schedule ends.
  const decisions: { at: number; ms: number; status: number }[] = [];
  let deciding = job.decide !== null;
  const base = `http://127.0.0.1:${job.port}`;
  const moderator = async () => {
    const d = job.decide!;
    const headers = { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' };
    let n = 0;
    while (deciding) {
      const t = performance.now();
      try {
        const res = await fetch(`${base}/v1/moderation/cases?state=open&limit=50`, { headers });
        const { cases = [] } = (await res.json()) as { cases?: { id: string }[] };
        for (const c of cases) {
          if (!deciding) break;
          const action = ++n % d.confirmEvery === 0 ? { action: 'confirm', policy: 'spam' } : { action: 'dismiss' };
          const t0 = performance.now();
          const r = await fetch(`${base}/v1/moderation/cases/${c.id}/decision`, { method: 'POST', headers, body: JSON.stringify(action) });
          await r.arrayBuffer();
          decisions.push({ at: t0, ms: performance.now() - t0, status: r.status });
        }
      } catch {
        errors++;
      }
      const wait = d.everyMs - (performance.now() - t);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };

  const start = performance.now() + 20;
  for (let k = 0; k < total; k++) scheduled[k] = start + k * interval;
  tell({ event: 'window', phase: 'start' });
  const c0 = cpuMs();
  const decided = job.decide ? moderator() : Promise.resolve();
  await runSchedule(scheduled, d);
  if (d.completed < total) await Promise.race([d.finished, new Promise((r) => setTimeout(r, 30_000))]);
  deciding = false;
  await decided;
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuMs() - c0;
  tell({ event: 'window', phase: 'end' });
  d.close();

  const perBucket = Math.round(job.bucketSeconds * job.rate);
  const buckets: SoakBucket[] = [];
  const allStatuses: Record<string, Record<string, number>> = {};
  const all: number[] = [];
  for (let from = 0; from < total; from += perBucket) {
    const to = Math.min(total, from + perBucket);
    const msgs: number[] = [];
    const reports: number[] = [];
    const lags: number[] = [];
    const statuses: Record<string, Record<string, number>> = {};
    let answered = 0;
    for (let i = from; i < to; i++) {
      const kind = KIND_NAMES[job.kinds[i % job.requests.length]!]!;
      const ms = doneAt[i]! ? doneAt[i]! - scheduled[i]! : Infinity;
      if (doneAt[i]!) answered++;
      (kind === 'message' ? msgs : reports).push(ms);
      if (kind === 'message') all.push(ms);
      lags.push(sentAt[i]! ? sentAt[i]! - scheduled[i]! : Infinity);
      const sc = doneAt[i]! ? String(status[i]) : 'none';
      const byKind = (statuses[kind] ??= {});
      byKind[sc] = (byKind[sc] ?? 0) + 1;
      const total2 = (allStatuses[kind] ??= {});
      total2[sc] = (total2[sc] ?? 0) + 1;
    }
    const m = Float64Array.from(msgs).sort();
    const r = Float64Array.from(reports).sort();
    const t0 = start + (from / job.rate) * 1000;
    const t1 = start + (to / job.rate) * 1000;
    const ds = decisions.filter((d) => d.at >= t0 && d.at < t1);
    buckets.push({
      at: from / job.rate,
      offered: to - from,
      completed: answered,
      statuses,
      p50: pct(m, 50),
      p99: pct(m, 99),
      p999: pct(m, 99.9),
      max: m.length ? m[m.length - 1]! : NaN,
      reportP99: pct(r, 99),
      decisions: ds.length,
      decisionP99: pct(Float64Array.from(ds.map((d) => d.ms)).sort(), 99),
      lagP99: pct(Float64Array.from(lags).sort(), 99),
    });
  }
  const a = Float64Array.from(all).sort();
  const decisionStatuses: Record<string, number> = {};
  for (const d of decisions) decisionStatuses[d.status] = (decisionStatuses[d.status] ?? 0) + 1;
  return {
    buckets,
    offered: total,
    completed: d.completed,
    errors: errors + d.errors,
    statuses: allStatuses,
    p50: pct(a, 50),
    p99: pct(a, 99),
    p999: pct(a, 99.9),
    max: a.length ? a[a.length - 1]! : NaN,
    decisions: decisions.length,
    decisionStatuses,
    connectionsUsed: d.connections,
    seconds,
    cpuMs: cpu,
  };
}

process.on('message', (job: Job) => {
  (job.kind === 'closed' ? closed(job) : job.kind === 'open' ? open(job) : soak(job)).then(
    (result) => tell({ event: 'done', result }),
    (err: unknown) => tell({ event: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
