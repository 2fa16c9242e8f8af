import { expect } from 'vitest';

/** The response is the error `code` with `status`, in API.md's one shape, with a human message. */
export function expectError(res: { status: number; body: any }, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(10);
}

/**
 * Retries `check` until it passes, for at most `ms`, and gives its result; past `ms`, its last
 * failure. For what another node or process does a little later.
 */
export async function within<T>(ms: number, check: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
