import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Compilable } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseQueueQuery, caseRankedQuery } from '../src/enforcement/queue.js';
import { timelineQuery } from '../src/enforcement/timeline.js';
import { connection, PostgresStore } from '../src/store/postgres.js';
import { databaseUrlFor, onPostgres } from './helpers/pg.js';

/**
 * PostgreSQL's plans for the reads the cluster runs all the time (the feed, its head, catch-up)
 * and the console's look-ups, on tables seeded to a realistic size: each must walk an index, not
 * the table (docs/SCALING.md, "Query plans on PostgreSQL", holds a run's output).
 * Sizes: PLANS_EVENTS (default 400,000 events), a tenth as many cases, appeals and CRM jobs.
 */

const EVENTS = Number(process.env.PLANS_EVENTS ?? 400_000);
const ROWS = Math.max(1000, Math.floor(EVENTS / 10));

let store: PostgresStore;
let client: pg.Client;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-plans-'));
  const url = await databaseUrlFor(dataDir);
  store = await PostgresStore.open(url);
  client = new pg.Client(connection(url));
  await client.connect();
  // Accounts' events spread over 10 % as many accounts; one case in five undecided; one appeal
  // in twenty open; CRM jobs of 100 businesses, nearly all reported.
  await client.query(`insert into events (at, type, actor_kind, actor_id, account_id, payload)
    select i, case when i % 7 = 0 then 'decision' else 'account_created' end, 'system', null, i % ${ROWS}, '{}' from generate_series(1, ${EVENTS}) i`);
  await client.query(`insert into cases (id, subject_id, chat_id, state, priority, report_count, reasons, opened_by, claimed_by, claimed_at, claim_turn, decision, policy, decided_by, decided_at, created_at)
    select i, i, 0, case when i % 5 = 0 then 'open' when i % 50 = 1 then 'escalated' else 'closed' end, (i % 8) / 4.0, 1, '["spam"]', null, null, null, 0, null, null, null, null, i from generate_series(1, ${ROWS}) i`);
  await client.query(`insert into appeals (id, account_id, restriction_id, restriction, robot, rule, story, text, email, state, outcome, created_at, due_at, overdue_at, decided_at, decided_by, note)
    select i, i, i, '{}', i % 2, null, 1, 'it was not me', null, case when i % 20 = 0 then 'open' else 'decided' end, null, i, i + 1000, null, null, null, null from generate_series(1, ${ROWS}) i`);
  await client.query(`insert into crm_jobs (scope_id, direction, msgid, business_account_id, state, payload, peer_id, first_contact, received_at, held_until, sent_at, banya_message_id, error_code, error_reason, error_text, reported_at)
    select 'scope_' || (i % 100), 'out', 'm' || i, i % 100, case when i % 500 = 0 then 'received' else 'reported' end, '{}', null, i % 2, i, null, i, null, null, null, null, i from generate_series(1, ${ROWS}) i`);
  // Every live case changed a few times (case_ranks keeps live cases' rows only).
  await client.query(`insert into case_ranks (case_id, priority)
    select (i / 3) * 5, (i % 8) / 4.0 from generate_series(3, ${ROWS}) i`);
  await client.query(`insert into once_keys (key, at) select 'decided:' || i, i from generate_series(1, ${ROWS}) i`);
  await client.query('analyze');
}, 300_000);

afterAll(async () => {
  await client?.end();
  await store?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function plan(q: Compilable): Promise<string> {
  const c = q.compile();
  const r = await client.query<{ 'QUERY PLAN': string }>({
    text: `explain (analyze, costs off, timing off, summary off) ${c.sql}`,
    values: c.parameters as unknown[],
  });
  const text = r.rows.map((x) => x['QUERY PLAN']).join('\n');
  console.log(`-- ${c.sql}\n${text}\n`);
  return text;
}

const db = () => store.db;

describe.runIf(onPostgres())('PostgreSQL plans of the hot reads at a realistic size', () => {
  it('the feed: catch-up after a cursor and the head walk the primary key', async () => {
    const page = await plan(
      db()
        .selectFrom('events')
        .select(['id', 'at', 'type', 'actor_kind', 'actor_id', 'account_id', 'payload'])
        .where('id', '>', EVENTS - 500)
        .orderBy('id')
        .limit(1000),
    );
    expect(page).toMatch(/Index Scan using events_pkey on events/);
    const head = await plan(db().selectFrom('events').select(sql<number>`coalesce(max(id), 0)`.as('m')));
    expect(head).toMatch(/Index Only Scan Backward using events_pkey/);
  });

  it("an account's timeline walks events_account", async () => {
    const t = await plan(timelineQuery(db(), 42, 50));
    expect(t).toMatch(/events_account/);
    expect(t).not.toMatch(/Seq Scan/);
    const older = await plan(timelineQuery(db(), 42, 50, EVENTS / 2));
    expect(older).toMatch(/events_account/);
    expect(older).not.toMatch(/Seq Scan/);
  });

  it('the console queue walks cases_live_queue in its order; a case, its subject and a once key are look-ups', async () => {
    const queue = await plan(caseQueueQuery(db(), { limit: 50 }));
    expect(queue).toMatch(/Index Scan using cases_live_queue on cases/);
    expect(queue).not.toMatch(/Sort/);
    expect(queue).not.toMatch(/Seq Scan/);
    // A pass after its first page: the cases not changed since walk the same index (with a
    // look-up in case_ranks_case each); those changed since are read from case_ranks after the
    // pass's number, each case by its primary key.
    const since = ROWS - 200; // a pass during which 200 changes came
    const cursor = Buffer.from(`${since}:1:1`).toString('base64url');
    const unchanged = await plan(caseQueueQuery(db(), { limit: 50, cursor }));
    expect(unchanged).toMatch(/Index Scan using cases_live_queue on cases/);
    expect(unchanged).toMatch(/case_ranks_case/);
    expect(unchanged).not.toMatch(/Seq Scan/);
    const changed = await plan(caseRankedQuery(db(), { limit: 50, cursor }));
    expect(changed).toMatch(/using case_ranks_pkey on case_ranks/);
    expect(changed).toMatch(/cases_pkey/);
    expect(changed).not.toMatch(/Seq Scan/);
    const one = await plan(caseQueueQuery(db(), { state: 'open', limit: 50 }));
    expect(one).toMatch(/Index Scan using cases_queue on cases/);
    expect(await plan(db().selectFrom('cases').selectAll().where('id', '=', 12345))).toMatch(/Index Scan using cases_pkey/);
    expect(await plan(db().selectFrom('cases').select('id').where('subject_id', '=', 500).where('chat_id', '=', 0).where('state', '<>', 'closed'))).toMatch(
      /using cases_(one_undecided|subject) on cases/,
    );
    expect(await plan(db().selectFrom('once_keys').select('key').where('key', '=', 'decided:77'))).toMatch(/once_keys_pkey/);
  });

  it("appeals: an account's and the open queue walk their indexes", async () => {
    expect(await plan(db().selectFrom('appeals').selectAll().where('account_id', '=', 400).orderBy('id', 'desc').limit(20))).toMatch(/appeals_/);
    const open = await plan(db().selectFrom('appeals').selectAll().where('state', '=', 'open').orderBy('robot', 'desc').orderBy('id', 'asc').limit(51));
    expect(open).toMatch(/Index Scan using appeals_open_queue on appeals/);
    expect(open).not.toMatch(/Sort/);
    expect(open).not.toMatch(/Seq Scan/);
  });

  it("CRM: a business's first contacts are counted through crm_jobs_business", async () => {
    const q = await plan(
      db()
        .selectFrom('crm_jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('business_account_id', '=', 7)
        .where('first_contact', '=', 1)
        .where('sent_at', 'is not', null),
    );
    expect(q).toMatch(/crm_jobs_business/);
  });
});
