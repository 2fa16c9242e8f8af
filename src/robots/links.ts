import LinkifyIt from 'linkify-it';
import tlds from 'tlds' with { type: 'json' };
import { unmask } from './text.js';

/**
 * Where a text sends people: landing domains, @handles and invite codes, found by linkify-it
 * with the full list of top-level domains (`tlds`) instead of a pattern of a dozen, after the
 * disguises spammers use are taken off ("site dot top", "site(.)top", look-alike letters,
 * invisible characters). Each is normalised to a key: a host without `www.`, a shortener or an
 * invite link with its path (the path is what tells one campaign from another), `@handle`.
 */

const linkify = new LinkifyIt({}, { fuzzyEmail: false });
// The reserved names examples use are names too.
linkify.tlds(tlds as string[]).tlds(['example', 'test', 'invalid', 'localhost'], true);

/** Hosts whose path, not the host, names the destination. */
const SHORTENERS = new Set([
  'bit.ly',
  'cutt.ly',
  'tinyurl.com',
  'is.gd',
  't.ly',
  'goo.gl',
  'ow.ly',
  'rb.gy',
  'shorturl.at',
  'tiny.cc',
  'v.gd',
  'clck.ru',
  't.co',
  't.me',
  'wa.me',
  'chat.whatsapp.com',
  'discord.gg',
]);

/** "x dot y", "x(.)y", "x[.]y", "x (dot) y" read as "x.y". */
const DOT = /\s*(?:\(\s*\.\s*\)|\[\s*\.\s*\]|\{\s*\.\s*\}|\(\s*dot\s*\)|\[\s*dot\s*\]|\s+dot\s+)\s*/gi;
const HANDLE = /(?:^|[^\p{L}\p{N}_@.])@([a-z][a-z0-9_]{3,31})\b/giu;
/** Quick test before the real work: most messages have no dot, no @ and no "dot". */
const MAYBE = /[.@]|\bdot\b/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range, control characters included, is meant
const PLAIN = /^[\u0000-\u007f]*$/;

/** The landing keys of a text (empty when none), each once, in order of appearance. */
export function landingKeys(raw: string): string[] {
  return landingKeysOf(raw, false);
}

/**
 * `landingKeys`, with linkify-it shown the whole text when `whole` (the definition, slower), else
 * each of its `linkWords` (the same keys: tests compare the two).
 */
export function landingKeysOf(raw: string, whole: boolean): string[] {
  const text = PLAIN.test(raw) ? raw : unmask(raw);
  if (!MAYBE.test(text)) return [];
  const plain = text.replace(DOT, '.');
  const out: string[] = [];
  const add = (k: string) => {
    if (!out.includes(k)) out.push(k);
  };
  if (whole) for (const k of linkKeys(plain)) add(k);
  else
    for (const w of linkWords(plain)) {
      let keys = wordKeys.get(w);
      if (keys === undefined) {
        keys = linkKeys(w);
        if (wordKeys.size >= WORD_KEYS_SIZE) wordKeys.clear();
        // A copy of the word: a slice would keep the whole chunk of the file it was read from alive.
        wordKeys.set(w.length < 13 ? w : JSON.parse(JSON.stringify(w)), keys);
      }
      for (const k of keys) add(k);
    }
  HANDLE.lastIndex = 0;
  for (let m = HANDLE.exec(plain); m !== null; m = HANDLE.exec(plain)) add(`@${m[1]!.toLowerCase()}`);
  return out;
}

/** The keys of the links linkify-it finds in a text, in order (repeats kept). */
function linkKeys(text: string): string[] {
  const out: string[] = [];
  const matches = text === '' ? null : linkify.match(text);
  if (!matches) return out;
  for (const m of matches) {
    if (m.schema === 'mailto:') continue;
    let url: URL;
    try {
      url = new URL(m.url);
    } catch {
      continue;
    }
    const host = url.hostname.toLowerCase().replace(/^www\./, '');
    if (SHORTENERS.has(host)) out.push(`${host}${url.pathname.replace(/\/+$/, '').toLowerCase()}`);
    else out.push(host);
  }
  return out;
}

/** Link keys of words already seen (a campaign's landing is written the same way many times). */
const wordKeys = new Map<string, string[]>();
const WORD_KEYS_SIZE = 1 << 16;

/**
 * The words of a text linkify-it needs to see, in order: those with a '.' (a host with a
 * top-level domain), a ':' (a scheme) or a '/' (`//host`). A link never spans a space, and what
 * linkify-it looks at around one is inside its word or a space before it (the start of a word
 * is as good), so the links of a text are the links of these words one by one, and the long
 * regular expressions linkify-it tries at every position run over these words only.
 */
export function linkWords(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) === 32) {
      i++;
      continue;
    }
    const w0 = i;
    let may = false;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 32) break;
      if (c === 46 || c === 58 || c === 47) may = true;
    }
    if (may) out.push(text.slice(w0, i));
  }
  return out;
}

/** Whether a landing key is a shortener's or an invite's (its path is unique to a sender, its host to nobody). */
export function isShortened(key: string): boolean {
  const slash = key.indexOf('/');
  return slash > 0 && SHORTENERS.has(key.slice(0, slash));
}
