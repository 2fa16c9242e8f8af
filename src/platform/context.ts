import type { Enforcement } from '../enforcement/state.js';
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

/** Enforcement's context plus the platform's own in-memory state. */
export interface Platform extends Enforcement {
  readonly tokens: TokenRegistry;
  readonly pending: PendingImports;
  /** `${accountId}:${key}` → the answer first given. */
  readonly idempotency: Map<string, IdempotentAnswer>;
  readonly limits: RateLimiter;
}
