import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePhone, phoneFromKey, phoneKey } from './phone.js';

describe('normalizePhone', () => {
  it('keeps an already normalised number', () => {
    expect(normalizePhone('+447911123456')).toBe('+447911123456');
  });

  it.each([
    ['spaces', '+44 7911 123 456'],
    ['dashes', '+44-7911-123-456'],
    ['parentheses', '+44 (7911) 123456'],
    ['dots', '+44.7911.123.456'],
    ['a mix of separators', ' +44 (791)-1.12 3456 '],
    ['tabs and a no-break space', '+44\t7911\u00a0123456'],
    ['the 00 international prefix', '00447911123456'],
    ['00 with separators', '00 44 7911 123-456'],
    ['a trunk (0) after the country code', '+44 (0) 7911 123456'],
    ['a trunk (0) after 00 and the country code', '0044(0)7911-123-456'],
  ])('strips %s', (_label, input) => {
    expect(normalizePhone(input)).toBe('+447911123456');
  });

  it('keeps a (0) that is no trunk prefix: only right after the country code is it dropped', () => {
    expect(normalizePhone('+44 7911 (0) 12345')).toBe('+447911012345');
    expect(normalizePhone('+7 (095) 123-45-67')).toBe('+70951234567');
  });

  it('accepts 7 to 15 digits after the +', () => {
    expect(normalizePhone('+1234567')).toBe('+1234567');
    expect(normalizePhone('+123456789012345')).toBe('+123456789012345');
  });

  it.each([
    ['too short (6 digits)', '+123456'],
    ['too long (16 digits)', '+1234567890123456'],
    ['a leading zero country code', '+0447911123456'],
    ['00 followed by a zero', '000447911123456'],
    ['no international prefix', '447911123456'],
    ['a national number with a trunk 0', '07911123456'],
    ['letters', '+44791112345a'],
    ['a vanity number', '+1-800-FLOWERS'],
    ['two pluses', '++447911123456'],
    ['a plus in the middle', '44+7911123456'],
    ['+ and 00 together', '+00447911123456'],
    ['only separators', ' - . ( ) '],
    ['the empty string', ''],
    ['just a plus', '+'],
    ['other punctuation', '+44/7911/123456'],
    ['over 40 characters even if the digits fit', `+44${' '.repeat(40)}7911123456`],
  ])('rejects %s', (_label, input) => {
    expect(normalizePhone(input)).toBeNull();
  });

  it.each([[null], [undefined], [447911123456], [{}], [['+447911123456']]])('rejects a non-string (%j)', (input) => {
    expect(normalizePhone(input as unknown as string)).toBeNull();
  });

  it('is idempotent on its own output', () => {
    // Inputs that are numbers in any dress (prefix, separators) as well as arbitrary strings, so
    // that the valid branch is actually taken: the test counts it.
    const dressed = fc
      .tuple(
        fc.constantFrom('+', '00', ' +', '+ '),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom('', ' ', '-', '.', '(', ')')), { minLength: 6, maxLength: 14 }),
      )
      .map(([prefix, first, rest]) => `${prefix}${first}${rest.map(([d, sep]) => `${d}${sep}`).join('')}`);
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(dressed, fc.string({ maxLength: 30 })), (s) => {
        const n = normalizePhone(s);
        if (n === null) return;
        valid++;
        expect(normalizePhone(n)).toBe(n);
      }),
    );
    expect(valid).toBeGreaterThan(20);
  });

  it('every valid number survives any interleaving of separators', () => {
    const digits = fc.tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 6, maxLength: 14 }));
    fc.assert(
      fc.property(digits, fc.array(fc.constantFrom(' ', '-', '.', '(', ')', ''), { minLength: 16, maxLength: 16 }), ([first, rest], seps) => {
        const plain = `${first}${rest.join('')}`;
        const decorated = [...plain].map((d, i) => d + seps[i]!).join('');
        expect(normalizePhone(`+${decorated}`)).toBe(`+${plain}`);
        expect(normalizePhone(`00${decorated}`)).toBe(`+${plain}`);
      }),
    );
  });
});

describe('phoneKey / phoneFromKey', () => {
  it('turns the digits into one integer', () => {
    expect(phoneKey('+447911123456')).toBe(447911123456);
    expect(phoneFromKey(447911123456)).toBe('+447911123456');
  });

  it('round-trips every normalised number, including 15 digits', () => {
    expect(phoneFromKey(phoneKey('+999999999999999'))).toBe('+999999999999999');
    expect(phoneFromKey(phoneKey('+100000000000000'))).toBe('+100000000000000');
    const numbers = fc
      .tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 6, maxLength: 14 }))
      .map(([f, r]) => `+${f}${r.join('')}`);
    fc.assert(
      fc.property(numbers, (p) => {
        expect(normalizePhone(p)).toBe(p);
        const key = phoneKey(p);
        expect(Number.isSafeInteger(key)).toBe(true);
        expect(phoneFromKey(key)).toBe(p);
      }),
    );
  });

  it('different numbers have different keys', () => {
    expect(phoneKey('+12345678')).not.toBe(phoneKey('+123456780'));
    expect(phoneKey('+4479111234567')).not.toBe(phoneKey('+4479111234568'));
  });
});
