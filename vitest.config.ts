import { defineConfig } from 'vitest/config';

// Property tests run on one seed, printed here; replay a failure with FC_SEED=<seed> (FC_SEED=random picks a new one).
const FC_DEFAULT_SEED = 20261201;
const fcSeed = (raw = process.env.FC_SEED): number => {
  if (raw === undefined || raw === '') return FC_DEFAULT_SEED;
  if (raw === 'random') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 31)
    throw new Error(`FC_SEED must be a 32-bit integer or "random", got ${JSON.stringify(raw)}`);
  return seed;
};
const seed = fcSeed();
console.log(`fast-check seed: ${seed} (replay with FC_SEED=${seed})`);

export default defineConfig({
  test: {
    // web/src: the pages' pure code (texts, formatting); the pages themselves are tested in a browser (test/*.e2e.test.ts).
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    // Two cores: two workers, one server per test file.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    env: { FC_SEED: String(seed) },
    setupFiles: ['test/setup/fast-check.ts'],
  },
});
