import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from './helpers/client.js';
import { type Running, serve as serveCli } from './helpers/cli-server.js';

/**
 * A SIGKILL in the middle of `POST /v1/admin/clock` (RULES.md §7): the advance is all or nothing
 * as the restarted server shows it. Limits that ran out on the way are never found ended while
 * the clock reads a time before their end: either the clock stayed (and they run) or it moved
 * (and the start finishes the work that came due).
 */

const ADMIN = 'crash-clock-admin-token-0123456789';
const DAY = 86_400;
let dataDir: string;
const children: ChildProcess[] = [];
const serve = (): Promise<Running> =>
  serveCli({ dataDir, adminToken: ADMIN, children, env: { BANYA_CLOCK: 'manual', BANYA_RATE_LIMITS: 'false', BANYA_ROBOTS_FILE: robotsOff() } });

function robotsOff(): string {
  const file = path.join(dataDir, 'robots-off.json');
  if (!fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify({ rules: {}, dailyActionCap: 0 }));
  return file;
}

let phone = 0;
interface Limited {
  token: string;
  until: number;
}

/** `n` accounts, each limited for 24 h by a confirmed spam report. */
async function limited(url: string, n: number): Promise<Limited[]> {
  const admin = new Client(url, ADMIN);
  const make = async (): Promise<Limited> => {
    const a = await admin.post('/v1/accounts', { phone: `+4477066${String(++phone).padStart(5, '0')}`, name: 'Spammer' });
    const v = await admin.post('/v1/accounts', { phone: `+4477066${String(++phone).padStart(5, '0')}`, name: 'Victim' });
    const sent = await new Client(url, a.body.token).post('/v1/messages', { to: { accountId: v.body.account.id }, text: 'cheap watches' });
    const r = await new Client(url, v.body.token).post('/v1/reports', { chatId: sent.body.message.chatId, reason: 'spam' });
    const d = await admin.post(`/v1/moderation/cases/${r.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    return { token: a.body.token, until: Date.parse(d.body.sanction.until) };
  };
  const out: Limited[] = [];
  for (let i = 0; i < n; i += 25) out.push(...(await Promise.all(Array.from({ length: Math.min(25, n - i) }, make))));
  return out;
}

async function states(url: string, accounts: Limited[]): Promise<string[]> {
  return Promise.all(accounts.map(async (a) => (await new Client(url, a.token).get('/v1/me')).body.restriction.state as string));
}

let running: Running;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-crash-clock-'));
  running = await serve();
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('kill -9 while the manual clock moves past many limits', () => {
  const N = 300;
  let took = 0;
  it('(how long an advance over N limits takes here, uninterrupted: everything it ended is ended)', async () => {
    const accounts = await limited(running.url, N);
    const started = performance.now();
    const r = await new Client(running.url, ADMIN).post('/v1/admin/clock', { advanceSeconds: DAY + 3600 });
    took = performance.now() - started;
    expect(r.status).toBe(200);
    expect(new Set(await states(running.url, accounts))).toEqual(new Set(['free']));
  }, 180_000);

  for (const share of [0.3, 0.6]) {
    it(`killed ${share * 100}% of the way through: the restarted server's clock and the limits agree`, async () => {
      const accounts = await limited(running.url, N);
      const admin = new Client(running.url, ADMIN);
      const before = Date.parse((await admin.post('/v1/admin/clock', { advanceSeconds: 0 })).body.now);
      void admin.post('/v1/admin/clock', { advanceSeconds: DAY + 3600 }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, Math.max(1, took * share)));
      running.child.kill('SIGKILL');
      await running.exited;
      running = await serve();
      const now = Date.parse((await new Client(running.url, ADMIN).post('/v1/admin/clock', { advanceSeconds: 0 })).body.now);
      const shown = await states(running.url, accounts);
      // Ended only if the clock is past its end; running only if it is not.
      const wrong = accounts.filter((a, i) => shown[i] !== (now >= a.until ? 'free' : 'limited'));
      expect(wrong.length, `clock ${now - before} ms on; ${shown.filter((x) => x === 'free').length} of ${N} free`).toBe(0);
    }, 180_000);
  }
});
