import type { Lang } from '../domain/texts.js';
import type { Enforcement } from '../enforcement/state.js';
import type { RobotEvent } from '../robots/events.js';
import type { IdempotentAnswer } from './idempotency.js';
import type { PhoneLookups, SharedLookups } from './lookups.js';
import type { PendingImports } from './pending.js';
import type { Limits } from './rate-limits.js';
import type { TokenRegistry } from './tokens.js';

export type { IdempotentAnswer } from './idempotency.js';
export type { PendingImports } from './pending.js';

/**
 * Whoever answers a system account (SpamBot, support): called after a message to it is stored,
 * before the sender's request answers, so the reply is there when the POST returns.
 */
export type InboxHandler = (from: number, text: string, lang: Lang) => Promise<void>;

/** Enforcement's context plus the platform's own in-memory state. */
export interface Platform extends Enforcement {
  readonly tokens: TokenRegistry;
  /** Numbers imported that could not be found yet. */
  readonly pending: PendingImports;
  /** Numbers each account looked up in the last 24 h (the daily lookup cap). */
  readonly lookups: PhoneLookups;
  /** With several nodes and Redis: the cap's record for the whole cluster, checked first. */
  readonly sharedLookups?: SharedLookups;
  /** `${accountId}:${route}:${key}` → the answer first given (oldest first). */
  readonly idempotency: Map<string, IdempotentAnswer>;
  readonly limits: Limits;
  /** System account id → its handler. */
  readonly inbox: Map<number, InboxHandler>;
  /** Where the platform publishes what happened, for robots. */
  readonly robots: RobotObserver;
}

export interface RobotObserver {
  observe(ev: RobotEvent): Promise<void> | void;
}
