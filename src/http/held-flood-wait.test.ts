import { describe, expect, it } from 'vitest';
import { settleHeldFloodWait, type HoldsFloodWait } from './held-flood-wait.js';

describe('settleHeldFloodWait', () => {
  it('answers nothing when no wait is held, without asking where the message goes', () => {
    let asked = 0;
    const req: HoldsFloodWait = {};
    expect(
      settleHeldFloodWait(req, () => {
        asked++;
        return false;
      }),
    ).toBeUndefined();
    expect(asked).toBe(0);
  });

  it('answers a held wait once, and drops it', () => {
    const req: HoldsFloodWait = { heldFloodWait: 7 };
    expect(settleHeldFloodWait(req, () => false)).toBe(7);
    expect(req.heldFloodWait).toBeUndefined();
    expect(settleHeldFloodWait(req, () => false)).toBeUndefined();
  });

  it('lets a message to SpamBot or support go on, and drops the wait all the same', () => {
    const req: HoldsFloodWait = { heldFloodWait: 3 };
    expect(settleHeldFloodWait(req, (r) => r === req)).toBeUndefined();
    expect(req.heldFloodWait).toBeUndefined();
  });

  it('answers a held wait when nothing tells where the message goes (an unreadable body)', () => {
    const req: HoldsFloodWait = { heldFloodWait: 2 };
    expect(settleHeldFloodWait(req)).toBe(2);
    expect(req.heldFloodWait).toBeUndefined();
  });
});
