import { expect } from 'vitest';
import type { TestAccount } from './client.js';

/** Whom a message goes to: an account, or any `to` of POST /v1/messages ({chatId}, {phone}, {username}). */
export type Target = TestAccount | Record<string, string>;

/** POST /v1/messages from `from` to `to` (an account by its id), answered as it is. */
export function send(from: TestAccount, to: Target, text = 'hello', extra: Record<string, unknown> = {}) {
  const target = 'token' in to ? { accountId: (to as TestAccount).id } : to;
  return from.api.post('/v1/messages', { to: target, text, ...extra });
}

/** A message that must go out (201): the stored message. */
export async function sent(from: TestAccount, to: Target, text = 'hello'): Promise<{ id: string; chatId: string; sentAt: string }> {
  const r = await send(from, to, text);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message;
}
