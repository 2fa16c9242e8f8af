/**
 * Text as robots compare it: a skeleton that survives the usual Unicode tricks, and
 * near-duplicate fingerprints (MinHash, SimHash) so that "the same text" means "nearly the same
 * text" — spintax, a changed number or name, an invisible character between letters do not make
 * a template new. Pure functions; nothing here knows about accounts.
 */

/**
 * Look-alike letters mapped to the Latin letter they imitate (Cyrillic, Greek, and the digits
 * spammers put in words). Not the whole Unicode confusables table: the letters seen in spam, and
 * what NFKC does not already fold (full-width and mathematical letters it does).
 */
const CONFUSABLES: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɑ: 'a',
  ɡ: 'g',
  ı: 'i',
  ȷ: 'j',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  ϲ: 'c',
};
const HIDDEN = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{M}]+/gu;
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'g');

/** Digits and signs read as letters inside a word of letters ("fr33", "l0an", "ca$h"). */
const DIGIT_LETTERS: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };

/**
 * A text with its disguise taken off and nothing else changed: compatibility forms folded
 * (NFKD), invisible characters (zero-width spaces and joiners, word joiners, BOMs, variation
 * selectors, soft hyphens: default-ignorable and format characters) removed, accents dropped, lower case, look-alike letters folded to Latin. Punctuation, digits
 * and spacing stay (what `textHash` already ignores, it ignores after this too).
 */
export function unmask(text: string): string {
  // NFKD folds what NFKC folds (full-width, mathematical letters) and splits accents off, so
  // one pass removes invisible characters and accents together.
  return text
    .normalize('NFKD')
    .replace(HIDDEN, '')
    .toLowerCase()
    .replace(CONFUSABLE_RE, (c) => CONFUSABLES[c]!);
}

let foldTable: Uint16Array | null = null;

/**
 * `unmask` one UTF-16 code unit at a time, for hot paths: for each code unit of an NFKD string,
 * 0 when it is dropped (invisible, a mark), else the code unit it stands for (lower case, a
 * look-alike folded to Latin). Built on first use (65,536 entries).
 */
export function foldTableOf(): Uint16Array {
  if (foldTable) return foldTable;
  const t = new Uint16Array(65536);
  const hidden = /^[\p{Default_Ignorable_Code_Point}\p{Cf}\p{M}]$/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      t[c] = c; // halves of astral characters pass as they are
      continue;
    }
    const ch = String.fromCharCode(c);
    if (hidden.test(ch)) continue;
    const lower = ch.toLowerCase();
    const one = lower.length === 1 ? lower : ch;
    const folded = CONFUSABLES[one] ?? one;
    t[c] = folded.charCodeAt(0) || c;
  }
  foldTable = t;
  return t;
}

/**
 * The skeleton of a text: NFKC, invisible characters removed, accents dropped, lower case,
 * look-alikes folded to Latin, digits inside words read as letters, everything but letters,
 * digits and single spaces dropped.
 */
export function skeleton(text: string): string {
  return PLAIN.test(text) ? plainSkeleton(text) : unicodeSkeleton(text);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range, control characters included, is meant
const PLAIN = /^[\u0000-\u007f]*$/;

/** `skeleton` by its definition, through Unicode regular expressions (any text). */
export function unicodeSkeleton(text: string): string {
  let s = unmask(text);
  const out = s;
  // A word of letters with digits in it ("fr33", "l0an", "ca$h"): the digits stand for letters.
  s = out.replace(/[\p{L}\p{N}@$]+/gu, (w) => {
    if (!/[0134579@$]/.test(w)) return w;
    const letters = w.replace(/[^\p{L}]/gu, '').length;
    return letters >= 2 ? [...w].map((c) => DIGIT_LETTERS[c] ?? c).join('') : w;
  });
  return s.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** What a code unit of ASCII is to `plainSkeleton`: 1 a letter, 2 a digit, 3 '@' or '$', 0 anything else. */
const ASCII_KIND = new Uint8Array(128);
for (let c = 97; c <= 122; c++) ASCII_KIND[c] = 1;
for (let c = 65; c <= 90; c++) ASCII_KIND[c] = 1;
for (let c = 48; c <= 57; c++) ASCII_KIND[c] = 2;
ASCII_KIND[64] = 3;
ASCII_KIND[36] = 3;
/** DIGIT_LETTERS by code unit (0: the character stays). */
const ASCII_READ = new Uint8Array(128);
for (const [d, l] of Object.entries(DIGIT_LETTERS)) ASCII_READ[d.charCodeAt(0)] = l.charCodeAt(0);

/**
 * `skeleton` of an ASCII text in one pass over its code units: there is nothing to unmask in
 * ASCII (NFKD leaves it as it is, it has no invisible, format or combining characters and no
 * look-alikes), so the skeleton is the lower-cased words of letters and digits, with the digits,
 * '@' and '$' of a word of two letters or more read as letters, joined by single spaces.
 */
export function plainSkeleton(text: string): string {
  const n = text.length;
  let out = '';
  let gap = false;
  let i = 0;
  while (i < n) {
    if (ASCII_KIND[text.charCodeAt(i)] === 0) {
      gap = true;
      i++;
      continue;
    }
    // A run of letters, digits, '@' and '$': the word the Unicode version sees.
    const w0 = i;
    let letters = 0;
    let readable = false;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      const k = ASCII_KIND[c]!;
      if (k === 0) break;
      if (k === 1) letters++;
      else if (ASCII_READ[c] !== 0) readable = true;
    }
    const read = readable && letters >= 2;
    for (let j = w0; j < i; j++) {
      let d = text.charCodeAt(j);
      if (read && ASCII_READ[d] !== 0) d = ASCII_READ[d]!;
      else if (ASCII_KIND[d] === 3) {
        gap = true; // a '@' or '$' not read as a letter is dropped like punctuation
        continue;
      }
      if (d <= 90 && d >= 65) d += 32;
      if (gap && out !== '') out += ' ';
      gap = false;
      out += String.fromCharCode(d);
    }
  }
  return out;
}

/** 32-bit FNV-1a of a string, with a seed. */
function fnv(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit mixer (murmur3's finaliser). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Shingles of a skeleton: its words, with digits-only words (order numbers, prices) dropped, in
 * overlapping runs of `k` characters across word boundaries; short texts give fewer shingles.
 */
export function shingles(skel: string, k = 4): string[] {
  const words = skel.split(' ').filter((w) => w !== '' && !/^\p{N}+$/u.test(w));
  const s = words.join(' ');
  if (s.length <= k) return s === '' ? [] : [s];
  const out: string[] = [];
  for (let i = 0; i + k <= s.length; i++) out.push(s.slice(i, i + k));
  return out;
}

/** The seeds of MinHash's hashes: `(i + 1) · 0x9e3779b1` for the i-th. */
const MINHASH_SEEDS = new Int32Array(256).map((_, i) => Math.imul(i + 1, 0x9e3779b1));

/**
 * MinHash signature of `n` 32-bit minima (one per seeded hash) over the text's shingles. Each
 * shingle is hashed in place (FNV-1a of its `k` code units, as `fnv(shingle)`), not sliced out.
 */
export function minhash(text: string, n = 32): Uint32Array {
  return minhashOf(shingleText(skeleton(text)), n);
}

/** MinHash over the shingles of `s`, a text as `shingleText` gives it. */
function minhashOf(s: string, n: number): Uint32Array {
  const sig = new Uint32Array(n).fill(0xffffffff);
  const k = 4;
  const seeds = n <= 256 ? MINHASH_SEEDS : new Int32Array(n).map((_, i) => Math.imul(i + 1, 0x9e3779b1));
  const one = (base: number) => {
    for (let i = 0; i < n; i++) {
      const h = mix(base ^ seeds[i]!);
      if (h < sig[i]!) sig[i] = h;
    }
  };
  if (s.length <= k) {
    if (s !== '') one(fnv(s));
    return sig;
  }
  for (let i = 0; i + k <= s.length; i++) {
    let h = 0x811c9dc5;
    for (let j = i; j < i + k; j++) {
      h ^= s.charCodeAt(j);
      h = Math.imul(h, 0x01000193);
    }
    one(h >>> 0);
  }
  return sig;
}

/** Bands of texts already seen, by the text their shingles are cut from (see `textBands`). */
const bandsCache = new Map<string, readonly number[]>();
const BANDS_CACHE_SIZE = 1 << 16;

/**
 * `minhashBands(minhash(text))`, remembered by what the shingles are cut from: digits-only words
 * (order numbers, prices, codes) are not in it, so a template with a new number each time is
 * hashed once. Read-only: equal texts share the array.
 */
export function textBands(text: string): readonly number[] {
  const s = shingleText(skeleton(text));
  const hit = bandsCache.get(s);
  if (hit) return hit;
  const bands = minhashBands(minhashOf(s, 32));
  if (bandsCache.size >= BANDS_CACHE_SIZE) bandsCache.clear();
  bandsCache.set(s, bands);
  return bands;
}

/** The text `shingles` cuts: the skeleton's words without digits-only ones, joined by single spaces. */
function shingleText(skel: string): string {
  // A skeleton has single spaces and no digits-only word most of the time: nothing to drop.
  if (!DIGITS_WORD.test(skel)) return skel;
  return skel
    .split(' ')
    .filter((w) => w !== '' && !/^\p{N}+$/u.test(w))
    .join(' ');
}
const DIGITS_WORD = /(?:^| )\p{N}+(?: |$)|^ | $| {2}/u;

/** The share of equal positions of two MinHash signatures: an estimate of shingle Jaccard similarity. */
export function minhashSimilarity(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new RangeError('signatures of different lengths');
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i] && a[i] !== 0xffffffff) same++;
  return a.length === 0 ? 0 : same / a.length;
}

/**
 * Locality-sensitive bands of a MinHash signature: `bands` keys of `rows` positions each. Two
 * texts with similarity s share at least one key with chance 1 − (1 − s^rows)^bands (8 × 4:
 * 0.96 at s = 0.7, 0.06 at s = 0.3), so a counter keyed by band catches a template however it
 * is spun, without comparing every pair.
 */
export function minhashBands(sig: Uint32Array, bands = 8): number[] {
  const rows = Math.floor(sig.length / bands);
  const keys: number[] = [];
  for (let b = 0; b < bands; b++) {
    let h = 0x811c9dc5 ^ b;
    for (let r = 0; r < rows; r++) h = mix(h ^ sig[b * rows + r]!);
    keys.push(h | 0 || 1);
  }
  return keys;
}

/** A 64-bit SimHash (as two 32-bit halves) over the text's shingles. */
export function simhash(text: string): [number, number] {
  const v = new Int32Array(64);
  for (const x of shingles(skeleton(text))) {
    const h1 = fnv(x);
    const h2 = mix(h1 ^ 0x5bd1e995);
    for (let i = 0; i < 32; i++) {
      v[i]! += (h1 >>> i) & 1 ? 1 : -1;
      v[32 + i]! += (h2 >>> i) & 1 ? 1 : -1;
    }
  }
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) {
    if (v[i]! > 0) hi |= 1 << i;
    if (v[32 + i]! > 0) lo |= 1 << i;
  }
  return [hi >>> 0, lo >>> 0];
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Bits that differ between two SimHashes (0 = the same, ~32 = unrelated). */
export function hamming(a: [number, number], b: [number, number]): number {
  return popcount((a[0] ^ b[0]) >>> 0) + popcount((a[1] ^ b[1]) >>> 0);
}
