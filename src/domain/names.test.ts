import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldName, hasBidiControl, hasVisibleText, impersonatesSystem, nameRefusal, SYSTEM_NAMES } from './names.js';

describe('foldName', () => {
  it('folds case, spaces, punctuation and NFKC forms', () => {
    expect(foldName('Spam Info Bot')).toBe(foldName('spaminfobot'));
    expect(foldName('SUPPORT')).toBe(foldName('support'));
    expect(foldName('Ｓｕｐｐｏｒｔ')).toBe(foldName('support')); // full-width
    expect(foldName('𝐒𝐮𝐩𝐩𝐨𝐫𝐭')).toBe(foldName('support')); // mathematical bold
    expect(foldName('Ⓢⓤⓟⓟⓞⓡⓣ')).toBe(foldName('support')); // circled
    expect(foldName('S.u-p_p o r t!')).toBe(foldName('support'));
  });

  it('drops accents and invisible characters', () => {
    expect(foldName('Süppórt')).toBe(foldName('support'));
    expect(foldName('Sup\u200Bport')).toBe(foldName('support')); // zero-width space
    expect(foldName('Sup\u00ADport')).toBe(foldName('support')); // soft hyphen
    expect(foldName('Sup\u200Dpo\u2060rt\uFEFF')).toBe(foldName('support')); // joiner, word joiner, BOM
    expect(foldName('Spam\u200EInfo\u200FBot')).toBe(foldName('Spam Info Bot')); // bidi marks
    expect(foldName('Support\uFE0F')).toBe(foldName('support')); // variation selector
  });

  it('maps Cyrillic, Greek and digit look-alikes to the Latin letter', () => {
    expect(foldName('Ѕuрроrt')).toBe(foldName('support')); // Cyrillic Ѕ, р, о
    expect(foldName('ЅРАМВОТ')).toBe(foldName('spambot')); // all Cyrillic capitals
    expect(foldName('Spαm Ιnfο Βοt')).toBe(foldName('Spam Info Bot')); // Greek α, Ι, ο, Β
    expect(foldName('5pamb0t')).toBe(foldName('spambot'));
    expect(foldName('Spam 1nfo Bot')).toBe(foldName('Spam Info Bot'));
    expect(foldName('Spam lnfo Bot')).toBe(foldName('Spam Info Bot')); // l for I
    expect(foldName('sparnbot')).toBe(foldName('spambot')); // rn for m
  });

  it('keeps different names apart', () => {
    expect(foldName('Support Team')).not.toBe(foldName('support'));
    expect(foldName('Anna')).not.toBe(foldName('Anya'));
    expect(foldName('Мария')).not.toBe(foldName('Maria x'));
  });

  it('is idempotent (seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => foldName(foldName(s)) === foldName(s)),
      { seed: 20260401, numRuns: 500 },
    );
  });
});

describe('impersonatesSystem', () => {
  it('refuses every system name and username, and their disguises', () => {
    for (const n of SYSTEM_NAMES) expect(impersonatesSystem(n), n).toBe(true);
    for (const n of [
      'SpamBot',
      'spam_bot',
      'Spambot',
      'SPAM BOT',
      '5pamb0t',
      'supp0rt',
      'Support_',
      'S u p p o r t',
      'Spam Info Bot.',
      'Ѕрамвот',
      'Support 🛠',
    ]) {
      expect(impersonatesSystem(n), n).toBe(true);
    }
  });

  it('lets ordinary names and near misses through (only equal folds count)', () => {
    for (const n of ['Alice', 'Боб', 'spambot1', 'Spambot Fan', 'support_team', 'Supporter', 'Spam Info', 'Info Bot', 'Σοφία', '李雷']) {
      expect(impersonatesSystem(n), n).toBe(false);
    }
  });
});

describe('bidi controls and visible text', () => {
  it('finds embeddings, overrides and isolates anywhere', () => {
    for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
      expect(hasBidiControl(`Ann${c}a`)).toBe(true);
    }
    expect(hasBidiControl('Ann\u200Fa')).toBe(false); // a mark, not an override
    expect(hasBidiControl('مرحبا Alice')).toBe(false);
  });

  it('tells text with nothing visible', () => {
    for (const t of [
      '',
      ' ',
      '\n\t ',
      '\u200B\u200B',
      '\u200C\u200D\u2060',
      '\u00AD',
      '\uFEFF',
      '\u3164',
      '\u115F\u1160',
      '\uFFA0',
      '\u2800',
      '\u00A0\u2003',
      '\u202E',
      '\uFE0F',
      '\u{E0041}',
    ]) {
      expect(hasVisibleText(t), JSON.stringify(t)).toBe(false);
    }
    for (const t of ['a', ' . ', '\u200B!', '👍', '\u200Dx', '٠', '😀\u200D😀', '\u0301a']) {
      expect(hasVisibleText(t), JSON.stringify(t)).toBe(true);
    }
  });

  it('is true exactly when something is left once every invisible character is removed', () => {
    const invisible = /[\s\p{Z}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;
    // Mostly invisible characters, a few visible ones, lone surrogates too.
    const unit = fc.oneof(
      fc.constantFrom(' ', '\t', '\n', '\u00A0', '\u200B', '\u200D', '\u2800', '\uFE0F', '\u3164', '\u{E0041}', '\u202E', '\u00AD'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 8 }), (parts) => {
        const t = parts.join('');
        return hasVisibleText(t) === t.replace(invisible, '').length > 0;
      }),
      { seed: 20261202, numRuns: 2000 },
    );
  });
});

describe('nameRefusal', () => {
  it('names the reason, or null', () => {
    expect(nameRefusal('Alice')).toBeNull();
    expect(nameRefusal('Al\u202Eice')).toMatch(/bidirectional/);
    expect(nameRefusal('\u200B\u3164')).toMatch(/visible/);
    expect(nameRefusal('Suppоrt')).toMatch(/system account/);
  });
});
