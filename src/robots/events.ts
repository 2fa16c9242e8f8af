import { landingKeys } from './links.js';
import { foldTableOf, textBands } from './text.js';

/**
 * What robots learn about: facts the platform publishes after it stored them. Ids are the dense
 * account ids; `at` is the injected clock's time (ms). A "stranger" is someone who has not saved
 * the sender's number and has never written to the sender (TRACE.md's "cold").
 */
/**
 * What a text says to robots. The platform spreads `textSignals(text)` into message and post
 * events as it is, so a field added here reaches the rules without a change on the platform.
 */
export interface TextSignals {
  /** A hash of the normalised text, to see the same text going to many people (0: too short to tell). */
  textHash: number;
  link: boolean;
  inviteLink: boolean;
  /**
   * Landing domains, @handles and invite codes in the text, normalised (lower case, "dot"
   * spellings read as dots, a shortener kept with its path): what a campaign sends people to.
   */
  domains?: readonly string[];
  /** Near-duplicate keys of the text (MinHash bands over its skeleton): a spun template shares some. */
  bands?: readonly number[];
}

export type RobotEvent =
  | { type: 'account'; at: number; account: number; voip: boolean }
  | ({
      type: 'message';
      at: number;
      from: number;
      to: number;
      /** The recipient is a stranger to the sender. */
      stranger: boolean;
      /** The first message of this private chat. */
      newChat: boolean;
      /**
       * The recipient (`to`) started this private chat, so `from` is answering `to`: a positive
       * signal about `to`. Absent: not known.
       */
      reply?: boolean;
    } & TextSignals)
  | {
      /** `from` saved `to`'s number (robots decide whether it says anything, e.g. `to` wrote first). */
      type: 'contact';
      at: number;
      from: number;
      to: number;
    }
  | ({
      /** A message in a group, seen by its `members`. */
      type: 'post';
      at: number;
      from: number;
      group: number;
      members: number;
    } & TextSignals)
  | { type: 'join' | 'leave'; at: number; group: number; account: number }
  | {
      type: 'invite';
      at: number;
      by: number;
      account: number;
      stranger: boolean;
      /** `false`: the person declined and is not a member (absent: accepted, or not known yet). */
      accepted?: boolean;
      /** The group invited to (absent: not known). */
      group?: number;
    }
  | {
      type: 'report';
      at: number;
      from: number;
      to: number;
      weight: number;
      fresh: boolean;
      /**
       * The subject (`to`) started the private chat with the reporter: wrote first. `false`: the
       * reporter wrote first (or never got a message), so the report is no evidence of unwanted
       * contact and robots do not count it. Absent: not known (counted, as before).
       */
      initiated?: boolean;
    }
  | {
      /**
       * A person decided about the account: `confirmed` (a case confirmed), `cleared` (a case
       * dismissed, a restriction lifted, an appeal overturned). Robots learn from it how right
       * the people who complained about the account were.
       */
      type: 'decision';
      at: number;
      account: number;
      outcome: 'confirmed' | 'cleared';
    }
  | {
      type: 'block';
      at: number;
      from: number;
      to: number;
      stranger: boolean;
      /** As for reports: the blocked account (`to`) wrote first to the blocker. Absent: not known. */
      initiated?: boolean;
    };

const LINK = /(https?:\/\/|www\.|\b[a-z0-9-]+\.(com|net|org|ru|io|me|example|shop|xyz|info|biz)\b)/i;
const INVITE = /(t\.me\/(joinchat|\+)|\/invite\/|join\s*(my|our)?\s*(group|channel))/i;

/** Recent texts' signals: people send the same short texts again and again. */
const cache = new Map<string, TextSignals>();
const CACHE_SIZE = 8192;

/**
 * What a message or a post says to robots: its template hash, whether it carries a link or an
 * invite link, where it sends people (`landingKeys`, by linkify-it) and its near-duplicate bands
 * (MinHash over the skeleton; none for texts too short to tell a template). The result is
 * shared between equal texts: treat it as read-only.
 */
export function textSignals(text: string): TextSignals {
  const hit = cache.get(text);
  if (hit) return hit;
  const hash = textHash(text);
  const domains = landingKeys(text);
  const s: TextSignals = {
    link: domains.length > 0 || LINK.test(text),
    inviteLink: INVITE.test(text),
    textHash: hash,
    ...(domains.length > 0 ? { domains } : {}),
    ...(hash !== 0 ? { bands: textBands(text) } : {}),
  };
  if (cache.size >= CACHE_SIZE) cache.clear();
  if (text.length < 400) cache.set(text, s);
  return s;
}

/** Texts shorter than this (letters and signs) are too common to tell a template: hash 0. */
const MIN_TEMPLATE = 16;

/** Only the first 128 code points: such a text has no disguise to take off. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range, control characters included, is meant
const PLAIN = /^[\u0000-\u007f]*$/;

/**
 * FNV-1a over the lower-cased text with digits and spaces dropped (templates vary those); 0 for
 * short texts such as "ok" or "thanks", which everybody sends to everybody. A text with anything
 * beyond ASCII is unmasked first (`unmask`: NFKC, invisible characters, accents, look-alike
 * letters), so that a template hidden behind zero-width spaces or Cyrillic letters hashes as
 * the template.
 */
export function textHash(raw: string): number {
  const plain = PLAIN.test(raw);
  const text = plain ? raw : raw.normalize('NFKD');
  const fold = plain ? null : foldTableOf();
  let h = 0x811c9dc5;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (fold !== null) {
      c = fold[c]!; // `unmask`, one code unit at a time
      if (c === 0) continue;
    }
    if (c === 32 || (c >= 48 && c <= 57) || c === 10 || c === 9) continue;
    if (c >= 65 && c <= 90) c += 32;
    h ^= c;
    h = Math.imul(h, 0x01000193);
    n++;
  }
  return n < MIN_TEMPLATE ? 0 : h | 0 || 1;
}
