import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminUrl, databaseFor, databaseUrlFor, onPostgres, withDatabase } from './pg.js';

/**
 * The real CLI (`node bin/banya.js …`) as a child process on a data folder: for tests that kill
 * it with -9 and start it again.
 */

export const BIN = fileURLToPath(new URL('../../bin/banya.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Running {
  child: ChildProcess;
  /** Known once the child said where it listens (`serve` waits for it; `spawnServe` may not get there). */
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
  /** The CLI's code built into one file (`buildCli`), run instead of bin/banya.js: a start costs a fraction. */
  entry?: string;
}

/** The parent's environment without any BANYA_ variable, and the test's own. */
export function childEnv(opts: CliOptions, listen = false): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BANYA_')) env[k] = v;
  return {
    ...env,
    BANYA_DATA_DIR: opts.dataDir,
    // On the PostgreSQL pass, the data folder's own database (made by serve/runCli before the start).
    ...(onPostgres() ? { BANYA_DATABASE_URL: withDatabase(adminUrl(), databaseFor(opts.dataDir)) } : {}),
    // Port 0: the system gives a free port and the child prints it; no port is guessed, so no
    // other process listening on a guessed port can ever answer for this one.
    ...(listen ? { BANYA_PORT: '0', BANYA_HOST: '127.0.0.1' } : {}),
    BANYA_ADMIN_TOKEN: opts.adminToken,
    BANYA_LOG_LEVEL: 'silent',
    // The floods in these tests are few clients on purpose; rate limits would only turn writes into 429s.
    BANYA_RATE_LIMITS: 'false',
    ...opts.env,
  };
}

const LISTENING = /banya: listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * `banya serve` on a port the system picks, not waited for: the caller may kill it while it
 * starts. `listening` resolves with the child's own address once it has printed it.
 */
export function spawnServe(opts: CliOptions): Running & { stderr: () => string; listening: Promise<string | null> } {
  const child = spawn(process.execPath, [opts.entry ?? BIN, 'serve'], { env: childEnv(opts, true), stdio: ['ignore', 'pipe', 'pipe'] });
  opts.children.push(child);
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const run = { child, url: '', exited, stderr: () => stderr, listening: Promise.resolve<string | null>(null) };
  run.listening = new Promise<string | null>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (run.url) return;
      stdout += d.toString();
      const m = LISTENING.exec(stdout);
      if (m) {
        run.url = m[1]!;
        resolve(run.url);
      }
    });
    void exited.then(() => resolve(null));
  });
  return run;
}

/** Starts `banya serve` and waits until this very child listens and answers /healthz. */
export async function serve(opts: CliOptions): Promise<Running> {
  if (onPostgres() && !(opts.env && 'BANYA_DATABASE_URL' in opts.env)) await databaseUrlFor(opts.dataDir);
  const run = spawnServe(opts);
  // Generous: under a loaded CI machine a cold start through tsx takes a while.
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 90_000).unref());
  const url = await Promise.race([run.listening, timeout]);
  if (url === 'timeout' || url === null) {
    run.child.kill('SIGKILL');
    throw new Error(`banya did not ${url === null ? 'start' : 'listen in time'}: ${run.stderr()}`);
  }
  for (;;) {
    const res = await fetch(`${url}/healthz`).catch(() => null);
    if (res?.status === 200 && ((await res.json()) as { ok?: unknown }).ok === true) return run;
    if (run.child.exitCode !== null || run.child.signalCode !== null) throw new Error(`banya exited at start: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a one-shot CLI command (`check`, `migrate`, …) on a data folder; its exit code and output. */
export async function runCli(opts: CliOptions, args: string[]): Promise<Exit & { stdout: string; stderr: string }> {
  if (onPostgres() && !(opts.env && 'BANYA_DATABASE_URL' in opts.env)) await databaseUrlFor(opts.dataDir);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [opts.entry ?? BIN, ...args], { env: childEnv(opts), stdio: ['ignore', 'pipe', 'pipe'] });
    opts.children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * The CLI (src/cli.ts) built into one ES module with the project's own bundler, its packages
 * left to node_modules: the same code bin/banya.js runs through tsx, started in about a tenth of
 * the time. Written under the repository (so that its imports resolve), in a folder of its own;
 * the caller removes it.
 */
export async function buildCli(): Promise<{ entry: string; dir: string }> {
  const base = path.join(ROOT, '.test-build');
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, 'cli-'));
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'warn',
    root: ROOT,
    build: {
      ssr: path.join(ROOT, 'src/cli.ts'),
      outDir: dir,
      emptyOutDir: false,
      minify: false,
      sourcemap: false,
      target: 'node20',
      rollupOptions: { output: { format: 'es', entryFileNames: 'cli.js' } },
    },
  });
  return { entry: path.join(dir, 'cli.js'), dir };
}
