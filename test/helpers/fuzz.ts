import http from 'node:http';
import fc from 'fast-check';

/**
 * Request generation for the fuzz suite: arbitraries from the JSON schemas of /openapi.json (the
 * same objects that validate requests), hostile values, and a raw HTTP client that sends the path
 * byte for byte (WHATWG `fetch` would resolve `%2e%2e` segments before sending them).
 */

export type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  oneOf?: Schema[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
};

/** Real values the world holds, by the kind of field that names them. */
export interface Pools {
  ids: string[];
  accountIds: string[];
  chatIds: string[];
  messageIds: string[];
  phones: string[];
  usernames: string[];
  emails: string[];
}

const deep = (depth: number, arr: boolean): string => (arr ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));

/** Values no field expects: sizes, control characters, lone surrogates, prototype keys, nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 63), 1e308, -0),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ufeff', '\u202e', '../../etc/passwd', '%00', "' or 1=1 --", '<script>'),
  fc.integer({ min: 1000, max: 100_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 100, max: 30_000 }).map((n) => '\ud83d\ude00'.repeat(n)),
  fc.constantFrom(JSON.parse(deep(200, true)), JSON.parse(deep(200, false))),
  fc.constantFrom(JSON.parse('{"__proto__":{"admin":true}}'), JSON.parse('{"constructor":{"prototype":{"x":1}}}'), []),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

export const hostileKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', '', '\u0000', 'toString'),
  fc.string({ maxLength: 8 }),
);

const typesOf = (s: Schema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);

function stringArb(s: Schema, key: string, pools: Pools): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 50, 50);
  const digits = s.pattern?.match(/^\^\[0-9\]\{1,(\d+)\}\$$/);
  if (digits) return fc.integer({ min: 0, max: 10 ** Math.min(Number(digits[1]), 6) - 1 }).map(String);
  const plain = fc.string({ minLength: min, maxLength: Math.max(min, max) });
  const k = key.toLowerCase();
  const pick = (xs: string[]) => (xs.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...xs) }, { weight: 1, arbitrary: plain }) : plain);
  if (k === 'accountid' || k === 'members' || k === 'reporter' || k === 'account') return pick(pools.accountIds);
  if (k === 'chatid') return pick(pools.chatIds);
  if (k === 'messageids' || k === 'messageid') return pick(pools.messageIds);
  if (k.endsWith('id') || k === 'cursor') return pick(pools.ids);
  if (k === 'phone')
    return fc.oneof(
      fc.constantFrom(...pools.phones),
      fc.integer({ min: 0, max: 99_999 }).map((n) => `+4477009${String(n).padStart(5, '0')}`),
      plain,
    );
  if (k === 'username') return fc.oneof(fc.constantFrom(...pools.usernames), fc.stringMatching(/^[a-z][a-z0-9_]{4,20}$/), plain);
  if (k === 'email' || k === 'address') return fc.oneof(fc.constantFrom(...pools.emails), fc.emailAddress(), plain);
  return plain;
}

/** Values the schema describes (ids, numbers and names drawn from the world where a field names one). */
export function validArb(s: Schema, pools: Pools, key = ''): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.oneOf ?? s.anyOf;
  if (alts) return fc.oneof(...alts.map((a) => validArb(a, pools, key)));
  const types = typesOf(s);
  if (types.length > 1) return fc.oneof(...types.map((t) => validArb({ ...s, type: t }, pools, key)));
  switch (types[0]) {
    case 'string':
      return stringArb(s, key, pools);
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -1000, -(2 ** 31)), max: Math.min(s.maximum ?? 1000, 2 ** 31) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1000, max: Math.min(s.maximum ?? 1000, 1e6), noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validArb(s.items ?? {}, pools, key), { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 5, 5)) });
    case 'object': {
      const props = s.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = validArb(v, pools, k);
      return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
    default:
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
  }
}

/** A valid-looking body broken one way: a field of a wrong type, a required field gone, an extra field, the whole replaced. */
export function invalidArb(s: Schema, pools: Pools): fc.Arbitrary<unknown> {
  const keys = Object.keys(s.properties ?? {});
  const base = validArb(s, pools);
  const mutations: fc.Arbitrary<unknown>[] = [hostileValue, fc.tuple(base, hostileKey, hostileValue).map(([b, k, v]) => withKey(b, k, v))];
  if (keys.length) {
    mutations.push(fc.tuple(base, fc.constantFrom(...keys), hostileValue).map(([b, k, v]) => withKey(b, k, v)));
    mutations.push(
      fc.tuple(base, fc.constantFrom(...keys)).map(([b, k]) => {
        if (!b || typeof b !== 'object') return b;
        const c = { ...(b as object) } as Record<string, unknown>;
        delete c[k];
        return c;
      }),
    );
  }
  return fc.oneof(...mutations);
}

function withKey(b: unknown, k: string, v: unknown): unknown {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return b;
  const c = { ...(b as object) } as Record<string, unknown>;
  // An own property even for `__proto__`, as JSON.parse would make it.
  Object.defineProperty(c, k, { value: v, enumerable: true, configurable: true, writable: true });
  return c;
}

/** Path segments that are not what they seem. Sent as-is (already percent-encoded). */
export const pathTricks = fc.constantFrom(
  '%2e%2e',
  '%2E%2E%2Fadmin',
  '..%2f..%2fv1%2fadmin%2fstaff',
  '%00',
  'u1%00',
  '%252e%252e',
  '%25',
  '%ff',
  '%c0%ae%c0%ae',
  '%ed%a0%80',
  '%e2%80%ae',
  '%20',
  'u1%2fx',
  'u-1',
  'u0',
  'u01',
  'u1e3',
  'U1',
  'u 1'.replace(' ', '%20'),
  `u${'9'.repeat(40)}`,
  'x'.repeat(5000),
  'constructor',
  '__proto__',
);

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Percent-encodes a value for a path or query; a lone surrogate becomes its (ill-formed) UTF-8 bytes. */
export const encodeSegment = (v: unknown): string =>
  encodeURIComponent((typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined')).replace(LONE, '\ufffd')).replace(/%EF%BF%BD/g, '%ED%A0%80');

export interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface Answer {
  status: number;
  type: string;
  text: string;
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** Sends one request byte for byte, over a kept-alive connection. */
export function send(base: URL, r: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
    const req = http.request({ agent, host: base.hostname, port: base.port, method: r.method, path: r.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}
