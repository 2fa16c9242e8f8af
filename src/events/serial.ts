import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Check-then-write, one at a time per key. An operation that decides from memory and then
 * writes names the keys of what it decides about (an account, a phone number, a username, a
 * pair's chat, an idempotency key); operations sharing a key run one after another, each seeing
 * the memory the previous one's commit produced. Nothing here relies on the driver being
 * synchronous: the next holder starts only after the previous one's write settled.
 *
 * Keys are taken all at once (no lock order to get wrong), and an operation already holding a
 * key may run inner steps on it without waiting for itself.
 */
export class Serializer {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly held = new AsyncLocalStorage<ReadonlySet<string>>();

  async run<T>(keys: readonly string[], job: () => Promise<T> | T): Promise<T> {
    const mine = this.held.getStore();
    const wanted = mine ? keys.filter((k) => !mine.has(k)) : keys;
    if (wanted.length === 0) return job();
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
      const all = mine ? new Set([...mine, ...wanted]) : new Set(wanted);
      return await this.held.run(all, job);
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
