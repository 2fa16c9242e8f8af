import { describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import { robotLimit } from '../src/enforcement/robots-door.js';
import { parseId } from '../src/store/ids.js';
import type { TestAccount } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * What people are told (RULES.md §1, §2, §4, §5; API.md `/v1/me`): for each way an account comes
 * to be restricted, and each way it comes free again, `GET /v1/me`, SpamBot's status and the send
 * gate's error to a stranger say the same state and the same instant, in English and in Russian.
 * Real server on loopback, manual clock; times are not minute-aligned, so the rounding up of the
 * texts' dates is checked too.
 */

const ctx = serverPerFile({ staff: ['moderator', 'support'], checkProjections: true });

type Lang = 'en' | 'ru';
const HOUR = 3600;
const DAY = 24 * HOUR;
const advance = (seconds: number) => ctx.world.advance(seconds);
const now = () => advance(0);

const MONTHS: Record<Lang, string[]> = {
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
  ru: ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'],
};

/** A date as the texts must show it (RULES.md §5): UTC, to the minute, rounded up. Written here independently of src. */
function shown(isoOrMs: string | number, lang: Lang): string {
  const ms = typeof isoOrMs === 'string' ? Date.parse(isoOrMs) : isoOrMs;
  const d = new Date(Math.ceil(ms / 60_000) * 60_000);
  expect(d.getTime()).toBeGreaterThanOrEqual(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[lang][d.getUTCMonth()]} ${d.getUTCFullYear()}, ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** Every date a text shows, as found by the pattern of `shown`. */
function datesIn(text: string): string[] {
  return text.match(/\d{1,2} \S+ \d{4}, \d{2}:\d{2} UTC/g) ?? [];
}

interface BotMessage {
  id: string;
  text: string;
  buttons: string[][];
}

const botChat = new Map<string, { chatId: string; last: string }>();

async function bot(a: TestAccount, text: string): Promise<BotMessage> {
  const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const { chatId, id } = r.body.message;
  const after = await a.api.get(`/v1/chats/${chatId}/messages?after=${id}`);
  expect(after.status).toBe(200);
  expect(after.body.messages, 'exactly one answer').toHaveLength(1);
  const reply = after.body.messages[0] as BotMessage;
  botChat.set(a.id, { chatId, last: reply.id });
  return reply;
}

/** What SpamBot wrote on its own since the last exchange. */
async function botNews(a: TestAccount): Promise<BotMessage[]> {
  const c = botChat.get(a.id)!;
  const r = await a.api.get(`/v1/chats/${c.chatId}/messages?after=${c.last}`);
  const news = r.body.messages as BotMessage[];
  if (news.length > 0) botChat.set(a.id, { chatId: c.chatId, last: news.at(-1)!.id });
  return news;
}

interface Told {
  me: { state: string; kind?: string; until?: string | null; deleteAt?: string; publicGroupsBan?: boolean };
  status: BotMessage;
  gate: { status: number; body: any };
}

/** The three things the person is told: `/v1/me`, SpamBot's `/start`, and a message to a stranger. */
async function told(a: TestAccount): Promise<Told> {
  const me = await a.api.get('/v1/me');
  expect(me.status, JSON.stringify(me.body)).toBe(200);
  const status = await bot(a, '/start');
  const stranger = await ctx.world.account();
  const gate = await a.api.post('/v1/messages', { to: { accountId: stranger.id }, text: 'Hello, do we know each other?' });
  return { me: me.body.restriction, status, gate };
}

/** A temporary limit: all three say limited until the same instant. */
function expectLimitedUntil(t: Told, lang: Lang, until: string, kind: string): void {
  expect(t.me).toEqual({ state: 'limited', kind, until, publicGroupsBan: false });
  expect(datesIn(t.status.text)).toEqual([shown(until, lang)]);
  expectError(t.gate, 403, 'PEER_FLOOD');
  expect(t.gate.body.error.details).toEqual({ until, appeal: 'spambot' });
  expect(datesIn(t.gate.body.error.message)).toEqual([shown(until, lang)]);
}

function expectLimitedForever(t: Told, lang: Lang, kind: string): void {
  expect(t.me).toEqual({ state: 'limited', kind, until: null, publicGroupsBan: false });
  expect(datesIn(t.status.text)).toEqual([]);
  expect(t.status.text).toMatch(lang === 'en' ? /no end date/ : /бессрочно/);
  expectError(t.gate, 403, 'PEER_FLOOD');
  expect(t.gate.body.error.details).toEqual({ until: null, appeal: 'spambot' });
  expect(datesIn(t.gate.body.error.message)).toEqual([]);
  expect(t.gate.body.error.message).toMatch(lang === 'en' ? /no end date/ : /бессрочное/);
}

function expectFrozen(t: Told, lang: Lang, kind: string, deleteAt: string): void {
  expect(t.me).toEqual({ state: 'frozen', kind, deleteAt, publicGroupsBan: false });
  expect(datesIn(t.status.text)).toEqual([shown(deleteAt, lang)]);
  expect(t.status.text).toMatch(lang === 'en' ? /frozen/ : /заморожен/);
  expectError(t.gate, 403, 'FROZEN_METHOD_INVALID');
  expect(t.gate.body.error.details).toEqual({ deleteAt, appeal: 'spambot' });
  expect(datesIn(t.gate.body.error.message)).toEqual([shown(deleteAt, lang)]);
}

function expectFree(t: Told, lang: Lang): void {
  expect(t.me).toEqual({ state: 'free', publicGroupsBan: false });
  expect(t.status.text).toMatch(lang === 'en' ? /no limits/ : /не наложено никаких ограничений/);
  expect(t.status.buttons).toEqual([[BUTTONS[lang].spam]]);
  expect(t.gate.status, JSON.stringify(t.gate.body)).toBe(201);
}

/** The texts are in the account's language. */
function expectLanguage(t: Told, lang: Lang): void {
  const cyrillic = /[а-яё]/i;
  for (const text of [t.status.text, t.gate.status === 201 ? '' : t.gate.body.error.message]) {
    if (lang === 'ru') expect(text === '' || cyrillic.test(text), text).toBe(true);
    else expect(cyrillic.test(text), text).toBe(false);
  }
}

/** `spammer` writes to a stranger who reports it; a moderator confirms under `policy`. */
async function confirmed(spammer: TestAccount, policy: 'spam' | 'scam' | 'child_abuse' = 'spam'): Promise<any> {
  const victim = await ctx.world.account();
  const m = await spammer.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'Cheap watches, only today!' });
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const rep = await victim.api.post('/v1/reports', { chatId: m.body.message.chatId, reason: policy === 'child_abuse' ? 'child_abuse' : policy });
  expect(rep.status, JSON.stringify(rep.body)).toBe(201);
  const d = await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  return d.body.sanction;
}

/** The "This is a mistake" path to its filing reply (a frozen account leaves an address too). */
async function appeal(a: TestAccount, lang: Lang, text: string): Promise<BotMessage> {
  const b = BUTTONS[lang];
  expect((await bot(a, b.mistake)).buttons).toEqual([[b.didNot], [b.did]]);
  await bot(a, b.didNot);
  const reply = await bot(a, text);
  if (/e-mail address|адрес электронной почты/.test(reply.text)) return bot(a, `owner-${a.id}@example.com`);
  return reply;
}

async function openAppealOf(a: TestAccount): Promise<any> {
  const r = await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000');
  expect(r.status).toBe(200);
  const mine = r.body.appeals.filter((x: any) => x.accountId === a.id);
  expect(mine).toHaveLength(1);
  return mine[0];
}

/** Moves the clock so that it is not on a whole minute: the texts' rounding shows. */
async function offMinute(): Promise<void> {
  const t = await now();
  const into = t % 60_000;
  if (into > 1_000 && into < 59_000) return;
  await advance(17.25);
}

for (const lang of ['en', 'ru'] as const) {
  describe(`what an account in "${lang}" is told`, () => {
    const b = BUTTONS[lang];

    it('a first spam strike (24 h), its expiry, and a repeat with a longer term (72 h)', async () => {
      const a = await ctx.world.account({ language: lang });
      await offMinute();
      const s1 = await confirmed(a);
      const t1 = await now();
      expect(s1).toMatchObject({ state: 'limited', kind: 'report', until: new Date(t1 + DAY * 1000).toISOString() });
      const first = await told(a);
      expectLimitedUntil(first, lang, s1.until, 'report');
      expectLanguage(first, lang);
      // An appeal is possible: it is offered, and so is the (always refused) release.
      expect(first.status.buttons).toEqual([[b.mistake], [b.release], [b.spam]]);

      // One second before the end it still holds; at the end all three say free.
      await advance((Date.parse(s1.until) - t1) / 1000 - 1);
      expectLimitedUntil(await told(a), lang, s1.until, 'report');
      await advance(1);
      const after = await told(a);
      expectFree(after, lang);
      expectLanguage(after, lang);

      await offMinute();
      const s2 = await confirmed(a);
      const t2 = await now();
      expect(s2).toMatchObject({ state: 'limited', kind: 'report', until: new Date(t2 + 3 * DAY * 1000).toISOString() });
      const second = await told(a);
      expectLimitedUntil(second, lang, s2.until, 'report');
      expectLanguage(second, lang);
    });

    it('a permanent limit (the fifth spam strike): no end date anywhere', async () => {
      const a = await ctx.world.account({ language: lang });
      for (const days of [1, 3, 7, 30]) {
        const s = await confirmed(a);
        expect(s.until).not.toBeNull();
        await advance(days * DAY + 1);
      }
      await offMinute();
      const s = await confirmed(a);
      expect(s).toMatchObject({ state: 'limited', kind: 'permanent', until: null });
      const t = await told(a);
      expectLimitedForever(t, lang, 'permanent');
      expectLanguage(t, lang);
      expect(t.status.buttons).toEqual([[b.mistake], [b.release], [b.spam]]);
    });

    it('a freeze for scam shows the deletion date everywhere, and an overturned appeal frees it', async () => {
      const a = await ctx.world.account({ language: lang });
      await offMinute();
      const s = await confirmed(a, 'scam');
      const t0 = await now();
      expect(s).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: new Date(t0 + 14 * DAY * 1000).toISOString() });
      const t = await told(a);
      expectFrozen(t, lang, 'scam', s.deleteAt);
      expectLanguage(t, lang);
      // A frozen account appeals; there is no release to ask for.
      expect(t.status.buttons).toEqual([[b.mistake], [b.spam]]);

      await advance(HOUR + 0.5);
      const filedAt = await now();
      const filed = await appeal(a, lang, 'Someone else used my phone.');
      const open = await openAppealOf(a);
      expect(open).toMatchObject({ createdAt: new Date(filedAt).toISOString(), dueAt: new Date(filedAt + 48 * HOUR * 1000).toISOString() });
      expect(datesIn(filed.text)).toEqual([shown(open.dueAt, lang)]);
      // Pending: the status says so, with the filing and due times; the freeze is unchanged.
      const pending = await told(a);
      expect(pending.me).toEqual(t.me);
      expect(datesIn(pending.status.text)).toEqual([shown(s.deleteAt, lang), shown(open.createdAt, lang), shown(open.dueAt, lang)]);
      expect(pending.gate.body.error.details).toEqual({ deleteAt: s.deleteAt, appeal: 'spambot' });
      // A second appeal while one is open is refused, saying when the first was filed.
      const again = await bot(a, b.mistake);
      expect(again.text).toMatch(lang === 'en' ? /already have an appeal under review/ : /уже есть апелляция на рассмотрении/);
      expect(datesIn(again.text)).toEqual([shown(open.createdAt, lang)]);
      expect((await openAppealOf(a)).id).toBe(open.id);

      const d = await ctx.support.post(`/v1/moderation/appeals/${open.id}/decision`, { outcome: 'overturn', note: 'owner verified' });
      expect(d.status, JSON.stringify(d.body)).toBe(200);
      const news = await botNews(a);
      expect(news).toHaveLength(1);
      expect(news[0]!.buttons).toEqual([[b.spam]]);
      const freed = await told(a);
      expectFree(freed, lang);
      expectLanguage(freed, lang);
    });

    it('a limit lifted by staff: all three say free, and strangers can be written to again', async () => {
      const a = await ctx.world.account({ language: lang });
      await offMinute();
      const s = await confirmed(a);
      expectLimitedUntil(await told(a), lang, s.until, 'report');
      const lift = await ctx.support.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'reporter was a competitor' });
      expect(lift.status, JSON.stringify(lift.body)).toBe(200);
      expect(lift.body.restriction).toMatchObject({ state: 'free' });
      expectFree(await told(a), lang);
    });

    it('a limit whose appeal is overturned: free everywhere, and the pending status said the due time', async () => {
      const a = await ctx.world.account({ language: lang });
      await offMinute();
      const s = await confirmed(a);
      await advance(600.4);
      const filed = await appeal(a, lang, 'I only wrote to my own customers.');
      const open = await openAppealOf(a);
      expect(datesIn(filed.text)).toEqual([shown(open.dueAt, lang)]);
      // Pending: the limit is unchanged everywhere, and the status adds the filing and due times.
      const pending = await told(a);
      expect(pending.me).toEqual({ state: 'limited', kind: 'report', until: s.until, publicGroupsBan: false });
      expect(datesIn(pending.status.text)).toEqual([shown(s.until, lang), shown(open.createdAt, lang), shown(open.dueAt, lang)]);
      expectError(pending.gate, 403, 'PEER_FLOOD');
      expect(pending.gate.body.error.details).toEqual({ until: s.until, appeal: 'spambot' });
      const again = await bot(a, b.mistake);
      expect(again.text).toMatch(lang === 'en' ? /already have an appeal under review/ : /уже есть апелляция на рассмотрении/);

      expect((await ctx.support.post(`/v1/moderation/appeals/${open.id}/decision`, { outcome: 'overturn' })).status).toBe(200);
      const news = await botNews(a);
      expect(news).toHaveLength(1);
      expect(news[0]!.text).toMatch(lang === 'en' ? /lifted the restriction/ : /сняла ограничение/);
      expectFree(await told(a), lang);
    });

    it('a robot-made limit: the same instant everywhere, and no robot signal is named', async () => {
      const a = await ctx.world.account({ language: lang });
      await offMinute();
      const signals = [{ name: 'cold_fanout_recipients', value: 4137, threshold: 977, note: 'distinct_strangers_10m' }];
      await robotLimit(ctx.server.app.platform, parseId('account', a.id), 'cold_fanout', 24, signals);
      const t0 = await now();
      const until = new Date(t0 + DAY * 1000).toISOString();
      const t = await told(a);
      expectLimitedUntil(t, lang, until, 'robot');
      expectLanguage(t, lang);
      expect(t.status.buttons).toEqual([[b.mistake], [b.release], [b.spam]]);
      const shownTexts = [JSON.stringify(t.me), t.status.text, JSON.stringify(t.status.buttons), JSON.stringify(t.gate.body)];
      for (const leak of ['cold_fanout', 'distinct_strangers', 'threshold', 'signal', 'rule', '4137', '977']) {
        for (const text of shownTexts) expect(text.toLowerCase(), text).not.toContain(leak);
      }
      // The appeal against it: filing and pending say nothing of the rule either.
      const filed = await appeal(a, lang, 'I wrote to the people who signed up at my stand.');
      expect(filed.text.toLowerCase()).not.toContain('cold_fanout');
      const pending = await bot(a, '/start');
      expect(pending.text.toLowerCase()).not.toContain('cold_fanout');
      expect(pending.text.toLowerCase()).not.toContain('distinct_strangers');

      // Its expiry frees it everywhere (the appeal stays open; RULES.md §5).
      await advance(DAY);
      expectFree(await told(a), lang);
    });
  });
}

describe('a banned account', () => {
  it('gets 401 USER_DEACTIVATED_BAN on /v1/me and from SpamBot alike (RULES.md §1: "nothing")', async () => {
    const a = await ctx.world.account({ language: 'ru' });
    const s = await confirmed(a, 'child_abuse');
    expect(s).toMatchObject({ state: 'banned' });
    const me = await a.api.get('/v1/me');
    expectError(me, 401, 'USER_DEACTIVATED_BAN');
    expect(me.body.error.message).toMatch(/[а-яё]/i);
    expectError(await a.api.post('/v1/messages', { to: { username: 'spambot' }, text: '/start' }), 401, 'USER_DEACTIVATED_BAN');
  });
});

describe('where an appeal is offered', () => {
  it('a free account is offered none, and pressing the button anyway is told there is nothing to appeal', async () => {
    const a = await ctx.world.account({ language: 'en' });
    const s = await bot(a, '/start');
    expect(s.buttons).toEqual([[BUTTONS.en.spam]]);
    expect((await bot(a, BUTTONS.en.mistake)).text).toMatch(/nothing to appeal/);
  });

  it('a number-limited account is offered its story, and no date is promised', async () => {
    const a = await ctx.world.account({ language: 'en', numberKind: 'voip' });
    const t = await told(a);
    expect(t.me).toEqual({ state: 'limited', kind: 'number', until: null, publicGroupsBan: false });
    expect(t.status.text).toMatch(/because of its phone number/);
    expect(datesIn(t.status.text)).toEqual([]);
    expectError(t.gate, 403, 'PEER_FLOOD');
    expect(t.gate.body.error.details).toEqual({ until: null, appeal: 'spambot' });
    expect(t.gate.body.error.message).toMatch(/no end date/);
    expect(t.status.buttons).toEqual([[BUTTONS.en.story], [BUTTONS.en.spam]]);
  });
});

describe('the outcome of an appeal says what /v1/me says', () => {
  for (const lang of ['en', 'ru'] as const) {
    it(`an overturn that leaves another limit (a robot's) says it still applies, with its end (${lang})`, async () => {
      const a = await ctx.world.account({ language: lang });
      const victim = await ctx.world.account();
      const m = await a.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'Buy now, only today!' });
      expect(m.status).toBe(201);
      await offMinute();
      await robotLimit(ctx.server.app.platform, parseId('account', a.id), 'cold_fanout', 24);
      const robotUntil = new Date((await now()) + DAY * 1000).toISOString();
      // An hour later a moderator confirms the victim's report: a later end, so it is the effective one.
      await advance(HOUR);
      const rep = await victim.api.post('/v1/reports', { chatId: m.body.message.chatId, reason: 'spam' });
      const d = await ctx.moderator.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' });
      expect(d.status).toBe(200);
      expectLimitedUntil(await told(a), lang, d.body.sanction.until, 'report');

      await appeal(a, lang, 'I wrote only to my customers.');
      const open = await openAppealOf(a);
      expect(open.restriction).toMatchObject({ kind: 'report', until: d.body.sanction.until });
      expect((await ctx.support.post(`/v1/moderation/appeals/${open.id}/decision`, { outcome: 'overturn' })).status).toBe(200);

      // The appealed limit is gone; the robot's remains, and every surface says so.
      const [news] = await botNews(a);
      const after = await told(a);
      expectLimitedUntil(after, lang, robotUntil, 'robot');
      expect(news!.text).not.toBe(
        lang === 'en'
          ? 'Good news: support reviewed your appeal and lifted the restriction on your account. We are sorry for the trouble.'
          : 'Хорошие новости: поддержка рассмотрела вашу апелляцию и сняла ограничение с аккаунта. Приносим извинения за неудобства.',
      );
      expect(news!.text).toMatch(lang === 'en' ? /still applies/ : /остаётся другое ограничение/);
      expect(datesIn(news!.text)).toEqual([shown(robotUntil, lang)]);
      expect(news!.text).toContain(after.status.text);
      expect(news!.buttons).toEqual(after.status.buttons);
      expect(news!.text).not.toContain('cold_fanout');
    });

    it(`an upheld appeal whose limit ended meanwhile does not say the restriction stays (${lang})`, async () => {
      const a = await ctx.world.account({ language: lang });
      await confirmed(a);
      await appeal(a, lang, 'It was a mistake.');
      const open = await openAppealOf(a);
      await advance(DAY + 1);
      // The appeal stays open (RULES.md §5); the account is free.
      const before = await told(a);
      expectFree(before, lang);
      expect(datesIn(before.status.text)).toEqual([shown(open.createdAt, lang), shown(open.dueAt, lang)]);
      expect((await ctx.support.post(`/v1/moderation/appeals/${open.id}/decision`, { outcome: 'uphold' })).status).toBe(200);
      const [news] = await botNews(a);
      expect(news!.text).not.toMatch(lang === 'en' ? /restriction stays/ : /ограничение остаётся\./);
      expect(news!.text).toMatch(lang === 'en' ? /already ended/ : /уже закончилось/);
      expect(news!.buttons).toEqual([[BUTTONS[lang].spam]]);
      expectFree(await told(a), lang);
    });
  }
});
