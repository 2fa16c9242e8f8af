import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { adminUrl, databaseFor, databaseUrlFor, onPostgres, withDatabase } from './pg.js';

/**
 * The real CLI (`node bin/banya.js …`) as a child process on a data folder: for tests that kill
 * it with -9 and start it again.
 */

export const BIN = fileURLToPath(new URL('../../bin/banya.js', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Running {
  child: ChildProcess;
  url: string;
  exited: Promise<Exit>;
}

export interface CliOptions {
  dataDir: string;
  adminToken: string;
  /** More variables for the child (BANYA_CLOCK, …). */
  env?: Record<string, string>;
  /** Every child started is pushed here, so that an afterAll can kill what is left. */
  children: ChildProcess[];
}

/** The parent's environment without any BANYA_ variable, and the test's own. */
export function childEnv(opts: CliOptions, port?: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BANYA_')) env[k] = v;
  return {
    ...env,
    BANYA_DATA_DIR: opts.dataDir,
    // On the PostgreSQL pass, the data folder's own database (made by serve/runCli before the start).
    ...(onPostgres() ? { BANYA_DATABASE_URL: withDatabase(adminUrl(), databaseFor(opts.dataDir)) } : {}),
    ...(port === undefined ? {} : { BANYA_PORT: String(port), BANYA_HOST: '127.0.0.1' }),
    BANYA_ADMIN_TOKEN: opts.adminToken,
    BANYA_LOG_LEVEL: 'silent',
    // The floods in these tests are few clients on purpose; rate limits would only turn writes into 429s.
    BANYA_RATE_LIMITS: 'false',
    ...opts.env,
  };
}

/** `banya serve` on a random high port, not waited for: the caller may kill it while it starts. */
export function spawnServe(opts: CliOptions): Running & { stderr: () => string } {
  const port = 20000 + Math.floor(Math.random() * 40000);
  const child = spawn(process.execPath, [BIN, 'serve'], { env: childEnv(opts, port), stdio: ['ignore', 'pipe', 'pipe'] });
  opts.children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, url: `http://127.0.0.1:${port}`, exited, stderr: () => stderr };
}

/** Starts `banya serve` (on another port if the one picked is taken) and waits for /healthz. */
export async function serve(opts: CliOptions): Promise<Running> {
  if (onPostgres()) await databaseUrlFor(opts.dataDir);
  let lastError = '';
  for (let attempt = 0; attempt < 8; attempt++) {
    const run = spawnServe(opts);
    let gone = false;
    void run.exited.then(() => (gone = true));
    // Generous: under a loaded CI machine a cold start through tsx takes a while.
    const deadline = Date.now() + 60_000;
    while (!gone && Date.now() < deadline) {
      try {
        const res = await fetch(`${run.url}/healthz`);
        if (res.status === 200 && ((await res.json()) as { ok?: unknown }).ok === true) return run;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!gone) {
      run.child.kill('SIGKILL');
      throw new Error(`banya did not become healthy: ${run.stderr()}`);
    }
    await run.exited;
    lastError = run.stderr();
    if (!/EADDRINUSE/.test(lastError)) throw new Error(`banya exited at start: ${lastError}`);
  }
  throw new Error(`no free port found: ${lastError}`);
}

/** Runs a one-shot CLI command (`check`, `migrate`, …) on a data folder; its exit code and output. */
export async function runCli(opts: CliOptions, args: string[]): Promise<Exit & { stdout: string; stderr: string }> {
  if (onPostgres()) await databaseUrlFor(opts.dataDir);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(opts), stdio: ['ignore', 'pipe', 'pipe'] });
    opts.children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
