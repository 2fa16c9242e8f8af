import type { World } from './adversarial-world.js';

/**
 * What spammers write in an adversarial trace: pitch templates and spintax, look-alike letters and
 * invisible characters, links the old pattern does not see, and landing domains (a handful shared
 * by every campaign, or one of its own per spammer).
 */

// Look-alike letters (Cyrillic and Greek) and invisible characters, as spammers use them.
const CONFUSABLE: Record<string, string[]> = {
  a: ['а', 'ɑ'],
  e: ['е'],
  o: ['о', '0', 'ο'],
  p: ['р'],
  c: ['с'],
  x: ['х'],
  y: ['у'],
  i: ['і', '1'],
  s: ['ѕ'],
  k: ['κ'],
};
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'];

const LANDINGS = ['quick-profit.top', 'luxwatch.live', 'bonus-now.click', 'crypto-x.buzz', 'deal4u.shop', 'win-big.icu', 'fastloan.site', 'nft-drop.xyz'];
const SHORT = ['bit.ly', 'cutt.ly', 'tinyurl.com', 'is.gd', 't.ly'];

export const PITCH = [
  '{Hi|Hello|Hey} {dear|friend|there}, {only today|this week only} {90%|80%|70%} off {designer watches|branded bags|sneakers}: {link}',
  '{Earn|Make} {500|700|1000}$ a {day|week} from home, {details|info|write me}: {link}',
  '{Crypto|Forex|Bitcoin} signals with {300|250|400}% profit, {join|come}: {link}',
  '{Congratulations|Good news}! {You won|You were selected for} a {prize|gift card|iPhone}, {claim it|take it}: {link}',
  '{Cheap|Fast} {loans|credit} without checks, {apply|write}: {link}',
];
// With landings of their own, spammers write templates of their own too (from common phrases).
const OPEN = [
  '{Hi|Hello|Hey}',
  'Good {day|evening}',
  '{Dear|Hi} friend',
  'Attention',
  'Hey {you|there}',
  'Greetings',
  '{Psst|Quick one}',
  'Hello {dear|sir|madam}',
];
const OFFER = [
  '{only today|this week} {70%|80%|90%} off {watches|bags|perfume}',
  '{earn|make} {300|500|800}$ a {day|week} {from home|online}',
  'my {crypto|forex} {signals|bot} {doubled|tripled} my money',
  'you {won|were chosen for} a {gift card|phone|voucher}',
  '{loans|credit} {without checks|in 5 minutes}',
  '{followers|likes} for your {page|channel} {cheap|fast}',
  'a {job|side job} that pays {daily|weekly}, no experience',
  '{cheap|free} {subscriptions|tickets} {today|now}',
];
const CTA = [
  '{details|info} here',
  '{write|message} me',
  '{join|come} now',
  '{claim|get} it',
  '{look|see} here',
  'do not miss it',
  'limited places',
  'ask me how',
];

// Landing domains: a handful shared, or one per spammer on a made-up name and a new TLD.
const TLD = ['top', 'live', 'click', 'buzz', 'shop', 'icu', 'site', 'xyz', 'store', 'online', 'fun', 'vip', 'cfd', 'sbs'];
const SYL = ['lux', 'win', 'cash', 'bonus', 'deal', 'fast', 'profit', 'crypto', 'promo', 'gift', 'star', 'prime', 'gold', 'mega', 'easy', 'smart'];

/** A spammer's texts, drawn from the world's stream. */
export interface SpamTexts {
  /** Every spammer (every ring) has a landing domain and templates of its own. */
  ownLandings: boolean;
  /** The template of the latest spammer, with landings of their own. */
  template0: string;
  spin: (s: string) => string;
  disguise: (s: string, p: number) => string;
  link: (domain: string) => string;
  ownTemplate: () => string;
  pitch: (domain: string, template?: string) => string;
  landing: () => string;
}

export function spamTexts(w: World): SpamTexts {
  const { rnd, pick, int, chance } = w;
  const ownLandings = w.o.landings === 'own';
  const spin = (s: string) => s.replace(/\{([^{}]*)\}/g, (_, alts: string) => pick(alts.split('|')));
  const disguise = (s: string, p: number) => {
    let out = '';
    for (const ch of s) {
      const alts = CONFUSABLE[ch];
      out += alts && chance(p) ? pick(alts) : ch;
      if (ch !== ' ' && chance(p / 2)) out += pick(INVISIBLE);
    }
    return out;
  };
  const link = (domain: string) => {
    switch (int(0, 4)) {
      case 0:
        return `https://${domain}/${int(100, 999)}`;
      case 1:
        return `${pick(SHORT)}/${Math.floor(rnd() * 36 ** 5).toString(36)}`;
      case 2:
        return domain.replace('.', ' dot ');
      case 3:
        return domain.replace('.', '(.)');
      default:
        return `@${domain.split('.')[0]!.replace(/-/g, '_')}_bot`;
    }
  };
  const ownTemplate = () => `${pick(OPEN)}, ${pick(OFFER)}, ${pick(CTA)}: {link}`;
  const landing = () => (ownLandings ? `${pick(SYL)}-${pick(SYL)}${int(1, 999)}.${pick(TLD)}` : pick(LANDINGS));
  const tx: SpamTexts = {
    ownLandings,
    template0: PITCH[0]!,
    spin,
    disguise,
    link,
    ownTemplate,
    pitch: (domain: string, template = ownLandings ? tx.template0 : pick(PITCH)) => spin(template.replace('{link}', '\u0000')).replace('\u0000', link(domain)),
    landing,
  };
  return tx;
}
