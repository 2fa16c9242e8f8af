import fc from 'fast-check';

/**
 * Every property of the suite runs on one seed, so that a failure can be replayed: vitest.config.ts
 * picks it (FC_SEED, else a fixed default), prints it once and hands it to every worker in
 * FC_SEED; this file, a `setupFiles` entry, runs in each worker before each test file. A failing
 * `fc.assert` prints the seed and the path of its counterexample.
 */
const raw = process.env.FC_SEED;
const seed = Number(raw);
if (raw === undefined || !Number.isInteger(seed)) throw new Error(`FC_SEED should be an integer set by vitest.config.ts, got ${JSON.stringify(raw)}`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
