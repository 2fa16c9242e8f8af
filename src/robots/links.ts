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
  const text = PLAIN.test(raw) ? raw : unmask(raw);
  if (!MAYBE.test(text)) return [];
  const plain = text.replace(DOT, '.');
  const out: string[] = [];
  const add = (k: string) => {
    if (!out.includes(k)) out.push(k);
  };
  const matches = linkify.match(plain);
  if (matches) {
    for (const m of matches) {
      if (m.schema === 'mailto:') continue;
      let url: URL;
      try {
        url = new URL(m.url);
      } catch {
        continue;
      }
      const host = url.hostname.toLowerCase().replace(/^www\./, '');
      if (SHORTENERS.has(host)) add(`${host}${url.pathname.replace(/\/+$/, '').toLowerCase()}`);
      else add(host);
    }
  }
  HANDLE.lastIndex = 0;
  for (let m = HANDLE.exec(plain); m !== null; m = HANDLE.exec(plain)) add(`@${m[1]!.toLowerCase()}`);
  return out;
}

/** Whether a landing key is a shortener's or an invite's (its path is unique to a sender, its host to nobody). */
export function isShortened(key: string): boolean {
  const slash = key.indexOf('/');
  return slash > 0 && SHORTENERS.has(key.slice(0, slash));
}
