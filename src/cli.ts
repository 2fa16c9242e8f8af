import fs from 'node:fs';
import path from 'node:path';
import { type Command, choice, defineCommand, flag, runCommand, UsageError, usage } from './cli-args.js';
import { configFromEnv, ConfigError, type Config } from './config.js';
import { replayCommand, traceCommand } from './robots/replay-cli.js';
import type { PostgresStore } from './store/postgres.js';

// The server, the stores and the demo are loaded by the commands that use them, once their
// command line is read: `--help` and a mistyped option cost no more than reading it.

const USAGE = `usage: banya <command>

  serve [--demo]   start the server (BANYA_* variables configure it); --demo seeds the
                   demo world into an empty data folder first
  migrate          create or update the database (the data folder's, or BANYA_DATABASE_URL's), then exit
  migrate --to postgres
                   copy the data folder's embedded store into the PostgreSQL database of
                   BANYA_DATABASE_URL (its schema is made first), verify the row counts and run
                   the projection check there; safe to run again (tables already copied are
                   left, empty ones copied; a target holding other rows is refused)
  demo             seed the demo world into an empty data folder, then exit
  replay FILE      run a trace (TRACE.md) through the robots: [--json] [--svg FILE] [--robots FILE]
  trace            write a generated labelled trace: [--seed N] [--accounts N] [--days D] [--out FILE]
                   [--profile adversarial [--report-rate-scale X] [--block-rate-scale X] …]
  check            replay the event log through the projectors into an empty database and
                   compare every projection table with the stored one, row by row; exits 1 on
                   any difference
  help [COMMAND]   print this, or the command's options (as banya COMMAND --help does)

Configuration: BANYA_DATA_DIR (./data), BANYA_PORT (8080), BANYA_HOST (127.0.0.1),
BANYA_DATABASE_URL (PostgreSQL instead of the data folder), BANYA_ADMIN_TOKEN, BANYA_CLOCK=manual, BANYA_DURABILITY=process|power, BANYA_LOG_LEVEL.
`;

/** `banya migrate --to postgres`: the data folder's SQLite store into BANYA_DATABASE_URL. */
async function migrateTo(config: Config): Promise<number> {
  if (!config.databaseUrl) {
    process.stderr.write('banya: migrate --to postgres needs BANYA_DATABASE_URL, the database to copy into\n');
    return 1;
  }
  const { DB_FILE, SqliteStore } = await import('./store/sqlite.js');
  if (!fs.existsSync(path.join(config.dataDir, DB_FILE))) {
    process.stderr.write(`banya: ${config.dataDir} holds no embedded store (${DB_FILE}) to copy\n`);
    return 1;
  }
  const postgres = await import('./store/postgres.js');
  const { CopyRefused, copyToPostgres, progressPrinter } = await import('./store/copy.js');
  const from = await SqliteStore.open(config.dataDir, { durability: config.durability });
  let to: PostgresStore | undefined;
  try {
    to = await postgres.PostgresStore.open(config.databaseUrl);
    const report = await copyToPostgres(from, to, progressPrinter(process.stdout));
    const copied = report.tables.filter((t) => t.state === 'copied').length;
    for (const line of report.problems) process.stdout.write(`${line}\n`);
    if (report.problems.length > 0) {
      process.stdout.write(`banya: the copy does not verify (${report.problems.length} problems above)\n`);
      return 1;
    }
    process.stdout.write(
      copied === 0
        ? 'banya: the target already holds this store, row for row; nothing to copy. Counts and the projection check agree\n'
        : `banya: copied ${copied} tables into PostgreSQL; counts and the projection check agree\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof CopyRefused) {
      process.stderr.write(`banya: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await to?.close();
    await from.close();
  }
}

const serveCommand = defineCommand(
  {
    name: 'serve',
    summary: 'Starts the server; BANYA_* variables configure it.',
    options: { demo: flag('seed the demo world into an empty data folder first') },
  },
  (v) => v,
  async ({ demo }) => {
    const { serve } = await import('./main.js');
    await serve({ demo }, configFromEnv());
    return -1; // keeps running
  },
);

const migrateCommand = defineCommand(
  {
    name: 'migrate',
    summary: "Creates or updates the database (the data folder's, or BANYA_DATABASE_URL's), then exits.",
    options: {
      to: choice(['postgres'], "instead: copy the data folder's embedded store into BANYA_DATABASE_URL's PostgreSQL database"),
    },
    notes: [
      'With --to postgres the schema is made first, then the row counts are verified and the projection check runs there; safe to run again (tables already copied are left, empty ones copied; a target holding other rows is refused).',
    ],
  },
  (v) => v,
  async ({ to }) => {
    const config = configFromEnv();
    if (to === 'postgres') return migrateTo(config);
    const { openStore } = await import('./store/open.js');
    const store = await openStore(config);
    await store.close();
    process.stdout.write(`banya: ${config.databaseUrl ? 'the PostgreSQL database' : config.dataDir} is migrated\n`);
    return 0;
  },
);

const checkCommand = defineCommand(
  {
    name: 'check',
    summary:
      'Replays the event log through the projectors into an empty database and compares every projection table with the stored one, row by row; exits 1 on any difference.',
    options: {},
  },
  () => undefined,
  async () => {
    const config = configFromEnv();
    const { openStore } = await import('./store/open.js');
    const { checkProjections } = await import('./check.js');
    const store = await openStore(config);
    try {
      const problems = await checkProjections(store);
      for (const line of problems) process.stdout.write(`${line}\n`);
      process.stdout.write(
        problems.length === 0
          ? 'banya: every projection matches the event log\n'
          : `banya: ${problems.length} differences${problems.length >= 50 ? ' (the first 50)' : ''}\n`,
      );
      return problems.length === 0 ? 0 : 1;
    } finally {
      await store.close();
    }
  },
);

const demoCommand = defineCommand(
  { name: 'demo', summary: 'Seeds the demo world into an empty data folder, then exits.', options: {} },
  () => undefined,
  async () => {
    const config = configFromEnv();
    const { createApp } = await import('./app.js');
    const { isEmptyWorld, seedDemo, writeDemoFile } = await import('./demo.js');
    const app = await createApp({ ...config, logLevel: 'warn' });
    try {
      if (!isEmptyWorld(app)) {
        process.stderr.write(`banya: ${config.dataDir} already has accounts; the demo seeds only an empty data folder\n`);
        return 1;
      }
      const file = writeDemoFile(config.dataDir, await seedDemo(app), app.generatedAdminToken);
      process.stdout.write(`banya: seeded the demo world; accounts and tokens are in ${file}\n`);
      return 0;
    } finally {
      await app.close();
    }
  },
);

const COMMANDS = new Map<string, Command>();

const helpCommand = defineCommand(
  {
    name: 'help',
    summary: "Prints banya's commands, or one command's options.",
    operands: [{ name: 'COMMAND', description: 'the command whose options to print', optional: true }],
    options: {},
  },
  (_v, [name]) => {
    if (name === undefined) return USAGE;
    const command = COMMANDS.get(name);
    if (!command) throw new UsageError(`unknown command ${name}`);
    return usage(command.spec);
  },
  async (text) => {
    process.stdout.write(text);
    return 0;
  },
);

for (const c of [serveCommand, migrateCommand, demoCommand, replayCommand, traceCommand, checkCommand, helpCommand]) COMMANDS.set(c.spec.name, c);

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS.get(name);
  if (!command) {
    process.stderr.write(`banya: ${name === undefined ? 'no command given' : `unknown command ${name}`}\n\n${USAGE}`);
    return 2;
  }
  return runCommand(command, rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`banya: ${err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
