import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { SqliteStore } from '../src/store/sqlite.js';
import { dropAll, makeTemplate, onPostgres } from './helpers/pg.js';

/**
 * Builds the web pages once, and migrates one template database per run; each test file's server starts on a copy of it
 * instead of migrating its own.
 */
export default async function setup(project: TestProject): Promise<() => void | Promise<void>> {
  // The console and the demo messenger, served by the server from dist/web (the browser tests use them).
  await build({ configFile: path.resolve('web/vite.config.ts'), logLevel: 'warn' });
  if (onPostgres()) {
    await makeTemplate();
    project.provide('templateDir', '');
    return () => dropAll();
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-template-'));
  const store = await SqliteStore.open(dir, { durability: 'process' });
  await store.close();
  project.provide('templateDir', dir);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDir: string;
  }
}
