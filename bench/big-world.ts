/**
 * Per-user reads in a big world: does what one account (or the live queue) reads cost the same
 * when the world around it is a hundred times larger?
 *
 * Two worlds are built the same way, straight into SQLite (prepared statements in big
 * transactions, bypassing the API) on a data folder the real app migrated first:
 *
 *   big    1,000,000 accounts, 20 contacts each (20 M), 2,000,000 chats (90% private, 10% groups
 *          of 8) with 10–30 messages each (about 40 M), 100,000 open cases (and 200,000 closed),
 *          one session token and one account_created event per account, 1% of accounts limited
 *   small  the same shapes for 10,000 accounts (200 k contacts, 20 k chats, about 400 k
 *          messages, 1,000 open cases)
 *
 * Both hold the same probes: account P with exactly 4 private chats and 2 groups, 20 messages
 * each, and account T with 10,000 timeline events. Then the real server (createApp, in a child
 * process) starts on each world, and this process measures over keep-alive HTTP, one request at a
 * time, the two worlds' servers alternating: start-up time, resident memory, and the p50, p99
 * and server CPU time per request of
 *   - GET /v1/chats                      (P's chat list)
 *   - GET /v1/chats/{id}/messages        (a page of one of P's chats)
 *   - GET /v1/moderation/accounts/{T}    (T's staff timeline)
 *   - GET /v1/moderation/cases           (the queue's first page)
 * Target: each read in the big world ≤ 1.5× the small world's figure. docs/PERFORMANCE.md has a
 * run and what it shows.
 *
 * Run:   node --expose-gc --import tsx bench/big-world.ts
 * Size:  BENCH_ACCOUNTS (default 1,000,000; the small world stays 10,000), BENCH_RUNS (1,000
 *        requests per read after 100 warm-ups).
 * Disk:  the big world takes about 5.2 GB in the OS temp folder; both worlds are deleted at the
 *        end unless BENCH_KEEP=1 (their folders are printed; BENCH_WORLD_BIG / BENCH_WORLD_SMALL
 *        then reuse a kept folder instead of building it again).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { DB_FILE } from '../src/store/sqlite.js';
import { ADMIN_TOKEN, benchApp, envInt, fmt, log, percentile, result, rng, table } from './_lib.js';

const NAME = 'big-world';

// ---- the worlds --------------------------------------------------------------------------------

interface Shape {
  label: 'small' | 'big';
  accounts: number;
  contactsPer: number;
  chats: number;
  groupShare: number;
  groupSize: number;
  /** Messages per chat: min..max, uniform (the probe's chats have exactly PROBE_MESSAGES). */
  messages: [number, number];
  openCases: number;
  closedCases: number;
  limitedShare: number;
  timelineEvents: number;
}

const PROBE_PRIVATE = 4;
const PROBE_GROUPS = 2;
const PROBE_MESSAGES = 20;
const DAY = 24 * 3600_000;
const TEXTS = [
  'Hi! How are you?',
  'See you tomorrow',
  'Did you get the photos?',
  'Call me when you can',
  'On my way',
  'What time is dinner?',
  'Thanks, that helps a lot',
  'Happy birthday!',
];
const REASONS = ['spam', 'scam', 'violence', 'fake', 'other'];

function shape(label: 'small' | 'big', accounts: number): Shape {
  return {
    label,
    accounts,
    contactsPer: 20,
    chats: accounts * 2,
    groupShare: 0.1,
    groupSize: 8,
    messages: [10, 30],
    openCases: Math.round(accounts / 10),
    closedCases: Math.round(accounts / 5),
    limitedShare: 0.01,
    timelineEvents: 10_000,
  };
}

interface Probes {
  /** P's bearer token, and a chat of P's. */
  token: string;
  chatId: string;
  /** T, the account with the long timeline. */
  timelineId: string;
}

/**
 * Rows of one INSERT, sent many at a time (a multi-row VALUES statement prepared once): far fewer
 * calls into SQLite than one statement a row. Inserter.flushAll() before the transaction ends.
 */
class Inserter {
  private readonly many: BetterSqlite3.Statement;
  private readonly one: BetterSqlite3.Statement;
  private readonly params: unknown[] = [];
  private readonly width: number;
  private static readonly ROWS = 100;
  private static readonly all: Inserter[] = [];

  constructor(db: BetterSqlite3.Database, head: string, row: string) {
    this.width = row.split('?').length - 1;
    this.many = db.prepare(`${head} values ${Array.from({ length: Inserter.ROWS }, () => row).join(', ')}`);
    this.one = db.prepare(`${head} values ${row}`);
    Inserter.all.push(this);
  }

  run(...values: unknown[]): void {
    for (const v of values) this.params.push(v);
    if (this.params.length === this.width * Inserter.ROWS) {
      this.many.run(...this.params);
      this.params.length = 0;
    }
  }

  /** Drops the inserters of a finished build. */
  static forget(): void {
    Inserter.all.length = 0;
  }

  static flushAll(): void {
    for (const i of Inserter.all) {
      for (let at = 0; at < i.params.length; at += i.width) i.one.run(...i.params.slice(at, at + i.width));
      i.params.length = 0;
    }
  }
}

/** Builds a world into `dir` (migrated and with its system accounts by the real app first). */
async function build(dir: string, s: Shape): Promise<Probes> {
  const app = await benchApp(dir);
  await app.close();
  const db = new BetterSqlite3(path.join(dir, DB_FILE));
  db.pragma('journal_mode = DELETE');
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('cache_size = -1000000');
  const now = Number((db.prepare(`select value from settings where key = 'manual_clock_ms'`).get() as { value: string }).value);
  const maxId = (t: string) => (db.prepare(`select coalesce(max(id), 0) as m from ${t}`).get() as { m: number }).m;
  let accountId = maxId('accounts');
  let eventId = maxId('events');
  let chatId = maxId('chats');
  let messageId = maxId('messages');
  const rand = rng(s.accounts ^ 0x5eed);
  const pick = (n: number) => Math.floor(rand() * n);

  // Secondary indexes go while loading and come back after (a sort each instead of millions of
  // random B-tree inserts); the DDL is the database's own, so the schema ends up as migrated.
  const indexes = db.prepare(`select name, sql from sqlite_master where type = 'index' and sql is not null`).all() as { name: string; sql: string }[];
  for (const i of indexes) db.exec(`drop index "${i.name}"`);

  const step = (what: string, fn: () => void) => {
    const t = performance.now();
    db.transaction(() => {
      fn();
      Inserter.flushAll();
    })();
    log(NAME, `${s.label}: ${what} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };

  // Accounts: regular accounts first..last; P and T are the first two.
  const first = accountId + 1;
  const last = accountId + s.accounts;
  const P = first;
  const T = first + 1;
  const createdAt = new Float64Array(last + 1);
  const tokenOf = (a: number) => `bench-world-token-${a}`;
  const event = new Inserter(db, `insert into events (id, at, type, actor_kind, actor_id, account_id, payload)`, `(?, ?, ?, ?, ?, ?, ?)`);
  step(`${s.accounts.toLocaleString('en')} accounts, their tokens and account_created events`, () => {
    const account = new Inserter(
      db,
      `insert into accounts (id, phone, name, username, username_lc, language, number_kind, system, find_by_phone, phone_visibility, chat_invites, new_chats, created_at, deleted_at)`,
      `(?, ?, ?, ?, ?, ?, 'mobile', null, ?, 1, 0, 0, ?, null)`,
    );
    const token = new Inserter(db, `insert into tokens (hash, account_id, staff_id, created_at, revoked_at)`, `(?, ?, null, ?, null)`);
    for (let a = first; a <= last; a++) {
      const at = now - 30 * DAY - pick(700) * DAY - pick(DAY);
      createdAt[a] = at;
      const username = rand() < 0.3 ? `user${a}` : null;
      account.run(a, `+447${100_000_000 + a}`, `Person ${a}`, username, username, rand() < 0.5 ? 'en' : null, rand() < 0.5 ? 1 : 0, at);
      token.run(createHash('sha256').update(tokenOf(a)).digest('hex'), a, at);
      event.run(++eventId, at, 'account_created', 'admin', null, a, '{"numberKind":"mobile"}');
    }
    accountId = last;
  });
  const randomAccount = (not: number[] = []) => {
    for (;;) {
      const a = first + pick(s.accounts);
      if (a !== P && !not.includes(a)) return a;
    }
  };

  // Contacts, in primary-key order.
  const contactsOf = (owner: number): number[] => {
    const set = new Set<number>();
    while (set.size < s.contactsPer) {
      const c = first + pick(s.accounts);
      if (c !== owner) set.add(c);
    }
    return [...set].sort((x, y) => x - y);
  };
  step(`${(s.accounts * s.contactsPer).toLocaleString('en')} contacts`, () => {
    const contact = new Inserter(db, `insert into contacts (owner_id, contact_id, name, created_at)`, `(?, ?, null, ?)`);
    for (let a = first; a <= last; a++) for (const c of contactsOf(a)) contact.run(a, c, createdAt[a]! + DAY);
  });

  // Chats, then each chat's messages in time order (ids grow with time within a chat).
  let messages = 0;
  let probeChat = 0;
  step(`${s.chats.toLocaleString('en')} chats with their members and messages`, () => {
    const chat = new Inserter(
      db,
      `insert into chats (id, kind, title, public, owner_id, peer_low, peer_high, started_by, low_wrote, high_wrote, created_at)`,
      `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const member = new Inserter(db, `insert into chat_members (chat_id, account_id, role, updated_at)`, `(?, ?, ?, ?)`);
    const message = new Inserter(db, `insert into messages (id, chat_id, from_id, text, buttons, sent_at)`, `(?, ?, ?, ?, null, ?)`);
    const pairs = new Set<number>();
    const span = (count: number, from: number) => {
      // `count` message times after `from`, increasing, before now.
      const gap = Math.max(1, Math.floor((now - from) / (count + 1)));
      const out: number[] = [];
      let t = from;
      for (let k = 0; k < count; k++) out.push((t += 1 + pick(gap)));
      return out;
    };
    const writeMessages = (chatId: number, from: number, people: number[], count: number) => {
      for (const at of span(count, from)) message.run(++messageId, chatId, people[pick(people.length)]!, TEXTS[pick(TEXTS.length)]!, at);
      messages += count;
    };
    const privateChat = (a: number, b: number, count: number) => {
      const low = Math.min(a, b);
      const high = Math.max(a, b);
      const key = low * 4_194_304 + high;
      if (pairs.has(key)) return false;
      pairs.add(key);
      const at = Math.max(createdAt[a]!, createdAt[b]!) + pick(10 * DAY);
      chat.run(++chatId, 'private', null, 0, null, low, high, a, 1, 1, at);
      writeMessages(chatId, at, [a, b], count);
      return true;
    };
    const group = (owner: number, members: number[], count: number) => {
      const at = createdAt[owner]! + pick(10 * DAY);
      const isChannel = rand() < 0.2;
      chat.run(++chatId, isChannel ? 'channel' : 'group', `Group ${chatId}`, rand() < 0.3 ? 1 : 0, owner, null, null, null, 0, 0, at);
      const all = [owner, ...members].sort((x, y) => x - y);
      for (const m of all) member.run(chatId, m, m === owner ? 'owner' : 'member', at + pick(DAY));
      writeMessages(chatId, at + DAY, isChannel ? [owner] : all, count);
    };
    // P's chats: exactly PROBE_PRIVATE private chats and PROBE_GROUPS groups.
    for (let k = 0; k < PROBE_PRIVATE; ) if (privateChat(P, randomAccount([T]), PROBE_MESSAGES)) k++;
    probeChat = chatId;
    for (let k = 0; k < PROBE_GROUPS; k++) {
      const members = new Set<number>([P]);
      while (members.size < s.groupSize - 1) members.add(randomAccount());
      group(randomAccount(), [...members], PROBE_MESSAGES);
    }
    const [lo, hi] = s.messages;
    for (let k = chatId; k < s.chats; ) {
      const count = lo + pick(hi - lo + 1);
      if (k % Math.round(1 / s.groupShare) === 0) {
        const owner = randomAccount();
        const members = new Set<number>();
        while (members.size < s.groupSize - 1) members.add(randomAccount([owner]));
        group(owner, [...members], count);
        k++;
      } else {
        const a = randomAccount();
        if (privateChat(a, randomAccount([a]), count)) k++;
      }
    }
  });

  // Cases: closed and open (with their open report and case_opened event), restrictions.
  step(`${(s.openCases + s.closedCases).toLocaleString('en')} cases and ${Math.round(s.accounts * s.limitedShare).toLocaleString('en')} restrictions`, () => {
    const kase = new Inserter(
      db,
      `insert into cases (id, subject_id, chat_id, state, priority, report_count, reasons, opened_by, claimed_by, claimed_at, decision, policy, decided_by, decided_at, created_at)`,
      `(?, ?, 0, ?, ?, 1, ?, null, null, null, ?, ?, ?, ?, ?)`,
    );
    const report = new Inserter(
      db,
      `insert into reports (id, reporter_id, subject_id, chat_id, kind, reason, comment, weight, stranger, admin_report, case_id, state, outcome, created_at)`,
      `(?, ?, ?, 0, 'private', ?, null, 0.25, 1, 0, ?, ?, ?, ?)`,
    );
    const total = s.openCases + s.closedCases;
    const caseBase = maxId('cases');
    const reportBase = maxId('reports');
    for (let k = 1; k <= total; k++) {
      const id = caseBase + k;
      const open = k > s.closedCases; // the newest are open
      const subject = randomAccount();
      const reporter = randomAccount([subject]);
      const reason = REASONS[pick(REASONS.length)]!;
      const at = now - (total - k) * Math.floor((200 * DAY) / total) - pick(60_000);
      kase.run(
        id,
        subject,
        open ? 'open' : 'closed',
        Math.round(rand() * 100_000) / 1000,
        JSON.stringify([reason]),
        open ? null : 'dismiss',
        open ? null : reason,
        open ? null : 's1',
        open ? null : at + DAY,
        at,
      );
      report.run(reportBase + k, reporter, subject, reason, id, open ? 'open' : 'closed', open ? null : 'dismissed', at);
      event.run(
        ++eventId,
        at,
        'case_opened',
        'account',
        `u${reporter}`,
        subject,
        JSON.stringify({ caseId: id, subjectId: subject, chatId: 0, openedBy: null }),
      );
    }
    const restriction = new Inserter(
      db,
      `insert into restrictions (id, account_id, state, kind, until, delete_at, case_id, rule, created_at, ended_at, end_reason)`,
      `(?, ?, 'limited', 'robot', ?, null, null, 'cold_fanout', ?, null, null)`,
    );
    const limited = new Set<number>();
    while (limited.size < Math.round(s.accounts * s.limitedShare)) limited.add(randomAccount([T]));
    let rid = maxId('restrictions');
    for (const a of [...limited].sort((x, y) => x - y)) {
      restriction.run(++rid, a, now + 30 * DAY, now - DAY);
      event.run(
        ++eventId,
        now - DAY,
        'restriction_applied',
        'robot',
        'cold_fanout',
        a,
        JSON.stringify({ restrictionId: rid, state: 'limited', kind: 'robot', until: now + 30 * DAY, deleteAt: null, rule: 'cold_fanout' }),
      );
    }
  });

  // T's timeline: reports filed about T, case updates, sessions.
  step(`${s.timelineEvents.toLocaleString('en')} timeline events of one account`, () => {
    for (let k = 0; k < s.timelineEvents; k++) {
      const at = now - (s.timelineEvents - k) * 60_000;
      const reporter = randomAccount([T]);
      if (k % 3 === 0)
        event.run(
          ++eventId,
          at,
          'report_filed',
          'account',
          `u${reporter}`,
          T,
          JSON.stringify({
            reportId: 1,
            reporterId: reporter,
            subjectId: T,
            chatId: 1,
            kind: 'private',
            reason: 'spam',
            weight: 0.25,
            stranger: true,
            adminReport: false,
            caseId: null,
            evidence: [1, 2],
          }),
        );
      else if (k % 3 === 1)
        event.run(
          ++eventId,
          at,
          'case_updated',
          'account',
          `u${reporter}`,
          T,
          JSON.stringify({ caseId: 1, priority: 0.5, reportCount: k, reasons: ['spam'], attached: [1] }),
        );
      else event.run(++eventId, at, 'token_issued', 'admin', null, T, '{}');
    }
  });

  const t = performance.now();
  for (const i of indexes) db.exec(i.sql);
  log(NAME, `${s.label}: ${indexes.length} indexes rebuilt in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  Inserter.forget();
  db.pragma('journal_mode = WAL');
  db.close();
  log(NAME, `${s.label}: ${messages.toLocaleString('en')} messages; ${fmt(fs.statSync(path.join(dir, DB_FILE)).size / 1e9)} GB on disk`);
  return { token: tokenOf(P), chatId: `c${probeChat}`, timelineId: `u${T}` };
}

// ---- measuring -------------------------------------------------------------------------------

interface Server {
  label: string;
  child: ChildProcess;
  url: string;
  agent: http.Agent;
  startMs: number;
  rss: number;
}

interface Read {
  p50: number;
  p99: number;
  /** The server's CPU time per request (ms): what the read costs, whatever else the machine does. */
  cpu: number;
  /** The server's garbage-collection pauses over the measured requests (ms). */
  gc: { max: number; total: number; count: number };
  bytes: number;
}

function get(server: Server, p: string, token: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(server.url + p, { agent: server.agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
    });
    req.on('error', reject);
  });
}

function serve(label: string, dir: string): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dir], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { url: string; startMs: number; rss: number }) => {
      log(NAME, `${label}: server up in ${(m.startMs / 1000).toFixed(1)} s, ${Math.round(m.rss / 1e6)} MB resident`);
      resolve({ label, child, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), ...m });
    });
    child.once('exit', (code) => reject(new Error(`${label} server exited (${code}) before it was ready`)));
  });
}

interface Answer {
  rss: number;
  ms: number;
  gc: { max: number; total: number; count: number };
}

function ask(child: ChildProcess, what: string): Promise<Answer> {
  return new Promise((resolve) => {
    child.once('message', (m: Answer) => resolve(m));
    child.send(what);
  });
}

async function stop(server: Server): Promise<void> {
  server.agent.destroy();
  await new Promise<void>((r) => {
    server.child.once('exit', () => r());
    server.child.send('stop');
  });
}

/**
 * One read on both servers: warm-ups, then `runs` requests to each, alternating (which goes
 * first alternates too), so that whatever else the machine is doing weighs on both alike.
 */
async function compare(name: string, servers: [Server, Server], paths: [string, string], tokens: [string, string], runs: number): Promise<[Read, Read]> {
  const bytes = [0, 0];
  for (let w = 0; w < 100; w++) {
    for (const i of [0, 1]) {
      const r = await get(servers[i]!, paths[i]!, tokens[i]!);
      if (r.status !== 200) throw new Error(`${servers[i]!.label} ${name}: ${paths[i]} answered ${r.status}`);
      bytes[i] = r.bytes;
    }
  }
  const xs = [new Float64Array(runs), new Float64Array(runs)];
  const cpu0 = [(await ask(servers[0].child, 'cpu')).ms, (await ask(servers[1].child, 'cpu')).ms];
  for (let k = 0; k < runs; k++) {
    for (const i of k % 2 === 0 ? [0, 1] : [1, 0]) {
      const t = performance.now();
      await get(servers[i]!, paths[i]!, tokens[i]!);
      xs[i]![k] = performance.now() - t;
    }
  }
  const end = [await ask(servers[0].child, 'cpu'), await ask(servers[1].child, 'cpu')];
  const out = [0, 1].map((i) => ({
    p50: percentile(xs[i]!, 50),
    p99: percentile(xs[i]!, 99),
    cpu: (end[i]!.ms - cpu0[i]!) / runs,
    gc: end[i]!.gc,
    bytes: bytes[i]!,
  })) as [Read, Read];
  log(
    NAME,
    `${name}: p50 ${out[0].p50.toFixed(2)} / ${out[1].p50.toFixed(2)} ms, p99 ${out[0].p99.toFixed(2)} / ${out[1].p99.toFixed(2)} ms, CPU ${out[0].cpu.toFixed(3)} / ${out[1].cpu.toFixed(3)} ms a request, GC pauses ${out[0].gc.count} / ${out[1].gc.count} longest ${out[0].gc.max.toFixed(1)} / ${out[1].gc.max.toFixed(1)} ms (small / big)`,
  );
  return out;
}

interface World {
  dir: string;
  probes: Probes;
  buildS: number;
  gb: number;
  reused: boolean;
}

async function world(label: 'small' | 'big', accounts: number, keep: boolean): Promise<World> {
  const reuse = process.env[label === 'big' ? 'BENCH_WORLD_BIG' : 'BENCH_WORLD_SMALL'];
  const probesFile = (d: string) => path.join(d, 'bench-probes.json');
  if (reuse && fs.existsSync(probesFile(reuse))) {
    log(NAME, `${label}: reusing ${reuse}`);
    const probes = JSON.parse(fs.readFileSync(probesFile(reuse), 'utf8')) as Probes;
    return { dir: reuse, probes, buildS: 0, gb: fs.statSync(path.join(reuse, DB_FILE)).size / 1e9, reused: true };
  }
  const free = fs.statfsSync(os.tmpdir());
  const needGb = (accounts / 1e6) * 8; // 5.2 GB at the end, more while indexes are rebuilt
  if ((free.bavail * free.bsize) / 1e9 < needGb + 5) throw new Error(`${label} world needs about ${needGb.toFixed(0)} GB free in ${os.tmpdir()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `banya-bench-world-${label}-`));
  if (!keep) process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const t = performance.now();
  const probes = await build(dir, shape(label, accounts));
  const buildS = (performance.now() - t) / 1000;
  fs.writeFileSync(probesFile(dir), JSON.stringify(probes));
  log(NAME, `${label}: built in ${buildS.toFixed(0)} s${keep ? `, kept in ${dir}` : ''}`);
  return { dir, probes, buildS, gb: fs.statSync(path.join(dir, DB_FILE)).size / 1e9, reused: false };
}

async function main(): Promise<void> {
  const keep = process.env.BENCH_KEEP === '1';
  const bigAccounts = envInt('BENCH_ACCOUNTS', 1_000_000);
  const runs = envInt('BENCH_RUNS', 1000);
  const load0 = os.loadavg()[0]!;
  const small = await world('small', 10_000, keep);
  const big = await world('big', bigAccounts, keep);
  // One at a time, so that each start-up has the machine to itself.
  const servers: [Server, Server] = [await serve('small', small.dir), await serve('big', big.dir)];
  const both = <T>(f: (w: World) => T): [T, T] => [f(small), f(big)];
  const reads: Record<string, [Read, Read]> = {
    'chat list': await compare(
      'chat list',
      servers,
      ['/v1/chats', '/v1/chats'],
      both((w) => w.probes.token),
      runs,
    ),
    'message page': await compare(
      'message page',
      servers,
      both((w) => `/v1/chats/${w.probes.chatId}/messages`),
      both((w) => w.probes.token),
      runs,
    ),
    'staff timeline': await compare(
      'staff timeline',
      servers,
      both((w) => `/v1/moderation/accounts/${w.probes.timelineId}`),
      [ADMIN_TOKEN, ADMIN_TOKEN],
      runs,
    ),
    queue: await compare('queue', servers, ['/v1/moderation/cases', '/v1/moderation/cases'], [ADMIN_TOKEN, ADMIN_TOKEN], runs),
  };
  const rss = [(await ask(servers[0].child, 'memory')).rss / 1e6, (await ask(servers[1].child, 'memory')).rss / 1e6];
  for (const s of servers) await stop(s);
  for (const w of [small, big]) if (!keep && !w.reused) fs.rmSync(w.dir, { recursive: true, force: true });

  const bigLabel = `${fmt(bigAccounts)} accounts`;
  const [s0, s1] = servers;
  result({
    name: `start-up (${bigLabel})`,
    value: s1.startMs / 1000,
    unit: 's',
    baseline: s0.startMs / 1000,
    ratio: s1.startMs / s0.startMs,
    target: '',
    pass: true,
    note: `createApp + listen; ${big.gb.toFixed(2)} GB database (small: ${small.gb.toFixed(2)} GB)`,
  });
  result({
    name: `resident memory (${bigLabel})`,
    value: rss[1]!,
    unit: 'MB',
    baseline: rss[0]!,
    ratio: rss[1]! / rss[0]!,
    target: '',
    pass: true,
    note: `after the reads and a GC (just started: ${Math.round(s1.rss / 1e6)} MB)`,
  });
  for (const [name, [s, b]] of Object.entries(reads)) {
    for (const q of ['p50', 'p99', 'cpu'] as const) {
      const ratio = b[q] / s[q];
      const label = q === 'cpu' ? 'server CPU a request' : q;
      const gc = (r: Read) => `${r.gc.count} GC pauses, longest ${r.gc.max.toFixed(1)} ms, ${r.gc.total.toFixed(0)} ms in all`;
      const note = q === 'p99' ? `${b.bytes} bytes an answer; during the requests: big ${gc(b)}; small ${gc(s)}` : `${b.bytes} bytes an answer`;
      result({ name: `${name} ${label}`, value: b[q], unit: 'ms', baseline: s[q], ratio, target: '≤ 1.5× baseline', pass: ratio <= 1.5, note });
    }
  }
  table(`Per-user reads: ${bigLabel} beside 10 k accounts (baseline), same probes`, [
    big.reused
      ? `big world reused (${big.gb.toFixed(2)} GB)`
      : `big world built in ${big.buildS.toFixed(0)} s (${big.gb.toFixed(2)} GB); small in ${small.buildS.toFixed(0)} s`,
    `${runs} keep-alive requests per read and world after 100 warm-ups, the two worlds' servers alternating`,
    `machine load average (1 min) ${load0.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end, on ${os.cpus().length} cores`,
  ]);
}

// ---- the server child ------------------------------------------------------------------------

if (process.argv[2] === '--serve') {
  const dir = process.argv[3]!;
  const t0 = performance.now();
  const app = await benchApp(dir);
  const url = await app.listen();
  const startMs = performance.now() - t0;
  // Garbage-collection pauses, between two 'cpu' questions: what a bigger heap does to the tail.
  let gcMax = 0;
  let gcTotal = 0;
  let gcCount = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMax = Math.max(gcMax, e.duration);
      gcTotal += e.duration;
      gcCount++;
    }
  }).observe({ entryTypes: ['gc'] });
  const g = (globalThis as { gc?: () => void }).gc;
  g?.();
  process.send!({ event: 'ready', url, startMs, rss: process.memoryUsage().rss });
  process.on('message', (m: string) => {
    if (m === 'memory') {
      g?.();
      process.send!({ event: 'memory', rss: process.memoryUsage().rss });
    } else if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ event: 'cpu', ms: (u.user + u.system) / 1000, gc: { max: gcMax, total: gcTotal, count: gcCount } });
      gcMax = gcTotal = gcCount = 0;
    } else if (m === 'stop') void app.close().then(() => process.exit(0));
  });
} else {
  await main();
}
