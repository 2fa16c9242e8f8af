import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Dependencies few, pinned by the lockfile, each justified in docs/DECISIONS.md. */
describe('runtime dependencies', () => {
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
  const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { version?: string }> };
  const decisions = fs.readFileSync('docs/DECISIONS.md', 'utf8');
  const section = decisions.slice(decisions.indexOf('## Runtime dependencies'));

  it('are each justified under "Runtime dependencies" in docs/DECISIONS.md', () => {
    expect(section.length).toBeGreaterThan(0);
    expect(Object.keys(pkg.dependencies).filter((d) => !section.includes(`**${d}**`))).toEqual([]);
  });

  it('are each pinned by the lockfile', () => {
    expect(Object.keys(pkg.dependencies).filter((d) => !lock.packages[`node_modules/${d}`]?.version)).toEqual([]);
  });
});
