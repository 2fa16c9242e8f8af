import { createApp } from './app.js';
import { configFromEnv, ConfigError } from './config.js';
import { isEmptyWorld, seedDemo, writeDemoFile } from './demo.js';
import { checkProjections } from './check.js';
import { serve } from './main.js';
import { replayCommand, traceCommand } from './robots/replay-cli.js';
import { openStore } from './store/open.js';

const USAGE = `usage: banya <command>

  serve [--demo]   start the server (BANYA_* variables configure it); --demo seeds the
                   demo world into an empty data folder first
  migrate          create or update the database in the data folder, then exit
  demo             seed the demo world into an empty data folder, then exit
  replay FILE      run a trace (TRACE.md) through the robots: [--json] [--svg FILE] [--robots FILE]
  trace            write a generated labelled trace: --seed N --accounts N [--days D] [--out FILE]
                   [--profile adversarial [--report-rate-scale X] [--block-rate-scale X]]
  check            replay the event log through the projectors into an empty database and
                   compare every projection table with the stored one, row by row; exits 1 on
                   any difference

Configuration: BANYA_DATA_DIR (./data), BANYA_DATABASE_URL (PostgreSQL instead of the data
folder's SQLite file), BANYA_PORT (8080), BANYA_HOST (127.0.0.1),
BANYA_ADMIN_TOKEN, BANYA_CLOCK=manual, BANYA_DURABILITY=process|power, BANYA_LOG_LEVEL.
`;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = configFromEnv();
  switch (command) {
    case 'serve':
      await serve({ demo: rest.includes('--demo') }, config);
      return -1; // keeps running
    case 'migrate': {
      const store = await openStore(config);
      await store.close();
      process.stdout.write(`banya: ${config.databaseUrl ? 'the database' : config.dataDir} is migrated\n`);
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
