/**
 * Check-then-write, one at a time per key. An operation that decides from memory and then
 * writes names the keys of what it decides about (an account, a phone number, a username, a
 * pair's chat, an idempotency key); operations sharing a key run one after another, each seeing
 * the memory the previous one's commit produced. Nothing here relies on the driver being
 * synchronous: the next holder starts only after the previous one's write settled.
 *
 * Keys are taken all at once (no lock order to get wrong). An inner step that needs a key its
 * operation already holds says so by passing the `Held` its job was given; without it, it would
 * wait for itself. (Re-entrancy is explicit on purpose: tracking it implicitly needs an
 * AsyncLocalStorage, which on Node 20 makes every promise of the process several times dearer.)
 */
export class Held {
  constructor(readonly keys: ReadonlySet<string>) {}
}

/** How many times a job that lost a race to another node is run in all. */
const LOST_RACE_TRIES = 3;

export class Serializer {
  private readonly tails = new Map<string, Promise<void>>();
  /**
   * With several nodes: a job whose write the database refused because another node won the
   * race (`isLostRace`) is run again (up to LOST_RACE_TRIES in all), each time after `catchUp` brought memory up to the database, so
   * that it decides again on fresh state. Unset on a single node, where memory is the truth.
   */
  retry: { isLostRace(err: unknown): boolean; catchUp(): Promise<void> } | null = null;

  async run<T>(keys: readonly string[], job: (held: Held) => Promise<T> | T, held?: Held): Promise<T> {
    const wanted = held ? keys.filter((k) => !held.keys.has(k)) : keys;
    if (wanted.length === 0) return job(held!);
    const before: Promise<void>[] = [];
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    for (const k of wanted) {
      const prev = this.tails.get(k);
      if (prev) before.push(prev);
      this.tails.set(k, done);
    }
    try {
      if (before.length > 0) await Promise.all(before);
      const h = new Held(held ? new Set([...held.keys, ...wanted]) : new Set(wanted));
      const retry = this.retry;
      if (!retry || held) return await job(h);
      // A few tries: with several nodes racing for the same key, the second run can lose again.
      for (let attempt = 1; ; attempt++) {
        try {
          return await job(h);
        } catch (err) {
          if (attempt >= LOST_RACE_TRIES || !retry.isLostRace(err)) throw err;
          await retry.catchUp();
        }
      }
    } finally {
      for (const k of wanted) if (this.tails.get(k) === done) this.tails.delete(k);
      release();
    }
  }

  /** Keys currently held or waited for (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}

/** Key names, so that two places never spell the same thing two ways. */
export const key = {
  account: (id: number) => `a:${id}`,
  phone: (phoneKey: number) => `p:${phoneKey}`,
  username: (name: string) => `u:${name.toLowerCase()}`,
  /** The platform's own user id (a JID, a Matrix id), compared exactly. */
  platformId: (id: string) => `pi:${id}`,
  pair: (a: number, b: number) => (a < b ? `c:${a}:${b}` : `c:${b}:${a}`),
  chat: (id: number) => `g:${id}`,
  idempotency: (account: number, k: string) => `i:${account}:${k}`,
  staff: (id: number) => `s:${id}`,
  ticket: (id: number) => `t:${id}`,
  /** Opening or joining a ticket: an account's (app) or an address's (mail). */
  ticketsOf: (account: number) => `ta:${account}`,
  mailbox: (address: string) => `tm:${address.toLowerCase()}`,
  /** An address being verified or bound. */
  email: (address: string) => `e:${address.toLowerCase()}`,
} as const;
