import { ALLOW, codeName } from '../domain/codes.js';
import { gateSend } from '../domain/gate.js';
import { parseId } from '../store/ids.js';
import type { Platform } from './context.js';

/**
 * Many send-gate decisions in one call, for platforms that ask "may A message B" before they
 * route a message themselves. Rows 1–7 only: rate limits belong to real sends. Pure reads.
 */
export function checkBatch(p: Platform, from: string[], to: string[]): (0 | string)[] {
  const idx = p.index;
  const now = p.clock.now();
  const out = new Array<0 | string>(from.length);
  for (let i = 0; i < from.length; i++) {
    const a = parseId('account', from[i]);
    const b = parseId('account', to[i]);
    if (!idx.exists(a) || !idx.exists(b)) {
      out[i] = 'PEER_ID_INVALID';
      continue;
    }
    // A send to oneself is refused before the gate (400 BAD_REQUEST): the check says the same.
    if (a === b) {
      out[i] = 'BAD_REQUEST';
      continue;
    }
    const code = gateSend(idx, a, b, now);
    out[i] = code === ALLOW ? 0 : codeName(code);
  }
  return out;
}
