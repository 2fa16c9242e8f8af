import { describe, expect, it } from 'vitest';
import {
  BRIGADE_CLASSES,
  BUSY_CLASSES,
  GROUP_BRIGADE_CLASSES,
  generateAdversarialTrace,
  reactionDelay,
  SPAMMER_CLASSES,
  type AdversarialOptions,
} from './adversarial.js';
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
    for (const c of [...BRIGADE_CLASSES, ...GROUP_BRIGADE_CLASSES]) expect(classes.get(c), c).toBe('brigader');
    expect(classes.get('friend')).toBe('innocent');
    const types = new Set(lines.map((l) => l.type));
    for (const t of ['account', 'contact', 'block', 'message', 'group', 'invite', 'post', 'report', 'leave', 'decision', 'appeal', 'label'])
      expect(types.has(t as TraceLine['type']), t).toBe(true);
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

/** The busy innocents' and shops' ids in a trace. */
function busyIds(ls: TraceLine[]): Set<string> {
  const busy = new Set<string>(BUSY_CLASSES);
  return new Set(ls.filter((l) => l.type === 'account' && busy.has(l.class!)).map((l) => (l as { id: string }).id));
}

/** Of the strangers a busy account wrote first, the share who wrote back within 21 hours. */
function busyReplyRate(ls: TraceLine[]): number {
  const busy = busyIds(ls);
  const first = new Map<string, number>();
  const talked = new Set<string>();
  const answered = new Set<string>();
  for (const l of ls) {
    if (l.type !== 'message') continue;
    const pair = `${l.from}>${l.to}`;
    if (busy.has(l.from) && !talked.has(`${l.to}>${l.from}`) && !first.has(pair)) first.set(pair, l.t);
    talked.add(pair);
    const t0 = first.get(`${l.to}>${l.from}`);
    if (busy.has(l.to) && t0 !== undefined && l.t - t0 < 21 * 3600) answered.add(`${l.to}>${l.from}`);
  }
  return answered.size / first.size;
}

describe('harder innocents', () => {
  const o: AdversarialOptions = { ...small, accounts: 1500 };

  it('--innocent-reply sets how often strangers answer busy innocents and shops', () => {
    const low = busyReplyRate([...generateAdversarialTrace({ ...o, innocentReply: 0.3 })]);
    const high = busyReplyRate([...generateAdversarialTrace({ ...o, innocentReply: 0.9 })]);
    expect(low).toBeGreaterThan(0.22);
    expect(low).toBeLessThan(0.38);
    expect(high).toBeGreaterThan(0.82);
  });

  it('--innocent-complaints scales only the blocks and reports busy innocents and shops get', () => {
    const base = [...generateAdversarialTrace(o)];
    const hard = [...generateAdversarialTrace({ ...o, innocentComplaints: 4 })];
    const busy = busyIds(base);
    const against = (ls: TraceLine[], toBusy: boolean) =>
      ls.filter((l) => (l.type === 'report' || l.type === 'block') && busy.has((l as { to: string }).to) === toBusy);
    const rest = (ls: TraceLine[]) => JSON.stringify(ls.filter((l) => l.type !== 'report' && l.type !== 'block'));
    expect(rest(hard)).toBe(rest(base));
    expect(JSON.stringify(against(hard, false))).toBe(JSON.stringify(against(base, false)));
    expect(against(hard, true).length / against(base, true).length).toBeGreaterThan(2.5);
  });

  it('--delays exponential brings replies and complaints early, within the same caps', () => {
    const exp = reactionDelay('exponential');
    const draws = Array.from({ length: 2000 }, (_, i) => (i + 0.5) / 2000);
    const replies = draws.map((u) => exp(u, 3 * 3600, 20 * 3600));
    const mean = replies.reduce((a, b) => a + b, 0) / replies.length;
    expect(mean).toBeGreaterThan(2.5 * 3600);
    expect(mean).toBeLessThan(3.2 * 3600);
    expect(Math.max(...replies)).toBeLessThanOrEqual(20 * 3600);
    expect(reactionDelay('uniform')(0.5, 3 * 3600, 20 * 3600)).toBe(10 * 3600);
    // In a trace: the median time from a stranger's first message to their report drops.
    const reportDelay = (ls: TraceLine[]) => {
      const last = new Map<string, number>();
      const ds: number[] = [];
      for (const l of ls) {
        if (l.type === 'message') last.set(`${l.from}>${l.to}`, l.t);
        if (l.type === 'report' && !l.group) {
          const t0 = last.get(`${l.to}>${l.from}`);
          if (t0 !== undefined) ds.push(l.t - t0);
        }
      }
      return ds.sort((a, b) => a - b)[Math.floor(ds.length / 2)]!;
    };
    expect(reportDelay([...generateAdversarialTrace({ ...o, delays: 'exponential' })])).toBeLessThan(0.6 * reportDelay([...generateAdversarialTrace(o)]));
  });
});
