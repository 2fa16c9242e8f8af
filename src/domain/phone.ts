/**
 * E.164 phone numbers. Input may carry spaces, dashes, dots and parentheses, and an
 * international prefix of `+` or `00`; the stored form is `+` and 7–15 digits, the first not 0.
 */

const SEPARATORS = /[\s\-.()\u00a0]/g;
const E164 = /^\+[1-9][0-9]{6,14}$/;
/**
 * A national trunk prefix written in parentheses after the country code, as in
 * `+44 (0) 7911 123456`: dialled at home, never from abroad, so not part of the number.
 */
const TRUNK_ZERO = /^(\s*(?:\+|00)\s*[1-9][0-9]{0,2}[\s\-.\u00a0]*)\(\s*0\s*\)/;

/** The normalised number, or null when it is not a valid international number. */
export function normalizePhone(input: string): string | null {
  if (typeof input !== 'string' || input.length > 40) return null;
  let s = input.replace(TRUNK_ZERO, '$1').replace(SEPARATORS, '');
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  return E164.test(s) ? s : null;
}

/** The digits of a normalised number as one integer (≤ 15 digits fit a double exactly). */
export function phoneKey(normalized: string): number {
  return Number(normalized.slice(1));
}

export function phoneFromKey(key: number): string {
  return `+${key}`;
}
