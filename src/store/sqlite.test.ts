import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite.js';
import { StoreUnavailableError, WriteRejectedError } from './store.js';

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
});

async function open(): Promise<SqliteStore> {
  const s = await SqliteStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'banya-store-')), { durability: 'process' });
  stores.push(s);
  return s;
}

function setting(s: SqliteStore, key: string, value: string) {
  return s.db.insertInto('settings').values({ key, value }).compile();
}

async function settings(s: SqliteStore): Promise<string[]> {
  const rows = await s.all<{ key: string }>(s.db.selectFrom('settings').select('key').where('key', 'like', 't%').orderBy('key'));
  return rows.map((r) => r.key);
}

describe('group commit', () => {
  it('commits units of one moment together and runs each unit’s memory update after its commit, in order', async () => {
    const s = await open();
    const seen: string[] = [];
    const a = s.write({ statements: [setting(s, 't1', 'x')], onCommit: () => seen.push('a') });
    const b = s.write({ statements: [setting(s, 't2', 'x')], onCommit: () => seen.push('b') });
    expect(seen).toEqual([]); // nothing reaches memory before the commit
    await Promise.all([a, b]);
    expect(seen).toEqual(['a', 'b']);
    expect(await settings(s)).toEqual(['t1', 't2']);
  });

  it('refuses only the unit whose statement fails; the others of its batch commit', async () => {
    const s = await open();
    await s.write([setting(s, 't0', 'x')]);
    const seen: string[] = [];
    const good1 = s.write({ statements: [setting(s, 't1', 'x')], onCommit: () => seen.push('good1') });
    // t0 exists: the primary key refuses this unit, and its first statement (t9) goes with it.
    const bad = s.write({ statements: [setting(s, 't9', 'x'), setting(s, 't0', 'y')], onCommit: () => seen.push('bad') });
    const good2 = s.write({ statements: [setting(s, 't2', 'x')], onCommit: () => seen.push('good2') });
    await expect(bad).rejects.toBeInstanceOf(WriteRejectedError);
    await Promise.all([good1, good2]);
    expect(seen).toEqual(['good1', 'good2']);
    expect(await settings(s)).toEqual(['t0', 't1', 't2']);
    // The store goes on taking writes.
    await s.write([setting(s, 't3', 'x')]);
    expect(await settings(s)).toContain('t3');
  });

  it('a store that cannot write rejects the batch, says so in its health, and recovers', async () => {
    const s = await open();
    expect(await s.health()).toEqual({ ok: true });
    s.sqlite.pragma('query_only = 1'); // every write now fails as on a read-only file
    let applied = false;
    await expect(s.write({ statements: [setting(s, 't1', 'x')], onCommit: () => (applied = true) })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(applied).toBe(false);
    await new Promise((r) => setTimeout(r, 1100)); // past the health answer's reuse
    const h = await s.health();
    expect(h.ok).toBe(false);
    s.sqlite.pragma('query_only = 0');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await s.health()).toEqual({ ok: true });
    await s.write([setting(s, 't1', 'x')]);
    expect(await settings(s)).toEqual(['t1']);
  });

  it('commits a run of one-row inserts of one statement as the same rows, and refuses only a failing one among them', async () => {
    const s = await open();
    const { param, statement } = await import('./statement.js');
    const insert = statement<{ id: number; chat: number; text: string }>(
      s.db.insertInto('messages').values({ id: param('id'), chat_id: param('chat'), from_id: 7, text: param('text'), buttons: null, sent_at: 1 }),
    );
    // 150 writes of one moment (more than one many-row insert holds), the 100th a duplicate id.
    const writes = Array.from({ length: 150 }, (_, k) => s.write([insert.bind({ id: k === 99 ? 5 : k + 1, chat: 1 + (k % 3), text: `t${k}` })]));
    const settled = await Promise.allSettled(writes);
    expect(settled.map((r, k) => (r.status === 'rejected' ? k : -1)).filter((k) => k >= 0)).toEqual([99]);
    expect((settled[99] as PromiseRejectedResult).reason).toBeInstanceOf(WriteRejectedError);
    const rows = await s.all<{ id: number; chat_id: number; from_id: number; text: string }>(
      s.db.selectFrom('messages').select(['id', 'chat_id', 'from_id', 'text']).orderBy('id'),
    );
    const expected = Array.from({ length: 150 }, (_, k) => ({ id: k + 1, chat_id: 1 + (k % 3), from_id: 7, text: `t${k}` })).filter((r) => r.id !== 100);
    expect(rows).toEqual(expected);
    // Without a failure, the same run commits whole (one batch), every row as written.
    await Promise.all(Array.from({ length: 70 }, (_, k) => s.write([insert.bind({ id: 1000 + k, chat: 9, text: `u${k}` })])));
    const more = await s.all<{ id: number }>(s.db.selectFrom('messages').select('id').where('chat_id', '=', 9).orderBy('id'));
    expect(more.map((r) => r.id)).toEqual(Array.from({ length: 70 }, (_, k) => 1000 + k));
  });

  it('event rows get ids in commit order from the database', async () => {
    const s = await open();
    const { eventInsert } = await import('./event-log.js');
    const ev = (t: string) => eventInsert(s, { at: 1, actor: { kind: 'system' }, accountId: null, event: { type: t, payload: {} } as never });
    await Promise.all([s.write([ev('account_created')]), s.write([ev('staff_created')])]);
    const rows = await s.all<{ id: number; type: string }>(s.db.selectFrom('events').select(['id', 'type']).orderBy('id'));
    expect(rows).toEqual([
      { id: 1, type: 'account_created' },
      { id: 2, type: 'staff_created' },
    ]);
  });
});
