import { describe, expect, it } from 'vitest';
import { hasLoneSurrogate, hasNul, storable, toStorable } from './storable.js';

describe('storable text', () => {
  it('finds U+0000 and half surrogate pairs, and leaves whole pairs alone', () => {
    expect(hasNul('a\u0000b')).toBe(true);
    expect(hasLoneSurrogate('a\ud800b')).toBe(true);
    expect(hasLoneSurrogate('end\udc00')).toBe(true);
    expect(hasLoneSurrogate('😀 fine')).toBe(false);
    expect(storable('😀 fine, Привет')).toBe(true);
    expect(storable('a\u0000')).toBe(false);
    expect(storable('\ud83d')).toBe(false);
  });

  it('drops U+0000 and turns each lone surrogate into U+FFFD', () => {
    expect(toStorable('Your\u0000 order is \ud800ready 😀')).toBe('Your order is \ufffdready 😀');
    expect(storable(toStorable('\udc00\u0000\ud800'))).toBe(true);
  });
});
