import fs from 'node:fs';
import { mulberry32 } from '../domain/random.js';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../store/read.js';
import { SqliteStore } from '../store/sqlite.js';
import { caseQueueQuery, type CaseFilter } from './queue.js';

/**
 * The queue's query over a real SQLite file: open and escalated cases merged, highest priority
 * first, then oldest, and a cursor that pages through each case exactly once.
 */

let dir: string;
let store: SqliteStore;
const STATES = ['open', 'escalated', 'closed'] as const;
const cases: { id: number; state: string; priority: number; reasons: string }[] = [];

/** A seeded stream, so that a failure repeats. */
const random = mulberry32;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-queue-'));
  store = await SqliteStore.open(dir, { durability: 'process' });
  const next = random(20261201);
  const writes = [];
  for (let id = 1; id <= 300; id++) {
    const state = STATES[Math.floor(next() * 3)]!;
    const priority = Math.floor(next() * 8) / 4; // many ties
    const reasons = JSON.stringify([next() < 0.3 ? 'scam' : 'spam']);
    cases.push({ id, state, priority, reasons });
    writes.push(
      store.db
        .insertInto('cases')
        .values({
          id,
          subject_id: id,
          chat_id: 0,
          state,
          priority,
          report_count: 1,
          reasons,
          opened_by: null,
          claimed_by: null,
          claimed_at: null,
          claim_turn: 0,
          decision: null,
          policy: null,
          decided_by: null,
          decided_at: null,
          created_at: id,
        })
        .compile(),
    );
  }
  await store.write(writes);
});
afterAll(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const order = (a: { priority: number; id: number }, b: { priority: number; id: number }) => b.priority - a.priority || a.id - b.id;

async function pages(f: Omit<CaseFilter, 'cursor'>): Promise<number[][]> {
  const out: number[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const found = await rows(store, caseQueueQuery(store.db, { ...f, ...(cursor ? { cursor } : {}) }));
    const page = found.slice(0, f.limit);
    out.push(page.map((r) => r.id));
    if (found.length <= f.limit) return out;
    const last = page[page.length - 1]!;
    cursor = Buffer.from(`${last.priority}:${last.id}`).toString('base64url');
  }
}

describe('the queue query', () => {
  it('merges open and escalated cases in order, and pages through each once', async () => {
    const expected = cases
      .filter((c) => c.state !== 'closed')
      .sort(order)
      .map((c) => c.id);
    for (const limit of [1, 7, 50, 1000]) {
      const got = await pages({ limit });
      expect(got.flat()).toEqual(expected);
      expect(got.every((p) => p.length <= limit)).toBe(true);
    }
  });

  it('reads one state, and filters by reason, in the same order', async () => {
    for (const state of STATES) {
      const expected = cases
        .filter((c) => c.state === state && c.reasons.includes('"scam"'))
        .sort(order)
        .map((c) => c.id);
      expect((await pages({ limit: 9, state, reason: 'scam' })).flat()).toEqual(expected);
    }
    const live = cases
      .filter((c) => c.state !== 'closed' && c.reasons.includes('"scam"'))
      .sort(order)
      .map((c) => c.id);
    expect((await pages({ limit: 4, reason: 'scam' })).flat()).toEqual(live);
  });
});
