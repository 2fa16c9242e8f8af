import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastParse, isProblem, parseTraceLine, traceLineSchema } from './trace.js';

/** The hand-written check of a trace line says what the schema says, on valid and broken lines. */

const id = fc.oneof(fc.constantFrom('a', 'b', 'g1'), fc.constant(''), fc.string({ maxLength: 3 }), fc.integer());
const t = fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.constant(-1), fc.constant('5'));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const line = fc.record(
  {
    type: fc.constantFrom(
      'account',
      'contact',
      'block',
      'message',
      'group',
      'invite',
      'post',
      'report',
      'join',
      'leave',
      'decision',
      'appeal',
      'label',
      'other',
    ),
    t,
    id,
    from: id,
    to: id,
    group: maybe(id),
    by: id,
    account: id,
    owner: id,
    text: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
    phone: fc.oneof(fc.constant('+4477'), fc.integer()),
    numberKind: maybe(fc.constantFrom('mobile', 'voip', 'landline')),
    label: maybe(fc.constantFrom('innocent', 'spammer', 'business', 'brigader', 'robot')),
    ageDays: maybe(fc.oneof(fc.double({ min: -2, max: 1000, noNaN: true }), fc.constant('3'))),
    class: maybe(fc.oneof(fc.string({ maxLength: 8 }), fc.integer())),
    admins: maybe(fc.oneof(fc.array(id, { maxLength: 3 }), fc.constant('a'))),
    accepted: maybe(fc.oneof(fc.boolean(), fc.constant('yes'))),
    public: maybe(fc.oneof(fc.boolean(), fc.constant(1))),
    action: fc.constantFrom('confirm', 'dismiss', 'lift', 'ban'),
    policy: maybe(fc.constantFrom('spam', 'scam')),
    outcome: fc.constantFrom('overturn', 'uphold', 'maybe'),
    reason: maybe(fc.constantFrom('spam', 'x'.repeat(41))),
    unknownField: maybe(fc.anything()),
  },
  { requiredKeys: ['type'] },
);

describe('parseTraceLine', () => {
  it('accepts and refuses exactly what the schema does (seeded)', () => {
    fc.assert(
      fc.property(line, (l) => {
        const parsed = parseTraceLine(JSON.stringify(l), 1);
        const ref = traceLineSchema.safeParse(JSON.parse(JSON.stringify(l)));
        expect(!isProblem(parsed)).toBe(ref.success);
      }),
      { seed: 9, numRuns: 3000 },
    );
  });

  it('names the line and the field; not JSON and not an object are problems too', () => {
    expect(parseTraceLine('{"type":"message","t":1,"from":"a","to":"b"}', 7)).toEqual({ line: 7, problem: 'text: expected a string, got nothing' });
    expect(parseTraceLine('nope', 3)).toEqual({ line: 3, problem: 'not JSON' });
    expect(parseTraceLine('[1]', 4)).toEqual({ line: 4, problem: 'line: expected a JSON object' });
    expect(parseTraceLine('null', 5)).toEqual({ line: 5, problem: 'line: expected a JSON object' });
  });

  it('fills in what an exported trace may leave out or overdo: a missing t, a text past 10,000 characters', () => {
    expect(parseTraceLine('{"type":"contact","from":"a","to":"b"}', 1, 42.5)).toMatchObject({ t: 42.5 });
    expect(parseTraceLine('{"type":"contact","t":7,"from":"a","to":"b"}', 1, 42.5)).toMatchObject({ t: 7 });
    const long = parseTraceLine(JSON.stringify({ type: 'message', t: 1, from: 'a', to: 'b', text: `${'x'.repeat(9999)}😀tail` }), 1);
    expect(isProblem(long)).toBe(false);
    // Cut before the surrogate pair rather than through it.
    expect((long as { text: string }).text).toBe('x'.repeat(9999));
    const post = parseTraceLine(JSON.stringify({ type: 'post', t: 1, group: 'g', from: 'a', text: 'y'.repeat(30_000) }), 1);
    expect((post as { text: string }).text).toHaveLength(10_000);
  });

  it('keeps a line whose unknown field is called "problem"', () => {
    const l = parseTraceLine('{"type":"contact","t":1,"from":"a","to":"b","problem":"x"}', 1);
    expect(isProblem(l)).toBe(false);
  });
});

describe('fastParse', () => {
  it('gives what JSON.parse gives, or hands over (seeded)', () => {
    const value = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a"b', 'x\\ny', 'tab\there', 'é✓', ''), fc.integer(), fc.boolean(), fc.constant(null));
    const obj = fc.record(
      {
        type: fc.constantFrom('message', 'contact', 'x"y'),
        t: fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: 0 })),
        a: fc.option(value, { nil: undefined }),
        from: fc.option(value, { nil: undefined }),
        text: fc.option(value, { nil: undefined }),
      },
      { requiredKeys: ['type', 't'] },
    );
    fc.assert(
      fc.property(obj, (o) => {
        const line = JSON.stringify(o);
        const fast = fastParse(line);
        if (fast !== null) expect(fast).toEqual(JSON.parse(line));
      }),
      { seed: 11, numRuns: 3000 },
    );
  });

  it('takes the usual lines, and leaves odd numbers, spacing and escapes to JSON.parse', () => {
    expect(fastParse('{"type":"message","t":12.5,"from":"a","to":"b","text":"hi there"}')).toEqual({
      type: 'message',
      t: 12.5,
      from: 'a',
      to: 'b',
      text: 'hi there',
    });
    expect(fastParse('{"type":"contact","t":1e3,"from":"a","to":"b"}')).toEqual({ type: 'contact', t: 1000, from: 'a', to: 'b' });
    for (const l of [
      '{"type":"message","t":01,"from":"a"}',
      '{"type":"message","t":.5,"from":"a"}',
      '{"type":"message","t":5.,"from":"a"}',
      '{"type":"message","t":0x1,"from":"a"}',
      '{"type":"message","t":+1,"from":"a"}',
      '{"type":"message","t":1.e5,"from":"a"}',
      '{"type":"message","t":1e,"from":"a"}',
      '{"type": "message","t":1}',
      '{"type":"message","t":1,"text":"a\\"b"}',
      '{"type":"message","t":1,"n":2}',
      '{"type":"message","t":1,"a":"1","a":"2"}',
      '{"type":"message","t":1,"__proto__":"x"}',
      '{"type":"message","t":1}x',
      '{"type":"message","t":1,"text":"x"} ',
    ]) {
      expect(fastParse(l), l).toBeNull();
    }
    // And the full parse still answers those as JSON.parse would.
    expect(isProblem(parseTraceLine('{"type":"message","t":01,"from":"a","to":"b","text":"x"}', 1))).toBe(true);
  });
});
