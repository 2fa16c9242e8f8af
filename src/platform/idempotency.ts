import { createHash } from 'node:crypto';
import { sql, type CompiledQuery } from 'kysely';
import { Code, STATUS, type CodeName, type ErrorCode } from '../domain/codes.js';
import { BanyaError, fail } from '../domain/errors.js';
import type { Change } from '../events/journal.js';
import { key as skey } from '../events/serial.js';
import { each } from '../store/read.js';
import { rowAddress } from '../store/dialect.js';
import { param, statement, type Statement } from '../store/statement.js';
import type { Store } from '../store/store.js';
import type { Platform } from './context.js';

/**
 * `idempotencyKey` (API.md, conventions). Per account and route, kept 24 h on the injected clock.
 * A repeat answers what the first request answered — a denial the rules decided included — and
 * the record commits with the request's own writes (or, for a denial, on its own) before the
 * answer goes out. Not remembered, so that a retry is decided afresh: rate limits, malformed
 * requests, authentication, failures of the service. The same key with another body (compared
 * as JSON, whatever the key order) is a conflict. After 24 h the key is forgotten: its next use
 * is a new request, whose record replaces the old one.
 */

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

/** The routes that take an idempotencyKey: a key is per account and route. */
export type IdempotentRoute = 'messages' | 'reports';

export interface IdempotentAnswer {
  bodyHash: string;
  status: number;
  /** The answer's body; for a remembered denial (status ≥ 400), `{code, details}`. */
  body: unknown;
  at: number;
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
}

/** Adds the record of `answer` to the change that carries the request's writes. */
export type Remember = (change: Change, answer: Answer) => void;

/** For requests without a key. */
export const NO_RECORD: Remember = () => {};

/** Denials the rules decided: a repeat answers them again. */
const REMEMBERED: ReadonlySet<string> = new Set<string>([
  ...(Object.keys(Code) as CodeName[]).filter((c) => c !== 'FLOOD_WAIT' && c !== 'USER_DEACTIVATED_BAN'),
  'PHONE_NOT_OCCUPIED',
  'USERNAME_NOT_OCCUPIED',
  'PEER_ID_INVALID',
  'NOTHING_TO_REPORT',
  // A text with nothing visible (RULES.md §1): decided by the rules, after the recipient.
  'MESSAGE_EMPTY',
]);

export function isRemembered(code: string): boolean {
  return REMEMBERED.has(code);
}

/** JSON with every object's keys sorted: two bodies that differ only in key order are equal. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(o[k])}`);
  return `{${parts.join(',')}}`;
}

export function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

const MEMORY_PRUNE_PER_WRITE = 256;
const TABLE_PRUNE_EVERY_MS = 60_000;
const TABLE_PRUNE_ROWS = 1000;
const lastTablePrune = new WeakMap<Platform, number>();

const upserts = new WeakMap<Store, Statement<{ account: number; key: string; hash: string; status: number; response: string; at: number }>>();

function upsert(store: Store) {
  let s = upserts.get(store);
  if (!s) {
    s = statement(
      store.db
        .insertInto('idempotency')
        .values({
          account_id: param('account'),
          key: param('key'),
          body_hash: param('hash'),
          status: param('status'),
          response: param('response'),
          created_at: param('at'),
        })
        .onConflict((oc) =>
          oc.columns(['account_id', 'key']).doUpdateSet((eb) => ({
            body_hash: eb.ref('excluded.body_hash'),
            status: eb.ref('excluded.status'),
            response: eb.ref('excluded.response'),
            created_at: eb.ref('excluded.created_at'),
          })),
        ),
    );
    upserts.set(store, s);
  }
  return s;
}

function mapKey(account: number, id: string): string {
  return `${account}:${id}`;
}

function live(p: Platform, account: number, id: string, now: number): IdempotentAnswer | undefined {
  const prior = p.idempotency.get(mapKey(account, id));
  return prior && prior.at + IDEMPOTENCY_TTL_MS > now ? prior : undefined;
}

/** Forgets expired answers from memory, oldest first, a bounded number at a time. */
export function pruneMemory(p: Platform, now: number, max = MEMORY_PRUNE_PER_WRITE): void {
  let n = 0;
  for (const [k, v] of p.idempotency) {
    if (v.at + IDEMPOTENCY_TTL_MS > now || n++ >= max) break;
    p.idempotency.delete(k);
  }
}

function pruneTable(p: Platform, now: number): CompiledQuery {
  const at = rowAddress(p.store.db);
  return sql`delete from idempotency where ${at} in (select ${at} from idempotency where created_at <= ${now - IDEMPOTENCY_TTL_MS} limit ${TABLE_PRUNE_ROWS})`.compile(
    p.store.db,
  );
}

/** The record's row (replacing an expired one of the same key) and, after commit, its memory. */
function record(p: Platform, change: Change, account: number, id: string, hash: string, status: number, body: unknown, now: number): void {
  const last = lastTablePrune.get(p) ?? 0;
  if (now - last >= TABLE_PRUNE_EVERY_MS) {
    lastTablePrune.set(p, now);
    change.sql(pruneTable(p, now));
  }
  if (p.journal.guarded) {
    // Several nodes: a plain insert, so that the same key recorded by two nodes at once is refused
    // for the second (which then answers what the first did); an expired record goes first.
    change.sql(
      p.store.db
        .deleteFrom('idempotency')
        .where('account_id', '=', account)
        .where('key', '=', id)
        .where('created_at', '<=', now - IDEMPOTENCY_TTL_MS)
        .compile(),
      p.store.db
        .insertInto('idempotency')
        .values({ account_id: account, key: id, body_hash: hash, status, response: JSON.stringify(body ?? null), created_at: now })
        .compile(),
    );
  } else change.sql(upsert(p.store).bind({ account, key: id, hash, status, response: JSON.stringify(body ?? null), at: now }));
  change.after(() => {
    const k = mapKey(account, id);
    p.idempotency.delete(k); // insertion order = age, for pruning
    p.idempotency.set(k, { bodyHash: hash, status, body, at: now });
    pruneMemory(p, now);
  });
}

/** With several nodes the record may have been written by another one: the table has it. */
async function stored(p: Platform, account: number, id: string, now: number): Promise<IdempotentAnswer | undefined> {
  const r = await p.store.first<{ body_hash: string; status: number; response: string; created_at: number }>(
    p.store.db
      .selectFrom('idempotency')
      .select(['body_hash', 'status', 'response', 'created_at'])
      .where('account_id', '=', account)
      .where('key', '=', id)
      .where('created_at', '>', now - IDEMPOTENCY_TTL_MS),
  );
  return r ? { bodyHash: r.body_hash, status: r.status, body: JSON.parse(r.response), at: r.created_at } : undefined;
}

function replay<T>(prior: IdempotentAnswer): Answer<T> {
  if (prior.status >= 400) {
    const e = prior.body as { code: ErrorCode; details?: Record<string, unknown> };
    throw new BanyaError(e.code, e.details ?? {});
  }
  return { status: prior.status, body: prior.body as T };
}

/**
 * Runs a request that may carry an idempotencyKey. `run` decides and commits; it passes its
 * change and answer to `remember` before committing, so that the record commits with its
 * writes. A denial `run` throws is recorded (when the rules decided it) before it is rethrown.
 * Without a key, `run` runs as is.
 */
export async function idempotent<T>(
  p: Platform,
  account: number,
  route: IdempotentRoute,
  key: string | undefined,
  body: unknown,
  run: (remember: Remember) => Promise<Answer<T>>,
): Promise<Answer<T>> {
  if (key === undefined) return run(NO_RECORD);
  const id = `${route}:${key}`;
  const hash = bodyHash(body);
  return p.serial.run([skey.idempotency(account, id)], async () => {
    const prior = live(p, account, id, p.clock.now()) ?? (p.journal.guarded ? await stored(p, account, id, p.clock.now()) : undefined);
    if (prior) {
      if (prior.bodyHash !== hash) fail('IDEMPOTENCY_CONFLICT');
      return replay<T>(prior);
    }
    let recorded = false;
    const remember: Remember = (change, answer) => {
      recorded = true;
      record(p, change, account, id, hash, answer.status, answer.body, p.clock.now());
    };
    try {
      return await run(remember);
    } catch (err) {
      if (!recorded && err instanceof BanyaError && REMEMBERED.has(err.code)) {
        const c = p.journal.change();
        record(p, c, account, id, hash, STATUS[err.code], { code: err.code, details: err.details }, p.clock.now());
        await p.journal.commit(c);
      }
      throw err;
    }
  });
}

/** Loads the live answers at start (oldest first) and drops the expired rows. */
export async function loadIdempotency(p: Platform): Promise<void> {
  const since = p.clock.now() - IDEMPOTENCY_TTL_MS;
  for await (const r of each(p.store, p.store.db.selectFrom('idempotency').selectAll().where('created_at', '>', since).orderBy('created_at'))) {
    p.idempotency.set(mapKey(r.account_id, r.key), { bodyHash: r.body_hash, status: r.status, body: JSON.parse(r.response), at: r.created_at });
  }
  const pruned = p.store.write([p.store.db.deleteFrom('idempotency').where('created_at', '<=', since).compile()]);
  if (p.journal.guarded) pruned.catch(() => {});
  else await pruned;
}
