/**
 * Names that could pass for a system account, and texts with nothing visible (RULES.md §1).
 * Pure string functions: no I/O, no state.
 */

/** The system accounts' names and usernames (as created by `ensureSystemAccounts`). */
export const SYSTEM_NAMES: readonly string[] = ['Spam Info Bot', 'spambot', 'Support', 'support'];

/** Bidirectional embeddings, overrides and isolates: U+202A–U+202E, U+2066–U+2069. */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;

/**
 * A character that shows something: none of white space, control and format characters
 * (zero-width space and joiners, soft hyphen, bidi marks, BOM, tags), the default-ignorable code
 * points (variation selectors, the Hangul fillers) and the blank Braille pattern, which renders
 * as a space in most fonts.
 */
const VISIBLE = /[^\s\p{Z}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/u;

/**
 * Letters (and digits) that look like a Latin letter, mapped to one representative per shape.
 * Upper and lower case are listed separately where their shapes differ (Greek Η looks like H,
 * η like n). `i`, `l`, `1` and `|` all become `l`: in most fonts they cannot be told apart.
 */
const CONFUSABLE = new Map<string, string>(
  Object.entries({
    // Cyrillic
    а: 'a',
    А: 'a',
    в: 'b',
    В: 'b',
    с: 'c',
    С: 'c',
    ԁ: 'd',
    е: 'e',
    Е: 'e',
    ё: 'e',
    Ё: 'e',
    ѐ: 'e',
    һ: 'h',
    Һ: 'h',
    н: 'h',
    Н: 'h',
    і: 'l',
    І: 'l',
    ї: 'l',
    Ї: 'l',
    Ӏ: 'l',
    ӏ: 'l',
    ј: 'j',
    Ј: 'j',
    к: 'k',
    К: 'k',
    м: 'm',
    М: 'm',
    п: 'n',
    о: 'o',
    О: 'o',
    р: 'p',
    Р: 'p',
    ԛ: 'q',
    Ԛ: 'q',
    ѕ: 's',
    Ѕ: 's',
    т: 't',
    Т: 't',
    у: 'y',
    У: 'y',
    ү: 'y',
    Ү: 'y',
    х: 'x',
    Х: 'x',
    ԝ: 'w',
    Ԝ: 'w',
    ѵ: 'v',
    Ѵ: 'v',
    ь: 'b',
    Ь: 'b',
    г: 'r',
    б: 'b',
    // Greek
    α: 'a',
    Α: 'a',
    β: 'b',
    Β: 'b',
    γ: 'y',
    ε: 'e',
    Ε: 'e',
    ζ: 'z',
    Ζ: 'z',
    η: 'n',
    Η: 'h',
    ι: 'l',
    Ι: 'l',
    κ: 'k',
    Κ: 'k',
    μ: 'u',
    Μ: 'm',
    ν: 'v',
    Ν: 'n',
    ο: 'o',
    Ο: 'o',
    ρ: 'p',
    Ρ: 'p',
    ϲ: 'c',
    Ϲ: 'c',
    τ: 't',
    Τ: 't',
    υ: 'u',
    Υ: 'y',
    χ: 'x',
    Χ: 'x',
    ω: 'w',
    ϳ: 'j',
    ϱ: 'p',
    // Armenian
    օ: 'o',
    Օ: 'o',
    ս: 'u',
    Ս: 'u',
    ց: 'g',
    հ: 'h',
    ո: 'n',
    ք: 'p',
    // Latin look-alikes NFKC keeps apart
    ı: 'l',
    ȷ: 'j',
    ɑ: 'a',
    ɡ: 'g',
    ɩ: 'l',
    ʟ: 'l',
    ɴ: 'n',
    ʀ: 'r',
    ᴏ: 'o',
    ᴜ: 'u',
    ꜱ: 's',
    ᴛ: 't',
    ᴘ: 'p',
    ß: 'b',
    ø: 'o',
    Ø: 'o',
    đ: 'd',
    ł: 'l',
    Ł: 'l',
    ħ: 'h',
    i: 'l',
    I: 'l',
    '|': 'l',
    // Digits
    '0': 'o',
    '1': 'l',
    '2': 'z',
    '3': 'e',
    '4': 'a',
    '5': 's',
    '6': 'b',
    '7': 't',
    '8': 'b',
    '9': 'g',
  }),
);

/**
 * The shape of a name, for telling look-alikes apart: Unicode NFKC (full-width and styled
 * letters become plain ones), accents dropped, invisible characters, spaces, punctuation and
 * symbols removed, confusable letters and digits mapped to one Latin letter, lower case, and
 * `rn` read as `m`. Two names with the same fold look the same to a reader.
 */
export function foldName(name: string): string {
  // NFKD splits accented letters into letter + mark; marks go, the rest is recomposed (NFKC).
  const plain = name.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC');
  let out = '';
  for (const ch of plain) {
    const mapped = CONFUSABLE.get(ch) ?? ch.toLowerCase();
    // Only letters and digits carry the shape of a name; a digit mapped to a letter is already one.
    for (const c of mapped) if (/[\p{L}\p{N}]/u.test(c)) out += CONFUSABLE.get(c) ?? c;
  }
  return out.replace(/rn/g, 'm');
}

const SYSTEM_FOLDS = new Set(SYSTEM_NAMES.map(foldName));

/** Whether `name` folds to the name or username of SpamBot or support. */
export function impersonatesSystem(name: string): boolean {
  return SYSTEM_FOLDS.has(foldName(name));
}

/** Whether `text` holds a bidirectional embedding, override or isolate control. */
export function hasBidiControl(text: string): boolean {
  return BIDI_CONTROL.test(text);
}

/**
 * How many characters `text` has, as JSON Schema's `maxLength` counts them (code points): an
 * emoji or any other character beyond the BMP is one, not its two UTF-16 units.
 */
export function characterCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Whether anything of `text` shows once invisible characters and white space are removed. */
export function hasVisibleText(text: string): boolean {
  return VISIBLE.test(text);
}

/**
 * Why a display name or username may not be used (`NAME_INVALID`), or null. Usernames are
 * ASCII letters, digits and underscores by their format already; they get the same test, so
 * `spam_bot`, `Spam_Bot`, `sp4mbot` and `supp0rt` are refused while `spambot1` or
 * `support_team` (different once folded) are not: only equality of the folds counts (RULES.md
 * §1). The system's own usernames themselves are refused earlier, as taken.
 */
export function nameRefusal(name: string): string | null {
  if (hasBidiControl(name)) return 'holds bidirectional override or isolate characters';
  if (!hasVisibleText(name)) return 'has no visible characters';
  if (impersonatesSystem(name)) return 'could pass for a system account (SpamBot or support)';
  return null;
}
