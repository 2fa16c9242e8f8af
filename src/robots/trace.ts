import { z } from 'zod';

/**
 * The trace format of TRACE.md: one JSON object per line, in time order, with its extensions
 * (account age and class, group admins, declined invites, joins and leaves, decisions, appeals,
 * labels that change). Fields a line does not define are ignored.
 */

const id = z.string().min(1).max(200);
/** Missing: at the time of the line before (the parser fills it in; see `parseTraceLine`). */
/** The latest `t` a line may have, in seconds: far past any trace, and its milliseconds still exact. */
export const MAX_T = 2.5e11;

/** How long a free-text field (a reason, a phone, a class, a policy) may be: TRACE.md sets no bound; this one only keeps a line's memory bounded. */
const FREE_TEXT = 10_000;

const t = z.number().finite().min(0).max(MAX_T).optional();
/** Longer texts are read, their first `TEXT_MAX` characters kept. */
export const TEXT_MAX = 10_000;
const label = z.enum(['innocent', 'spammer', 'business', 'brigader']);

/** The format as a schema (the reference; `parseTraceLine` checks the same by hand, faster). */
export const traceLineSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('account'),
    t,
    id,
    phone: z.string().max(FREE_TEXT).optional(),
    // Only `voip` means anything to the rules; another kind (`landline`, `fixed`) reads as mobile.
    numberKind: z.string().max(200).optional(),
    label: label.optional(),
    ageDays: z.number().finite().min(0).optional(),
    class: z.string().max(FREE_TEXT).optional(),
  }),
  z.object({ type: z.literal('contact'), t, from: id, to: id }),
  z.object({ type: z.literal('block'), t, from: id, to: id }),
  z.object({ type: z.literal('message'), t, from: id, to: id, text: z.string() }),
  z.object({ type: z.literal('group'), t, id, owner: id, public: z.boolean().optional(), admins: z.array(id).optional() }),
  z.object({ type: z.literal('invite'), t, group: id, by: id, account: id, accepted: z.boolean().optional() }),
  z.object({ type: z.literal('post'), t, group: id, from: id, text: z.string() }),
  z.object({ type: z.literal('report'), t, from: id, to: id, reason: z.string().max(FREE_TEXT).optional(), group: id.optional() }),
  z.object({ type: z.literal('join'), t, group: id, account: id }),
  z.object({ type: z.literal('leave'), t, group: id, account: id }),
  z.object({ type: z.literal('decision'), t, account: id, action: z.enum(['confirm', 'dismiss', 'lift']), policy: z.string().max(FREE_TEXT).optional() }),
  z.object({ type: z.literal('appeal'), t, account: id, outcome: z.enum(['overturn', 'uphold']) }),
  z.object({ type: z.literal('label'), t, id, label }),
]);

/** A line as the replay reads it: its time always set (`parseTraceLine` fills a missing one). */
export type TraceLine = z.infer<typeof traceLineSchema> & { t: number };
export type Label = z.infer<typeof label>;
export const LABELS: readonly Label[] = label.options;

export interface ParseProblem {
  line: number;
  problem: string;
}

/** Thrown inside the checker; caught by `parseTraceLine` and turned into a problem. */
class Bad {
  constructor(readonly problem: string) {}
}

function str(o: Record<string, unknown>, k: string, max: number, optional = false): void {
  const v = o[k];
  if (v === undefined && optional) return;
  if (typeof v !== 'string') throw new Bad(`${k}: expected a string${v === undefined ? ', got nothing' : ''}`);
  if (v.length > max) throw new Bad(`${k}: longer than ${max}`);
}

function ident(o: Record<string, unknown>, k: string, optional = false): void {
  str(o, k, 200, optional);
  if (o[k] === '') throw new Bad(`${k}: empty id`);
}

function oneOf(o: Record<string, unknown>, k: string, values: readonly string[], optional = false): void {
  const v = o[k];
  if (v === undefined && optional) return;
  if (typeof v !== 'string' || !values.includes(v)) throw new Bad(`${k}: expected one of ${values.join(', ')}`);
}

function bool(o: Record<string, unknown>, k: string): void {
  const v = o[k];
  if (v !== undefined && typeof v !== 'boolean') throw new Bad(`${k}: expected true or false`);
}

const LABEL_VALUES = label.options;

/** A message's or post's text; a longer one keeps its first `TEXT_MAX` characters (a pair of surrogates is not split). */
function text(o: Record<string, unknown>): void {
  str(o, 'text', Number.POSITIVE_INFINITY);
  const v = o.text as string;
  if (v.length > TEXT_MAX) {
    const end = (v.charCodeAt(TEXT_MAX - 1) & 0xfc00) === 0xd800 ? TEXT_MAX - 1 : TEXT_MAX;
    o.text = v.slice(0, end);
  }
}

/** Checks one parsed object against the format; throws `Bad` with the first problem. */
function check(o: Record<string, unknown>, lastT: number): void {
  const time = o.t;
  if (time === undefined) o.t = lastT;
  else if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) throw new Bad('t: expected a number ≥ 0');
  else if (time > MAX_T) throw new Bad(`t: more than ${MAX_T} seconds (about 8,000 years) from the start`);
  switch (o.type) {
    case 'message':
      ident(o, 'from');
      ident(o, 'to');
      text(o);
      return;
    case 'contact':
    case 'block':
      ident(o, 'from');
      ident(o, 'to');
      return;
    case 'report':
      ident(o, 'from');
      ident(o, 'to');
      str(o, 'reason', FREE_TEXT, true);
      ident(o, 'group', true);
      return;
    case 'account': {
      ident(o, 'id');
      str(o, 'phone', FREE_TEXT, true);
      str(o, 'numberKind', 200, true);
      oneOf(o, 'label', LABEL_VALUES, true);
      const age = o.ageDays;
      if (age !== undefined && !(typeof age === 'number' && Number.isFinite(age) && age >= 0)) throw new Bad('ageDays: expected a number ≥ 0');
      str(o, 'class', FREE_TEXT, true);
      return;
    }
    case 'group': {
      ident(o, 'id');
      ident(o, 'owner');
      bool(o, 'public');
      const admins = o.admins;
      if (admins !== undefined) {
        if (!Array.isArray(admins)) throw new Bad('admins: expected a list of ids');
        for (const a of admins) if (typeof a !== 'string' || a.length === 0 || a.length > 200) throw new Bad('admins: expected a list of ids');
      }
      return;
    }
    case 'invite':
      ident(o, 'group');
      ident(o, 'by');
      ident(o, 'account');
      bool(o, 'accepted');
      return;
    case 'post':
      ident(o, 'group');
      ident(o, 'from');
      text(o);
      return;
    case 'join':
    case 'leave':
      ident(o, 'group');
      ident(o, 'account');
      return;
    case 'decision':
      ident(o, 'account');
      oneOf(o, 'action', ['confirm', 'dismiss', 'lift']);
      str(o, 'policy', FREE_TEXT, true);
      return;
    case 'appeal':
      ident(o, 'account');
      oneOf(o, 'outcome', ['overturn', 'uphold']);
      return;
    case 'label':
      ident(o, 'id');
      oneOf(o, 'label', LABEL_VALUES);
      return;
    default:
      throw new Bad(`type: unknown line type ${JSON.stringify(o.type)}`);
  }
}

const HEAD = '{"type":"';
const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/**
 * The common shape of a line, read without JSON.parse: `{"type":"…","t":N` followed only by
 * string fields with no escapes, no spaces. Anything else (a number or a list after `t`, an
 * escape, spacing, a duplicate-looking key) answers null and goes through JSON.parse, so the
 * result is always what JSON.parse would give. About twice as fast as JSON.parse on messages.
 */
export function fastParse(l: string): Record<string, unknown> | null {
  if (!l.startsWith(HEAD)) return null;
  const n = l.length;
  let i = HEAD.length;
  let c = 0;
  for (; i < n; i++) {
    c = l.charCodeAt(i);
    if (c === 34 || c === 92 || c < 32) break;
  }
  if (c !== 34) return null;
  const type = l.slice(HEAD.length, i);
  if (!l.startsWith(',"t":', i + 1)) return null;
  i += 6;
  const t0 = i;
  // The characters of a number, then JSON's grammar for it.
  for (; i < n; i++) {
    c = l.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45)) break;
  }
  const digits = l.slice(t0, i);
  if (!JSON_NUMBER.test(digits)) return null;
  const t = Number(digits);
  if (!Number.isFinite(t)) return null;
  const o: Record<string, unknown> = { type, t };
  for (;;) {
    c = l.charCodeAt(i);
    if (c === 125) return i === n - 1 ? o : null;
    if (c !== 44 || l.charCodeAt(i + 1) !== 34) return null;
    const k0 = i + 2;
    for (i = k0; i < n; i++) {
      c = l.charCodeAt(i);
      if (c === 34 || c === 92 || c < 32) break;
    }
    if (c !== 34 || l.charCodeAt(i + 1) !== 58 || l.charCodeAt(i + 2) !== 34) return null;
    const key = l.slice(k0, i);
    if (key === '__proto__' || key in o) return null;
    const v0 = i + 3;
    for (i = v0; i < n; i++) {
      c = l.charCodeAt(i);
      if (c === 34 || c === 92 || c < 32) break;
    }
    if (c !== 34) return null;
    o[key] = l.slice(v0, i);
    i++;
  }
}

/**
 * Parses one line; a problem (with its line number) instead of throwing. Checked by hand rather
 * than through the schema: replay reads millions of lines, and the check costs less than the
 * JSON parse this way. The parsed object is returned as it is (fields the format does not
 * define stay on it and are ignored), but for two things filled in: a missing `t` is `lastT`,
 * the time of the line before, and a text past `TEXT_MAX` is cut to it.
 */
export function parseTraceLine(text: string, lineNo: number, lastT = 0): TraceLine | ParseProblem {
  let raw: unknown = fastParse(text);
  if (raw === null) {
    try {
      raw = JSON.parse(text);
    } catch {
      return { line: lineNo, problem: 'not JSON' };
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { line: lineNo, problem: 'line: expected a JSON object' };
  try {
    check(raw as Record<string, unknown>, lastT);
  } catch (err) {
    if (err instanceof Bad) return { line: lineNo, problem: err.problem };
    throw err;
  }
  return raw as TraceLine;
}

export function isProblem(x: TraceLine | ParseProblem): x is ParseProblem {
  // Not `'problem' in x`: a trace line may carry any field, that one included.
  return !('type' in x);
}
