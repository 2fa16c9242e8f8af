/**
 * One account's jobs one at a time, different accounts in parallel: for conversations (SpamBot,
 * support) where a turn reads state that the previous turn writes.
 */
export class Turns {
  private readonly tails = new Map<number, Promise<void>>();

  /** Runs `job` after every earlier job of `account` has finished (failed ones included). */
  run(account: number, job: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(account) ?? Promise.resolve();
    const run = previous.then(job, job);
    const settled = run.catch(() => undefined);
    this.tails.set(account, settled);
    void settled.then(() => {
      if (this.tails.get(account) === settled) this.tails.delete(account);
    });
    return run;
  }
}
