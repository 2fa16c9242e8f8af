/**
 * @deprecated Moved: `requireWritable` to ./writable.js, `iso` to ../domain/time-format.js.
 * Kept only until src/support/desk.ts imports from there.
 */
export { requireWritable } from './writable.js';
export { iso } from '../domain/time-format.js';
