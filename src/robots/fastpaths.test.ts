import { describe, expect, it } from 'vitest';
import { generateAdversarialTrace } from './adversarial.js';
import { generateTrace } from './generate.js';
import { landingKeysOf, linkWords } from './links.js';
import { Replay } from './replay.js';
import { robotsConfig } from './rules.js';
import { minhash, minhashBands, plainSkeleton, shingles, skeleton, textBands, unicodeSkeleton } from './text.js';

/**
 * The replay's fast paths give what the plain definitions give: the one-pass ASCII skeleton, the
 * in-place shingle hashing and the remembered bands, linkify-it shown only the words that can be
 * links, and message lines read without building their object. Checked on the texts and lines of
 * seeded traces (both landing profiles) and on hand-made edge cases.
 */

type Line = Record<string, unknown>;

function traces(): Line[][] {
  return [
    [...generateAdversarialTrace({ seed: 7, accounts: 400, days: 3 })] as Line[],
    [...generateAdversarialTrace({ seed: 8, accounts: 400, days: 3, landings: 'own' })] as Line[],
    [...generateTrace({ seed: 9, accounts: 200, days: 2 })] as Line[],
  ];
}

const EDGE_TEXTS = [
  '',
  ' ',
  'ok',
  '  //localhost/x and //example.com',
  'a:/ //example.com',
  'hello //example.com',
  'http: //example.com',
  'see (example.com) or [shop.example]!',
  'tabs\texample.com\tand\nnew.example\nlines',
  'visit site dot top now',
  'visit site(.)top or site [dot] top',
  'mail me: a@b.example, or @handle_one',
  'x://y http://a.example/path?q=1#f https://t.me/joinchat/abc',
  'www.example.com. Next.',
  'fr33 l0an ca$h 4 u @ 100$ 2day',
  '$$$ @@@ 123 4567 $1 a$ $a',
  'B1tсoin ѕ\u200dignals with 400\u200d% profit, join: fаstloan dot ѕite',
  'Ｆｕｌｌ ｗｉｄｔｈ ｅｘａｍｐｌｅ．ｃｏｍ',
  'ünïcödé café 12 ½ ² word',
  'bi\u2060t.ly/nrulа only tο\ufeffdɑy',
  'a.b',
  ':',
  '/',
  '.',
  ' a . b / c : d ',
];

function texts(): string[] {
  const out = new Set(EDGE_TEXTS);
  for (const lines of traces()) for (const l of lines) if (typeof l.text === 'string') out.add(l.text);
  return [...out];
}

/** FNV-1a and murmur3's finaliser, as MinHash defines them (text.ts). */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MinHash by its definition: over the sliced shingles of the Unicode skeleton. */
function referenceMinhash(text: string, n = 32): Uint32Array {
  const sig = new Uint32Array(n).fill(0xffffffff);
  for (const x of shingles(unicodeSkeleton(text))) {
    const base = fnv(x);
    for (let i = 0; i < n; i++) {
      const h = mix(base ^ Math.imul(i + 1, 0x9e3779b1));
      if (h < sig[i]!) sig[i] = h;
    }
  }
  return sig;
}

const ascii = (t: string) => [...t].every((c) => c.charCodeAt(0) < 128);

describe('text fast paths', () => {
  const all = texts();

  it('has texts of every kind to compare', () => {
    expect(all.length).toBeGreaterThan(1000);
    expect(all.some((t) => !ascii(t))).toBe(true);
    expect(all.filter((t) => landingKeysOf(t, true).length > 0).length).toBeGreaterThan(100);
  });

  it('the ASCII skeleton is the Unicode one', () => {
    for (const t of all) {
      expect(skeleton(t)).toBe(unicodeSkeleton(t));
      if (ascii(t)) expect(plainSkeleton(t)).toBe(unicodeSkeleton(t));
    }
  });

  it('MinHash and its remembered bands are the definition', () => {
    for (const t of all) {
      const ref = referenceMinhash(t);
      expect([...minhash(t)]).toEqual([...ref]);
      expect(textBands(t)).toEqual(minhashBands(ref));
      // Asked again (from the cache): the same.
      expect(textBands(t)).toEqual(minhashBands(ref));
    }
  });

  it('linkify-it shown the candidate words one by one finds what it finds in the whole text', () => {
    for (const t of all) expect(landingKeysOf(t, false)).toEqual(landingKeysOf(t, true));
    expect(linkWords('hello there')).toEqual([]);
    expect(linkWords(' hi a.example and b/c  x:y bye')).toEqual(['a.example', 'b/c', 'x:y']);
  });
});

describe('message lines read without their object', () => {
  it('replays a trace exactly as through the general parser', () => {
    for (const lines of traces()) {
      const fast = new Replay(robotsConfig({}));
      const general = new Replay(robotsConfig({}));
      for (const l of lines) {
        const text = JSON.stringify(l);
        fast.line(text);
        // A space after the brace: no fast path takes the line, JSON.parse does.
        general.line(`{ ${text.slice(1)}`);
      }
      const a = fast.report();
      expect(a.summary.accounts).toBeGreaterThan(100);
      expect(JSON.stringify(a)).toBe(JSON.stringify(general.report()));
    }
    const adversarial = new Replay(robotsConfig({}));
    for (const l of traces()[0]!) adversarial.line(JSON.stringify(l));
    expect(adversarial.report().summary.actions.limit! + adversarial.report().summary.actions.freeze!).toBeGreaterThan(0);
  });

  it('reports bad message lines as the general parser does', () => {
    const bad = [
      '{"type":"message","t":-1,"from":"a","to":"b","text":"x"}',
      '{"type":"message","t":01,"from":"a","to":"b","text":"x"}',
      '{"type":"message","t":1.,"from":"a","to":"b","text":"x"}',
      '{"type":"message","t":1,"from":"","to":"b","text":"x"}',
      `{"type":"message","t":1,"from":"${'a'.repeat(201)}","to":"b","text":"x"}`,
      `{"type":"message","t":1,"from":"a","to":"b","text":"${'x'.repeat(10_001)}"}`,
      '{"type":"message","t":1,"from":"a","to":"b","text":"x"',
      '{"type":"message","t":1,"from":"a","to":"b","text":"x","more":1}',
      '{"type":"message","t":1,"from":"a","to":"b","text":"x\\"y"}',
      '{"type":"message","t":1,"from":"a","to":"a","text":"x"}',
      '{"type":"message","t":1,"from":"a","to":"nobody","text":"x"}',
    ];
    const head = ['{"type":"account","t":0,"id":"a","phone":"+1"}', '{"type":"account","t":0,"id":"b","phone":"+2"}'];
    const fast = new Replay(robotsConfig({}));
    const general = new Replay(robotsConfig({}));
    for (const l of [...head, ...bad]) {
      fast.line(l);
      general.line(`{ ${l.slice(1)}`);
    }
    const a = fast.report();
    expect(a.problems.length).toBeGreaterThan(5);
    expect(JSON.stringify(a)).toBe(JSON.stringify(general.report()));
  });
});
