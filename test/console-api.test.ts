import { beforeAll, describe, expect, it } from 'vitest';
import { robotOpenCase } from '../src/enforcement/robots-door.js';
import { parseId } from '../src/store/ids.js';
import { expectError } from './helpers/expect.js';
import type { TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * What the console reads from the API: the queue's filters (done by the server, keyset-paged),
 * the reporters' records in the case view, and the overview's figures in `GET /metrics`.
 * Over HTTP against a real server and SQLite file, on the manual clock.
 */

const ctx = serverPerFile({ staff: ['moderator'] });

const DAY = 86_400;

async function sent(from: TestAccount, to: { accountId: string } | { chatId: string }, text = 'hello'): Promise<{ id: string; chatId: string }> {
  const r = await from.api.post('/v1/messages', { to, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message;
}

/** `spammer` writes to a fresh stranger, who reports the chat: a private case opened by a person. */
async function privateCase(spammer: TestAccount, victim?: TestAccount): Promise<string> {
  const v = victim ?? (await ctx.world.account());
  const { chatId } = await sent(spammer, { accountId: v.id }, 'cheap watches');
  const r = await v.api.post('/v1/reports', { chatId, reason: 'spam' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.report.caseId;
}

/** A public channel's content, reported by a reader: a group case. */
async function groupCase(owner: TestAccount): Promise<string> {
  const c = await owner.api.post('/v1/groups', { title: 'Shock news', kind: 'channel', public: true });
  expect(c.status, JSON.stringify(c.body)).toBe(201);
  await sent(owner, { chatId: c.body.chat.id }, 'graphic stuff');
  const r = await (await ctx.world.account()).api.post('/v1/reports', { chatId: c.body.chat.id, reason: 'violence' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.report.caseId;
}

/** Every page of the queue under `query`, one case a page, so the keyset walk is exercised. */
async function queue(query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const r = await ctx.moderator.get(`/v1/moderation/cases?limit=1${query ? `&${query}` : ''}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    ids.push(...r.body.cases.map((c: any) => c.id));
    cursor = r.body.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error('the queue does not end');
}

describe('the queue filters on the server', () => {
  let robotEn: string;
  let humanRuPrivate: string;
  let humanEnGroup: string;
  let humanEnPrivate: string;

  beforeAll(async () => {
    const ru = await ctx.world.account({ language: 'ru' });
    const en = await ctx.world.account({ language: 'en' });
    const owner = await ctx.world.account({ language: 'en' });
    const botted = await ctx.world.account({ language: 'en' });
    humanRuPrivate = await privateCase(ru);
    humanEnPrivate = await privateCase(en);
    humanEnGroup = await groupCase(owner);
    const id = await robotOpenCase(ctx.server.app.platform, parseId('account', botted.id), 'some_rule', 5);
    robotEn = (await ctx.moderator.get('/v1/moderation/cases?limit=100&origin=robot')).body.cases.find((c: any) => parseId('case', c.id) === id)!.id;
  });

  it('filters by origin, place and language, alone and together, page by page', async () => {
    const all = await queue('');
    expect(all).toEqual(expect.arrayContaining([robotEn, humanRuPrivate, humanEnGroup, humanEnPrivate]));
    expect(await queue('origin=robot')).toEqual([robotEn]);
    expect((await queue('origin=human')).sort()).toEqual([humanRuPrivate, humanEnGroup, humanEnPrivate].sort());
    expect(await queue('place=group')).toEqual([humanEnGroup]);
    expect((await queue('place=private')).sort()).toEqual([robotEn, humanRuPrivate, humanEnPrivate].sort());
    expect(await queue('language=ru')).toEqual([humanRuPrivate]);
    expect((await queue('language=en')).sort()).toEqual([robotEn, humanEnGroup, humanEnPrivate].sort());
    expect(await queue('origin=human&place=private&language=en')).toEqual([humanEnPrivate]);
    // The order is the queue's order: a filtered queue is the whole queue without the others.
    expect(await queue('language=en')).toEqual(all.filter((c) => c !== humanRuPrivate));
  });

  it('answers 400 BAD_REQUEST to other values', async () => {
    for (const q of ['origin=bot', 'place=channel', 'language=de', 'origin=', 'place=PRIVATE'])
      expectError(await ctx.moderator.get(`/v1/moderation/cases?${q}`), 400, 'BAD_REQUEST');
  });

  it('documents the filters in the OpenAPI document', async () => {
    const doc = (await ctx.moderator.get('/openapi.json')).body;
    const params = doc.paths['/v1/moderation/cases'].get.parameters;
    const byName = Object.fromEntries(params.map((p: any) => [p.name, p.schema?.enum]));
    expect(byName).toMatchObject({ origin: ['robot', 'human'], place: ['private', 'group'], language: ['en', 'ru'] });
  });
});

describe("the case view's reporters", () => {
  it('carry their confirmed and dismissed reports and their age in days', async () => {
    const reporter = await ctx.world.account();
    await ctx.world.advance(10 * DAY);
    // Two of the reporter's reports are decided: one confirmed, one dismissed.
    const first = await privateCase(await ctx.world.account(), reporter);
    expect((await ctx.moderator.post(`/v1/moderation/cases/${first}/decision`, { action: 'confirm', policy: 'spam' })).status).toBe(200);
    const second = await privateCase(await ctx.world.account(), reporter);
    expect((await ctx.moderator.post(`/v1/moderation/cases/${second}/decision`, { action: 'dismiss' })).status).toBe(200);
    const fresh = await ctx.world.account();
    await ctx.world.advance(DAY / 2);
    const subject = await ctx.world.account({ name: 'Watch Seller' });
    const { chatId: c1 } = await sent(subject, { accountId: reporter.id });
    const { chatId: c2 } = await sent(subject, { accountId: fresh.id });
    const caseId = (await reporter.api.post('/v1/reports', { chatId: c1, reason: 'spam' })).body.report.caseId;
    expect((await fresh.api.post('/v1/reports', { chatId: c2, reason: 'spam' })).body.report.caseId).toBe(caseId);

    const r = await ctx.moderator.get(`/v1/moderation/cases/${caseId}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const byReporter = Object.fromEntries(r.body.case.reports.map((x: any) => [x.reporterId, x.reporter]));
    expect(byReporter).toEqual({
      [reporter.id]: { confirmed: 1, dismissed: 1, ageDays: 10 },
      [fresh.id]: { confirmed: 0, dismissed: 0, ageDays: 0 },
    });
    // The evidence is still there (the response schema keeps every field).
    expect(r.body.case.evidence.length).toBeGreaterThan(0);
    // The subject's display name, for the case page's title.
    expect(r.body.case.subject).toEqual({ accountId: subject.id, name: 'Watch Seller' });
  });
});

describe('GET /metrics', () => {
  function value(text: string, series: string): number {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  }

  it("shows the overview's figures: sends, denials by code, reports, decisions, appeals", async () => {
    const read = async () => {
      const res = await fetch(`${ctx.server.url}/metrics`);
      expect(res.status).toBe(200);
      return res.text();
    };
    const t0 = await read();
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const { chatId } = await sent(a, { accountId: b.id });
    const denied = await a.api.post('/v1/messages', { to: { accountId: a.id }, text: 'me' });
    expect(denied.status).toBeGreaterThanOrEqual(400);
    const code = denied.body.error.code as string;
    const report = await b.api.post('/v1/reports', { chatId, reason: 'spam' });
    expect(report.status).toBe(201);
    expect((await ctx.moderator.post(`/v1/moderation/cases/${report.body.report.caseId}/decision`, { action: 'dismiss' })).status).toBe(200);
    const t1 = await read();

    expect(value(t1, 'banya_messages_sent_total') - value(t0, 'banya_messages_sent_total')).toBe(1);
    expect(value(t1, `banya_send_denials_total{code="${code}"}`) - value(t0, `banya_send_denials_total{code="${code}"}`)).toBe(1);
    expect(value(t1, 'banya_reports_filed_total') - value(t0, 'banya_reports_filed_total')).toBe(1);
    expect(value(t1, 'banya_decisions_total{action="dismiss"}') - value(t0, 'banya_decisions_total{action="dismiss"}')).toBe(1);
    for (const name of [
      'banya_appeals_filed_total',
      'banya_appeals_decided_total',
      'banya_appeals_open',
      'banya_appeals_overdue',
      'banya_appeals_oldest_age_seconds',
      'banya_robot_actions_total',
      'banya_robot_shadow_hits_total',
      'banya_robot_false_positives_total',
    ])
      expect(t1).toContain(`# TYPE ${name} `);
  });
});

describe('the staff list', () => {
  it('is paged like every list: limit, cursor, and 400 outside the range', async () => {
    for (let i = 0; i < 3; i++) expect((await ctx.world.admin.post('/v1/admin/staff', { name: `paged ${i}`, role: 'triage' })).status).toBe(201);
    const all = await ctx.world.admin.get('/v1/admin/staff?limit=1000');
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeUndefined();
    const ids = (all.body.staff as { id: string }[]).map((s) => s.id);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await ctx.world.admin.get(`/v1/admin/staff?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.staff.length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.staff as { id: string }[]).map((s) => s.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    for (const q of ['limit=0', 'limit=1001', 'limit=-1', 'cursor=not-ours'])
      expectError(await ctx.world.admin.get(`/v1/admin/staff?${q}`), 400, 'BAD_REQUEST');
  });
});
