import { sql } from 'kysely';
import { each, rows } from '../store/read.js';
import { tableNamesQuery } from '../store/dialect.js';
import type { EventsTable } from '../store/schema/events.js';
import type { SnapshotReader, Store } from '../store/store.js';
import type { BanyaEvent } from './index.js';
import type { ProjectorsFor, Recorded } from './projector.js';

/**
 * `banya check`: the log is the truth. Every event is replayed, through the very projectors
 * that wrote it, into an empty database; then every projection table is compared, row by row,
 * with the stored one. A table is a projection unless it is named here with its reason.
 */
export const NOT_PROJECTIONS: Record<string, string> = {
  events: 'the log itself',
  messages: 'messages are not events (their chats are)',
  idempotency: 'remembered answers, kept 24 h',
  phone_lookups: 'the daily lookup cap, kept 24 h',
  settings: 'the clock, the admin token hash, probes',
  hidden_chats: 'a chat list preference, not a rule input',
  spambot_sessions: "the bot's dialogue position",
  console_sessions: 'staff sign-ins to the console, which expire',
  case_ranks: "a live case's priorities before its changes, for paging the queue (numbered by the database, from their migration on)",
  robot_events: "what robots heard, kept for their next start to replay (robots' evidence, not the platform's truth)",
  once_keys: 'guards of writes that may happen once across nodes (taken by the use cases, not the projectors)',
  kysely_migration: 'migrations',
  kysely_migration_lock: 'migrations',
};

const REPLAY_BATCH = 2000;

type EventRow = Pick<EventsTable, 'at' | 'type' | 'actor_kind' | 'actor_id' | 'account_id' | 'payload'>;

export function recordedOf(row: EventRow): Recorded {
  return {
    at: row.at,
    actor: { kind: row.actor_kind as Recorded['actor']['kind'], ...(row.actor_id !== null ? { id: row.actor_id } : {}) },
    accountId: row.account_id,
    event: { type: row.type, payload: JSON.parse(row.payload) } as BanyaEvent,
  };
}

/** Replays `from`'s log into `into` (an empty, migrated store) with the given projectors. */
export async function replayLog(from: SnapshotReader, into: Store, projectors: ProjectorsFor<BanyaEvent, unknown>): Promise<number> {
  let batch: ReturnType<NonNullable<(typeof projectors)[BanyaEvent['type']]['sql']>> = [];
  let n = 0;
  for await (const row of each(from, from.db.selectFrom('events').select(['at', 'type', 'actor_kind', 'actor_id', 'account_id', 'payload']).orderBy('id'))) {
    const r = recordedOf(row);
    const p = projectors[r.event.type];
    if (!p) throw new Error(`event ${row.type} has no projector`);
    if (p.sql) batch.push(...p.sql(r as never, into.db));
    if (++n % REPLAY_BATCH === 0) {
      await into.write(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await into.write(batch);
  return n;
}

async function tableNames(store: SnapshotReader): Promise<string[]> {
  const tables = await rows(store, tableNamesQuery(store.db).compile(store.db));
  return tables.map((r) => r.name).filter((t) => !(t in NOT_PROJECTIONS));
}

async function tableRows(store: SnapshotReader, table: string): Promise<string[]> {
  const found = await rows(store, sql<Record<string, unknown>>`select * from ${sql.table(table)}`.compile(store.db));
  return found.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).sort();
}

/**
 * Differences between the stored projections and the replay (empty: all equal): every projection
 * table, or only `tables` while some are still written by hand.
 */
export async function compareProjections(stored: SnapshotReader, replayed: SnapshotReader, limit = 50, tables?: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const table of tables ?? (await tableNames(stored))) {
    const want = await tableRows(replayed, table);
    const got = await tableRows(stored, table);
    const wantSet = new Set(want);
    const gotSet = new Set(got);
    for (const r of want) if (!gotSet.has(r) && problems.length < limit) problems.push(`${table}: the log gives ${r}, not stored`);
    for (const r of got) if (!wantSet.has(r) && problems.length < limit) problems.push(`${table}: stored ${r}, not from the log`);
  }
  return problems;
}
