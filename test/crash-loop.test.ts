import { type ChildProcess, execFile } from 'node:child_process';
import { mulberry32 } from '../src/domain/random.js';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { BUTTONS } from '../src/domain/spambot.js';
import { PostgresStore } from '../src/store/postgres.js';
import { DB_FILE, SqliteStore } from '../src/store/sqlite.js';
import { sign, StandInAmojo, webhookBody } from './helpers/amojo.js';
import { buildCli, type CliOptions, type Running, runCli, serve, spawnServe } from './helpers/cli-server.js';
import { Client, type Res } from './helpers/client.js';
import { adminUrl, withDatabase } from './helpers/pg.js';

const execFileAsync = promisify(execFile);

/** A URL naming no user connects as PGUSER or the system's user, as psql (and the store) do. */
function pgClientConfig(url: string): pg.ClientConfig {
  const m = /^(postgres(?:ql)?:\/\/)([^/?#]*)(.*)$/.exec(url);
  if (!m || m[2]!.includes('@')) return { connectionString: url };
  return { connectionString: `${m[1]}${encodeURIComponent(process.env.PGUSER || os.userInfo().username)}@${m[2]}${m[3]}` };
}

/**
 * Crash durability, over and over: a concurrent write load of every kind (messages in new chats
 * and old ones, reports with evidence, moderator decisions, appeals through SpamBot's buttons,
 * contact imports, blocks, support tickets, CRM webhooks) against the real CLI, SIGKILLed at
 * seeded random moments — under load, during a manual-clock jump, during start-up — and
 * restarted on the same data each time. After every restart every write answered 2xx is there,
 * whole, and `banya check` (the event log replayed against every projection) passes on the data
 * as the kill left it: nothing half-written.
 *
 * The store is a parameter (CRASH_STORES, default the suite's BANYA_TEST_STORE): each store runs
 * the same loop, and the suite runs it on each of its passes (SQLite, then PostgreSQL on a
 * cluster of the loop's own, restarted halfway).
 *
 * Time budget: BUDGET_S (120 s) per store on two cores. Restarts dominate (each one a start of
 * the CLI on the data as the kill left it), so the CLI is built once into one file, which starts
 * several times faster than through tsx, and most of the kills are cheap start-up kills. Where the
 * time went is printed, with the CPU seconds spent (this process and its children: a figure a
 * shared machine does not inflate); a run over the budget says so with the load average, and the
 * test's own timeout is 600 s.
 */

const ADMIN = 'crash-loop-admin-token-0123456789';
const EN = BUTTONS.en;
const CH = '5d1c2a9e-0000-4000-8000-00000000c4a5';
const CH_SECRET = 'crash-loop-channel-secret-0123456789';

// In every run of the suite, on its store: `npm test` runs it on SQLite, then `npm run test:pg` on
// PostgreSQL (a cluster of its own). CRASH_STORES=sqlite,postgres runs both in one go; a local run
// may leave it out with BANYA_CRASH_LOOP=0.
const CRASH_LOOP = process.env.BANYA_CRASH_LOOP !== '0';

/** Replay a run with CRASH_SEED=<seed>. Defaults to the suite's property-test seed. */
const SEED = Number(process.env.CRASH_SEED ?? process.env.FC_SEED ?? 20261201) >>> 0;
console.log(`crash-loop seed: ${SEED} (replay with CRASH_SEED=${SEED})`);

/** The schedule (kill modes, delays) has its own stream: the load's picks depend on timing. */
const schedule = mulberry32(SEED);
const rnd = mulberry32(SEED ^ 0x5bd1e995);
const between = (lo: number, hi: number, r = schedule) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/**
 * Kills during a load burst, during a clock jump (in a burst too), and during start-up. Each burst
 * kill is followed by a restart and the checks; the start-up kills come in between, each one a
 * restart killed before it was up.
 */
const LOAD_KILLS = 7;
const CLOCK_KILLS = 3;
const STARTUP_KILLS = 11;
/** The loop's budget on two idle cores (wall-clock, one store); a run over it says so. */
const BUDGET_S = 120;
/** A burst is killed once it had this many answers, waiting at most MAX_WAIT_MS past its delay. */
const MIN_ANSWERED = 40;
const MAX_WAIT_MS = 10_000;
/** Every how many kills the check runs through the CLI (and after the last one). */
const CLI_CHECK_EVERY = 5;

// ---------------------------------------------------------------------------------------------
// The store under test

/** What a snapshot of the data as a kill left it can do. */
interface Snapshot {
  /** Resolves once the snapshot is taken (a server may start on the data from then on). */
  taken: Promise<void>;
  /** The projection check: through the CLI (`banya check`, its exit code) or in this process. */
  check(viaCli: boolean): Promise<{ ok: boolean; out: string }>;
  /** Kept for a post-mortem (its place, printed), or thrown away. */
  release(keep: boolean): string;
}

interface StoreUnderTest {
  name: string;
  /** The child's variables that point it at this store. */
  env: Record<string, string>;
  /** Resolves once the store is there to be started on. */
  ready: Promise<void>;
  /** Taken while no server runs, before the restart (which starts once it is `taken`). */
  snapshot(n: number): Snapshot;
  /** What the store holds about a message id, for the failure's message. */
  describeMessage(id: number): Promise<string>;
  /** A chat's messages as stored, for a chat none of whose sides may read any more (banned). */
  messagesIn(chat: number): Promise<Map<string, { text: string; from: string }>>;
  /** A restart of the database server itself, under load (a store without one: none). */
  restartDatabase?(): Promise<void>;
  dispose(): Promise<void>;
}

function sqliteStore(): StoreUnderTest {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-crash-loop-'));
  const copyRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-crash-loop-copy-'));
  /** A copy kept for a post-mortem outlives the run. */
  let kept = false;
  return {
    name: 'sqlite',
    // Empty: the embedded store even on the suite's PostgreSQL pass.
    env: { BANYA_DATA_DIR: dataDir, BANYA_DATABASE_URL: '' },
    ready: Promise.resolve(),
    snapshot(n) {
      const copy = path.join(copyRoot, String(n));
      fs.cpSync(dataDir, copy, { recursive: true });
      return {
        taken: Promise.resolve(),
        async check(viaCli) {
          if (viaCli) {
            // The copy's folder in the variables too: cli.env names the live one (store.env).
            const r = await runCli({ ...cli, dataDir: copy, env: { ...cli.env, BANYA_DATA_DIR: copy } }, ['check']);
            return { ok: r.code === 0, out: r.stdout + r.stderr };
          }
          const store = await SqliteStore.open(copy, { durability: 'process' });
          try {
            const problems = await checkProjections(store);
            return { ok: problems.length === 0, out: problems.join('\n') };
          } finally {
            await store.close();
          }
        },
        release(keep) {
          if (keep) kept = true;
          else fs.rmSync(copy, { recursive: true, force: true });
          return copy;
        },
      };
    },
    async describeMessage(id) {
      const db = new BetterSqlite3(path.join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
      try {
        const m = db.prepare('select id, chat_id, from_id, sent_at from messages where id = ?').get(id);
        const max = db.prepare('select max(id) as m from messages').get() as { m: number };
        return `row ${JSON.stringify(m ?? null)}, max message id ${max.m}`;
      } finally {
        db.close();
      }
    },
    async messagesIn(chat) {
      const db = new BetterSqlite3(path.join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
      try {
        const rows = db.prepare('select id, text, from_id from messages where chat_id = ?').all(chat) as { id: number; text: string; from_id: number }[];
        return new Map(rows.map((r) => [`m${r.id}`, { text: r.text, from: `u${r.from_id}` }]));
      } finally {
        db.close();
      }
    },
    async dispose() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (!kept) fs.rmSync(copyRoot, { recursive: true, force: true });
    },
  };
}

/**
 * PostgreSQL: a database on a cluster of the loop's own (or on CRASH_PG_CLUSTER, version/name,
 * reached through BANYA_TEST_DATABASE_URL), snapshots as `create database … template` while no
 * server runs, and a restart of the whole cluster (pg_ctlcluster) halfway, under load.
 */
function postgresStore(): StoreUnderTest {
  // A restart of the harness's own cluster would cut the other test files of the run off their
  // databases: unless CRASH_PG_CLUSTER names one to restart, the loop makes a cluster of its own.
  const own = process.env.CRASH_PG_CLUSTER ? null : ownCluster();
  const serverUrl = () => (own ? own.url : adminUrl());
  const live = `banya_crash_${process.pid}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-crash-loop-pg-'));
  const admin = async <T>(job: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client(pgClientConfig(serverUrl()));
    await c.connect();
    try {
      return await job(c);
    } finally {
      await c.end();
    }
  };
  const drop = (name: string) =>
    admin(async (c) => {
      await c.query(`drop database if exists "${name}" with (force)`);
    });
  const ready = (async () => {
    if (own) await own.ready;
    await drop(live);
    await admin((c) => c.query(`create database "${live}" template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`));
  })();
  const snapshots = new Set<string>();
  return {
    name: 'postgres',
    get env() {
      return { BANYA_DATA_DIR: dataDir, BANYA_DATABASE_URL: withDatabase(serverUrl(), live) };
    },
    ready,
    snapshot(n) {
      const name = `${live}_s${n}`;
      snapshots.add(name);
      // The killed server's sessions may still be closing: none may be on a template.
      const taken = admin(async (c) => {
        await c.query(`drop database if exists "${name}"`);
        await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [live]);
        await c.query(`create database "${name}" template "${live}"`);
      });
      const url = withDatabase(serverUrl(), name);
      return {
        taken,
        async check(viaCli) {
          await taken;
          if (viaCli) {
            const r = await runCli({ ...cli, env: { ...cli.env, BANYA_DATABASE_URL: url } }, ['check']);
            return { ok: r.code === 0, out: r.stdout + r.stderr };
          }
          const store = await PostgresStore.open(url);
          try {
            const problems = await checkProjections(store);
            return { ok: problems.length === 0, out: problems.join('\n') };
          } finally {
            await store.close();
          }
        },
        release(keep) {
          if (!keep) {
            snapshots.delete(name);
            void drop(name).catch(() => undefined);
          }
          return `database ${name}`;
        },
      };
    },
    async describeMessage(id) {
      const c = new pg.Client(pgClientConfig(withDatabase(serverUrl(), live)));
      await c.connect();
      try {
        const m = await c.query('select id, chat_id, from_id, sent_at from messages where id = $1', [id]);
        const max = await c.query('select max(id) as m from messages');
        return `row ${JSON.stringify(m.rows[0] ?? null)}, max message id ${max.rows[0]?.m}`;
      } finally {
        await c.end();
      }
    },
    async messagesIn(chat) {
      const c = new pg.Client(pgClientConfig(withDatabase(serverUrl(), live)));
      await c.connect();
      try {
        const r = await c.query<{ id: number; text: string; from_id: number }>('select id, text, from_id from messages where chat_id = $1', [chat]);
        return new Map(r.rows.map((x) => [`m${x.id}`, { text: x.text, from: `u${x.from_id}` }]));
      } finally {
        await c.end();
      }
    },
    async restartDatabase() {
      if (own) return own.restart();
      const [version, name] = process.env.CRASH_PG_CLUSTER!.split('/');
      await execFileAsync('pg_ctlcluster', ['--skip-systemctl-redirect', version!, name!, 'restart', '--mode', 'fast']);
    },
    async dispose() {
      for (const s of snapshots) await drop(s).catch(() => undefined);
      await drop(live).catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (own) await own.remove();
    },
  };
}

/**
 * A PostgreSQL cluster for this run alone, on a free port, so that restarting it under load
 * disturbs nobody else (the suite's other files keep their cluster). As root (CI): Debian's
 * pg_createcluster, run as postgres, the system's user made its superuser. As anyone else (a
 * developer's machine): initdb and pg_ctl in a temporary folder, its socket there too.
 */
function ownCluster(): { url: string; ready: Promise<void>; restart(): Promise<void>; remove(): Promise<void> } {
  const version = fs
    .readdirSync('/usr/lib/postgresql')
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql)');
  const bin = (tool: string) => path.join('/usr/lib/postgresql', version, 'bin', tool);
  const asRoot = process.getuid?.() === 0;
  const name = `crashloop${process.pid}`;
  const user = process.env.PGUSER || os.userInfo().username;
  const home = asRoot ? '' : fs.mkdtempSync(path.join(os.tmpdir(), 'banya-crash-pg-'));
  const data = path.join(home, 'data');
  const socketDir = asRoot ? '/var/run/postgresql' : home;
  let port = 0;
  const ctl = (...args: string[]) => execFileAsync(bin('pg_ctl'), ['-D', data, '-l', path.join(home, 'log'), '-w', '-t', '60', ...args]);
  const ready = (async () => {
    port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    if (!asRoot) {
      await execFileAsync(bin('initdb'), ['-D', data, '-A', 'trust', '-U', user, '-E', 'UTF8', '--locale', 'C.UTF-8', '--no-sync']);
      await ctl('-o', `-p ${port} -k ${socketDir} -c listen_addresses=''`, 'start');
      return;
    }
    await execFileAsync('pg_createcluster', [version, name, '-p', String(port), '--', '--auth-local=trust', '--auth-host=trust']);
    await execFileAsync('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'start']);
    await execFileAsync('runuser', [
      '-u',
      'postgres',
      '--',
      'psql',
      '-p',
      String(port),
      '-d',
      'postgres',
      '-qc',
      `create role "${user}" superuser login`,
    ]).catch((err: { stderr?: string }) => {
      if (!/already exists/.test(err.stderr ?? '')) throw err;
    });
  })();
  return {
    get url() {
      return `postgres:///postgres?host=${encodeURIComponent(socketDir)}&port=${port}`;
    },
    ready,
    async restart() {
      if (asRoot) await execFileAsync('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'restart', '--mode', 'fast']);
      else await ctl('-m', 'fast', 'restart');
    },
    async remove() {
      if (asRoot) await execFileAsync('pg_dropcluster', ['--stop', version, name]).catch(() => undefined);
      else {
        await ctl('-m', 'immediate', 'stop').catch(() => undefined);
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

const STORES: Record<string, () => StoreUnderTest> = { sqlite: sqliteStore, postgres: postgresStore };
/** The suite's store (BANYA_TEST_STORE, as every other test file), or CRASH_STORES=sqlite,postgres. */
const storeNames = (process.env.CRASH_STORES ?? process.env.BANYA_TEST_STORE ?? 'sqlite').split(',').filter((s) => s !== '');
for (const s of storeNames) if (!STORES[s]) throw new Error(`CRASH_STORES: no store "${s}" (known: ${Object.keys(STORES).join(', ')})`);

const children: ChildProcess[] = [];
let baseEnv: Record<string, string> = { BANYA_CLOCK: 'manual' };
const cli: CliOptions = { dataDir: '', adminToken: ADMIN, env: baseEnv, children };
let built: { entry: string; dir: string } | undefined;
let amojo: StandInAmojo;
let crmConfigDir = '';

beforeAll(async () => {
  if (!CRASH_LOOP) return;
  built = await buildCli();
  cli.entry = built.entry;
  amojo = await new StandInAmojo({ [CH]: CH_SECRET }).start();
  crmConfigDir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-crash-loop-crm-'));
  const file = path.join(crmConfigDir, 'crm.json');
  // No sender protection: a first contact is sent at once, not held for a slot of the manual clock.
  fs.writeFileSync(
    file,
    JSON.stringify({
      channels: [{ id: CH, secret: CH_SECRET, amojoUrl: amojo.url }],
      protection: { enabled: false },
      retryBaseMs: 50,
      retryMaxMs: 200,
      timeoutMs: 2000,
    }),
  );
  baseEnv = { ...baseEnv, BANYA_CRM_CONFIG: file };
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (built) fs.rmSync(built.dir, { recursive: true, force: true });
  if (crmConfigDir) fs.rmSync(crmConfigDir, { recursive: true, force: true });
  await amojo?.stop();
});

// ---------------------------------------------------------------------------------------------
// What was acknowledged (per store: reset by `fresh`)

interface Acct {
  id: string;
  phone: string;
  token: string;
}
interface Acked {
  /** The restart cycle it was answered in, and when (ms, this process's clock). */
  cycle: number;
  at: number;
}
interface Msg extends Acked {
  id: string;
  chatId: string;
  text: string;
  from: Acct;
  /** The other side, when it is an account of ours (not SpamBot). */
  to?: Acct;
}
interface Report {
  id: string;
  caseId?: string;
  reporter: Acct;
  subject: Acct;
}
interface Hook extends Acked {
  msgid: string;
  client: Acct;
  text: string;
}

let poolA: Acct[];
let owners: Acct[];
let peers: Acct[];
let messages: Msg[];
let reports: Report[];
/** caseId → the decision answered 200. */
let decided: Map<string, 'confirm' | 'dismiss'>;
let appeals: { account: Acct; text: string }[];
let contacts: { owner: Acct; peer: Acct }[];
let blocks: { owner: Acct; peer: Acct }[];
/** ticket id → the texts appended to it. */
let tickets: Map<string, string[]>;
let hooks: Hook[];
let clockJumps: number;
let clockJumpsSent: number;

// Bookkeeping of the load itself (what is in progress, not what was acknowledged).
let decisionIssued: Set<string>;
let confirmIssued: Set<string>;
let appealing: Set<string>;
/** Where each account's dialogue with SpamBot is (0: not begun), and the steps answered. */
let appealStep: Map<string, number>;
let botSteps: number;
let blockIssued: Set<string>;

let moderator = '';
let support = '';
let business: Acct;
let scope = '';
/** The cycle in progress (1-based); 0 while setting up. */
let cycle = 0;

function fresh(): void {
  poolA = [];
  owners = [];
  peers = [];
  messages = [];
  reports = [];
  decided = new Map();
  appeals = [];
  contacts = [];
  blocks = [];
  tickets = new Map();
  hooks = [];
  clockJumps = 0;
  clockJumpsSent = 0;
  decisionIssued = new Set();
  confirmIssued = new Set();
  appealing = new Set();
  appealStep = new Map();
  botSteps = 0;
  for (const k of Object.keys(spent) as (keyof typeof spent)[]) spent[k] = 0;
  blockIssued = new Set();
  cycle = 0;
}

let seq = 0;
let storeIndex = 0;
const nextPhone = () => `+44770${6 + storeIndex}6${String(++seq).padStart(5, '0')}`;
let hookSeq = 0;

async function register(url: string): Promise<Acct | undefined> {
  const phone = nextPhone();
  const r = await new Client(url, ADMIN).post('/v1/accounts', { phone, name: `Loop ${phone.slice(-5)}` });
  return r.status === 201 ? { id: r.body.account.id, phone, token: r.body.token } : undefined;
}

function acked(): Acked {
  return { cycle, at: Date.now() };
}

async function send(url: string, from: Acct, to: Acct, text: string): Promise<Res> {
  const r = await new Client(url, from.token).post('/v1/messages', { to: { accountId: to.id }, text });
  if (r.status === 201) messages.push({ id: r.body.message.id, chatId: r.body.message.chatId, text, from, to, ...acked() });
  return r;
}

/** A message to SpamBot (a button pressed by its text); SpamBot's answer, or undefined. */
async function bot(url: string, a: Acct, text: string): Promise<string | undefined> {
  const api = new Client(url, a.token);
  const r = await api.post('/v1/messages', { to: { username: 'spambot' }, text });
  if (r.status !== 201) return undefined;
  const { id, chatId } = r.body.message;
  messages.push({ id, chatId, text, from: a, ...acked() });
  const after = await api.get(`/v1/chats/${chatId}/messages?after=${encodeURIComponent(id)}`);
  return after.status === 200 ? (after.body.messages[0]?.text ?? '') : undefined;
}

// ---------------------------------------------------------------------------------------------
// The load

type Op = (url: string, n: number) => Promise<unknown>;

const ops: [number, Op][] = [
  // A message in a chat that may or may not exist yet.
  [
    30,
    (url, n) => {
      const from = pick(poolA);
      let to = pick(poolA);
      if (to === from) to = poolA[(poolA.indexOf(from) + 1) % poolA.length]!;
      return send(url, from, to, `loop ${n} ${from.id}→${to.id}`);
    },
  ],
  // A new account, and its first message: certainly a new chat.
  [
    6,
    async (url, n) => {
      const to = pick(poolA);
      const a = await register(url);
      if (!a) return;
      poolA.push(a);
      await send(url, a, to, `hello ${n} from a newcomer`);
    },
  ],
  // A report by someone the subject wrote to, with that message as evidence.
  [
    8,
    async (url) => {
      const candidates = messages.filter((m) => m.to && poolA.includes(m.to) && !decisionIssued.has(m.from.id));
      if (candidates.length === 0) return;
      const m = pick(candidates);
      const r = await new Client(url, m.to!.token).post('/v1/reports', { chatId: m.chatId, messageIds: [m.id], reason: 'spam' });
      if (r.status === 201 || r.status === 200) reports.push({ id: r.body.report.id, caseId: r.body.report.caseId, reporter: m.to!, subject: m.from });
    },
  ],
  // A moderator's decision on an open case: a confirmation the first time a subject is decided.
  [
    5,
    async (url) => {
      const open = reports.filter((r) => r.caseId && !decisionIssued.has(r.caseId));
      if (open.length === 0) return;
      const rep = pick(open);
      const caseId = rep.caseId!;
      decisionIssued.add(caseId);
      decisionIssued.add(rep.subject.id);
      const action = confirmIssued.has(rep.subject.id) ? 'dismiss' : 'confirm';
      if (action === 'confirm') confirmIssued.add(rep.subject.id);
      const r = await new Client(url, moderator).post(`/v1/moderation/cases/${caseId}/decision`, { action, policy: 'spam', note: 'loop' });
      if (r.status === 200) decided.set(caseId, action);
    },
  ],
  // An appeal through SpamBot, by its buttons, by a confirmed subject: one step of the dialogue
  // at a time, so that a dialogue spans kills (SpamBot's session is stored). A step without an
  // answer, or an answer off the path, starts the dialogue over.
  [
    6,
    async (url, n) => {
      const filed = new Set(appeals.map((a) => a.account.id));
      const who = poolA.filter((a) => confirmIssued.has(a.id) && !filed.has(a.id) && !appealing.has(a.id));
      if (who.length === 0) return;
      const a = pick(who);
      appealing.add(a.id);
      try {
        const step = appealStep.get(a.id) ?? 0;
        const story = `It was not spam, appeal ${n}`;
        const reply = await bot(url, a, [EN.cancel, EN.mistake, EN.didNot, story][step]!);
        if (reply !== undefined) botSteps++;
        if (reply === undefined || step === 3) appealStep.set(a.id, 0);
        else appealStep.set(a.id, step + 1);
        if (step === 3 && reply && /appeal is filed/.test(reply)) appeals.push({ account: a, text: story });
      } finally {
        appealing.delete(a.id);
      }
    },
  ],
  // A contact import: some of the peers that write to an owner, a number nobody has, and junk.
  [
    5,
    async (url, n) => {
      const owner = pick(owners);
      const chosen = [pick(peers), pick(peers)];
      const r = await new Client(url, owner.token).post('/v1/contacts/import', {
        contacts: [...chosen.map((p) => ({ phone: p.phone, name: `peer ${n}` })), { phone: `+1555${String(1000000 + n).slice(-7)}` }, { phone: 'not a phone' }],
      });
      if (r.status !== 200) return;
      for (const imp of r.body.imported as { accountId: string }[]) {
        const peer = peers.find((p) => p.id === imp.accountId);
        if (peer) contacts.push({ owner, peer });
      }
    },
  ],
  // A block of a peer that writes to the owner.
  [
    3,
    async (url) => {
      const owner = pick(owners);
      const peer = pick(peers);
      const key = `${owner.id}/${peer.id}`;
      if (blockIssued.has(key) || blockIssued.size >= 10) return;
      blockIssued.add(key);
      const r = await new Client(url, owner.token).post('/v1/blocks', { accountId: peer.id });
      if (r.status === 204) blocks.push({ owner, peer });
    },
  ],
  // A peer writes to an owner again (an existing chat), blocked or not.
  [
    6,
    (url, n) => {
      const peer = pick(peers);
      const owner = pick(owners);
      return send(url, peer, owner, `again ${n}`);
    },
  ],
  // A support ticket, or a line appended to the open one.
  [
    5,
    async (url, n) => {
      const a = pick([...owners, ...peers]);
      const text = `ticket line ${n} by ${a.id}`;
      const r = await new Client(url, a.token).post('/v1/support/tickets', { text });
      if (r.status === 201) tickets.set(r.body.ticket.id, [...(tickets.get(r.body.ticket.id) ?? []), text]);
    },
  ],
  // A manager writes to a client through the CRM: the webhook is answered once the job is stored.
  [
    5,
    async (url) => {
      const client = pick(poolA);
      const msgid = `loop-${SEED}-${++hookSeq}`;
      const text = `crm ${hookSeq} to ${client.id}`;
      const raw = JSON.stringify(webhookBody({ msgid, text, clientId: client.id }));
      const res = await fetch(`${url}/crm/amocrm/hooks/${scope}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': sign(CH_SECRET, raw) },
        body: raw,
      });
      await res.arrayBuffer();
      if (res.status === 200) hooks.push({ msgid, client, text, ...acked() });
    },
  ],
];
const totalWeight = ops.reduce((s, [w]) => s + w, 0);
function pickOp(): Op {
  let x = rnd() * totalWeight;
  for (const [w, op] of ops) if ((x -= w) < 0) return op;
  return ops[0]![1];
}

let opSeq = 0;
/** Where the time went (ms), for the budget. */
const spent = { burst: 0, startups: 0, restart: 0, check: 0, verify: 0, crm: 0 };
let inFlightAtKills = 0;
/** When each cycle's kill was sent (ms, this process's clock). */
const killedAt = new Map<number, number>();

/** Acknowledged writes answered after the database came back from its restart, unrestarted banya. */
let ackedAfterDbRestart = 0;

/**
 * Writes keep coming (a few every 4 ms, answered or not) until the server is killed among them.
 * `db-restart`: halfway through the burst the database server restarts under banya, which must
 * answer again without a restart of its own before it is killed.
 */
async function burstAndKill(server: Running, mode: 'load' | 'clock' | 'db-restart', store: StoreUnderTest): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  let killed = false;
  let answered = 0;
  const ticker = setInterval(() => {
    for (let k = 0; k < 4 && !killed && pending.size < 200; k++) {
      const p = pickOp()(server.url, ++opSeq).then(
        () => void answered++,
        () => undefined,
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
  }, 4);
  await new Promise((r) => setTimeout(r, between(250, 900)));
  // On a slow (loaded) machine a burst may end before the load did much: the kill then waits, up
  // to MAX_WAIT_MS, for MIN_ANSWERED answers in this burst and for every kind of write the run
  // must have had (a SpamBot step takes two answers in a row). An idle machine never waits here.
  const waitUntil = Date.now() + MAX_WAIT_MS;
  const short = () => answered < MIN_ANSWERED || botSteps === 0 || tickets.size === 0 || contacts.length === 0 || hooks.length === 0;
  while (short() && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 10));
  if (mode === 'db-restart') {
    await store.restartDatabase!();
    const back = Date.now();
    // Healthy again (the store reconnects on its own), and taking writes, before the kill.
    const until = Date.now() + 30_000;
    for (;;) {
      const h = await fetch(`${server.url}/healthz`).catch(() => null);
      if (h?.status === 200) break;
      expect(Date.now() < until, 'banya is healthy again within 30 s of the database restart').toBe(true);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, between(300, 800)));
    ackedAfterDbRestart += messages.filter((m) => m.at > back).length;
  }
  if (mode === 'clock') {
    // The jump applies due expiries before it answers: die while that is in progress. The load
    // pauses first, so that the jump is not still queued behind it when the kill comes.
    killed = true;
    const until = Date.now() + 1500;
    while (pending.size > 8 && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    clockJumpsSent++;
    const jump = new Client(server.url, ADMIN).post('/v1/admin/clock', { advanceSeconds: between(3600, 3 * 86400) });
    void jump.then(
      (r) => void (r.status === 200 && clockJumps++),
      () => undefined,
    );
    pending.add(jump.catch(() => undefined));
    await new Promise((r) => setTimeout(r, between(0, 8)));
  }
  killed = true;
  clearInterval(ticker);
  inFlightAtKills += pending.size;
  killedAt.set(cycle, Date.now());
  server.child.kill('SIGKILL');
  expect((await server.exited).signal).toBe('SIGKILL');
  await Promise.all([...pending]);
}

/**
 * CPU seconds so far: this process, and its children that ended (every banya started and
 * killed, the CLI checks; /proc/self/stat's cutime and cstime, in clock ticks of 1/100 s).
 * A figure a loaded machine does not inflate as it does wall-clock time. PostgreSQL's own
 * processes are not children of this one and are not counted.
 */
function cpuSeconds(): { own: number; children: number } {
  const u = process.cpuUsage();
  let children = 0;
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    children = Number.NaN; // not Linux
  }
  return { own: (u.user + u.system) / 1e6, children };
}

/** How long the last full start took (ms): start-up kills are spread over that span. */
let lastStartMs = 1500;

async function start(): Promise<Running> {
  const t = Date.now();
  const run = await serve(cli);
  lastStartMs = Date.now() - t;
  return run;
}

/**
 * A start-up killed at a random moment of a start as long as the last one took: while the code
 * loads, while the store opens and recovers, while the index is built and due work is applied,
 * or just after it listens.
 */
async function killDuringStartup(): Promise<void> {
  const run = spawnServe(cli);
  await new Promise((r) => setTimeout(r, between(0, Math.round(lastStartMs * 1.1))));
  run.child.kill('SIGKILL');
  await run.exited;
}

// ---------------------------------------------------------------------------------------------
// The checks

async function allMessages(url: string, reader: Acct, chatId: string): Promise<Res | Map<string, { text: string; from: string }>> {
  const stored = new Map<string, { text: string; from: string }>();
  let after = '';
  for (;;) {
    const r = await new Client(url, reader.token).get(`/v1/chats/${chatId}/messages?limit=1000${after && `&after=${encodeURIComponent(after)}`}`);
    if (r.status !== 200) return r;
    for (const m of r.body.messages as { id: string; text: string; from: string }[]) stored.set(m.id, m);
    if (r.body.messages.length < 1000) return stored;
    after = r.body.messages.at(-1).id;
  }
}

/** When an acknowledged write was answered, against the kill of its cycle. */
function when(a: Acked): string {
  const kill = killedAt.get(a.cycle);
  return `answered in cycle ${a.cycle}${kill === undefined ? '' : `, ${kill - a.at} ms before its kill`}`;
}

/** Everything acknowledged so far, read back from a freshly restarted server; the problems found. */
async function verify(url: string, store: StoreUnderTest): Promise<{ problems: string[]; checked: number }> {
  const problems: string[] = [];
  let checked = 0;
  const staff = new Client(url, moderator);
  const sup = new Client(url, support);

  const byChat = new Map<string, Msg[]>();
  for (const m of messages) byChat.set(m.chatId, [...(byChat.get(m.chatId) ?? []), m]);
  await limited([...byChat.entries()], async ([chatId, acked]) => {
    const first = acked[0]!;
    let stored = await allMessages(url, first.from, chatId);
    if (!(stored instanceof Map) && first.to) stored = await allMessages(url, first.to, chatId);
    // A side banned since (a robot froze it, a clock jump passed its deletion date) reads nothing:
    // its messages are then looked up in the store itself.
    if (!(stored instanceof Map) && stored.body?.error?.code === 'USER_DEACTIVATED_BAN') stored = await store.messagesIn(Number(chatId.slice(1)));
    if (!(stored instanceof Map)) return void problems.push(`chat ${chatId}: ${stored.status} ${JSON.stringify(stored.body)}`);
    for (const m of acked) {
      checked++;
      const s = stored.get(m.id);
      if (!s)
        problems.push(
          `message ${m.id} (${m.from.id}→${m.to?.id ?? 'spambot'}, ${when(m)}) missing from ${chatId}: ${await store.describeMessage(Number(m.id.slice(1)))}`,
        );
      else if (s.text !== m.text || s.from !== m.from.id) problems.push(`message ${m.id} changed: ${JSON.stringify(s)}`);
    }
  });

  const byCase = new Map<string, Report[]>();
  for (const r of reports) if (r.caseId) byCase.set(r.caseId, [...(byCase.get(r.caseId) ?? []), r]);
  checked += reports.length - [...byCase.values()].flat().length; // waiting reports: counted, seen only by `check`
  await limited([...byCase.entries()], async ([caseId, acked]) => {
    const r = await staff.get(`/v1/moderation/cases/${caseId}`);
    if (r.status !== 200) return void problems.push(`case ${caseId}: ${r.status}`);
    const c = r.body.case;
    const ids = new Set((c.reports as { id: string }[]).map((x) => x.id));
    for (const rep of acked) {
      checked++;
      if (!ids.has(rep.id)) problems.push(`report ${rep.id} missing from case ${caseId}`);
      if (c.subject.accountId !== rep.subject.id) problems.push(`case ${caseId} has subject ${c.subject.accountId}, not ${rep.subject.id}`);
    }
    if (decided.has(caseId)) {
      checked++;
      if (c.state !== 'closed') problems.push(`case ${caseId} was decided (${decided.get(caseId)}) but is ${c.state}`);
    }
  });

  const filed: { accountId: string; text: string }[] = [];
  for (const state of ['open', 'decided']) {
    let cursor = '';
    for (;;) {
      const r = await sup.get(`/v1/moderation/appeals?state=${state}&limit=1000${cursor && `&cursor=${encodeURIComponent(cursor)}`}`);
      if (r.status !== 200) {
        problems.push(`appeals ${state}: ${r.status}`);
        break;
      }
      filed.push(...r.body.appeals);
      if (!r.body.nextCursor) break;
      cursor = r.body.nextCursor;
    }
  }
  for (const a of appeals) {
    checked++;
    if (!filed.some((f) => f.accountId === a.account.id && f.text === a.text)) problems.push(`appeal of ${a.account.id} (${a.text}) missing`);
  }

  await Promise.all(
    owners.map(async (owner) => {
      const mine = contacts.filter((c) => c.owner === owner);
      if (mine.length === 0) return;
      const r = await new Client(url, owner.token).get('/v1/chats?limit=1000');
      if (r.status !== 200) return void problems.push(`chats of ${owner.id}: ${r.status}`);
      for (const { peer } of mine) {
        checked++;
        const chat = (r.body.chats as { peer?: { accountId: string }; actionBar?: unknown }[]).find((c) => c.peer?.accountId === peer.id);
        // The peer wrote first and the owner never answered: only a saved contact hides the action bar.
        if (!chat) problems.push(`${owner.id} has no chat with ${peer.id}`);
        else if (chat.actionBar) problems.push(`${peer.id} is not a contact of ${owner.id}: ${JSON.stringify(chat.actionBar)}`);
      }
    }),
  );

  for (const { owner, peer } of blocks) {
    checked++;
    const r = await new Client(url, peer.token).post('/v1/messages', { to: { accountId: owner.id }, text: 'am I blocked?' });
    if (r.body?.error?.code !== 'USER_IS_BLOCKED') problems.push(`${owner.id} blocked ${peer.id}, yet: ${r.status} ${JSON.stringify(r.body)}`);
  }

  await Promise.all(
    [...tickets.entries()].map(async ([id, texts]) => {
      const r = await sup.get(`/v1/moderation/tickets/${id}`);
      if (r.status !== 200) return void problems.push(`ticket ${id}: ${r.status}`);
      const stored = new Set((r.body.ticket.entries as { from: string; text: string }[]).filter((e) => e.from === 'user').map((e) => e.text));
      for (const t of texts) {
        checked++;
        if (!stored.has(t)) problems.push(`ticket ${id} lacks "${t}"`);
      }
    }),
  );

  // Every webhook answered 200 is a job that outlives the kill: the restarted gateway finishes it,
  // so its delivery status reaches the CRM, and a delivered message is in the client's chat.
  const settling = Date.now();
  const unreported = await settle(() => hooks.filter((h) => amojo.statuses(h.msgid).length === 0), 20_000);
  spent.crm += Date.now() - settling;
  for (const h of unreported) problems.push(`webhook ${h.msgid} (${when(h)}) has no delivery status`);
  const delivered = hooks.filter((h) => amojo.statuses(h.msgid).some((s) => s.delivery_status === 1));
  const byClient = new Map<Acct, Hook[]>();
  for (const h of delivered) byClient.set(h.client, [...(byClient.get(h.client) ?? []), h]);
  await Promise.all(
    [...byClient.entries()].map(async ([client, hs]) => {
      const chats = await new Client(url, client.token).get('/v1/chats?limit=1000');
      if (chats.status !== 200) return void problems.push(`chats of ${client.id}: ${chats.status}`);
      const chat = (chats.body.chats as { id: string; peer?: { accountId: string } }[]).find((c) => c.peer?.accountId === business.id);
      const stored = chat ? await allMessages(url, client, chat.id) : undefined;
      const texts = new Set(stored instanceof Map ? [...stored.values()].map((m) => m.text) : []);
      for (const h of hs) {
        checked++;
        if (!texts.has(h.text)) problems.push(`webhook ${h.msgid} was reported delivered, but ${client.id} has no "${h.text}"`);
      }
    }),
  );
  checked += hooks.length;
  return { problems, checked };
}

/**
 * `job` for every item, at most VERIFY_CONCURRENCY at a time: a read-back of hundreds of chats at
 * once would open more connections than the server takes (BANYA_HTTP_MAX_CONNECTIONS, 1024), and
 * those over it are reset.
 */
const VERIFY_CONCURRENCY = 32;
async function limited<T>(items: T[], job: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(VERIFY_CONCURRENCY, items.length) }, async () => {
      while (next < items.length) await job(items[next++]!);
    }),
  );
}

/** Polls `left` until it is empty or `ms` passed; what is left. */
async function settle<T>(left: () => T[], ms: number): Promise<T[]> {
  const until = Date.now() + ms;
  for (;;) {
    const l = left();
    if (l.length === 0 || Date.now() > until) return l;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------

async function crashLoop(store: StoreUnderTest): Promise<void> {
  fresh();
  await store.ready;
  cli.dataDir = store.env.BANYA_DATA_DIR ?? '';
  cli.env = { ...baseEnv, ...store.env };
  const started = Date.now();
  const cpuAtStart = cpuSeconds();
  let server = await start();
  {
    const admin = new Client(server.url, ADMIN);
    const mod = await admin.post('/v1/admin/staff', { name: 'Loop moderator', role: 'moderator' });
    const sup = await admin.post('/v1/admin/staff', { name: 'Loop support', role: 'support' });
    expect([mod.status, sup.status]).toEqual([201, 201]);
    moderator = mod.body.token;
    support = sup.body.token;
    for (const [pool, n] of [
      [poolA, 12],
      [owners, 4],
      [peers, 6],
    ] as const)
      for (const a of await Promise.all(Array.from({ length: n }, () => register(server.url)))) pool.push(a!);
    business = (await register(server.url))!;
    const conn = await admin.post(`/v1/crm/amocrm/channels/${CH}/connections`, {
      amojoAccountId: `amo-loop-${store.name}-${SEED}`,
      businessAccountId: business.id,
    });
    expect(conn.status, JSON.stringify(conn.body)).toBe(201);
    scope = conn.body.connection.scopeId;
    // Every peer writes to every owner first: the owner sees an action bar until it saves the peer.
    for (const p of peers) for (const o of owners) expect((await send(server.url, p, o, `hi from ${p.id}`)).status).toBe(201);
    // One subject confirmed from the start, so that appeals come from the first burst on.
    const [subject, reporter] = [poolA[0]!, poolA[1]!];
    const sent = await send(server.url, subject, reporter, 'a special offer, today only');
    const rep = await new Client(server.url, reporter.token).post('/v1/reports', {
      chatId: sent.body.message.chatId,
      messageIds: [sent.body.message.id],
      reason: 'spam',
    });
    expect(rep.status, JSON.stringify(rep.body)).toBe(201);
    reports.push({ id: rep.body.report.id, caseId: rep.body.report.caseId, reporter, subject });
    const dec = await new Client(server.url, moderator).post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, {
      action: 'confirm',
      policy: 'spam',
      note: 'loop',
    });
    expect(dec.status, JSON.stringify(dec.body)).toBe(200);
    decided.set(rep.body.report.caseId, 'confirm');
    for (const k of [rep.body.report.caseId, subject.id]) decisionIssued.add(k);
    confirmIssued.add(subject.id);
  }

  const modes: ('load' | 'clock')[] = [...Array<'load'>(LOAD_KILLS).fill('load'), ...Array<'clock'>(CLOCK_KILLS).fill('clock')];
  for (let i = modes.length - 1; i > 0; i--) {
    const j = Math.floor(schedule() * (i + 1));
    [modes[i], modes[j]] = [modes[j]!, modes[i]!];
  }
  /** How many start-ups are killed before the restart that follows each burst kill. */
  const startupKills = modes.map(() => 0);
  for (let k = 0; k < STARTUP_KILLS; k++) startupKills[Math.floor(schedule() * modes.length)]!++;
  // The database server restarts once, halfway, under load (in a burst that a kill then ends).
  const cycles: ('load' | 'clock' | 'db-restart')[] = [...modes];
  if (store.restartDatabase) cycles[Math.floor(modes.length / 2)] = 'db-restart';
  console.log(`crash-loop [${store.name}] schedule: ${cycles.map((m, i) => `${m}${'+startup'.repeat(startupKills[i]!)}`).join(' ')}`);

  let kills = 0;
  let checkedTotal = 0;
  let cliChecks = 0;
  for (const [i, mode] of cycles.entries()) {
    cycle = i + 1;
    const what = `[${store.name}] seed ${SEED}, kill ${kills + 1} (${mode}), cycle ${cycle}`;
    let t = Date.now();
    await burstAndKill(server, mode, store);
    spent.burst += Date.now() - t;
    kills++;
    t = Date.now();
    for (let k = 0; k < startupKills[i]!; k++) {
      await killDuringStartup();
      kills++;
    }
    spent.startups += Date.now() - t;
    const viaCli = cycle % CLI_CHECK_EVERY === 0 || cycle === modes.length;
    if (viaCli) cliChecks++;
    const snap = store.snapshot(cycle);
    await snap.taken;
    t = Date.now();
    const [check, next] = await Promise.all([
      snap.check(viaCli).finally(() => (spent.check += Date.now() - t)),
      start().finally(() => (spent.restart += Date.now() - t)),
    ]);
    t = Date.now();
    server = next;
    const running = server;
    const { problems, checked } = await verify(server.url, store).catch((err: unknown) => {
      // A request that failed outright: say whether the server is still up, and what it printed.
      const out = (running as Running & { stderr?: () => string }).stderr?.() ?? '';
      throw new Error(
        `${what}: reading back failed (${String(err)}); the server ${running.child.exitCode === null && running.child.signalCode === null ? 'is up' : `exited (${running.child.exitCode ?? running.child.signalCode})`}\n${out.slice(-4000)}`,
        { cause: err },
      );
    });
    spent.verify += Date.now() - t;
    const kept = snap.release(!check.ok || problems.length > 0);
    checkedTotal += checked;
    expect(check.ok, `${what}: ${viaCli ? 'banya check' : 'checkProjections'} (the data as the kill left it: ${kept})\n${check.out}`).toBe(true);
    expect(problems, `${what} (the data as the kill left it: ${kept})`).toEqual([]);
  }

  server.child.kill('SIGKILL');
  await server.exited;
  const elapsed = (Date.now() - started) / 1000;
  const seconds = elapsed.toFixed(1);
  const cpu = cpuSeconds();
  if (elapsed > BUDGET_S)
    console.log(
      `crash-loop [${store.name}]: ${seconds} s, over the ${BUDGET_S} s budget (os.loadavg ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
    );
  console.log(
    `crash-loop [${store.name}]: ${kills} kills, ${messages.length} messages, ${reports.length} reports (${decided.size} decided), ` +
      `${appeals.length} appeals (${botSteps} SpamBot steps), ${contacts.length} contacts, ${blocks.length} blocks, ${tickets.size} tickets, ${hooks.length} CRM webhooks, ` +
      `${clockJumps} of ${clockJumpsSent} clock jumps answered before the kill; ` +
      (store.restartDatabase ? `${ackedAfterDbRestart} messages answered after the database restart; ` : '') +
      `${inFlightAtKills} writes in flight at kills; ${cliChecks} of the checks by the CLI; ${checkedTotal} acknowledged-write checks; ${seconds} s ` +
      `(${Object.entries(spent)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(', ')}; check and restart overlap, crm is within verify); ` +
      `CPU ${(cpu.own - cpuAtStart.own).toFixed(1)} s in this process, ${(cpu.children - cpuAtStart.children).toFixed(1)} s in its children`,
  );
  expect(kills).toBeGreaterThanOrEqual(20);
  // The kills came under load: writes were in flight, and the load was varied enough to matter.
  expect(inFlightAtKills).toBeGreaterThan(0);
  expect(reports.length).toBeGreaterThan(0);
  expect(decided.size).toBeGreaterThan(0);
  expect(tickets.size).toBeGreaterThan(0);
  expect(contacts.length).toBeGreaterThan(0);
  expect(hooks.length).toBeGreaterThan(0);
  expect(botSteps).toBeGreaterThan(0);
  if (store.restartDatabase) expect(ackedAfterDbRestart).toBeGreaterThan(0);
}

for (const [i, name] of storeNames.entries()) {
  it.runIf(CRASH_LOOP)(
    `keeps every acknowledged write through ${LOAD_KILLS + CLOCK_KILLS + STARTUP_KILLS} kills -9 on ${name} (seed ${SEED})`,
    async () => {
      storeIndex = i;
      const store = STORES[name]!();
      try {
        await crashLoop(store);
      } finally {
        await store.dispose();
      }
    },
    600_000,
  );
}
