import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Journal } from './events/journal.js';
import type { Serializer } from './events/serial.js';
import type { GateIndex } from './memory/gate-index.js';
import type { RestrictionBook } from './memory/restriction-book.js';
import type { Ids } from './store/ids.js';
import type { Store } from './store/store.js';

/** What every use case works with, in every layer. Built once by the app; tests build their own. */
export interface Core {
  readonly config: Config;
  readonly store: Store;
  readonly index: GateIndex;
  readonly restrictions: RestrictionBook;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly log: Logger;
  /** The one way state changes: events, their projections, memory after commit. */
  readonly journal: Journal;
  /** Check-then-write one at a time per key (an account, a number, a case's subject). */
  readonly serial: Serializer;
  /** Phone keys that cannot register again (PHONE_NUMBER_BANNED). */
  readonly bannedPhones: Set<number>;
}
