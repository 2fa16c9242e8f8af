/**
 * Text a store keeps exactly as it came: no U+0000 (PostgreSQL refuses it) and no half of a
 * UTF-16 surrogate pair (UTF-8 cannot encode it; SQLite would keep U+FFFD instead).
 */

export const hasNul = (s: string): boolean => s.includes('\u0000');

/** Whether `s` holds half of a surrogate pair without the other half. */
export const hasLoneSurrogate = (s: string): boolean => !s.isWellFormed();

/** Whether a store keeps `s` as it is. */
export const storable = (s: string): boolean => !hasNul(s) && s.isWellFormed();

/** `s` as a store can keep it: without U+0000, and each lone surrogate as U+FFFD. */
export const toStorable = (s: string): string => s.replaceAll('\u0000', '').toWellFormed();
