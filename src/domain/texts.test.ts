import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATUS, type ErrorCode } from './codes.js';
import { errorText, formatUtc, langFromHeader } from './texts.js';

const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(y, mo - 1, d, h, mi, s, ms);

describe('formatUtc', () => {
  it('prints like `26 Nov 2026, 14:00 UTC`', () => {
    expect(formatUtc(at(2026, 11, 26, 14, 0), 'en')).toBe('26 Nov 2026, 14:00 UTC');
  });

  it('keeps a time that is exactly on the minute', () => {
    expect(formatUtc(at(2026, 11, 26, 14, 0, 0, 0), 'en')).toBe('26 Nov 2026, 14:00 UTC');
  });

  it('rounds UP to the minute, never down', () => {
    expect(formatUtc(at(2026, 11, 26, 13, 59, 0, 1), 'en')).toBe('26 Nov 2026, 14:00 UTC');
    expect(formatUtc(at(2026, 11, 26, 13, 59, 30), 'en')).toBe('26 Nov 2026, 14:00 UTC');
    expect(formatUtc(at(2026, 11, 26, 13, 59, 59, 999), 'en')).toBe('26 Nov 2026, 14:00 UTC');
    expect(formatUtc(at(2026, 11, 26, 14, 0, 0, 1), 'en')).toBe('26 Nov 2026, 14:01 UTC');
  });

  it('rounding can carry over the day, month and year', () => {
    expect(formatUtc(at(2026, 12, 31, 23, 59, 0, 1), 'en')).toBe('1 Jan 2027, 00:00 UTC');
  });

  it('pads hours and minutes, not the day', () => {
    expect(formatUtc(at(2026, 3, 5, 9, 5), 'en')).toBe('5 Mar 2026, 09:05 UTC');
  });

  it('is UTC whatever the local time zone', () => {
    // 23:30 UTC is already the next day in most of Asia: the date must not move
    expect(formatUtc(at(2026, 6, 30, 23, 30), 'en')).toBe('30 Jun 2026, 23:30 UTC');
  });

  it('Russian month names in the genitive', () => {
    expect(formatUtc(at(2026, 11, 26, 14, 0), 'ru')).toBe('26 ноября 2026, 14:00 UTC');
    expect(formatUtc(at(2026, 3, 8, 8, 0), 'ru')).toBe('8 марта 2026, 08:00 UTC');
    expect(formatUtc(at(2026, 5, 1, 0, 0), 'ru')).toBe('1 мая 2026, 00:00 UTC');
  });

  it('every month has its own name in each language', () => {
    for (const lang of ['en', 'ru'] as const) {
      const names = new Set<string>();
      for (let m = 1; m <= 12; m++) names.add(formatUtc(at(2026, m, 15, 12), lang).split(' ')[1]!);
      expect(names.size).toBe(12);
    }
    expect(formatUtc(at(2026, 1, 15, 12), 'en')).toContain('Jan');
    expect(formatUtc(at(2026, 12, 15, 12), 'en')).toContain('Dec');
    expect(formatUtc(at(2026, 1, 15, 12), 'ru')).toContain('января');
    expect(formatUtc(at(2026, 12, 15, 12), 'ru')).toContain('декабря');
  });

  it('property: the printed minute is never earlier than the time, and less than a minute later', () => {
    const MONTH: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
    fc.assert(
      fc.property(fc.integer({ min: at(2000, 1, 1), max: at(2100, 1, 1) }), (ms) => {
        const m = /^(\d{1,2}) (\w{3}) (\d{4}), (\d{2}):(\d{2}) UTC$/.exec(formatUtc(ms, 'en'));
        expect(m).not.toBeNull();
        const [, d, mon, y, hh, mm] = m!;
        const printed = Date.UTC(Number(y), MONTH[mon!]!, Number(d), Number(hh), Number(mm));
        expect(printed).toBeGreaterThanOrEqual(ms);
        expect(printed - ms).toBeLessThan(60_000);
      }),
    );
  });
});

describe('errorText', () => {
  const until = at(2026, 11, 26, 13, 59, 20);

  it('PEER_FLOOD in English: mutual contacts, the date (rounded up), SpamBot', () => {
    const t = errorText('PEER_FLOOD', 'en', { until });
    expect(t).toContain('mutual contacts');
    expect(t).toContain('26 Nov 2026, 14:00 UTC');
    expect(t).toMatch(/spambot/i);
  });

  it('PEER_FLOOD in Russian: a different text, with the Russian date', () => {
    const t = errorText('PEER_FLOOD', 'ru', { until });
    expect(t).not.toBe(errorText('PEER_FLOOD', 'en', { until }));
    expect(t).toMatch(/[а-яё]/i);
    expect(t).toContain('взаимным контактам');
    expect(t).toContain('26 ноября 2026, 14:00 UTC');
    expect(t).toMatch(/spambot/i);
  });

  it('PEER_FLOOD without an end says so, and prints no date', () => {
    const en = errorText('PEER_FLOOD', 'en', { until: null });
    const ru = errorText('PEER_FLOOD', 'ru', { until: null });
    expect(en).toMatch(/no end/i);
    expect(en).not.toMatch(/UTC/);
    expect(ru).toMatch(/бессрочн/i);
    expect(ru).not.toMatch(/UTC/);
    expect(en).not.toBe(errorText('PEER_FLOOD', 'en', { until }));
    expect(errorText('PEER_FLOOD', 'en')).toBe(en);
  });

  it('USER_RESTRICTED and FROZEN_METHOD_INVALID carry their dates', () => {
    expect(errorText('USER_RESTRICTED', 'en', { until })).toContain('26 Nov 2026, 14:00 UTC');
    expect(errorText('USER_RESTRICTED', 'ru', { until })).toContain('26 ноября 2026, 14:00 UTC');
    expect(errorText('FROZEN_METHOD_INVALID', 'en', { deleteAt: until })).toContain('26 Nov 2026, 14:00 UTC');
    expect(errorText('FROZEN_METHOD_INVALID', 'ru', { deleteAt: until })).toContain('26 ноября 2026, 14:00 UTC');
    expect(errorText('FROZEN_METHOD_INVALID', 'en')).not.toMatch(/UTC/);
  });

  it('FLOOD_WAIT names the seconds to wait', () => {
    expect(errorText('FLOOD_WAIT', 'en', { retryAfter: 42 })).toContain('42');
    expect(errorText('FLOOD_WAIT', 'ru', { retryAfter: 42 })).toContain('42');
  });

  it('every error code has a real English and a distinct Russian text', () => {
    for (const code of Object.keys(STATUS) as ErrorCode[]) {
      const en = errorText(code, 'en', { until, deleteAt: until, retryAfter: 3 });
      const ru = errorText(code, 'ru', { until, deleteAt: until, retryAfter: 3 });
      expect(en, code).not.toBe(code);
      expect(en.length, code).toBeGreaterThan(5);
      expect(ru, code).not.toBe(en);
      expect(ru, code).toMatch(/[а-яё]/i);
      expect(en, code).not.toMatch(/[а-яё]/i);
    }
  });

  it('the codes a CRM manager sees are told apart', () => {
    const codes: ErrorCode[] = ['USER_IS_BLOCKED', 'PHONE_NOT_OCCUPIED', 'PEER_FLOOD', 'FROZEN_METHOD_INVALID', 'USER_DEACTIVATED_BAN'];
    for (const lang of ['en', 'ru'] as const) {
      expect(new Set(codes.map((c) => errorText(c, lang, { until }))).size).toBe(codes.length);
    }
  });
});

describe('langFromHeader', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['ru', 'ru'],
    ['RU', 'ru'],
    ['ru-RU', 'ru'],
    ['en', 'en'],
    ['en-GB', 'en'],
    ['ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7', 'ru'],
    ['en-US,en;q=0.9,ru;q=0.8', 'en'],
    ['en;q=0.5, ru;q=0.9', 'ru'],
    ['ru;q=0.3, en;q=0.8', 'en'],
    ['en;q=0.1, ru', 'ru'],
    ['fr-FR, de;q=0.9', 'en'],
    ['fr, ru;q=0.2', 'ru'],
    ['de, en;q=0.5, ru;q=0.4', 'en'],
    ['ru;q=0', 'en'],
    ['ru;q=0, en;q=0.1', 'en'],
    ['*', 'en'],
    ['rus', 'en'],
    ['ru;q=0.5, en;q=0.5', 'ru'],
    ['en;q=0.5, ru;q=0.5', 'en'],
    [' ru ; q=0.7 , en ; q=0.6', 'ru'],
    ['ru;q=garbage, en', 'en'],
  ] as const)('%j → %s', (header, lang) => {
    expect(langFromHeader(header)).toBe(lang);
  });

  it('always answers en or ru, for any header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (h) => {
        expect(['en', 'ru']).toContain(langFromHeader(h));
      }),
    );
  });
});
