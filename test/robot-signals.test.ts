import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { checkProjections } from '../src/check.js';
import { BUTTONS } from '../src/domain/spambot.js';
import { robotFlag, robotLimit, robotOpenCase, robotSanction } from '../src/enforcement/robots-door.js';
import type { RobotSignal } from '../src/events/index.js';
import { BUILT_IN_RULES } from '../src/robots/rules.js';
import { enforcementSink } from '../src/robots/sink.js';
import { parseId } from '../src/store/ids.js';
import type { Client, TestAccount } from './helpers/client.js';
import { World } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';
import { startServer } from './helpers/server.js';
import { onPostgres } from './helpers/pg.js';

/**
 * Robots record which signals fired with what they do (RULES.md §4 "Robots"): every event of the
 * robots' door carries `signals` (name, value, threshold, note) as a payload field; staff see
 * them in the timeline and the case view; the person never does — /v1/me and SpamBot say what
 * they always said. Events without signals (older logs) replay and show as before.
 */

const ctx = serverPerFile({ staff: ['moderator'], checkProjections: true });

/** Distinctive names and values, so that finding them anywhere is meaningful. */
const SIGNALS: RobotSignal[] = [
  { name: 'cold_chats_hour_x7', value: 37.25, threshold: 20, note: 'strangers written to in the last hour (zq-note)' },
  { name: 'reply_rate_day_x7', value: 0.0625, threshold: 0.3 },
];

const id = (a: TestAccount) => parseId('account', a.id);

async function timeline(a: TestAccount, staff: Client = ctx.moderator): Promise<any[]> {
  const r = await staff.get(`/v1/moderation/accounts/${a.id}?limit=100`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.events;
}

/** The texts SpamBot sends `a` for a status question and each button of the appeal dialogue. */
async function spamBotTexts(a: TestAccount): Promise<string[]> {
  const texts: string[] = [];
  let chatId = '';
  for (const ask of ['/start', BUTTONS.en.mistake, BUTTONS.en.didNot, 'I only wrote to my colleagues.']) {
    const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text: ask });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    chatId = r.body.message.chatId;
  }
  const all = await a.api.get(`/v1/chats/${chatId}/messages?limit=1000`);
  expect(all.status).toBe(200);
  for (const m of all.body.messages) if (m.from !== a.id) texts.push(m.text, ...(m.buttons ?? []).flat());
  expect(texts.length).toBeGreaterThanOrEqual(4);
  return texts;
}

/** Nothing of any signal (its name, value or note) appears in `text`. */
function expectNoSignal(text: string): void {
  for (const s of SIGNALS) {
    expect(text).not.toContain(s.name);
    expect(text).not.toContain(String(s.value));
    if (s.note) expect(text).not.toContain('zq-note');
  }
  expect(text).not.toMatch(/signal|threshold/i);
}

describe('a robot limit records its signals', () => {
  it('the restriction event carries them; the staff timeline shows rule and signals; /v1/me and SpamBot show none', async () => {
    const a = await ctx.world.account();
    await robotLimit(ctx.server.app.platform, id(a), 'cold_fanout', 24, SIGNALS);
    const applied = (await timeline(a)).find((e) => e.type === 'restriction_applied');
    expect(applied).toMatchObject({ rule: 'cold_fanout', kind: 'robot', state: 'limited', actor: { kind: 'robot', id: 'cold_fanout' } });
    expect(applied.signals).toEqual(SIGNALS);

    // The log holds them as a typed payload field.
    const store = ctx.server.app.platform.store;
    const row = await store.first<{ payload: string }>(
      store.db.selectFrom('events').select('payload').where('account_id', '=', id(a)).where('type', '=', 'restriction_applied').orderBy('id', 'desc').limit(1),
    );
    expect(JSON.parse(row!.payload).signals).toEqual(SIGNALS);

    // The person: the same restriction as ever, and not a trace of why.
    const me = await a.api.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.restriction).toMatchObject({ state: 'limited', kind: 'robot' });
    expect(Object.keys(me.body.restriction).sort()).toEqual(['kind', 'publicGroupsBan', 'state', 'until']);
    expectNoSignal(JSON.stringify(me.body));
    const denied = await a.api.post('/v1/messages', { to: { accountId: (await ctx.world.account()).id }, text: 'hello' });
    expect(denied.body.error?.code ?? denied.body.code).toBe('PEER_FLOOD');
    expectNoSignal(JSON.stringify(denied.body));
    for (const t of await spamBotTexts(a)) expectNoSignal(t);
    // The appeal the dialogue filed shows support the rule (as before), and the signals stay out
    // of the person's own words in it.
    expectNoSignal(JSON.stringify((await a.api.get('/v1/me')).body));
  });

  it('a limit without signals (as older logs hold) has none in its event and shows none', async () => {
    const a = await ctx.world.account();
    await robotLimit(ctx.server.app.platform, id(a), 'same_text', 24);
    const applied = (await timeline(a)).find((e) => e.type === 'restriction_applied');
    expect(applied).toMatchObject({ rule: 'same_text' });
    expect(applied).not.toHaveProperty('signals');
  });

  it('a freeze by a robot carries them on account_frozen', async () => {
    const a = await ctx.world.account();
    await robotSanction(ctx.server.app.platform, id(a), 'industrial_scale', 'industrial_spam', SIGNALS);
    const frozen = (await timeline(a)).find((e) => e.type === 'account_frozen');
    expect(frozen).toMatchObject({ rule: 'industrial_scale', signals: SIGNALS });
  });
});

describe('robot cases, flags and shadow records', () => {
  it('a case a robot opens carries the signals; the case view lists the rule and its signals with the evidence', async () => {
    const a = await ctx.world.account();
    const caseId = await robotOpenCase(ctx.server.app.platform, id(a), 'links_to_strangers', 2, SIGNALS);
    const opened = (await timeline(a)).find((e) => e.type === 'case_opened');
    expect(opened).toMatchObject({ openedBy: 'links_to_strangers', signals: SIGNALS });

    const view = await ctx.moderator.get(`/v1/moderation/cases/k${caseId}`);
    expect(view.status, JSON.stringify(view.body)).toBe(200);
    expect(view.body.case.openedBy).toBe('links_to_strangers');
    expect(view.body.case.robots).toEqual([
      { at: expect.any(String), rule: 'links_to_strangers', event: 'case_opened', caseId: `k${caseId}`, signals: SIGNALS },
    ]);

    // Raised again by another rule: the open case's update names the rule and its signals.
    const raise: RobotSignal[] = [{ name: 'blocks_per_stranger_x7', value: 0.5, threshold: 0.3, note: 'blocked by half of them' }];
    expect(await robotOpenCase(ctx.server.app.platform, id(a), 'blocks_per_stranger', 1, raise)).toBe(caseId);
    const again = await ctx.moderator.get(`/v1/moderation/cases/k${caseId}`);
    expect(again.body.case.robots.map((f: any) => [f.rule, f.event, f.signals])).toEqual([
      ['blocks_per_stranger', 'case_updated', raise],
      ['links_to_strangers', 'case_opened', SIGNALS],
    ]);
    const updated = (await timeline(a)).find((e) => e.type === 'case_updated' && e.rule === 'blocks_per_stranger');
    expect(updated).toMatchObject({ signals: raise });
  });

  it('a case from reports about a robot-limited account shows the limit’s signals', async () => {
    const spammer = await ctx.world.account();
    const victim = await ctx.world.account();
    const sent = await spammer.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'cheap watches, only today' });
    expect(sent.status).toBe(201);
    await robotLimit(ctx.server.app.platform, id(spammer), 'cold_fanout', 24, SIGNALS);
    const rep = await victim.api.post('/v1/reports', { chatId: sent.body.message.chatId, reason: 'spam' });
    expect(rep.status, JSON.stringify(rep.body)).toBe(201);
    const view = await ctx.moderator.get(`/v1/moderation/cases/${rep.body.report.caseId}`);
    expect(view.status).toBe(200);
    expect(view.body.case).not.toHaveProperty('openedBy');
    expect(view.body.case.robots).toEqual([{ at: expect.any(String), rule: 'cold_fanout', event: 'restriction_applied', signals: SIGNALS }]);
  });

  it('a case about an account robots never touched lists none', async () => {
    const spammer = await ctx.world.account();
    const victim = await ctx.world.account();
    const sent = await spammer.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'buy my course' });
    const rep = await victim.api.post('/v1/reports', { chatId: sent.body.message.chatId });
    expect(rep.status).toBe(201);
    const view = await ctx.moderator.get(`/v1/moderation/cases/${rep.body.report.caseId}`);
    expect(view.body.case.robots).toEqual([]);
  });

  it('flags carry their signals', async () => {
    const a = await ctx.world.account();
    await robotFlag(ctx.server.app.platform, id(a), 'same_text', 'one template to many', SIGNALS);
    expect((await timeline(a)).find((e) => e.type === 'robot_flag')).toMatchObject({ rule: 'same_text', note: 'one template to many', signals: SIGNALS });
  });

  it('a shadow record keeps the signals as its own field, and the effect without them', async () => {
    const a = await ctx.world.account();
    await enforcementSink(ctx.server.app.platform).shadow(
      id(a),
      'cold_fanout',
      { action: 'limit', hours: 24, signals: SIGNALS },
      ctx.server.app.platform.clock.now(),
      'shadow',
    );
    const shadow = (await timeline(a)).find((e) => e.type === 'robot_shadow');
    expect(shadow).toMatchObject({ rule: 'cold_fanout', why: 'shadow', effect: { action: 'limit', hours: 24 }, signals: SIGNALS });
    expect(shadow.effect).not.toHaveProperty('signals');
    // Shadow records change nothing for the person.
    expect((await a.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'free' });
  });

  it('the timeline shows only the four fields of a signal, whatever a caller passed', async () => {
    const a = await ctx.world.account();
    const extra = [{ ...SIGNALS[0]!, secret: 'internal' }] as unknown as RobotSignal[];
    await robotLimit(ctx.server.app.platform, id(a), 'cold_fanout', 24, extra);
    const applied = (await timeline(a)).find((e) => e.type === 'restriction_applied');
    expect(applied.signals).toEqual([SIGNALS[0]]);
  });

  it('a value that is not a finite number shows as null, and the views still answer', async () => {
    const a = await ctx.world.account();
    const odd: RobotSignal[] = [{ name: 'unbounded', value: Number.POSITIVE_INFINITY, threshold: Number.NaN }];
    const caseId = await robotOpenCase(ctx.server.app.platform, id(a), 'same_text', 1, odd);
    const opened = (await timeline(a)).find((e) => e.type === 'case_opened');
    expect(opened.signals).toEqual([{ name: 'unbounded', value: null, threshold: null }]);
    const view = await ctx.moderator.get(`/v1/moderation/cases/k${caseId}`);
    expect(view.status).toBe(200);
    expect(view.body.case.robots[0].signals).toEqual([{ name: 'unbounded', value: null, threshold: null }]);
  });

  it('survives a restart: the signals are in the log, and banya check replays it', async () => {
    const a = await ctx.world.account();
    await robotLimit(ctx.server.app.platform, id(a), 'cold_fanout', 24, SIGNALS);
    await robotLimit(ctx.server.app.platform, id(await ctx.world.account()), 'same_text', 24);
    ctx.server = await ctx.server.restart();
    ctx.world = new World(ctx.server.url);
    ctx.moderator = await ctx.world.staff('moderator');
    const r = await ctx.moderator.get(`/v1/moderation/accounts/${a.id}`);
    expect(r.body.events.find((e: any) => e.type === 'restriction_applied')).toMatchObject({ signals: SIGNALS });
  });
});

describe('the robots page’s records', () => {
  it('lists shadow results with their signals and false positives found by appeals, newest first, paged, for staff only', async () => {
    const p = ctx.server.app.platform;
    const quiet = await ctx.world.account();
    await enforcementSink(p).shadow(id(quiet), 'same_text', { action: 'limit', hours: 24, signals: SIGNALS }, p.clock.now(), 'daily_cap');
    const wronged = await ctx.world.account();
    await robotLimit(p, id(wronged), 'cold_fanout', 24, SIGNALS);
    for (const text of ['/start', BUTTONS.en.mistake, BUTTONS.en.didNot, 'I wrote to my new colleagues.']) {
      expect((await wronged.api.post('/v1/messages', { to: { username: 'spambot' }, text })).status).toBe(201);
    }
    const support = await ctx.world.staff('support');
    const open = await support.get('/v1/moderation/appeals?state=open&limit=100');
    const appeal = open.body.appeals.find((a: any) => a.accountId === wronged.id);
    expect((await support.post(`/v1/moderation/appeals/${appeal.id}/decision`, { outcome: 'overturn', note: 'ok' })).status).toBe(200);

    const fp = await ctx.moderator.get('/v1/console/robots/records?kind=false_positive');
    expect(fp.status, JSON.stringify(fp.body)).toBe(200);
    expect(fp.body.records[0]).toMatchObject({ kind: 'false_positive', rule: 'cold_fanout', accountId: wronged.id, appealId: appeal.id });
    const shadow = await ctx.moderator.get('/v1/console/robots/records?kind=shadow');
    expect(shadow.body.records[0]).toMatchObject({
      kind: 'shadow',
      rule: 'same_text',
      accountId: quiet.id,
      why: 'daily_cap',
      effect: { action: 'limit', hours: 24 },
      signals: SIGNALS,
    });
    expect(shadow.body.records.every((r: any) => r.kind === 'shadow')).toBe(true);
    // Both kinds together, newest first; a page at a time.
    const all = await ctx.moderator.get('/v1/console/robots/records?limit=1');
    expect(all.body.records).toHaveLength(1);
    expect(all.body.records[0].kind).toBe('false_positive');
    const next = await ctx.moderator.get(`/v1/console/robots/records?limit=1&cursor=${all.body.nextCursor}`);
    expect(Number(next.body.records[0].id.slice(1))).toBeLessThan(Number(all.body.records[0].id.slice(1)));
    // Staff only; bad input is a 400 with its field.
    expect((await wronged.api.get('/v1/console/robots/records')).status).toBe(403);
    const bad = await ctx.moderator.get('/v1/console/robots/records?kind=other');
    expect(bad.status).toBe(400);
    expect((await ctx.moderator.get('/v1/console/robots/records?limit=0')).status).toBe(400);
  });

  // SQLite's plan: the checked-in query plans are SQLite's (src/store/sql/), PostgreSQL has none.
  it.skipIf(onPostgres())('reads the partial index, not the whole log', async () => {
    const store = ctx.server.app.platform.store;
    const plan = await store.all<{ detail: string }>(
      sql`explain query plan select id from events where "type" in ('robot_false_positive', 'robot_shadow') and type = ${'robot_shadow'} order by id desc limit 26`.compile(
        store.db,
      ),
    );
    expect(plan.map((r) => r.detail).join('\n')).toMatch(/events_robot_records/);
  });
});

describe('from the engine', () => {
  it('rules in shadow mode record, through the door, the signals they fired, and the person sees nothing of them', async () => {
    const file = path.join(os.tmpdir(), `banya-robots-shadow-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify({ rules: Object.fromEntries(BUILT_IN_RULES.map((r) => [r.name, { shadow: true }])) }));
    const s = await startServer({ robotsFile: file });
    try {
      const w = new World(s.url);
      const staff = await w.staff('moderator');
      const sender = await w.account();
      for (let i = 0; i < 30; i++) {
        const to = await w.account();
        const r = await sender.api.post('/v1/messages', { to: { accountId: to.id }, text: 'Earn 500 a day from home: https://quick-cash.example/join now' });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      }
      const tl = await staff.get(`/v1/moderation/accounts/${sender.id}?limit=200`);
      const shadows = tl.body.events.filter((e: any) => e.type === 'robot_shadow');
      expect(shadows.length).toBeGreaterThan(0);
      for (const e of shadows) {
        expect(e.actor).toEqual({ kind: 'robot', id: e.rule });
        expect(e.effect).not.toHaveProperty('signals');
        expect(e.signals.length).toBeGreaterThan(0);
        for (const sig of e.signals) {
          expect(typeof sig.name).toBe('string');
          expect(typeof sig.value === 'number' || sig.value === null).toBe(true);
          expect(typeof sig.threshold === 'number' || sig.threshold === null).toBe(true);
        }
      }
      const me = await sender.api.get('/v1/me');
      expect(me.body.restriction).toMatchObject({ state: 'free' });
      const names = shadows.flatMap((e: any) => e.signals.map((x: any) => x.name as string));
      for (const n of names) expect(JSON.stringify(me.body)).not.toContain(n);
      expect(await checkProjections(s.app.platform.store)).toEqual([]);
    } finally {
      await s.stop();
      fs.rmSync(file, { force: true });
    }
  }, 60_000);
});
