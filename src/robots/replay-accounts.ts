import type { Label } from './trace.js';

/**
 * The accounts of a replayed trace by dense id (1, 2, …; 0 is nobody): their names, labels (the
 * current one, every one they had, the one they registered with), classes, creation times, and
 * the cold messages each delivered and the complaints about it under its current label.
 */

export const LABEL_BIT: Record<Label, number> = { innocent: 1, spammer: 2, business: 4, brigader: 8 };

export class ReplayAccounts {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [''];
  readonly labels: (Label | undefined)[] = [undefined];
  /** Every label an account had (bits of LABEL_BIT). */
  readonly everLabels: number[] = [0];
  readonly registeredAs: (Label | undefined)[] = [undefined];
  readonly classes: (string | undefined)[] = [undefined];
  readonly created: number[] = [0];
  /** Cold messages delivered under the current label. */
  readonly cold: number[] = [0];
  /** Complaints (blocks, and reports the API takes) about the account under the current label. */
  readonly complaints: number[] = [0];
  /** Labels (bits of LABEL_BIT) under which the account sent a 21st cold message before any complaint came. */
  readonly unheard: number[] = [0];
  hasClasses = false;

  /** The dense id of a registered account; throws for any other name. */
  known(name: string): number {
    const n = this.ids.get(name);
    if (n === undefined) throw new Error(`unknown id ${JSON.stringify(name)}`);
    return n;
  }

  /** Registers an account created at `created` (ms, before 0 for an aged one): its dense id. */
  add(name: string, label: Label | undefined, cls: string | undefined, created: number): number {
    if (this.ids.has(name)) throw new Error(`duplicate account ${name}`);
    const n = this.names.length;
    this.ids.set(name, n);
    this.names.push(name);
    this.labels.push(label);
    this.registeredAs.push(label);
    this.everLabels.push(label ? LABEL_BIT[label] : 0);
    this.classes.push(cls);
    if (cls !== undefined) this.hasClasses = true;
    this.created.push(created);
    this.cold.push(0);
    this.complaints.push(0);
    this.unheard.push(0);
    return n;
  }

  /**
   * Counts a cold message `n` delivered. Its 21st under a label with no complaint in yet marks it
   * unheard under that label: no rule that waits for feedback could have acted within 20.
   */
  coldSent(n: number): void {
    if (++this.cold[n]! === 21 && this.complaints[n] === 0) {
      const label = this.labels[n];
      if (label) this.unheard[n]! |= LABEL_BIT[label];
    }
  }

  /** Gives account `n` a new label; false, changing nothing, when it has that label already. */
  relabel(n: number, label: Label): boolean {
    if (this.labels[n] === label) return false;
    this.labels[n] = label;
    this.everLabels[n]! |= LABEL_BIT[label];
    // Cold messages to catch are counted afresh under the new label.
    this.cold[n] = 0;
    this.complaints[n] = 0;
    return true;
  }
}
