import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { inject } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { configFrom, type Config, type ConfigInput } from '../../src/config.js';
import { DB_FILE } from '../../src/store/sqlite.js';
import { databaseUrlFor, onPostgres } from './pg.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestServer {
  app: App;
  url: string;
  dataDir: string;
  /** Stops the server (keeping the data folder). */
  stop(): Promise<void>;
  /** Stops and starts again on the same data folder. */
  restart(): Promise<TestServer>;
}

/** A fresh data folder holding a copy of the migrated template database. */
export function freshDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-test-'));
  let template: string | undefined;
  try {
    template = inject('templateDir');
  } catch {
    template = undefined;
  }
  if (template && fs.existsSync(path.join(template, DB_FILE))) fs.copyFileSync(path.join(template, DB_FILE), path.join(dir, DB_FILE));
  return dir;
}

/**
 * A test server's config: loopback on any port, the admin token, the manual clock, no logs,
 * then `overrides`; with BANYA_TEST_STORE=postgres, the data folder's own PostgreSQL database
 * (test/helpers/pg.ts) unless `overrides` names one.
 */
export async function testConfig(overrides: Partial<ConfigInput> = {}, dataDir = freshDataDir()): Promise<Config> {
  const databaseUrl = onPostgres() && !('databaseUrl' in overrides) ? await databaseUrlFor(dataDir) : undefined;
  return configFrom({
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    port: 0,
    host: '127.0.0.1',
    adminToken: ADMIN_TOKEN,
    clock: 'manual',
    logLevel: 'silent',
    ...overrides,
  });
}

/**
 * Starts a real server on loopback over a real SQLite file (manual clock unless told otherwise);
 * with BANYA_TEST_STORE=postgres, over the data folder's own PostgreSQL database.
 */
export async function startServer(overrides: Partial<ConfigInput> = {}, dataDir = freshDataDir()): Promise<TestServer> {
  const config = await testConfig(overrides, dataDir);
  const app = await createApp(config, { logger: pino({ level: 'silent' }) });
  const url = await app.listen();
  const server: TestServer = {
    app,
    url,
    dataDir,
    stop: () => app.close(),
    async restart() {
      await app.close();
      return startServer(overrides, dataDir);
    },
  };
  return server;
}
