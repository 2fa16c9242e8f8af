import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, loadPolicy } from './policy.js';

const ladder = (spamHours: number) => ({ ...DEFAULT_POLICY.ladder, spam: [{ action: 'limit', hours: spamHours }] });

function file(content: unknown): string {
  const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'banya-policy-')), 'policy.json');
  fs.writeFileSync(p, JSON.stringify(content));
  return p;
}

describe('the policy file', () => {
  it('refuses durations so long that an end could not be written as a date', () => {
    // 10^12 hours from now is past JavaScript's last date: toISOString would throw on the answer.
    expect(() => loadPolicy(file({ ladder: ladder(1e12) }))).toThrow(/hours/);
    expect(() => loadPolicy(file({ freezeDays: 1e9 }))).toThrow(/freezeDays/);
    expect(() => loadPolicy(file({ strikeLifetimeDays: 1e9 }))).toThrow(/strikeLifetimeDays/);
  });

  it('takes a century', () => {
    expect(loadPolicy(file({ ladder: ladder(36_525 * 24) })).ladder.spam).toEqual([{ action: 'limit', hours: 36_525 * 24 }]);
  });
});
