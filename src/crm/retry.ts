import type { Platform } from '../platform/context.js';
import { AmojoError, amojoCall } from './amojo.js';
import type { Channel, CrmConfigSource } from './config.js';
import type { Job } from './state.js';

/**
 * When a job tries again: a job's own backoff, and the per-channel backoff while amojo is
 * unreachable, with the one call to amojo that a job's step makes through it. The waits are real
 * time (a job's `retryAt`), never the injected clock.
 */

export class Retries {
  /**
   * amojo unreachable for a channel: no call to it until `until` (real time), so that an outage
   * costs one timed-out call per backoff period, not one per waiting job.
   */
  private readonly amojoDown = new Map<string, { until: number; attempts: number }>();

  constructor(
    private readonly p: Platform,
    private readonly config: CrmConfigSource,
  ) {}

  /** Whether calls to this channel's amojo wait (then the job waits with it). */
  waitingForAmojo(channel: Channel, j: Job): boolean {
    const down = this.amojoDown.get(channel.id);
    if (!down || down.until <= Date.now()) return false;
    j.retryAt = down.until;
    return true;
  }

  private amojoFailed(channel: Channel, j: Job): void {
    const f = this.config.get();
    const prev = this.amojoDown.get(channel.id);
    const attempts = (prev?.attempts ?? 0) + 1;
    const until = Date.now() + Math.min(f.retryMaxMs, f.retryBaseMs * 2 ** Math.min(attempts - 1, 20));
    this.amojoDown.set(channel.id, { until, attempts });
    j.retryAt = until;
    j.attempts++;
  }

  backoff(j: Job): void {
    const f = this.config.get();
    j.retryAt = Date.now() + Math.min(f.retryMaxMs, f.retryBaseMs * 2 ** Math.min(j.attempts, 20));
    j.attempts++;
  }

  /**
   * Posts a job's call to amojo. False: the job waits (amojo is down for the channel, or did not
   * answer) and tries again at its `retryAt`. True: amojo took it, or refused it (logged).
   */
  async postForJob(channel: Channel, j: Job, path: string, body: unknown, log: { retrying: string; refused: string }): Promise<boolean> {
    if (this.waitingForAmojo(channel, j)) return false;
    try {
      await amojoCall(channel, 'POST', path, body, this.config.get().timeoutMs);
      this.amojoDown.delete(channel.id);
    } catch (err) {
      if (err instanceof AmojoError && err.retryable) {
        this.p.log.warn({ err: err.message, msgid: j.msgid }, log.retrying);
        this.amojoFailed(channel, j);
        return false;
      }
      // A refusal (a duplicate msgid after a crash, say) will not change by retrying.
      this.p.log.error({ err, msgid: j.msgid }, log.refused);
    }
    return true;
  }
}
