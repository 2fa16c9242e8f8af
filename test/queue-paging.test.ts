import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/domain/random.js';
import type { TestAccount } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * API.md `GET /v1/moderation/cases`: highest priority first, then oldest, paged like every list.
 * A pass through the queue (its first page, then each `nextCursor` until there is none) keeps the
 * order its first page had: a case whose priority changes meanwhile (new reports join it) keeps
 * its place in the pass, so no case is skipped and none is shown twice; cases decided or claimed
 * meanwhile shift nothing; cases opened after the first page come at the pass's end, if at all.
 * Over HTTP against a real server, on the manual clock; each server holds only this file's cases.
 */

const DAY = 86_400;

const ctx = serverPerFile({ staff: ['moderator'] });

interface Listed {
  id: string;
  priority: number;
}

async function page(limit: number, cursor?: string, query = ''): Promise<{ cases: Listed[]; nextCursor?: string }> {
  const r = await ctx.moderator.get(`/v1/moderation/cases?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** The rest of a pass from `cursor`: every id, in order. */
async function rest(limit: number, cursor: string | undefined, query = ''): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; cursor && i < 1000; i++) {
    const p = await page(limit, cursor, query);
    out.push(...p.cases.map((c) => c.id));
    cursor = p.nextCursor;
  }
  if (cursor) throw new Error('the queue does not end');
  return out;
}

async function priorityOf(caseId: string): Promise<number> {
  const r = await ctx.moderator.get(`/v1/moderation/cases/${caseId}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.case.priority;
}

/** `subject` writes to `reporter`, who reports the chat as spam; the case it opens or joins. */
async function report(subject: TestAccount, reporter: TestAccount): Promise<string> {
  const sent = await subject.api.post('/v1/messages', { to: { accountId: reporter.id }, text: 'cheap watches' });
  expect(sent.status, JSON.stringify(sent.body)).toBe(201);
  const r = await reporter.api.post('/v1/reports', { chatId: sent.body.message.chatId, reason: 'spam' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.report.caseId;
}

/** A reporter a day old or more: full weight. */
async function seasoned(n: number): Promise<TestAccount[]> {
  const out: TestAccount[] = [];
  for (let i = 0; i < n; i++) out.push(await ctx.world.account());
  await ctx.world.advance(2 * DAY);
  return out;
}

/** Another stranger's report: the case's priority rises. */
async function raise(subject: TestAccount, caseId: string): Promise<void> {
  const before = await priorityOf(caseId);
  const [r] = await seasoned(1);
  expect(await report(subject, r!)).toBe(caseId);
  expect(await priorityOf(caseId)).toBeGreaterThan(before);
}

/** A fresh report by someone who saved the subject's number (no stranger, little weight): it falls. */
async function lower(subject: TestAccount, caseId: string): Promise<void> {
  const before = await priorityOf(caseId);
  const r = await ctx.world.account();
  await ctx.world.save(r, subject);
  expect(await report(subject, r)).toBe(caseId);
  expect(await priorityOf(caseId)).toBeLessThan(before);
}

/** `n` cases of equal priority (so in id order), each with its subject. */
async function cases(n: number): Promise<{ ids: string[]; subjects: TestAccount[] }> {
  const reporters = await seasoned(n);
  const subjects: TestAccount[] = [];
  const ids: string[] = [];
  for (const r of reporters) {
    const s = await ctx.world.account();
    subjects.push(s);
    ids.push(await report(s, r));
  }
  return { ids, subjects };
}

/** Decides every live case, so that the next test starts from an empty queue. */
async function clear(): Promise<void> {
  for (;;) {
    const p = await page(1000);
    if (p.cases.length === 0) return;
    for (const c of p.cases) expect((await ctx.moderator.post(`/v1/moderation/cases/${c.id}/decision`, { action: 'dismiss' })).status).toBe(200);
  }
}

describe('a pass through the queue while it changes', () => {
  it('shows each case present for the whole pass exactly once, whatever happens to priorities meanwhile', async () => {
    await clear();
    const { ids, subjects } = await cases(8);
    const [c1, c2, c3, c4, c5, c6, c7, c8] = ids as [string, string, string, string, string, string, string, string];
    const s = (id: string) => subjects[ids.indexOf(id)]!;
    const first = await page(2);
    expect(first.cases.map((c) => c.id)).toEqual([c1, c2]);

    await raise(s(c6), c6); // not yet seen, now above every case seen
    await lower(s(c1), c1); // seen, now below every case not yet seen
    await lower(s(c2), c2); // the page's last case (the cursor's own) falls too
    await raise(s(c1), c1); // and changes again
    await lower(s(c7), c7); // not yet seen, falls: still ahead
    await raise(s(c3), c3); // not yet seen, rises: still ahead
    const rest1 = await rest(2, first.nextCursor);
    expect(rest1).toEqual([c3, c4, c5, c6, c7, c8]);

    // A new pass sees the order as it is now.
    const now = await rest(100, (await page(1)).nextCursor);
    expect(now).toHaveLength(7);
  });

  it('misses no change made after the newest change before the pass left with its decided case', async () => {
    await clear();
    const { ids, subjects } = await cases(6);
    const [c1, c2, c3, c4, c5, c6] = ids as [string, string, string, string, string, string];
    await raise(subjects[3]!, c4); // the newest change before the pass
    const first = await page(2);
    expect(first.cases.map((c) => c.id)).toEqual([c4, c1]);
    // Its case is decided, and its change goes with it; the next change must still count as
    // made during the pass (a number given out again would not).
    expect((await ctx.moderator.post(`/v1/moderation/cases/${c4}/decision`, { action: 'dismiss' })).status).toBe(200);
    await raise(subjects[5]!, c6);
    expect(await rest(2, first.nextCursor)).toEqual([c2, c3, c5, c6]);
  });

  it('is not shifted by cases decided or claimed meanwhile, nor by the cursor case leaving', async () => {
    await clear();
    const { ids } = await cases(7);
    const [c1, c2, c3, c4, c5, c6, c7] = ids as [string, string, string, string, string, string, string];
    const first = await page(3);
    expect(first.cases.map((c) => c.id)).toEqual([c1, c2, c3]);
    // Decided: a seen case, the cursor's own, and one not yet seen (it leaves the queue); claimed: one not yet seen.
    for (const id of [c1, c3, c5]) expect((await ctx.moderator.post(`/v1/moderation/cases/${id}/decision`, { action: 'dismiss' })).status).toBe(200);
    expect((await ctx.moderator.post(`/v1/moderation/cases/${c4}/claim`)).status).toBe(200);
    expect((await ctx.moderator.post(`/v1/moderation/cases/${c6}/decision`, { action: 'escalate' })).status).toBe(200);
    const second = await page(3, first.nextCursor);
    expect(second.cases.map((c) => c.id)).toEqual([c4, c6, c7]);
    expect(second.nextCursor).toBeUndefined();
  });

  it('shows a case opened after the first page at the end of the pass, or not at all, never in the middle', async () => {
    await clear();
    const { ids } = await cases(4);
    const first = await page(2);
    expect(first.cases.map((c) => c.id)).toEqual(ids.slice(0, 2));
    // A new case with a higher priority than any (two strangers' reports).
    const [r1, r2] = await seasoned(2);
    const subject = await ctx.world.account();
    const fresh = await report(subject, r1!);
    expect(await report(subject, r2!)).toBe(fresh);
    const after = await rest(1, first.nextCursor);
    expect(after.slice(0, 2)).toEqual(ids.slice(2));
    expect(after.length === 2 || (after.length === 3 && after[2] === fresh)).toBe(true);
  });

  it('keeps the pass through a filtered queue too', async () => {
    await clear();
    const { ids, subjects } = await cases(5);
    const first = await page(2, undefined, '&place=private&origin=human');
    expect(first.cases.map((c) => c.id)).toEqual(ids.slice(0, 2));
    await raise(subjects[4]!, ids[4]!);
    await lower(subjects[0]!, ids[0]!);
    expect(await rest(2, first.nextCursor, '&place=private&origin=human')).toEqual(ids.slice(2));
  });
});

/** A seeded stream, so that a failure repeats. */
const random = mulberry32;

describe('passes through a queue that changes at random between pages', () => {
  for (const seed of [7, 20261203, 41]) {
    it(`shows every case present throughout exactly once, and new ones only at the end (seed ${seed})`, async () => {
      await clear();
      const next = random(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
      const { ids, subjects } = await cases(10);
      const subjectOf = new Map(ids.map((id, i) => [id, subjects[i]!]));
      // Unequal priorities to begin with, so the pass does not simply follow ids.
      for (const id of ids) if (next() < 0.4) await raise(subjectOf.get(id)!, id);
      const limit = 1 + Math.floor(next() * 3);
      const original = new Set(ids);
      const decided = new Set<string>();
      const opened: string[] = [];
      const shown: string[] = [];
      let cursor: string | undefined;
      let first = true;
      while (first || cursor) {
        const p = await page(limit, cursor);
        first = false;
        shown.push(...p.cases.map((c) => c.id));
        cursor = p.nextCursor;
        for (let k = Math.floor(next() * 4); k > 0; k--) {
          const live = [...original, ...opened].filter((id) => !decided.has(id));
          const id = pick(live);
          const what = next();
          if (what < 0.35) {
            const [r] = await seasoned(1);
            expect(await report(subjectOf.get(id)!, r!)).toBe(id);
          } else if (what < 0.6) {
            const r = await ctx.world.account();
            await ctx.world.save(r, subjectOf.get(id)!);
            expect(await report(subjectOf.get(id)!, r)).toBe(id);
          } else if (what < 0.7) {
            expect((await ctx.moderator.post(`/v1/moderation/cases/${id}/decision`, { action: 'dismiss' })).status).toBe(200);
            decided.add(id);
          } else if (what < 0.8) {
            await ctx.moderator.post(`/v1/moderation/cases/${id}/claim`);
          } else if (what < 0.9) {
            expect((await ctx.moderator.post(`/v1/moderation/cases/${id}/decision`, { action: 'escalate' })).status).toBe(200);
          } else {
            const s = await ctx.world.account();
            const [r] = await seasoned(1);
            const fresh = await report(s, r!);
            subjectOf.set(fresh, s);
            opened.push(fresh);
          }
        }
      }
      // Nothing twice; every case live from the first page to the last, once.
      expect(new Set(shown).size).toBe(shown.length);
      for (const id of original) if (!decided.has(id)) expect(shown.filter((x) => x === id)).toHaveLength(1);
      // Cases opened during the pass come after every case that was there before it.
      const lastOriginal = Math.max(...shown.map((id, i) => (original.has(id) ? i : -1)));
      for (const id of opened) {
        const at = shown.indexOf(id);
        if (at >= 0) expect(at).toBeGreaterThan(lastOriginal);
      }
    });
  }
});

describe('a bad queue cursor', () => {
  it('answers 400 BAD_REQUEST naming the cursor', async () => {
    for (const bad of [
      'not-a-cursor',
      'x'.repeat(80),
      Buffer.from('1:x').toString('base64url'),
      Buffer.from('1:0').toString('base64url'),
      Buffer.from('abc').toString('base64url'),
      Buffer.from('x:1:1').toString('base64url'),
      Buffer.from('-1:1:1').toString('base64url'),
      Buffer.from('1:2:3:4').toString('base64url'),
      Buffer.from('5::3').toString('base64url'),
      Buffer.from('1:1e999:3').toString('base64url'),
      '%00',
    ])
      expectError(await ctx.moderator.get(`/v1/moderation/cases?cursor=${encodeURIComponent(bad)}`), 400, 'BAD_REQUEST');
    const r = await ctx.moderator.get(`/v1/moderation/cases?cursor=${Buffer.from('x:1:1').toString('base64url')}`);
    expect(r.body.error.details).toMatchObject({ field: 'querystring.cursor' });
  });
});
