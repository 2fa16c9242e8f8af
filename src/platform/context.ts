import type { Lang } from '../domain/texts.js';
import type { Enforcement } from '../enforcement/state.js';
import type { RobotEvent } from '../robots/events.js';
import type { RateLimiter } from './rate-limits.js';
import type { TokenRegistry } from './tokens.js';

/** Numbers imported by accounts that could not find them yet: phone key → importer ids. */
export type PendingImports = Map<number, Set<number>>;

export interface IdempotentAnswer {
  bodyHash: string;
  status: number;
  body: unknown;
  at: number;
}

/**
 * Whoever answers a system account (SpamBot, support): called after a message to it is stored,
 * before the sender's request answers, so the reply is there when the POST returns.
 */
export type InboxHandler = (from: number, text: string, lang: Lang) => Promise<void>;

/** Enforcement's context plus the platform's own in-memory state. */
export interface Platform extends Enforcement {
  readonly tokens: TokenRegistry;
  readonly pending: PendingImports;
  /** `${accountId}:${key}` → the answer first given. */
  readonly idempotency: Map<string, IdempotentAnswer>;
  readonly limits: RateLimiter;
  /** System account id → its handler. */
  readonly inbox: Map<number, InboxHandler>;
  /** Where the platform publishes what happened, for robots. */
  readonly robots: RobotObserver;
}

export interface RobotObserver {
  observe(ev: RobotEvent): Promise<void> | void;
}
