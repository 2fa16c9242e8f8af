import { fail } from '../domain/errors.js';
import type { Change } from '../events/journal.js';
import { key } from '../events/serial.js';
import { publicId } from '../store/ids.js';
import type { Platform } from './context.js';
import { requireWritable } from './writable.js';

/** Blocks (RULES.md §2 rows 4–5): a block stops messages both ways and group invites. */

/** Adds `blocker` blocking `blocked` to `change` (nothing when already blocked); true when added. */
export function blockOn(p: Platform, change: Change, blocker: number, blocked: number, now: number): boolean {
  if (p.index.hasBlocked(blocker, blocked)) return false;
  change.emit(now, { kind: 'account', id: publicId('account', blocker) }, blocker, { type: 'block_added', payload: { blockedId: blocked } });
  return true;
}

export async function block(p: Platform, blocker: number, blocked: number): Promise<void> {
  requireWritable(p, blocker);
  if (!p.index.exists(blocked)) fail('PEER_ID_INVALID');
  if (blocked === blocker) fail('BAD_REQUEST', { field: 'accountId', reason: 'cannot block yourself' });
  const done = await p.serial.run([key.account(blocker)], async () => {
    const now = p.clock.now();
    const stranger = !p.index.hasContact(blocker, blocked);
    // Whether the blocked one wrote first to the blocker: a block of someone one wrote to is no
    // evidence of unwanted contact.
    const initiated = p.index.startedBy(blocker, blocked) === blocked;
    const change = p.journal.change();
    if (!blockOn(p, change, blocker, blocked, now)) return null;
    await p.journal.commit(change);
    return { now, stranger, initiated };
  });
  if (done) await p.robots.observe({ type: 'block', at: done.now, from: blocker, to: blocked, stranger: done.stranger, initiated: done.initiated });
}

export async function unblock(p: Platform, blocker: number, blocked: number): Promise<void> {
  requireWritable(p, blocker);
  if (!p.index.exists(blocked)) fail('PEER_ID_INVALID');
  await p.serial.run([key.account(blocker)], async () => {
    if (!p.index.hasBlocked(blocker, blocked)) return;
    await p.journal.record(p.clock.now(), { kind: 'account', id: publicId('account', blocker) }, blocker, {
      type: 'block_removed',
      payload: { blockedId: blocked },
    });
  });
}
