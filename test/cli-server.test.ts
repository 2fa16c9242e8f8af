import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type CliOptions, serve } from './helpers/cli-server.js';
import { Client } from './helpers/client.js';
import { ADMIN_TOKEN, startServer, type TestServer } from './helpers/server.js';

/**
 * The crash tests' harness must talk to the server it started and to no other. It once picked a
 * port at random and took the first healthy /healthz answer on it for its child's: when another
 * banya already listened there (another test file's, another checkout's crash loop with the same
 * admin token), the child failed to bind while the load ran against the other server, whose
 * acknowledged writes were then "missing" from the data folder under test. Now the child listens
 * on a port the system gives and the harness waits for that child's own "listening" line.
 */

const children: ChildProcess[] = [];
let other: TestServer;
let built: { entry: string; dir: string };
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-cli-server-'));
const cli = (env: Record<string, string> = {}): CliOptions => ({
  dataDir,
  adminToken: ADMIN_TOKEN,
  env: { BANYA_CLOCK: 'manual', ...env },
  children,
  entry: built.entry,
});

beforeAll(async () => {
  built = await buildCli();
  // Another banya, healthy, with the same admin token.
  other = await startServer();
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await other?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (built) fs.rmSync(built.dir, { recursive: true, force: true });
});

describe('serve (the crash tests’ child process)', () => {
  it('is not fooled by another healthy server on the port its child was to take', async () => {
    const port = new URL(other.url).port;
    // The other server answers /healthz on that port at once; the child cannot bind it.
    expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
    await expect(serve(cli({ BANYA_PORT: port }))).rejects.toThrow(/did not start|exited/);
  }, 120_000);

  it('answers with the address of its own child, which has the data folder under test', async () => {
    const run = await serve(cli());
    try {
      expect(run.url).not.toBe(other.url);
      const made = await new Client(run.url, ADMIN_TOKEN).post('/v1/accounts', { phone: '+447709900001', name: 'Mine' });
      expect(made.status).toBe(201);
      // The account is in this child's store, not in the other server's.
      const me = await new Client(other.url, made.body.token).get('/v1/me');
      expect(me.status).toBe(401);
      expect((await new Client(run.url, made.body.token).get('/v1/me')).status).toBe(200);
    } finally {
      run.child.kill('SIGKILL');
      await run.exited;
    }
  }, 120_000);
});
