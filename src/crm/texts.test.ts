import { describe, expect, it } from 'vitest';
import { ERROR_CODE, failureReport, type FailureReason } from './texts.js';

describe("the manager's texts", () => {
  it('map the seed four reasons to their codes (RULES.md §6)', () => {
    expect(ERROR_CODE.USER_IS_BLOCKED).toBe(905);
    expect(ERROR_CODE.PHONE_NOT_OCCUPIED).toBe(904);
    expect(ERROR_CODE.PEER_FLOOD).toBe(905);
    expect(ERROR_CODE.FROZEN_METHOD_INVALID).toBe(902);
    expect(ERROR_CODE.USER_DEACTIVATED_BAN).toBe(902);
    expect(ERROR_CODE.INTERNAL).toBe(903);
  });

  it('a limited number carries its until, in both languages', () => {
    const until = Date.UTC(2026, 11, 3, 10, 0, 0);
    expect(failureReport({ reason: 'PEER_FLOOD', until }, 'en').text).toContain('until 3 Dec 2026, 10:00 UTC');
    expect(failureReport({ reason: 'PEER_FLOOD', until }, 'ru').text).toContain('до 3 декабря 2026, 10:00 UTC');
    expect(failureReport({ reason: 'PEER_FLOOD', until: null }, 'en').text).toContain('with no end date');
  });

  it('every reason has a text in every language', () => {
    for (const reason of Object.keys(ERROR_CODE) as FailureReason[]) {
      for (const lang of ['en', 'ru'] as const) expect(failureReport({ reason }, lang).text.length).toBeGreaterThan(20);
    }
  });
});
