import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { BUILT_IN_RULES } from '../../src/robots/rules.js';

/**
 * A robots file (BANYA_ROBOTS_FILE) with only `rules` enabled, each with its default settings,
 * so that what the other rules would make of a test's traffic does not come into it. Written to
 * a temporary folder that goes after the file's tests.
 */
export function onlyRulesFile(rules: readonly string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-robots-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'robots.json');
  fs.writeFileSync(file, JSON.stringify({ rules: Object.fromEntries(BUILT_IN_RULES.map((r) => [r.name, { enabled: rules.includes(r.name) }])) }));
  return file;
}
