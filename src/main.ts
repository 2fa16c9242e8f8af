import { createApp, type App } from './app.js';
import { configFromEnv, type Config } from './config.js';
import { isEmptyWorld, seedDemo, writeDemoFile } from './demo.js';

/** Starts banya: config → app → listen, and a clean shutdown on SIGTERM/SIGINT. */
export async function serve(options: { demo: boolean }, config: Config = configFromEnv()): Promise<App> {
  const app = await createApp(config, { demo: options.demo });
  // Shown once, on the console only (never through the logger).
  if (app.generatedAdminToken) {
    process.stdout.write(`\nbanya: generated the admin token for ${config.dataDir} (shown only now):\n\n  ${app.generatedAdminToken}\n\n`);
  }
  if (options.demo && isEmptyWorld(app)) {
    const world = await seedDemo(app);
    const file = writeDemoFile(config.dataDir, world, app.generatedAdminToken);
    process.stdout.write(`banya: seeded the demo world; its accounts and tokens are in ${file}\n`);
  }
  const address = await app.listen();
  process.stdout.write(`banya: listening on ${address} (API description: ${address}/openapi.json)\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.platform.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.platform.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return app;
}
