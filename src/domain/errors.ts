import type { ErrorCode } from './codes.js';

/**
 * A failure with a stable machine name. The one HTTP error mapper turns it into
 * `{error: {code, message, details}}` with the status of its code and a text in the user's language.
 */
export class BanyaError extends Error {
  override name = 'BanyaError';
  constructor(
    readonly code: ErrorCode,
    readonly details: Record<string, unknown> = {},
    message?: string,
  ) {
    super(message ?? code);
  }
}

export function fail(code: ErrorCode, details?: Record<string, unknown>): never {
  throw new BanyaError(code, details);
}

/** Whatever was thrown, as an Error (a rejection may carry any value). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
