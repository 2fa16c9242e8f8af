import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hamming, minhash, minhashBands, minhashSimilarity, shingles, simhash, skeleton, unmask } from './text.js';

/** Text normalisation and near-duplicate fingerprints: the tricks of the adversarial trace do not make a template new. */

describe('skeleton', () => {
  it('drops invisible characters, folds look-alikes, accents, full-width letters and case', () => {
    expect(skeleton('Che\u200bap wa\u2060tches')).toBe('cheap watches');
    expect(skeleton('Сhеаp wаtсhеs')).toBe('cheap watches'); // Cyrillic С е а с
    expect(skeleton('ＣＨＥＡＰ ｗａｔｃｈｅｓ')).toBe('cheap watches'); // full-width (NFKC)
    expect(skeleton('Crème brûlée!!!')).toBe('creme brulee');
    expect(skeleton('𝐂𝐡𝐞𝐚𝐩')).toBe('cheap'); // mathematical bold (NFKC)
    expect(skeleton('\ufeffhello\u00ad there\ufe0f')).toBe('hello there');
  });

  it('reads digits inside words as letters, and leaves numbers alone', () => {
    expect(skeleton('fr33 l0an, ca$h')).toBe('free loan cash');
    expect(skeleton('order 12345 is ready, class 3B')).toBe('order 12345 is ready class 3b');
  });

  it('is idempotent and never longer than NFKC of the input (seeded)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit: 'grapheme' }), (t) => {
        const s = skeleton(t);
        expect(skeleton(s)).toBe(s);
        expect(s).toBe(s.trim());
        expect(s).not.toMatch(/  /);
      }),
      { seed: 21, numRuns: 500 },
    );
  });
});

describe('near duplicates', () => {
  const base = 'Hello dear, only today 90% off designer watches: https://luxwatch.live/123';
  const spun = 'Hey friend, only today 80% off designer watches: https://luxwatch.live/456';
  const disguised = 'Неllо dе\u200bar, оnly tоdаy 90% оff dеsignеr wаtсhеs: https://luxwatch.live/123';
  const other = 'Hi Anna, I am organising the book club on Saturday, would you like to join?';

  it('MinHash: a spun or disguised copy is close, another text far', () => {
    const a = minhash(base);
    expect(minhashSimilarity(a, minhash(disguised))).toBeGreaterThan(0.9);
    expect(minhashSimilarity(a, minhash(spun))).toBeGreaterThan(0.4);
    expect(minhashSimilarity(a, minhash(other))).toBeLessThan(0.15);
    expect(minhashSimilarity(a, minhash(base))).toBe(1);
  });

  it('MinHash bands: near copies share a band key, unrelated texts do not', () => {
    const keys = (t: string) => new Set(minhashBands(minhash(t)));
    const shared = (x: string, y: string) => [...keys(x)].some((k) => keys(y).has(k));
    expect(shared(base, disguised)).toBe(true);
    expect(shared(base, other)).toBe(false);
  });

  it('SimHash: few bits apart for a copy, many for another text', () => {
    const a = simhash(base);
    expect(hamming(a, simhash(disguised))).toBeLessThanOrEqual(4);
    expect(hamming(a, simhash(spun))).toBeLessThan(hamming(a, simhash(other)));
    expect(hamming(a, simhash(other))).toBeGreaterThan(16);
    expect(hamming(a, a)).toBe(0);
  });

  it('order numbers and prices alone do not make a text new', () => {
    expect(shingles(skeleton('your order 12345 has shipped'))).toEqual(shingles(skeleton('your order 99881 has shipped')));
    expect(minhashSimilarity(minhash('your order 12345 has shipped'), minhash('your order 99881 has shipped'))).toBe(1);
  });
});

describe('textHash after unmasking', () => {
  it('hashes a template hidden behind invisible characters or look-alike letters as the template', async () => {
    const { textHash } = await import('./events.js');
    const plain = 'Only today 90% off designer watches, write me back';
    expect(textHash('Only to\u200bday 90% off desi\u2060gner watches, write me back')).toBe(textHash(plain));
    expect(textHash('Оnly tоdаy 90% оff dеsignеr wаtсhеs, writе mе bасk')).toBe(textHash(plain));
    expect(textHash('ＯＮＬＹ today 90% off designer watches, write me back')).toBe(textHash(plain));
    // Other scripts still hash, and different texts differently.
    expect(textHash('Привет, как дела? Увидимся завтра вечером')).not.toBe(0);
    expect(textHash('Привет, как дела? Увидимся завтра вечером')).not.toBe(textHash('Привет, как дела? Увидимся в субботу утром'));
    expect(textHash('ok 👍')).toBe(0);
  });
});

describe('foldTableOf', () => {
  it('folds as unmask does, code unit by code unit, in the Basic Multilingual Plane (seeded)', async () => {
    const { textHash } = await import('./events.js');
    // Beyond it (emoji, historic scripts) the table passes characters as they are, where unmask
    // would drop astral marks and lower-case astral letters: no spam trick lives there.
    const bmp = fc.string({ maxLength: 40, unit: 'grapheme' }).filter((t) => !/[\ud800-\udfff]/.test(t));
    fc.assert(
      fc.property(bmp, (t) => {
        // unmask may change lengths (ß → ss is not NFKD; ﬁ → fi is): compare the hashes.
        expect(textHash(t)).toBe(textHash(unmask(t)));
      }),
      { seed: 33, numRuns: 1000 },
    );
  });
});
