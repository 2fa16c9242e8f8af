import { sql } from 'kysely';
import { checkProjections } from '../check.js';
import { tableNamesQuery } from './dialect.js';
import type { PostgresStore } from './postgres.js';
import { rows } from './read.js';
import type { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/**
 * `banya migrate --to postgres`: the embedded store's rows copied into PostgreSQL, table by
 * table, each table in one transaction (a table is there whole or not at all). Safe to run
 * again: a table already holding exactly the source's rows is left as it is, an empty one is
 * copied (so an interrupted run resumes where it stopped), and a table holding anything else
 * stops the run before anything is written. Then counts are compared and `banya check` runs on
 * the target.
 */

/** Migrations' own bookkeeping: the target's schema is made by its own migrations. */
const SKIPPED = new Set(['kysely_migration', 'kysely_migration_lock']);
/** Rows per INSERT (PostgreSQL takes at most 65535 parameters per statement). */
const ROWS_PER_INSERT = 500;

export interface CopyProgress {
  /** A table is about to be copied (or was found complete). */
  table(name: string, total: number, state: 'copy' | 'done' | 'empty'): void;
  /** Rows of the current table copied so far. */
  rows(copied: number, total: number): void;
}

export interface CopyReport {
  tables: { name: string; rows: number; state: 'copied' | 'already there' }[];
  /** `banya check` on the target: empty when every projection matches its log. */
  problems: string[];
}

export class CopyRefused extends Error {
  override name = 'CopyRefused';
}

async function tables(store: Store): Promise<string[]> {
  const found = await rows(store, tableNamesQuery(store.db).compile(store.db));
  return found.map((r) => r.name).filter((t) => !SKIPPED.has(t));
}

async function count(store: Store, table: string): Promise<number> {
  const r = await store.first<{ n: number }>(sql`select count(*) as n from ${sql.table(table)}`.compile(store.db));
  return Number(r?.n ?? 0);
}

/** A table's rows as comparable strings, sorted (values as JSON; the same on both stores). */
async function tableRows(store: Store, table: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of store.iterate<Record<string, unknown>>(sql`select * from ${sql.table(table)}`.compile(store.db))) out.push(JSON.stringify(r));
  return out.sort();
}

async function sameRows(a: Store, b: Store, table: string): Promise<boolean> {
  const [x, y] = await Promise.all([tableRows(a, table), tableRows(b, table)]);
  return x.length === y.length && x.every((r, i) => r === y[i]);
}

/** The tables whose `id` PostgreSQL numbers itself (an identity column). */
const IDENTITY_TABLES = ['events', 'case_ranks', 'robot_events'];

export async function copyToPostgres(from: SqliteStore, to: PostgresStore, progress?: CopyProgress): Promise<CopyReport> {
  const source = await tables(from);
  const target = new Set(await tables(to));
  const missing = source.filter((t) => !target.has(t));
  if (missing.length > 0) throw new CopyRefused(`the target has no table ${missing.join(', ')}: its schema is not banya's of this version`);

  // First every table is judged, so that a target holding other data is refused before any write.
  const plan: { name: string; total: number; copy: boolean }[] = [];
  for (const name of source) {
    const total = await count(from, name);
    const there = await count(to, name);
    if (there === 0) plan.push({ name, total, copy: total > 0 });
    else if (there === total && (await sameRows(from, to, name))) plan.push({ name, total, copy: false });
    else throw new CopyRefused(`table ${name} of the target holds ${there} rows that are not the source's ${total}: refusing to mix two worlds`);
  }

  const report: CopyReport = { tables: [], problems: [] };
  for (const { name, total, copy } of plan) {
    progress?.table(name, total, copy ? 'copy' : total === 0 ? 'empty' : 'done');
    if (copy) await copyTable(from, to, name, total, progress);
    report.tables.push({ name, rows: total, state: copy ? 'copied' : 'already there' });
  }
  // The identity columns go on after the copied ids.
  for (const table of IDENTITY_TABLES) {
    const t = sql.table(table);
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), greatest((select max(id) from ${t}), 1), (select count(*) > 0 from ${t}))`.execute(to.db);
  }

  for (const { name, total } of plan) {
    const n = await count(to, name);
    if (n !== total) report.problems.push(`${name}: ${total} rows in the source, ${n} in the target`);
  }
  if (report.problems.length === 0) report.problems.push(...(await checkProjections(to)));
  return report;
}

async function copyTable(from: SqliteStore, to: PostgresStore, table: string, total: number, progress?: CopyProgress): Promise<void> {
  await to.db.transaction().execute(async (trx) => {
    let batch: Record<string, unknown>[] = [];
    let copied = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await trx
        .insertInto(table as never)
        .values(batch as never)
        .execute();
      copied += batch.length;
      batch = [];
      progress?.rows(copied, total);
    };
    for (const r of from.iterateSync<Record<string, unknown>>(sql`select * from ${sql.table(table)}`.compile(from.db))) {
      batch.push(r);
      if (batch.length >= ROWS_PER_INSERT) await flush();
    }
    await flush();
  });
}

/** A progress bar on a terminal, a line per table otherwise. */
export function progressPrinter(out: NodeJS.WriteStream): CopyProgress {
  const tty = out.isTTY === true;
  let current = '';
  let lastDraw = 0;
  const draw = (copied: number, total: number, force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const width = 30;
    const filled = total === 0 ? width : Math.round((copied / total) * width);
    out.write(`\r${current.padEnd(18)} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${copied}/${total}`);
    if (copied >= total) out.write('\n');
  };
  return {
    table(name, total, state) {
      current = name;
      if (state === 'copy') {
        if (tty) draw(0, total, true);
        return;
      }
      out.write(`${name}: ${state === 'empty' ? 'no rows' : `${total} rows already there`}\n`);
    },
    rows(copied, total) {
      if (tty) draw(copied, total, copied >= total);
      else if (copied >= total) out.write(`${current}: ${total} rows copied\n`);
    },
  };
}
