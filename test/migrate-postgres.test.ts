import { spawn } from 'node:child_process';
import { mulberry32 } from '../src/domain/random.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo, type DemoWorld } from '../src/demo.js';
import { BIN } from './helpers/cli-server.js';
import { Client, World } from './helpers/client.js';
import { emptyDatabaseFor, onPostgres } from './helpers/pg.js';
import { ADMIN_TOKEN, freshDataDir, startServer, type TestServer } from './helpers/server.js';

/**
 * `banya migrate --to postgres`: a demo world plus a random history on the embedded store,
 * copied into PostgreSQL, answers every read of the API as it did before; a second run finds
 * everything there and copies nothing; a target holding other rows is refused.
 *
 * Needs a PostgreSQL server: it runs in the suite's PostgreSQL pass (BANYA_TEST_STORE=postgres),
 * and is skipped in the SQLite pass, which has none.
 */

let dataDir: string;
let targetUrl: string;
let server: TestServer | undefined;
let world: DemoWorld;

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BANYA_')) base[k] = v;
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, BANYA_LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** A small deterministic generator, so that the history is the same on every run. */
const prng = mulberry32;

/** Random messages, contacts, blocks, reports, decisions and time between the demo's people. */
async function randomHistory(url: string, steps: number): Promise<void> {
  const rnd = prng(Number(process.env.FC_SEED ?? 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const people = Object.values(world.accounts);
  const as = (p: (typeof people)[number]) => new Client(url, p.token);
  const w = new World(url);
  const moderator = await w.staff('moderator');
  for (let i = 0; i < steps; i++) {
    const a = pick(people);
    const b = pick(people.filter((p) => p !== a));
    const r = rnd();
    if (r < 0.45) await as(a).post('/v1/messages', { to: { accountId: b.id }, text: `note ${i} from ${a.name}` });
    else if (r < 0.55) await as(a).post('/v1/contacts', { accountId: b.id });
    else if (r < 0.6) await as(a).post('/v1/blocks', { accountId: b.id });
    else if (r < 0.75) {
      const chats = (await as(a).get('/v1/chats?limit=100')).body.chats as { id: string; type: string }[];
      const chat = chats.find((c) => c.type === 'private');
      if (chat) await as(a).post('/v1/reports', { chatId: chat.id });
    } else if (r < 0.88) {
      const cases = (await moderator.get('/v1/moderation/cases')).body.cases as { id: string }[];
      if (cases.length > 0)
        await moderator.post(`/v1/moderation/cases/${pick(cases).id}/decision`, rnd() < 0.6 ? { action: 'confirm', policy: 'spam' } : { action: 'dismiss' });
    } else await w.advance(Math.floor(rnd() * 3 * 86_400));
  }
}

/** Every read the API has over this world, for each of its people and for staff. */
async function answers(url: string): Promise<unknown[]> {
  const out: unknown[] = [];
  const admin = new Client(url, ADMIN_TOKEN);
  for (const p of Object.values(world.accounts)) {
    const api = new Client(url, p.token);
    const chats = (await api.get('/v1/chats?limit=1000')).body;
    out.push(
      p.name,
      (await api.get('/v1/me')).body,
      (await api.get('/v1/privacy')).body,
      (await api.get('/v1/contacts')).body,
      (await api.get('/v1/blocks')).body,
      chats,
    );
    for (const c of chats.chats as { id: string }[]) out.push((await api.get(`/v1/chats/${c.id}/messages?limit=1000`)).body);
    out.push((await admin.get(`/v1/moderation/accounts/${p.id}`)).body);
  }
  const cases = (await admin.get('/v1/moderation/cases?state=all')).body;
  out.push(cases, (await admin.get('/v1/moderation/cases')).body, (await admin.get('/v1/moderation/appeals')).body, (await admin.get('/v1/admin/staff')).body);
  for (const c of ((await admin.get('/v1/moderation/cases')).body.cases ?? []) as { id: string }[])
    out.push((await admin.get(`/v1/moderation/cases/${c.id}`)).body);
  out.push((await admin.post('/v1/admin/clock', { advanceSeconds: 0 })).body);
  return out;
}

describe.skipIf(!onPostgres())('banya migrate --to postgres', () => {
  let before: unknown[];

  beforeAll(async () => {
    dataDir = freshDataDir();
    // The source is the embedded store, whatever store this pass gives other tests.
    server = await startServer({ databaseUrl: undefined }, dataDir);
    world = await seedDemo(server.app);
    await randomHistory(server.url, 150);
    // A case left open, so that case_ranks has rows to copy.
    const w = new World(server.url);
    const [x, y] = [await w.account(), await w.account()];
    const m = await x.api.post('/v1/messages', { to: { accountId: y.id }, text: 'cheap watches' });
    expect((await y.api.post('/v1/reports', { chatId: m.body.message.chatId, reason: 'spam' })).status).toBe(201);
    before = await answers(server.url);
    await server.stop();
    server = undefined;
    targetUrl = await emptyDatabaseFor(`${dataDir}-target`);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('copies every table, verifies counts and projections, and the API answers as before', async () => {
    const r = await cli(['migrate', '--to', 'postgres'], { BANYA_DATA_DIR: dataDir, BANYA_DATABASE_URL: targetUrl });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // Not a terminal: a line per table.
    expect(r.out).toMatch(/^accounts: \d+ rows copied$/m);
    expect(r.out).toMatch(/^events: \d+ rows copied$/m);
    expect(r.out).toContain('counts and the projection check agree');

    server = await startServer({ databaseUrl: targetUrl }, dataDir);
    expect(server.app.platform.store.kind).toBe('postgres');
    expect(await answers(server.url)).toEqual(before);
    // The log goes on after the copied ids.
    const a = Object.values(world.accounts)[0]!;
    const b = Object.values(world.accounts)[1]!;
    const sent = await new Client(server.url, a.token).post('/v1/messages', { to: { accountId: b.id }, text: 'after the move' });
    expect([201, 403]).toContain(sent.status);
    // So does case_ranks' numbering (the queue's passes), after the ids copied into it.
    const ranks = await sql<{
      copied: number;
      next: number;
    }>`select (select count(*) from case_ranks) as copied, (select coalesce(max(id), 0) from case_ranks) as max, nextval(pg_get_serial_sequence('case_ranks', 'id')) as next`.execute(
      server.app.platform.store.db,
    );
    const r0 = ranks.rows[0] as unknown as { copied: string; max: string; next: string };
    expect(Number(r0.copied)).toBeGreaterThan(0);
    expect(Number(r0.next)).toBeGreaterThan(Number(r0.max));
    await server.stop();
    server = undefined;
  }, 120_000);

  it('run again on a target that holds exactly the source, copies nothing and says so', async () => {
    // The message above made the target differ; a fresh target, copied once, then again.
    targetUrl = await emptyDatabaseFor(`${dataDir}-target`);
    expect((await cli(['migrate', '--to', 'postgres'], { BANYA_DATA_DIR: dataDir, BANYA_DATABASE_URL: targetUrl })).code).toBe(0);
    const again = await cli(['migrate', '--to', 'postgres'], { BANYA_DATA_DIR: dataDir, BANYA_DATABASE_URL: targetUrl });
    expect(again.code).toBe(0);
    expect(again.out).toContain('nothing to copy');
    expect(again.out).not.toMatch(/rows copied/);
  }, 120_000);

  it('refuses a target holding other rows, and writes nothing to it', async () => {
    server = await startServer({ databaseUrl: targetUrl }, dataDir);
    const a = Object.values(world.accounts)[0]!;
    const b = Object.values(world.accounts)[1]!;
    void a;
    void b;
    // A row only the target has: a new account.
    expect((await new World(server.url).admin.post('/v1/accounts', { phone: '+447700900999', name: 'Only in the target' })).status).toBe(201);
    const mine = await answers(server.url);
    await server.stop();
    server = undefined;
    const r = await cli(['migrate', '--to', 'postgres'], { BANYA_DATA_DIR: dataDir, BANYA_DATABASE_URL: targetUrl });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refusing to mix two worlds/);
    server = await startServer({ databaseUrl: targetUrl }, dataDir);
    expect(await answers(server.url)).toEqual(mine);
  }, 120_000);
});
