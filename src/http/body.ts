import { BanyaError } from '../domain/errors.js';
import { hasLoneSurrogate, hasNul } from '../domain/storable.js';

/** No request of this API nests deeper than a few levels. */
export const MAX_BODY_DEPTH = 32;

/**
 * Whether a parsed body is free of what `bodyProblem` refuses, without building a path: every
 * request runs this, and only a body that fails it has its problem named.
 */
function cleanBody(value: object, max: number): boolean {
  const objects: object[] = [value];
  const depths: number[] = [1];
  while (objects.length > 0) {
    const v = objects.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child: unknown = v[i];
        if (child !== null && typeof child === 'object') {
          objects.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      const isObject = child !== null && typeof child === 'object';
      if (key === '__proto__' || (key === 'constructor' && isObject && Object.hasOwn(child, 'prototype'))) return false;
      if (isObject) {
        objects.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return true;
}

/**
 * What makes a parsed body unacceptable before any schema sees it: nesting deeper than `max`
 * (no request of this API nests deeper than a few levels; deeper bodies would only feed recursive
 * code, hashing and validation, with a stack to overflow), or a key that could reach an object's
 * prototype once the body is copied or merged: `__proto__`, or `constructor` holding `prototype`
 * (what secure-json-parse refuses). Walks without recursion; names the offending key's path.
 */
function bodyProblem(value: unknown, max: number): BanyaError | null {
  if (value === null || typeof value !== 'object' || cleanBody(value, max)) return null;
  const stack: [object, number, string][] = [[value, 1, '']];
  while (stack.length > 0) {
    const [v, depth, path] = stack.pop()!;
    if (depth > max) return new BanyaError('BAD_REQUEST', { reason: `the body nests deeper than ${max} levels` });
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      const at = path === '' ? key : `${path}.${key}`;
      const poisoned = key === '__proto__' || (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype'));
      if (poisoned) return new BanyaError('BAD_REQUEST', { field: at, reason: `the key "${key}" is not allowed in a request body` });
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1, at]);
    }
  }
  return null;
}

/** Whether a parsed body holds a string, keys included, that `bad` finds. */
function holds(value: unknown, bad: (s: string) => boolean): boolean {
  if (typeof value === 'string') return bad(value);
  if (value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) if (bad(k) || holds(v, bad)) return true;
  return false;
}

/** The request's declared body length, when it declares one. */
export function declaredLength(header: string | undefined): number | null {
  if (header === undefined || !/^\d+$/.test(header)) return null;
  return Number(header);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A request body's bytes as text: UTF-8, as JSON must be. Bytes that are not UTF-8 are refused,
 * not turned into U+FFFD: what was stored would not be what was sent. The text, or the error.
 */
export function decodeBody(bytes: Uint8Array): string | BanyaError {
  try {
    return UTF8.decode(bytes);
  } catch {
    return new BanyaError('BAD_REQUEST', { reason: 'the body is not valid UTF-8' });
  }
}

/**
 * A request body as every route reads it, whatever its content type (curl -d sends form
 * encoding by default): JSON, after a byte-order mark if any; blank means none (undefined).
 * The value, or the BanyaError that refuses it.
 */
export function parseBody(body: string): unknown {
  let text = body;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const first = text.charCodeAt(0);
  // (a body opening an object or an array is not blank: no trimmed copy of it)
  if (first !== 0x7b && first !== 0x5b && text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return new BanyaError('BAD_REQUEST', { reason: 'the body is not valid JSON' });
  }
  const problem = bodyProblem(value, MAX_BODY_DEPTH);
  if (problem) return problem;
  // NUL is not text: PostgreSQL cannot store it, and no client means it. (Only the escape can
  // carry it: a raw NUL inside a JSON string is not JSON.)
  if (text.includes('\\u0000') && holds(value, hasNul))
    return new BanyaError('BAD_REQUEST', { reason: 'the body holds the NUL character (U+0000), which no text may contain' });
  // Nor is half a surrogate pair: UTF-8 cannot encode it, so a store would keep U+FFFD and the
  // answer would show a text no later read gives back. (Decoded bytes never hold one: only an
  // escape can, and the scan runs only when the body has an escape of that range.)
  if (/\\u[dD][89a-fA-F]/.test(text) && holds(value, hasLoneSurrogate))
    return new BanyaError('BAD_REQUEST', { reason: 'the body holds half of a UTF-16 surrogate pair, which is not a character' });
  return value;
}
