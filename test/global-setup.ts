import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { SqliteStore } from '../src/store/sqlite.js';

/**
 * Migrates one template database per run; each test file's server starts on a copy of it
 * instead of migrating its own.
 */
export default async function setup(project: TestProject): Promise<() => void> {
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
