import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTrace } from '../src/robots/generate.js';
import { buildCli, type CliOptions, runCli } from './helpers/cli-server.js';
import { ADMIN_TOKEN } from './helpers/server.js';
import { databaseUrlFor, onPostgres } from './helpers/pg.js';

/**
 * The real `banya` command line: --help prints a command's usage and does nothing else; a
 * command line the command does not take is one line naming the mistake, the usage, exit code 2,
 * and nothing done: no trace written, no server started, no database made.
 */

const children: ChildProcess[] = [];
let built: { entry: string; dir: string };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-cli-'));
const dataDir = path.join(dir, 'data');
const cli = (): CliOptions => ({ dataDir, adminToken: ADMIN_TOKEN, children, entry: built.entry });
const banya = (...args: string[]) => runCli(cli(), args);

beforeAll(async () => {
  fs.mkdirSync(dataDir);
  // On the PostgreSQL pass the data folder's database, made once before the commands run side by side.
  if (onPostgres()) await databaseUrlFor(dataDir);
  built = await buildCli();
}, 120_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
  if (built) fs.rmSync(built.dir, { recursive: true, force: true });
});

/** A usage error: exit 2, nothing on stdout, `banya <command>: <what>` then the command's usage on stderr. */
function expectUsageError(r: { code: number | null; stdout: string; stderr: string }, command: string, what: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const [first, blank, usage] = r.stderr.split('\n');
  expect(first).toMatch(new RegExp(`^banya ${command}: `));
  expect(first).toMatch(what);
  expect(blank).toBe('');
  expect(usage).toMatch(new RegExp(`^usage: banya ${command}\\b`));
}

describe('banya <command> --help', () => {
  it('prints the usage on stdout, exits 0, and writes no trace', async () => {
    const out = path.join(dir, 'help.jsonl');
    const [long, short] = await Promise.all([banya('trace', '--seed', '3', '--out', out, '--help'), banya('trace', '-h', '--out', out)]);
    for (const r of [long, short]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^usage: banya trace \[--profile basic\|adversarial\]/);
      for (const option of ['--seed N', '--accounts N', '--out FILE', '--delays uniform|exponential', '--innocent-reply X'])
        expect(r.stdout).toContain(`  ${option}`);
    }
    expect(short.stdout).toBe(long.stdout);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('opens no database for check and migrate, and `help trace` prints the same usage', async () => {
    const [check, migrate, help, trace] = await Promise.all([
      banya('check', '--help'),
      banya('migrate', '-h'),
      banya('help', 'trace'),
      banya('trace', '--help'),
    ]);
    expect(check).toMatchObject({ code: 0, stderr: '' });
    expect(check.stdout).toMatch(/^usage: banya check\n/);
    expect(migrate.stdout).toMatch(/^usage: banya migrate \[--to postgres\]\n/);
    expect(help).toMatchObject({ code: 0, stdout: trace.stdout });
    if (!onPostgres()) expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});

describe('a command line the command does not take', () => {
  it('is refused with exit 2 and the mistake named: unknown option, bad number, missing FILE, unknown command', async () => {
    const out = path.join(dir, 'refused.jsonl');
    const [bogus, seed, replay, unknown, nothing] = await Promise.all([
      banya('trace', '--bogus', '--out', out),
      banya('trace', '--seed', 'abc', '--out', out),
      banya('replay', '--json'),
      banya('frobnicate'),
      banya(),
    ]);
    expectUsageError(bogus, 'trace', /unknown option --bogus$/);
    expectUsageError(seed, 'trace', /--seed must be an integer, not "abc"$/);
    expectUsageError(replay, 'replay', /missing FILE$/);
    expect(fs.existsSync(out)).toBe(false);
    for (const r of [unknown, nothing]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/\nusage: banya <command>\n/);
    }
    expect(unknown.stderr.split('\n')[0]).toBe('banya: unknown command frobnicate');
  });

  it('does not start the server for serve --nope, nor make a database for migrate --to mysql', async () => {
    const [serve, migrate] = await Promise.all([banya('serve', '--nope'), banya('migrate', '--to', 'mysql')]);
    expectUsageError(serve, 'serve', /unknown option --nope$/);
    expectUsageError(migrate, 'migrate', /--to must be postgres, not "mysql"$/);
    if (!onPostgres()) expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});

describe('a good command line', () => {
  it('runs as before: trace with its defaults writes the trace the generator makes', async () => {
    const r = await banya('trace', '--seed', '3', '--accounts', '60', '--days', '1');
    expect(r.code, r.stderr).toBe(0);
    const expected = [...generateTrace({ seed: 3, accounts: 60, days: 1 })].map((l) => `${JSON.stringify(l)}\n`).join('');
    expect(r.stdout).toBe(expected);
  });
});
