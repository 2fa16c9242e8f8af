import { expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/store.js';
import { serverPerFile } from './helpers/per-file.js';
import { databaseUrlFor, onPostgres } from './helpers/pg.js';

/**
 * `banya check` on a store that a running server keeps writing to: the log and the projection
 * tables are read at one moment, so a write committed while the check runs (its events after
 * the replay read the log, its rows before the tables are compared) is never a difference.
 */

const ctx = serverPerFile();

/** Registrations (an event and its account row each) keep committing until `checks` is done. */
async function underWrites<T>(checks: () => Promise<T>): Promise<{ result: T; written: number }> {
  let done = false;
  let written = 0;
  const writers = Array.from({ length: 4 }, async () => {
    while (!done) {
      await ctx.world.account();
      written++;
    }
  });
  try {
    const result = await checks();
    return { result, written };
  } finally {
    done = true;
    await Promise.all(writers);
  }
}

/** Several checks in a row while the writes go on; every difference any of them reported. */
async function checksWhileWriting(open: () => Promise<Store>, rounds: number): Promise<{ problems: string[]; written: number }> {
  const { result, written } = await underWrites(async () => {
    const problems: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const store = await open();
      try {
        problems.push(...(await checkProjections(store)));
      } finally {
        if (store !== ctx.server.app.platform.store) await store.close();
      }
    }
    return problems;
  });
  return { problems: result, written };
}

it('finds nothing to report from another connection while the server commits (banya check beside a running banya)', async () => {
  const before = await checkProjections(ctx.server.app.platform.store);
  expect(before).toEqual([]);
  const open = async (): Promise<Store> =>
    onPostgres() ? PostgresStore.open(await databaseUrlFor(ctx.server.dataDir)) : SqliteStore.open(ctx.server.dataDir, { durability: 'process' });
  const { problems, written } = await checksWhileWriting(open, 8);
  // The writes really went on during the checks (otherwise this shows nothing).
  expect(problems).toEqual([]);
  expect(written).toBeGreaterThan(0);
}, 120_000);

it("finds nothing to report on the server's own store while it commits (the suite's in-process checks)", async () => {
  const { problems, written } = await checksWhileWriting(async () => ctx.server.app.platform.store, 8);
  expect(written).toBeGreaterThan(0);
  expect(problems).toEqual([]);
}, 120_000);
