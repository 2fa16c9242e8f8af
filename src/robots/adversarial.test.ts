import { describe, expect, it } from 'vitest';
import { BRIGADE_CLASSES, BUSY_CLASSES, generateAdversarialTrace, SPAMMER_CLASSES, type AdversarialOptions } from './adversarial.js';
import { Replay } from './replay.js';
import { robotsConfig } from './rules.js';
import type { TraceLine } from './trace.js';

/**
 * The adversarial generator: deterministic, in TRACE.md's format (extensions included), every
 * class present with its label, and reaction rates that scale as asked.
 */

const small: AdversarialOptions = { seed: 3, accounts: 600, days: 6 };
const lines = [...generateAdversarialTrace(small)];

describe('generateAdversarialTrace', () => {
  it('is deterministic: the same options, the same lines; another seed, others', () => {
    expect(JSON.stringify([...generateAdversarialTrace(small)])).toBe(JSON.stringify(lines));
    expect(JSON.stringify([...generateAdversarialTrace({ ...small, seed: 4 })])).not.toBe(JSON.stringify(lines));
  });

  it('writes lines that replay without a problem, in time order, within the days asked', () => {
    const r = new Replay(robotsConfig({}));
    let t = 0;
    for (const l of lines) {
      expect(l.t).toBeGreaterThanOrEqual(t);
      t = l.t;
      r.line(JSON.stringify(l));
    }
    expect(t).toBeLessThan(6 * 86_400);
    expect(r.report().problems).toEqual([]);
  });

  it('has every class, with its label, and uses the extensions', () => {
    const classes = new Map<string, string>();
    for (const l of lines) if (l.type === 'account') classes.set(l.class!, l.label!);
    for (const c of SPAMMER_CLASSES) expect(classes.get(c), c).toBe(c === 'hijacked' ? 'innocent' : 'spammer');
    for (const c of BUSY_CLASSES) expect(classes.get(c), c).toBe(c === 'shop' ? 'business' : 'innocent');
    for (const c of BRIGADE_CLASSES) expect(classes.get(c), c).toBe('brigader');
    expect(classes.get('friend')).toBe('innocent');
    const types = new Set(lines.map((l) => l.type));
    for (const t of ['account', 'contact', 'block', 'message', 'group', 'invite', 'post', 'report', 'leave', 'decision', 'appeal', 'label']) expect(types.has(t as TraceLine['type']), t).toBe(true);
    expect(lines.some((l) => l.type === 'account' && (l.ageDays ?? 0) > 0)).toBe(true);
    expect(lines.some((l) => l.type === 'invite' && l.accepted === false)).toBe(true);
    expect(lines.some((l) => l.type === 'report' && l.group !== undefined)).toBe(true);
    // A hijacked account turns spammer.
    expect(lines.some((l) => l.type === 'label' && l.label === 'spammer')).toBe(true);
  });

  it('hides its texts: look-alike letters and invisible characters, links without a scheme', () => {
    const texts = lines.filter((l): l is Extract<TraceLine, { type: 'message' }> => l.type === 'message').map((l) => l.text);
    expect(texts.some((t) => /[\u200b-\u200d\u2060\ufeff]/.test(t))).toBe(true);
    expect(texts.some((t) => /[а-яі]/.test(t))).toBe(true);
    expect(texts.some((t) => / dot [a-z]+/.test(t))).toBe(true);
    expect(texts.some((t) => /@[a-z_0-9]+_bot/.test(t))).toBe(true);
  });

  it('scales reports and blocks as asked', () => {
    const count = (o: AdversarialOptions) => {
      let reports = 0;
      let blocks = 0;
      for (const l of generateAdversarialTrace(o)) {
        if (l.type === 'report') reports++;
        if (l.type === 'block') blocks++;
      }
      return { reports, blocks };
    };
    const base = count({ ...small, accounts: 2000 });
    const more = count({ ...small, accounts: 2000, reportRateScale: 2 });
    const fewer = count({ ...small, accounts: 2000, blockRateScale: 0.5 });
    // Brigades' reports do not scale (they report on purpose): hence the loose bounds.
    expect(more.reports / base.reports).toBeGreaterThan(1.5);
    expect(more.reports / base.reports).toBeLessThan(2.1);
    expect(fewer.blocks / base.blocks).toBeLessThan(0.8);
    expect(fewer.blocks / base.blocks).toBeGreaterThan(0.4);
  });
});

describe('reaction scales', () => {
  it('change who reports and blocks, nothing else', () => {
    const rest = (o: AdversarialOptions) => JSON.stringify([...generateAdversarialTrace(o)].filter((l) => l.type !== 'report' && l.type !== 'block'));
    expect(rest({ ...small, reportRateScale: 2, blockRateScale: 0.5 })).toBe(rest(small));
  });
});
