import { MAX_T } from './trace.js';
/** The fast path of a replay for the commonest line of a trace, a message, read without `parseTraceLine`. */

export const MESSAGE_HEAD = '{"type":"message","t":';

/** Where the JSON string starting at `i` ends (its closing quote), or -1 when it has an escape or a control character. */
function plainString(l: string, i: number): number {
  for (const n = l.length; i < n; i++) {
    const c = l.charCodeAt(i);
    if (c === 34) return i;
    if (c === 92 || c < 32) return -1;
  }
  return -1;
}

/**
 * A message line in the shape the generators write (`{"type":"message","t":N,"from":"…",
 * "to":"…","text":"…"}`, nothing escaped, within the format's limits), taken without building
 * the line's object: most lines of a trace are such. False, having done nothing, for anything
 * else; `parseTraceLine` then reads the line as any other. True once `message` has had the line
 * (time in ms).
 */
export function readMessageLine(l: string, message: (from: string, to: string, text: string, at: number) => void): boolean {
  const n = l.length;
  let i = MESSAGE_HEAD.length;
  const t0 = i;
  let c = l.charCodeAt(i);
  // A number ≥ 0 in JSON's plain form: digits (no leading zero), then perhaps a fraction.
  if (c === 48) i++;
  else if (c > 48 && c <= 57) for (i++; i < n && (c = l.charCodeAt(i)) >= 48 && c <= 57; i++);
  else return false;
  if (l.charCodeAt(i) === 46) {
    const f0 = ++i;
    for (; i < n && (c = l.charCodeAt(i)) >= 48 && c <= 57; i++);
    if (i === f0) return false;
  }
  const t = Number(l.slice(t0, i));
  // Past the latest time a line may have (digits past a double's range read as Infinity): the
  // general parser reports the line.
  if (!(t <= MAX_T)) return false;
  if (!l.startsWith(',"from":"', i)) return false;
  const f0 = i + 9;
  const f1 = plainString(l, f0);
  if (f1 < 0 || f1 === f0 || f1 - f0 > 200 || !l.startsWith(',"to":"', f1 + 1)) return false;
  const o0 = f1 + 8;
  const o1 = plainString(l, o0);
  if (o1 < 0 || o1 === o0 || o1 - o0 > 200 || !l.startsWith(',"text":"', o1 + 1)) return false;
  const x0 = o1 + 10;
  const x1 = plainString(l, x0);
  if (x1 < 0 || x1 - x0 > 10_000 || x1 !== n - 2 || l.charCodeAt(n - 1) !== 125) return false;
  message(l.slice(f0, f1), l.slice(o0, o1), l.slice(x0, x1), Math.round(t * 1000));
  return true;
}
