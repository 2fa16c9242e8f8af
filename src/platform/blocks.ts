import type { CompiledQuery } from 'kysely';
import { fail } from '../domain/errors.js';
import type { Platform } from './context.js';
import { requireWritable } from './guards.js';

/** Blocks (RULES.md §2 rows 4–5): a block stops messages both ways and group invites. */

/** The statements that record `blocker` blocking `blocked` (none when already blocked). */
export function blockStatements(p: Platform, blocker: number, blocked: number, now: number): CompiledQuery[] {
  if (p.index.hasBlocked(blocker, blocked)) return [];
  p.index.blocks.set(blocker, blocked, 1);
  return [p.store.db.insertInto('blocks').values({ blocker_id: blocker, blocked_id: blocked, created_at: now }).compile()];
}

export async function block(p: Platform, blocker: number, blocked: number): Promise<void> {
  requireWritable(p, blocker);
  if (!p.index.exists(blocked)) fail('PEER_ID_INVALID');
  if (blocked === blocker) fail('BAD_REQUEST', { field: 'accountId', reason: 'cannot block yourself' });
  const now = p.clock.now();
  const stranger = !p.index.hasContact(blocker, blocked);
  const writes = blockStatements(p, blocker, blocked, now);
  if (writes.length === 0) return;
  await p.store.write(writes);
  await p.robots.observe({ type: 'block', at: now, from: blocker, to: blocked, stranger });
}

export async function unblock(p: Platform, blocker: number, blocked: number): Promise<void> {
  requireWritable(p, blocker);
  if (!p.index.exists(blocked)) fail('PEER_ID_INVALID');
  if (!p.index.blocks.delete(blocker, blocked)) return;
  await p.store.write([p.store.db.deleteFrom('blocks').where('blocker_id', '=', blocker).where('blocked_id', '=', blocked).compile()]);
}
