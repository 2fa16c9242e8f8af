import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProblem, parseTraceLine, traceLineSchema } from './trace.js';

/** The hand-written check of a trace line says what the schema says, on valid and broken lines. */

const id = fc.oneof(fc.constantFrom('a', 'b', 'g1'), fc.constant(''), fc.string({ maxLength: 3 }), fc.integer());
const t = fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.constant(-1), fc.constant('5'));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const line = fc.record(
  {
    type: fc.constantFrom('account', 'contact', 'block', 'message', 'group', 'invite', 'post', 'report', 'join', 'leave', 'decision', 'appeal', 'label', 'other'),
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
  { requiredKeys: ['type', 't'] },
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

  it('keeps a line whose unknown field is called "problem"', () => {
    const l = parseTraceLine('{"type":"contact","t":1,"from":"a","to":"b","problem":"x"}', 1);
    expect(isProblem(l)).toBe(false);
  });
});
