import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { each, row, rows, type RowOf } from './read.js';
import { SqliteStore } from './sqlite.js';

/** Typed reads infer their row from the query; `tsc` checks the types below, vitest the values. */

let dir: string;
let store: SqliteStore;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-read-'));
  store = await SqliteStore.open(dir, { durability: 'process' });
  const account = { username: null, username_lc: null, language: null, number_kind: 'mobile', find_by_phone: 0, phone_visibility: 1, chat_invites: 0, new_chats: 0 } as const;
  await store.write([
    store.db.insertInto('accounts').values({ ...account, id: 1, phone: '+447700900001', name: 'Anna', system: null, created_at: 1000, deleted_at: null }).compile(),
    store.db.insertInto('accounts').values({ ...account, id: 2, phone: null, name: 'SpamBot', system: 'spambot', created_at: 2000, deleted_at: 3000 }).compile(),
  ]);
});
afterAll(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('typed reads', () => {
  it('rows: every row, typed from the selected columns', async () => {
    const q = store.db.selectFrom('accounts').select(['id', 'phone', 'created_at', 'deleted_at', 'find_by_phone']).orderBy('id');
    const found = await rows(store, q);
    expectTypeOf(found).toEqualTypeOf<{ id: number; phone: string | null; created_at: number; deleted_at: number | null; find_by_phone: number }[]>();
    expectTypeOf<RowOf<typeof q>>().toEqualTypeOf<(typeof found)[number]>();
    expect(found).toEqual([
      { id: 1, phone: '+447700900001', created_at: 1000, deleted_at: null, find_by_phone: 0 },
      { id: 2, phone: null, created_at: 2000, deleted_at: 3000, find_by_phone: 0 },
    ]);
    // SQLite's BIGINT columns come back as JavaScript numbers: no Number(row.x_at) needed.
    expect(typeof found[0]!.created_at).toBe('number');
  });

  it('row: the first row or undefined; joins and expressions keep their types', async () => {
    const one = await row(store, store.db.selectFrom('accounts').select(['name', sql<number>`count(*)`.as('n')]).where('id', '=', 1));
    expectTypeOf(one).toEqualTypeOf<{ name: string; n: number } | undefined>();
    expect(one).toEqual({ name: 'Anna', n: 1 });
    const joined = await row(
      store,
      store.db.selectFrom('accounts').leftJoin('staff', 'staff.id', 'accounts.id').select(['accounts.name', 'staff.role']).where('accounts.id', '=', 1),
    );
    expectTypeOf(joined).toEqualTypeOf<{ name: string; role: 'triage' | 'moderator' | 'support' | 'admin' | null } | undefined>();
    expect(joined).toEqual({ name: 'Anna', role: null });
    expect(await row(store, store.db.selectFrom('accounts').select('id').where('id', '=', 99))).toBeUndefined();
  });

  it('each: rows one by one', async () => {
    const seen: string[] = [];
    for await (const r of each(store, store.db.selectFrom('accounts').select(['name', 'system']).orderBy('id'))) {
      expectTypeOf(r).toEqualTypeOf<{ name: string; system: string | null }>();
      seen.push(r.name);
    }
    expect(seen).toEqual(['Anna', 'SpamBot']);
  });
});
