import type { CompiledQuery } from 'kysely';
import { BanyaError } from '../domain/errors.js';
import { normalizePhone, phoneKey } from '../domain/phone.js';
import type { Change } from '../events/journal.js';
import { key } from '../events/serial.js';
import { StoreUnavailableError, type Store } from '../store/store.js';
import type { Platform } from './context.js';

/**
 * The cap on number lookups (API.md, contact import): distinct new numbers an account looks up
 * (imports, `resolve`, sends to `{phone}` together) per rolling 24 h on the injected clock. A
 * number counts from its first lookup for 24 h; looking it up again in that time costs nothing.
 * The record is a table (written with the lookup, so it survives a restart) and memory; both are
 * pruned as records pass 24 h.
 */

export const LOOKUP_WINDOW_MS = 24 * 3600_000;
/** How often (clock time) every account's expired records are swept, beyond the asker's own. */
const SWEEP_EVERY_MS = 3600_000;

export class PhoneLookups {
  /** account → phone key → when first looked up (insertion order = age). */
  private readonly byAccount = new Map<number, Map<number, number>>();
  private lastSweep = 0;

  /** Drops the account's records older than the window. */
  private prune(a: number, now: number): Map<number, number> | undefined {
    const m = this.byAccount.get(a);
    if (!m) return undefined;
    const cutoff = now - LOOKUP_WINDOW_MS;
    for (const [k, at] of m) {
      if (at > cutoff) break;
      m.delete(k);
    }
    if (m.size === 0) {
      this.byAccount.delete(a);
      return undefined;
    }
    return m;
  }

  /** The numbers of `keys` that `a` has not looked up within the window (distinct). */
  fresh(a: number, keys: Iterable<number>, now: number): number[] {
    const m = this.prune(a, now);
    const out = new Set<number>();
    for (const k of keys) if (!m?.has(k)) out.add(k);
    return [...out];
  }

  /** Numbers looked up by `a` within the window. */
  count(a: number, now: number): number {
    return this.prune(a, now)?.size ?? 0;
  }

  /** Seconds until `a` may look up `n` new numbers under `cap` (0: now). */
  wait(a: number, n: number, cap: number, now: number): number {
    const m = this.prune(a, now);
    const used = m?.size ?? 0;
    if (used + n <= cap) return 0;
    if (n > cap || !m) return Math.ceil(LOOKUP_WINDOW_MS / 1000);
    // the (used + n - cap)-th oldest record must expire first
    let i = used + n - cap;
    for (const at of m.values()) {
      if (--i === 0) return Math.max(1, Math.ceil((at + LOOKUP_WINDOW_MS - now) / 1000));
    }
    return Math.ceil(LOOKUP_WINDOW_MS / 1000);
  }

  /** Remembers lookups (after their write committed, or at load). */
  put(a: number, keys: readonly number[], at: number): void {
    let m = this.byAccount.get(a);
    if (!m) this.byAccount.set(a, (m = new Map()));
    for (const k of keys) if (!m.has(k)) m.set(k, at);
  }

  /** True at most once per sweep period: time to sweep every account. */
  sweepDue(now: number): boolean {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return false;
    this.lastSweep = now;
    return true;
  }

  sweep(now: number): void {
    for (const a of [...this.byAccount.keys()]) this.prune(a, now);
  }

  /** Accounts with records (for tests). */
  get accounts(): number {
    return this.byAccount.size;
  }
}

/** The cap's record shared by several nodes (Redis: `cluster/redis-lookups.ts`). */
export interface SharedLookups {
  /**
   * Records `keys` (phone keys) as looked up by `account` at `now` if the new ones fit under
   * `cap`; otherwise records nothing. Resolves to the seconds to wait (0: recorded or nothing new).
   */
  reserve(account: number, keys: readonly number[], cap: number, now: number): Promise<number>;
}

/**
 * With several nodes, the cluster's record first: throws FLOOD_WAIT (changing nothing) when the
 * new numbers would pass the cap counting every node's lookups. A no-op on one node. What it
 * records stays recorded even if the caller's write then fails: the cap errs towards refusing.
 */
export async function reserveShared(p: Platform, a: number, keys: readonly number[]): Promise<void> {
  if (!p.sharedLookups || keys.length === 0) return;
  let wait: number;
  try {
    wait = await p.sharedLookups.reserve(a, keys, p.config.lookupsPerDay, p.clock.now());
  } catch (err) {
    // Redis unreachable: the quota cannot be told, so nothing is looked up (503, a retry may pass).
    throw new StoreUnavailableError(`the look-up quota cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (wait > 0) throw new BanyaError('FLOOD_WAIT', { retryAfter: wait });
}

function insertStatements(store: Store, a: number, keys: readonly number[], at: number): CompiledQuery[] {
  return keys.map((k) =>
    store.db
      .insertInto('phone_lookups')
      .values({ account_id: a, phone_key: k, at })
      .onConflict((oc) => oc.columns(['account_id', 'phone_key']).doUpdateSet({ at }))
      .compile(),
  );
}

/**
 * Checks that `a` may look up `keys` now and adds their record to `change` (rows now, memory
 * after commit). Throws FLOOD_WAIT (changing nothing) when the new ones would pass the cap.
 * Run under the account's serial key: the count and the write must not interleave.
 */
export function lookUp(p: Platform, change: Change, a: number, keys: Iterable<number>, now: number): void {
  const fresh = p.lookups.fresh(a, keys, now);
  if (fresh.length === 0) return;
  const cap = p.config.lookupsPerDay;
  const wait = p.lookups.wait(a, fresh.length, cap, now);
  if (wait > 0) throw new BanyaError('FLOOD_WAIT', { retryAfter: wait });
  const cutoff = now - LOOKUP_WINDOW_MS;
  change.sql(...insertStatements(p.store, a, fresh, now));
  // The asker's expired rows go with its write; everyone's, once an hour.
  change.sql(p.store.db.deleteFrom('phone_lookups').where('account_id', '=', a).where('at', '<=', cutoff).compile());
  if (p.lookups.sweepDue(now)) {
    change.sql(p.store.db.deleteFrom('phone_lookups').where('at', '<=', cutoff).compile());
    change.after(() => p.lookups.sweep(now));
  }
  change.after(() => p.lookups.put(a, fresh, now));
}

/** One number looked up on its own (`GET /v1/accounts/resolve`): checked and recorded. */
export async function lookUpNumber(p: Platform, a: number, raw: string): Promise<void> {
  const phone = normalizePhone(raw);
  if (!phone) return; // the caller answers PHONE_NUMBER_INVALID
  const pk = phoneKey(phone);
  if (p.lookups.fresh(a, [pk], p.clock.now()).length === 0) return;
  await reserveShared(p, a, [pk]);
  await p.serial.run([key.account(a)], async () => {
    const change = p.journal.change();
    lookUp(p, change, a, [pk], p.clock.now());
    await p.journal.commit(change);
  });
}
