import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../src/store/sqlite.js';
import { type Running, serve as serveCli } from './helpers/cli-server.js';
import { onPostgres } from './helpers/pg.js';
import { Client } from './helpers/client.js';

/**
 * Durability across SIGKILL: the real CLI as a child process; every write it acknowledged with a
 * 2xx is there after `kill -9` and a restart on the same data folder.
 */

const ADMIN = 'crash-test-admin-token-0123456789';

let dataDir: string;
const children: ChildProcess[] = [];

/** Starts `banya serve` on the test's data folder and waits for /healthz. */
const serve = (): Promise<Running> => serveCli({ dataDir, adminToken: ADMIN, children });

interface AckedAccount {
  id: string;
  phone: string;
  token: string;
}
interface AckedMessage {
  id: string;
  chatId: string;
  text: string;
  from: AckedAccount;
}

let phoneSeq = 0;
const nextPhone = () => `+4477055${String(++phoneSeq).padStart(5, '0')}`;

/** One write: an account registration or a message between two known accounts. */
function write(url: string, i: number, known: AckedAccount[], accounts: AckedAccount[], messages: AckedMessage[]): Promise<void> {
  const admin = new Client(url, ADMIN);
  if (i % 3 === 0) {
    const phone = nextPhone();
    return admin.post('/v1/accounts', { phone, name: `Crash ${phone.slice(-5)}` }).then((r) => {
      if (r.status === 201) accounts.push({ id: r.body.account.id, phone, token: r.body.token });
    });
  }
  const from = known[i % known.length]!;
  const to = known[(i * 7 + 3) % known.length]!;
  const target = from === to ? known[(i + 1) % known.length]! : to;
  const text = `message ${i} from ${from.id}`;
  return new Client(url, from.token).post('/v1/messages', { to: { accountId: target.id }, text }).then((r) => {
    if (r.status === 201) messages.push({ id: r.body.message.id, chatId: r.body.message.chatId, text, from });
  });
}

let first: Running;
let second: Running;
const ackedAccounts: AckedAccount[] = [];
const ackedMessages: AckedMessage[] = [];
let inFlightWhenKilled = 0;
/** Writes of wave 2 that got no answer at all: cut off by the kill. */
let cutOff = 0;
let walAfterKill = false;
/** Accounts and messages acknowledged before wave 2: robots heard each, many turns before the kill. */
let heardBeforeWave2 = 0;

/**
 * A registration whose body is only half sent when the server dies: certainly in flight, and
 * never to be answered or applied.
 */
interface HalfSent {
  phone: string;
  answered: boolean;
  closed: Promise<void>;
}
const UNFINISHED_PHONE = '+447705599999';

function sendHalf(url: string, phone: string): Promise<HalfSent> {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({ phone, name: 'Never finished' });
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        `POST /v1/accounts HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${ADMIN}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, body.length >> 1)}`,
        () => resolve(half),
      );
    });
    const half: HalfSent = { phone, answered: false, closed: new Promise((r) => socket.once('close', () => r())) };
    socket.on('data', () => (half.answered = true));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}
let halfSent: HalfSent;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-crash-'));
  first = await serve();

  // A few accounts to talk between.
  const base: AckedAccount[] = [];
  await Promise.all(Array.from({ length: 12 }, (_, i) => write(first.url, i * 3, base, base, [])));
  expect(base).toHaveLength(12);
  ackedAccounts.push(...base);

  // Wave 1: 300 concurrent writes, all answered.
  const wave1 = Array.from({ length: 300 }, (_, i) => write(first.url, i, base, ackedAccounts, ackedMessages).catch(() => undefined));
  await Promise.all(wave1);
  heardBeforeWave2 = ackedAccounts.length + ackedMessages.length;

  // Wave 2: writes keep coming (10 every 2 ms, at most 3000, whether or not earlier ones were
  // answered), and after 150 ms the server is killed with -9 among them. (Waiting for answers
  // before writing more would not do: the answers of one group commit arrive together, and the
  // server sits idle right after them.)
  halfSent = await sendHalf(first.url, UNFINISHED_PHONE);
  let issued = 0;
  let settled = 0;
  let killed = false;
  const pending: Promise<void>[] = [];
  const ticker = setInterval(() => {
    for (let k = 0; k < 10 && issued < 3000 && !killed; k++) {
      const i = issued++;
      pending.push(
        write(first.url, 1000 + i, base, ackedAccounts, ackedMessages)
          .catch(() => void cutOff++)
          .finally(() => void settled++),
      );
    }
  }, 2);
  // The kill comes 150 ms in, but not before enough writes were answered to make the check
  // meaningful: on a loaded machine 150 ms may hold only a few answers.
  const startedAt = Date.now();
  const killedNow = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (Date.now() - startedAt < 150 || (ackedMessages.length <= 220 && issued < 3000)) return;
      // Killed with writes in flight: on a loaded machine the ticker may lag behind the answers,
      // and a poll may find every write issued so far answered; the next tick brings more.
      if (issued - settled === 0 && issued < 3000) return;
      clearInterval(poll);
      killed = true;
      clearInterval(ticker);
      inFlightWhenKilled = issued - settled;
      first.child.kill('SIGKILL');
      resolve();
    }, 2);
  });
  await killedNow;
  const exit = await first.exited;
  await Promise.all(pending);
  await halfSent.closed;
  expect(exit.signal).toBe('SIGKILL');
  walAfterKill = fs.existsSync(path.join(dataDir, `${DB_FILE}-wal`));

  second = await serve();
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('after kill -9 and a restart on the same data folder', () => {
  it('was a real crash in the middle of writing', () => {
    // Writes were coming when it died; how many of them the server had already answered is a
    // matter of timing, but the half-sent one was certainly cut off.
    expect(inFlightWhenKilled).toBeGreaterThan(0);
    expect(halfSent.answered).toBe(false);
    if (!onPostgres()) expect(walAfterKill).toBe(true); // SQLite's WAL; PostgreSQL's is the server's
    expect(ackedAccounts.length).toBeGreaterThan(100);
    expect(ackedMessages.length).toBeGreaterThan(200);
  });

  it('has every account it acknowledged, with its token', async () => {
    const admin = new Client(second.url, ADMIN);
    const missing: string[] = [];
    await Promise.all(
      ackedAccounts.map(async (a) => {
        const me = await new Client(second.url, a.token).get('/v1/me');
        if (me.status !== 200 || me.body.account.id !== a.id || me.body.account.phone !== a.phone) missing.push(`${a.id}: /v1/me ${me.status}`);
        const taken = await admin.post('/v1/accounts', { phone: a.phone, name: 'again' });
        if (taken.body?.error?.code !== 'PHONE_TAKEN') missing.push(`${a.phone}: ${taken.status}`);
      }),
    );
    expect(missing).toEqual([]);
  });

  it('has every message it acknowledged, in its chat, in order', async () => {
    const byChat = new Map<string, AckedMessage[]>();
    for (const m of ackedMessages) byChat.set(m.chatId, [...(byChat.get(m.chatId) ?? []), m]);
    const problems: string[] = [];
    await Promise.all(
      [...byChat.entries()].map(async ([chatId, acked]) => {
        const res = await new Client(second.url, acked[0]!.from.token).get(`/v1/chats/${chatId}/messages?limit=1000`);
        if (res.status !== 200) return void problems.push(`${chatId}: ${res.status}`);
        const stored = new Map<string, { text: string; from: string; index: number }>();
        res.body.messages.forEach((m: { id: string; text: string; from: string }, index: number) => stored.set(m.id, { ...m, index }));
        let last = -1;
        for (const m of [...acked].sort((x, y) => Number(x.id.slice(1)) - Number(y.id.slice(1)))) {
          const s = stored.get(m.id);
          if (!s) problems.push(`${m.id} missing from ${chatId}`);
          else if (s.text !== m.text || s.from !== m.from.id) problems.push(`${m.id} changed: ${JSON.stringify(s)}`);
          else if (s.index <= last) problems.push(`${m.id} out of order`);
          else last = s.index;
        }
      }),
    );
    expect(problems).toEqual([]);
  });

  it('applied nothing of the write that was cut off half-way', async () => {
    const res = await new Client(second.url, ADMIN).post('/v1/accounts', { phone: UNFINISHED_PHONE, name: 'Finished now' });
    expect(res.status).toBe(201);
  });

  it("rebuilt the robots' evidence from what they heard before the crash (their memory in the store)", async () => {
    // Everything up to the end of wave 1 was answered many turns before the kill, and robots
    // heard each (an account, a message): the replay at the restart read them all, at the least.
    const metrics = await fetch(`${second.url}/metrics`).then((r) => r.text());
    const replayed = Number(/^banya_robot_memory_replayed_events (\d+)$/m.exec(metrics)?.[1] ?? -1);
    expect(heardBeforeWave2).toBeGreaterThan(250);
    expect(replayed).toBeGreaterThanOrEqual(heardBeforeWave2);
  });

  it('goes on writing with fresh ids after the crash', async () => {
    const admin = new Client(second.url, ADMIN);
    const res = await admin.post('/v1/accounts', { phone: nextPhone(), name: 'After the crash' });
    expect(res.status).toBe(201);
    const newId = Number(res.body.account.id.slice(1));
    for (const a of ackedAccounts) expect(newId).toBeGreaterThan(Number(a.id.slice(1)));
    const sent = await new Client(second.url, res.body.token).post('/v1/messages', { to: { accountId: ackedAccounts[0]!.id }, text: 'still here' });
    expect(sent.status).toBe(201);
    for (const m of ackedMessages) expect(Number(sent.body.message.id.slice(1))).toBeGreaterThan(Number(m.id.slice(1)));
  });
});
