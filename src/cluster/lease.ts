import { sql } from 'kysely';
import type { Store } from '../store/store.js';

/**
 * A lease: at most one node holds it until it expires, and only its holder can renew it early.
 * It is a row of `settings` (`lease:<name>` → `<expiry ms, 15 digits>:<owner>`), taken and
 * renewed by one conditional upsert, so it needs nothing of the database but ON CONFLICT …
 * WHERE and RETURNING (PostgreSQL and SQLite both have them). A holder that dies simply stops
 * renewing: another node takes the lease once it expired. Expiry is on the nodes' real clocks,
 * which must agree to well within the lease's length (NTP); the work done under a lease is also
 * guarded by the database (once keys), so two holders for a moment would still do it once.
 */
export class Lease {
  private expiresAt = 0;

  constructor(
    private readonly store: Store,
    readonly name: string,
    readonly owner: string,
    readonly ttlMs: number,
    private readonly realNow: () => number = Date.now,
  ) {
    if (owner.length === 0 || owner.includes(':')) throw new Error('a lease owner is a non-empty name without ":"');
  }

  private get key(): string {
    return `lease:${this.name}`;
  }

  /** Whether this node holds the lease now (as far as its own clock can tell). */
  get held(): boolean {
    return this.expiresAt > this.realNow();
  }

  /** Takes the lease if it is free or expired, or renews it if held; true when held afterwards. */
  async acquire(): Promise<boolean> {
    const now = this.realNow();
    const until = now + this.ttlMs;
    const value = `${stamp(until)}:${this.owner}`;
    const got = await this.store.all<{ value: string }>(
      sql<{ value: string }>`insert into settings (key, value) values (${this.key}, ${value})
        on conflict (key) do update set value = excluded.value
        where settings.value < ${stamp(now)} or substr(settings.value, 17) = ${this.owner}
        returning value`.compile(this.store.db),
    );
    this.expiresAt = got.length > 0 && got[0]!.value === value ? until : 0;
    return this.expiresAt > 0;
  }

  /** Waits until the lease is held (polling every `everyMs`), or gives up after `timeoutMs`. */
  async acquireWithin(timeoutMs: number, everyMs = 100): Promise<boolean> {
    const giveUp = this.realNow() + timeoutMs;
    for (;;) {
      if (await this.acquire()) return true;
      if (this.realNow() >= giveUp) return false;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** Gives the lease up at once (another node need not wait for it to expire). */
  async release(): Promise<void> {
    this.expiresAt = 0;
    await this.store.all(
      sql`update settings set value = ${`${stamp(0)}:`} where key = ${this.key} and substr(value, 17) = ${this.owner} returning key`.compile(this.store.db),
    );
  }

  /** Who holds the lease and until when (for tests and the admin view); null when nobody. */
  async holder(): Promise<{ owner: string; until: number } | null> {
    const got = await this.store.first<{ value: string }>(this.store.db.selectFrom('settings').select('value').where('key', '=', this.key));
    if (!got) return null;
    const until = Number(got.value.slice(0, 15));
    const owner = got.value.slice(16);
    return owner && until > this.realNow() ? { owner, until } : null;
  }
}

/** Milliseconds as 15 digits, so that the text order of stamps is their time order. */
function stamp(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, '0');
}
