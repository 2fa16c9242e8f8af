import { Decaying } from './counters.js';

/**
 * Openers: chats an account started with a stranger by a message that carried nothing (no link,
 * no handle), followed within minutes — before the stranger answered or saved it — by one that
 * did. "hi", then the pitch: the link stays out of the first message, the one a notification
 * shows and a first-message filter reads.
 *
 * Per account, the last `SLOTS` openers (recipient and time) in flat arrays, so that an opener
 * and its follow-up may interleave with other chats; `split` is the decaying count of chats whose
 * link came so (each chat once).
 */

const SLOTS = 4;

export class Openers {
  /** Chats whose link came after an opener, decaying. */
  readonly split: Decaying;
  private to = new Int32Array(1024 * SLOTS).fill(-1);
  private at = new Float64Array(1024 * SLOTS);
  private next = new Uint8Array(1024);

  constructor(halfLifeMs: number) {
    this.split = new Decaying(halfLifeMs);
  }

  private ensure(a: number): void {
    if (a < this.next.length) return;
    let n = this.next.length;
    while (n <= a) n *= 2;
    const to = new Int32Array(n * SLOTS).fill(-1);
    to.set(this.to);
    this.to = to;
    const at = new Float64Array(n * SLOTS);
    at.set(this.at);
    this.at = at;
    const next = new Uint8Array(n);
    next.set(this.next);
    this.next = next;
  }

  /** `a` started a chat with the stranger `to` by a message without a link. */
  opened(a: number, to: number, at: number): void {
    this.ensure(a);
    const i = a * SLOTS + this.next[a]!;
    this.to[i] = to;
    this.at[i] = at;
    this.next[a] = (this.next[a]! + 1) % SLOTS;
  }

  /**
   * `a` sent a link into its chat with `to`, who has not answered: true (and counted in `split`)
   * when that chat began with an opener no more than `windowMs` ago; each chat counts once.
   */
  linked(a: number, to: number, at: number, windowMs: number): boolean {
    if (a >= this.next.length) return false;
    const base = a * SLOTS;
    for (let i = base; i < base + SLOTS; i++) {
      if (this.to[i] !== to) continue;
      this.to[i] = -1;
      if (at - this.at[i]! > windowMs) return false;
      this.split.add(a, at);
      return true;
    }
    return false;
  }
}
