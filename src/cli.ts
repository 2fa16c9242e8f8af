import fs from 'node:fs';
import path from 'node:path';
import { createApp } from './app.js';
import { configFromEnv, ConfigError, type Config } from './config.js';
import { isEmptyWorld, seedDemo, writeDemoFile } from './demo.js';
import { checkProjections } from './check.js';
import { serve } from './main.js';
import { replayCommand, traceCommand } from './robots/replay-cli.js';
import { CopyRefused, copyToPostgres, progressPrinter } from './store/copy.js';
import { openStore } from './store/open.js';
import { PostgresStore } from './store/postgres.js';
import { DB_FILE, SqliteStore } from './store/sqlite.js';

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
  trace            write a generated labelled trace: --seed N --accounts N [--days D] [--out FILE]
                   [--profile adversarial [--report-rate-scale X] [--block-rate-scale X]]
  check            replay the event log through the projectors into an empty database and
                   compare every projection table with the stored one, row by row; exits 1 on
                   any difference

Configuration: BANYA_DATA_DIR (./data), BANYA_PORT (8080), BANYA_HOST (127.0.0.1),
BANYA_DATABASE_URL (PostgreSQL instead of the data folder), BANYA_ADMIN_TOKEN, BANYA_CLOCK=manual, BANYA_DURABILITY=process|power, BANYA_LOG_LEVEL.
`;

/** `banya migrate --to postgres`: the data folder's SQLite store into BANYA_DATABASE_URL. */
async function migrateTo(target: string | undefined, config: Config): Promise<number> {
  if (target !== 'postgres') {
    process.stderr.write('banya: migrate --to takes one target: postgres\n');
    return 1;
  }
  if (!config.databaseUrl) {
    process.stderr.write('banya: migrate --to postgres needs BANYA_DATABASE_URL, the database to copy into\n');
    return 1;
  }
  if (!fs.existsSync(path.join(config.dataDir, DB_FILE))) {
    process.stderr.write(`banya: ${config.dataDir} holds no embedded store (${DB_FILE}) to copy\n`);
    return 1;
  }
  const from = await SqliteStore.open(config.dataDir, { durability: config.durability });
  let to: PostgresStore | undefined;
  try {
    to = await PostgresStore.open(config.databaseUrl);
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

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = configFromEnv();
  switch (command) {
    case 'serve':
      await serve({ demo: rest.includes('--demo') }, config);
      return -1; // keeps running
    case 'migrate': {
      const to = rest.indexOf('--to');
      if (to >= 0) return migrateTo(rest[to + 1], config);
      const store = await openStore(config);
      await store.close();
      process.stdout.write(`banya: ${config.databaseUrl ? 'the PostgreSQL database' : config.dataDir} is migrated\n`);
      return 0;
    }
    case 'replay':
      return replayCommand(rest);
    case 'trace':
      return traceCommand(rest);
    case 'check': {
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
    }
    case 'demo': {
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
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`banya: unknown command ${command}\n\n${USAGE}`);
      return 1;
  }
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
