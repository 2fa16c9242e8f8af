/**
 * Token buckets over typed arrays: slot `i` holds the tokens left and the time (ms, monotonic)
 * they were last counted. Pure arithmetic; the caller owns the arrays and the time source.
 */

export interface BucketRule {
  perSecond: number;
  burst: number;
}

/**
 * Takes one token from slot `i`. Returns 0 when taken, else the seconds to wait (≥ 1) before a
 * token will be there. A slot never seen (last = 0) starts full.
 */
export function takeToken(tokens: Float64Array, last: Float64Array, i: number, nowMs: number, rule: BucketRule): number {
  let t: number;
  const seen = last[i]!;
  if (seen === 0) {
    t = rule.burst;
  } else {
    t = Math.min(rule.burst, tokens[i]! + ((nowMs - seen) / 1000) * rule.perSecond);
  }
  last[i] = nowMs;
  if (t >= 1) {
    tokens[i] = t - 1;
    return 0;
  }
  tokens[i] = t;
  return Math.max(1, Math.ceil((1 - t) / rule.perSecond));
}
