import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import { robotLimit, robotSanction } from '../src/enforcement/robots-door.js';
import { parseId } from '../src/store/ids.js';
import { serverPerFile } from './helpers/per-file.js';
import { ADMIN_TOKEN, startServer, type TestServer } from './helpers/server.js';
import { putStoredSetting } from './helpers/pg.js';
import { expectError } from './helpers/expect.js';
import { Client, World, type TestAccount } from './helpers/client.js';

/**
 * RULES.md §1, §3, §4, §7 told as stories, in the seed's spirit: a stranger spams, a recipient
 * presses "Report spam", a moderator confirms, and the ladder, the clock and the numbers do the
 * rest. Everything goes over HTTP against a real server and SQLite file, on the manual clock.
 */

const ctx = serverPerFile({ checkProjections: true });

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;

const advance = (seconds: number) => ctx.world.advance(seconds);
const now = () => advance(0);
const iso = (ms: number) => new Date(ms).toISOString();

/** A client for `a` on the current server (its URL changes across restarts). */
function as(a: TestAccount): Client {
  return new Client(ctx.server.url, a.token);
}

function send(from: TestAccount, to: TestAccount | Record<string, string>, text = 'hello') {
  const target = 'token' in to ? { accountId: (to as TestAccount).id } : to;
  return as(from).post('/v1/messages', { to: target, text });
}

async function sent(from: TestAccount, to: TestAccount | Record<string, string>, text = 'hello'): Promise<{ id: string; chatId: string }> {
  const r = await send(from, to, text);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message;
}

async function me(a: TestAccount): Promise<any> {
  const r = await as(a).get('/v1/me');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.restriction;
}

async function staffMember(role: 'triage' | 'moderator' | 'support' | 'admin'): Promise<{ id: string; api: Client }> {
  const res = await ctx.world.admin.post('/v1/admin/staff', { name: `${role} member`, role });
  expect(res.status).toBe(201);
  return { id: res.body.staff.id, api: new Client(ctx.server.url, res.body.token) };
}

let moderator: Client;
let support: Client;
beforeAll(async () => {
  moderator = await ctx.world.staff('moderator');
  support = await ctx.world.staff('support');
});

async function report(reporter: TestAccount, body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  return as(reporter).post('/v1/reports', body);
}

/** `spammer` writes to a fresh stranger, who reports the chat; answers the report's case. */
async function spamAndReport(
  spammer: TestAccount,
  reason = 'spam',
  text = 'cheap watches, click here',
  victimWroteFirst = false,
): Promise<{ caseId: string; victim: TestAccount; chatId: string }> {
  const victim = await ctx.world.account();
  // A limited spammer can still answer whoever wrote first, and spam them.
  if (victimWroteFirst) await sent(victim, spammer, 'is the offer still valid?');
  const { chatId } = await sent(spammer, victim, text);
  const r = await report(victim, { chatId, reason });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect(r.body.report.caseId).toMatch(/^k/);
  return { caseId: r.body.report.caseId, victim, chatId };
}

async function decide(staff: Client, caseId: string, body: Record<string, unknown>) {
  return staff.post(`/v1/moderation/cases/${caseId}/decision`, body);
}

async function confirm(caseId: string, policy: string, staff: Client = moderator): Promise<any> {
  const r = await decide(staff, caseId, { action: 'confirm', policy });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.case.state).toBe('closed');
  return r.body.sanction;
}

/** One confirmed offence under `policy`: a stranger spammed and a moderator agreed. */
async function offence(spammer: TestAccount, policy = 'spam', victimWroteFirst = false): Promise<any> {
  const { caseId } = await spamAndReport(spammer, policy === 'spam' ? 'spam' : policy === 'scam' ? 'scam' : 'other', undefined, victimWroteFirst);
  return confirm(caseId, policy);
}

async function casesOf(subject: TestAccount, state?: string): Promise<any[]> {
  const r = await moderator.get(`/v1/moderation/cases?limit=1000${state ? `&state=${state}` : ''}`);
  expect(r.status).toBe(200);
  return r.body.cases.filter((c: any) => c.subject.accountId === subject.id);
}

async function timeline(a: TestAccount | string): Promise<any> {
  const id = typeof a === 'string' ? a : a.id;
  const r = await moderator.get(`/v1/moderation/accounts/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function group(owner: TestAccount, kind: 'group' | 'channel', isPublic: boolean, title = 'Bike club'): Promise<string> {
  const r = await as(owner).post('/v1/groups', { title, kind, public: isPublic });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.chat.id;
}

async function join(a: TestAccount, chatId: string) {
  expect((await as(a).post(`/v1/chats/${chatId}/join`)).status).toBe(204);
}

async function chatIds(a: TestAccount): Promise<string[]> {
  const r = await as(a).get('/v1/chats?limit=1000');
  expect(r.status).toBe(200);
  return r.body.chats.map((c: any) => c.id);
}

describe('story: a stranger spams, a recipient reports, a moderator confirms', () => {
  it('limits the spammer for 24 h to mutual contacts and replies, then frees them', async () => {
    const spammer = await ctx.world.account({ name: 'Watch Seller' });
    const friend = await ctx.world.account();
    const customer = await ctx.world.account();
    await ctx.world.mutual(spammer, friend);
    await sent(customer, spammer, 'do you still sell the watch?');

    const victims = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    const chats: string[] = [];
    for (const v of victims) chats.push((await sent(spammer, v, 'Best watches, only today! http://x.example')).chatId);

    // The first recipient sees the action bar and presses "Report spam".
    const list = await as(victims[0]!).get('/v1/chats');
    const bar = list.body.chats.find((c: any) => c.id === chats[0]);
    expect(bar.actionBar).toMatchObject({ reportSpam: true, block: true, addContact: true });
    const rep = await report(victims[0]!, { chatId: chats[0] });
    expect(rep.status).toBe(201);
    expect(rep.body.report.id).toMatch(/^r/);
    const caseId: string = rep.body.report.caseId;
    // While the report is open the bar no longer offers it (a repeat would answer the same report).
    const after = (await as(victims[0]!).get('/v1/chats')).body.chats.find((c: any) => c.id === chats[0]);
    expect(after.actionBar).toEqual({ reportSpam: false, block: true, addContact: true });
    const queued = await casesOf(spammer);
    expect(queued.map((c) => c.id)).toEqual([caseId]);
    expect(queued[0]).toMatchObject({ state: 'open', reportCount: 1, reasons: ['spam'], subject: { accountId: spammer.id } });
    expect(queued[0].subject.chatId).toBeUndefined();

    const t0 = await now();
    const sanction = await confirm(caseId, 'spam');
    expect(sanction).toMatchObject({ state: 'limited', kind: 'report', until: iso(t0 + DAY * 1000) });

    // Mutual contacts and whoever wrote first still get through.
    await sent(spammer, friend, 'see you tonight');
    await sent(spammer, customer, 'yes, still available');
    // Nobody else does: not the other recipients, not a new stranger.
    for (const target of [victims[1]!, victims[2]!, await ctx.world.account()]) {
      const denied = await send(spammer, target, 'last chance!');
      expectError(denied, 403, 'PEER_FLOOD');
      expect(denied.body.error.details.until).toBe(iso(t0 + DAY * 1000));
    }
    expect(await me(spammer)).toMatchObject({ state: 'limited', kind: 'report', until: iso(t0 + DAY * 1000), publicGroupsBan: false });

    // No early release: a minute before the end it still holds.
    await advance(DAY - MIN);
    expectError(await send(spammer, victims[1]!), 403, 'PEER_FLOOD');
    await advance(MIN);
    expect((await me(spammer)).state).toBe('free');
    await sent(spammer, victims[1]!, 'sorry about earlier');
    const tl = await timeline(spammer);
    expect(tl.events.map((e: any) => e.type)).toEqual(
      expect.arrayContaining(['report_filed', 'case_opened', 'decision', 'strike_added', 'restriction_applied', 'restriction_expired']),
    );
  });
});

describe('story: repeats last longer', () => {
  it('climbs the spam ladder: 24 h → 72 h → 7 days → 30 days → permanently', async () => {
    const spammer = await ctx.world.account();
    const steps = [24, 72, 7 * 24, 30 * 24];
    for (const hours of steps) {
      const t = await now();
      expect(await offence(spammer)).toMatchObject({ state: 'limited', kind: 'report', until: iso(t + hours * 3600_000) });
      expect(await me(spammer)).toMatchObject({ state: 'limited', kind: 'report', until: iso(t + hours * 3600_000) });
      // The spammer waits it out, and does it again.
      await advance(hours * HOUR);
      expect((await me(spammer)).state).toBe('free');
    }
    expect(await offence(spammer)).toMatchObject({ state: 'limited', kind: 'permanent', until: null });
    expect(await me(spammer)).toMatchObject({ state: 'limited', kind: 'permanent', until: null });
    // The last step repeats.
    expect(await offence(spammer, 'spam', true)).toMatchObject({ state: 'limited', kind: 'permanent', until: null });
    // A permanent limit does not end with time.
    await advance(400 * DAY);
    expect(await me(spammer)).toMatchObject({ state: 'limited', kind: 'permanent', until: null });
    const denied = await send(spammer, await ctx.world.account());
    expectError(denied, 403, 'PEER_FLOOD');
    expect(denied.body.error.details.until).toBeNull();
    const strikes = (await timeline(spammer)).strikes;
    expect(strikes).toHaveLength(6);
    expect(strikes.every((s: any) => s.policy === 'spam' && !s.removed && !s.counting)).toBe(true);
  });

  it('a second offence while still limited runs from its decision and never shortens the limit', async () => {
    const spammer = await ctx.world.account();
    await offence(spammer);
    await advance(HOUR);
    const t1 = await now();
    expect(await offence(spammer, 'spam', true)).toMatchObject({ until: iso(t1 + 3 * DAY * 1000) });
    expect(await me(spammer)).toMatchObject({ state: 'limited', until: iso(t1 + 3 * DAY * 1000) });
    await advance(DAY); // the first limit ended; the second still holds
    expect(await me(spammer)).toMatchObject({ state: 'limited', until: iso(t1 + 3 * DAY * 1000) });
    expectError(await send(spammer, await ctx.world.account()), 403, 'PEER_FLOOD');
  });

  it('forgets a strike 365 days after its decision', async () => {
    const spammer = await ctx.world.account();
    let t = await now();
    expect(await offence(spammer)).toMatchObject({ state: 'limited', until: iso(t + DAY * 1000) });
    await advance(364 * DAY);
    // Still counting at 364 days: the second step.
    t = await now();
    expect(await offence(spammer)).toMatchObject({ state: 'limited', until: iso(t + 3 * DAY * 1000) });
    await advance(3 * DAY); // the first strike is 367 days old, the second 3 days
    t = await now();
    expect(await offence(spammer)).toMatchObject({ state: 'limited', until: iso(t + 3 * DAY * 1000) });
    const strikes = (await timeline(spammer)).strikes;
    expect(strikes).toHaveLength(3);
    expect(strikes.map((s: any) => s.counting)).toEqual([false, true, true]);
  });

  it('a strike older than 365 days no longer counts: the next offence is a first again', async () => {
    const spammer = await ctx.world.account();
    let t = await now();
    expect(await offence(spammer)).toMatchObject({ until: iso(t + DAY * 1000) });
    await advance(366 * DAY);
    t = await now();
    expect(await offence(spammer)).toMatchObject({ state: 'limited', kind: 'report', until: iso(t + DAY * 1000) });
    expect((await timeline(spammer)).events.filter((e: any) => e.type === 'strike_expired')).toHaveLength(1);
  });

  it('counts each policy on its own', async () => {
    const owner = await ctx.world.account();
    const channel = await group(owner, 'channel', true, 'Shock news');
    await sent(owner, { chatId: channel }, 'graphic stuff');
    const reader = await ctx.world.account();
    const r = await report(reader, { chatId: channel, reason: 'violence' });
    expect(r.status).toBe(201);
    expect(await confirm(r.body.report.caseId, 'violence')).toMatchObject({ publicGroupsBan: true, takedown: true });
    // A public-content strike does not climb the spam ladder.
    const t = await now();
    expect(await offence(owner, 'spam')).toMatchObject({ state: 'limited', until: iso(t + DAY * 1000) });
    expect(await me(owner)).toMatchObject({ state: 'limited', kind: 'report', publicGroupsBan: true });
    // Nor does a spam strike climb another public-content policy's ladder: still its first step.
    const p = await moderator.post(`/v1/moderation/cases/${(await spamAndReport(owner, 'violence', 'x', true)).caseId}/preview`, {
      action: 'confirm',
      policy: 'pornography',
    });
    expect(p.body.sanction).toMatchObject({ publicGroupsBan: true });
  });
});

describe('story: scam freezes, and a frozen account becomes banned', () => {
  it('freezes for 14 days, others see a deleted account, then the number is banned', async () => {
    const scammer = await ctx.world.account();
    const friend = await ctx.world.account();
    await ctx.world.mutual(scammer, friend);
    await sent(scammer, friend, 'hi');
    const { caseId, victim } = await spamAndReport(scammer, 'scam', 'Send 100 USDT to double your money');
    const t = await now();
    const sanction = await confirm(caseId, 'scam');
    expect(sanction).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: iso(t + 14 * DAY * 1000) });
    expect(await me(scammer)).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: iso(t + 14 * DAY * 1000) });

    // Read-only: SpamBot only.
    const denied = await send(scammer, friend);
    expectError(denied, 403, 'FROZEN_METHOD_INVALID');
    expect(denied.body.error.details.appeal).toBe('spambot');
    expectError(await send(scammer, { username: 'support' }), 403, 'FROZEN_METHOD_INVALID');
    expectError(await as(scammer).post('/v1/groups', { title: 'x', kind: 'group' }), 403, 'FROZEN_METHOD_INVALID');
    expect((await send(scammer, { username: 'spambot' }, '/start')).status).toBe(201);
    expect((await as(scammer).get('/v1/chats')).status).toBe(200);

    // Others see it as deleted.
    for (const other of [victim, friend]) {
      const chats = (await as(other).get('/v1/chats')).body.chats;
      const peer = chats.find((c: any) => c.peer?.accountId === scammer.id)?.peer;
      expect(peer).toEqual({ accountId: scammer.id, name: 'Deleted Account' });
      expectError(await send(other, scammer, 'hello?'), 410, 'INPUT_USER_DEACTIVATED');
    }

    await advance(14 * DAY - MIN);
    expect((await me(scammer)).state).toBe('frozen');
    await advance(2 * MIN);
    expectError(await as(scammer).get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    expectError(await send(scammer, { username: 'spambot' }), 401, 'USER_DEACTIVATED_BAN');
    expectError(await ctx.world.admin.post('/v1/accounts', { phone: scammer.phone, name: 'Again' }), 403, 'PHONE_NUMBER_BANNED');
    const tl = await timeline(scammer);
    const banned = tl.events.filter((e: any) => e.type === 'account_banned');
    expect(banned).toHaveLength(1);
    // Banned at deleteAt itself, not at the time the clock was read.
    expect(banned[0].at).toBe(iso(t + 14 * DAY * 1000));
    expect(tl.events.filter((e: any) => e.type === 'number_banned')).toHaveLength(1);
  });
});

describe('story: the worst and public content', () => {
  it('bans at once for child abuse, and the number with it', async () => {
    const offender = await ctx.world.account();
    const { caseId } = await spamAndReport(offender, 'child_abuse', '[illegal]');
    // The most serious reason goes to the top of the queue.
    const queue = (await moderator.get('/v1/moderation/cases?limit=1000')).body.cases;
    expect(queue[0].id).toBe(caseId);
    expect(await confirm(caseId, 'child_abuse')).toMatchObject({ state: 'banned' });
    expectError(await as(offender).get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    expectError(await as(offender).get('/v1/chats'), 401, 'USER_DEACTIVATED_BAN');
    expectError(await ctx.world.admin.post('/v1/accounts', { phone: offender.phone, name: 'New me' }), 403, 'PHONE_NUMBER_BANNED');
    // Time does not undo it.
    await advance(400 * DAY);
    expectError(await as(offender).get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
  });

  it('takes a reported public channel down and bans its owner from public groups', async () => {
    const owner = await ctx.world.account();
    const reader = await ctx.world.account();
    const channel = await group(owner, 'channel', true, 'Fight videos');
    await sent(owner, { chatId: channel }, 'watch this');
    const channel2 = await group(owner, 'channel', true, 'Fight videos 2');
    await sent(owner, { chatId: channel2 }, 'more of it');
    await join(reader, channel);
    expect(await chatIds(reader)).toContain(channel);

    const r = await report(reader, { chatId: channel, reason: 'violence' });
    expect(r.status).toBe(201);
    const queued = await casesOf(owner);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ id: r.body.report.caseId, subject: { accountId: owner.id, chatId: channel }, reasons: ['violence'] });

    const sanction = await confirm(r.body.report.caseId, 'violence');
    expect(sanction).toMatchObject({ publicGroupsBan: true, takedown: true });
    expect(sanction.state).not.toBe('limited');

    // Gone for readers and for its owner.
    expectError(await as(reader).get(`/v1/chats/${channel}/messages`), 404, 'NOT_FOUND');
    expect(await chatIds(reader)).not.toContain(channel);
    expect(await chatIds(owner)).not.toContain(channel);
    expectError(await as(await ctx.world.account()).post(`/v1/chats/${channel}/join`), 404, 'NOT_FOUND');
    expect(await me(owner)).toMatchObject({ state: 'free', publicGroupsBan: true });

    // Public groups refuse the owner's posts; private groups do not.
    const host = await ctx.world.account();
    const publicGroup = await group(host, 'group', true, 'Town square');
    await join(owner, publicGroup);
    expectError(await send(owner, { chatId: publicGroup }, 'hello all'), 403, 'USER_BANNED_IN_CHANNEL');
    const privateGroup = await group(owner, 'group', false, 'Family');
    await sent(owner, { chatId: privateGroup }, 'dinner at 7');
    // Private messages are unaffected.
    await sent(owner, reader, 'why did you report me?');

    // The ban covers public channels too: no posting in one, no creating one (RULES.md §1).
    expectError(await send(owner, { chatId: channel2 }, 'republished'), 403, 'USER_BANNED_IN_CHANNEL');
    expectError(await as(owner).post('/v1/groups', { title: 'Fight videos 3', kind: 'channel', public: true }), 403, 'USER_BANNED_IN_CHANNEL');

    // A second public-content strike under the same policy freezes.
    const r2 = await report(reader, { chatId: channel2, reason: 'violence' });
    expect(r2.status).toBe(201);
    const t = await now();
    expect(await confirm(r2.body.report.caseId, 'violence')).toMatchObject({ state: 'frozen', deleteAt: iso(t + 14 * DAY * 1000) });
    expect(await me(owner)).toMatchObject({ state: 'frozen', publicGroupsBan: true });
  });

  it('takes reported messages in a public group down after confirmation', async () => {
    const admin = await ctx.world.account();
    const poster = await ctx.world.account();
    const reader = await ctx.world.account();
    const chat = await group(admin, 'group', true, 'Town square');
    await join(poster, chat);
    await join(reader, chat);
    const fine = await sent(reader, { chatId: chat }, 'good morning');
    const bad1 = await sent(poster, { chatId: chat }, 'nsfw 1');
    const bad2 = await sent(poster, { chatId: chat }, 'nsfw 2');
    const ok = await sent(poster, { chatId: chat }, 'an ordinary message');

    const r = await report(admin, { chatId: chat, messageIds: [bad1.id, bad2.id], reason: 'pornography' });
    expect(r.status).toBe(201);
    expect(r.body.report.caseId).toBeDefined(); // one admin is enough
    const detail = await moderator.get(`/v1/moderation/cases/${r.body.report.caseId}`);
    expect(detail.body.case.evidence.map((m: any) => m.messageId)).toEqual([bad1.id, bad2.id]);
    expect(detail.body.case.subject).toEqual({ accountId: poster.id, chatId: chat, name: expect.any(String) });

    const before = (await as(reader).get(`/v1/chats/${chat}/messages`)).body.messages.map((m: any) => m.id);
    expect(before).toEqual([fine.id, bad1.id, bad2.id, ok.id]);
    expect(await confirm(r.body.report.caseId, 'pornography')).toMatchObject({ publicGroupsBan: true, takedown: true });
    const after = (await as(reader).get(`/v1/chats/${chat}/messages`)).body.messages.map((m: any) => m.id);
    expect(after).toEqual([fine.id, ok.id]);
    // The group itself stays.
    expect(await chatIds(reader)).toContain(chat);
    expectError(await send(poster, { chatId: chat }, 'again'), 403, 'USER_BANNED_IN_CHANNEL');
  });
});

describe('story: public-content policies on a private chat', () => {
  it('bans from public groups but claims no takedown when there is no public content', async () => {
    const x = await ctx.world.account();
    const { caseId, chatId, victim } = await spamAndReport(x, 'violence', 'threats');
    const preview = await moderator.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'confirm', policy: 'violence' });
    expect(preview.body.sanction).toMatchObject({ publicGroupsBan: true });
    expect(preview.body.sanction.takedown).toBeUndefined();
    const sanction = await confirm(caseId, 'violence');
    expect(sanction).toEqual(preview.body.sanction);
    // The private chat is untouched.
    expect((await as(victim).get(`/v1/chats/${chatId}/messages`)).body.messages.map((m: any) => m.text)).toEqual(['threats']);
    expect(await me(x)).toMatchObject({ publicGroupsBan: true });
  });

  it('refuses posts into a channel that was taken down, even by its owner', async () => {
    const owner = await ctx.world.account();
    const channel = await group(owner, 'channel', true, 'Gone');
    await sent(owner, { chatId: channel }, 'x');
    const r = await report(await ctx.world.account(), { chatId: channel, reason: 'pornography' });
    await confirm(r.body.report.caseId, 'pornography');
    const post = await send(owner, { chatId: channel }, 'still here?');
    expect(post.status).toBe(404);
    expectError(await as(owner).get(`/v1/chats/${channel}/messages`), 404, 'NOT_FOUND');
  });
});

describe('story: numbers', () => {
  it('starts a VoIP number limited before it sends anything', async () => {
    const voip = await ctx.world.account({ numberKind: 'voip' });
    expect(await me(voip)).toMatchObject({ state: 'limited', kind: 'number', until: null });
    const denied = await send(voip, await ctx.world.account());
    expectError(denied, 403, 'PEER_FLOOD');
    expect(denied.body.error.details.until).toBeNull();
    // It does not end by itself.
    await advance(30 * DAY);
    expect(await me(voip)).toMatchObject({ state: 'limited', kind: 'number', until: null });
  });

  it('starts a number on a VoIP prefix limited', async () => {
    for (const phone of ['+88212345678', '+883 510 000 0001']) {
      const a = await ctx.world.account({ phone });
      expect(await me(a)).toMatchObject({ state: 'limited', kind: 'number', until: null });
    }
    // A mobile number that merely contains 882 elsewhere is not VoIP.
    const b = await ctx.world.account({ phone: '+4488212345' });
    expect((await me(b)).state).toBe('free');
  });

  it('starts the next account limited when the last one deleted itself while limited', async () => {
    const shedder = await ctx.world.account();
    await offence(shedder);
    expect((await as(shedder).delete('/v1/me')).status).toBe(204);
    const next = await ctx.world.account({ phone: shedder.phone });
    expect(await me(next)).toMatchObject({ state: 'limited', kind: 'number', until: null });
    // And the limit of the old account does not carry its end: it is a number limit, no end.
    await advance(2 * DAY);
    expect((await me(next)).kind).toBe('number');
  });

  it('flags the number of an account that deleted itself before its case was confirmed', async () => {
    const shedder = await ctx.world.account();
    const { caseId } = await spamAndReport(shedder, 'spam');
    expect((await as(shedder).delete('/v1/me')).status).toBe(204);
    // Before the decision the number is free: nothing was decided yet.
    const early = await ctx.world.account({ phone: shedder.phone });
    expect((await me(early)).state).toBe('free');
    await confirm(caseId, 'spam');
    // The account that took the number meanwhile is limited by the number, and so is the next.
    expect(await me(early)).toMatchObject({ state: 'limited', kind: 'number', until: null });
    expect((await as(early).delete('/v1/me')).status).toBe(204);
    const next = await ctx.world.account({ phone: shedder.phone });
    expect(await me(next)).toMatchObject({ state: 'limited', kind: 'number', until: null });
  });

  it('leaves the number free when the case of an account that deleted itself is dismissed', async () => {
    const reported = await ctx.world.account();
    const { caseId } = await spamAndReport(reported, 'spam');
    expect((await as(reported).delete('/v1/me')).status).toBe(204);
    expect((await decide(moderator, caseId, { action: 'dismiss' })).status).toBe(200);
    const next = await ctx.world.account({ phone: reported.phone });
    expect((await me(next)).state).toBe('free');
  });

  it('does not limit a number whose last account deleted itself while free', async () => {
    const honest = await ctx.world.account();
    await offence(honest);
    await advance(DAY); // the limit ended
    expect((await me(honest)).state).toBe('free');
    expect((await as(honest).delete('/v1/me')).status).toBe(204);
    const next = await ctx.world.account({ phone: honest.phone });
    expect((await me(next)).state).toBe('free');
    await sent(next, await ctx.world.account(), 'hi');
  });

  it('forgets the flag once an account on the number leaves free', async () => {
    const shedder = await ctx.world.account();
    await offence(shedder);
    expect((await as(shedder).delete('/v1/me')).status).toBe(204);
    const second = await ctx.world.account({ phone: shedder.phone });
    expect((await me(second)).kind).toBe('number');
    // Support lifts the number limit after the owner tells their story; then the owner leaves.
    expect((await support.post(`/v1/moderation/accounts/${second.id}/lift`, { reason: 'new owner of the number' })).status).toBe(200);
    expect((await as(second).delete('/v1/me')).status).toBe(204);
    const third = await ctx.world.account({ phone: shedder.phone });
    expect((await me(third)).state).toBe('free');
  });
});

describe('story: groups are treated more leniently', () => {
  it('opens a case only when three distinct members report, with all three reports', async () => {
    const owner = await ctx.world.account();
    const spammer = await ctx.world.account();
    const members = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    const chat = await group(owner, 'group', true, 'Neighbours');
    await join(spammer, chat);
    for (const m of members) await join(m, chat);
    const msg = await sent(spammer, { chatId: chat }, 'Crypto signals, DM me');

    const first = await report(members[0]!, { chatId: chat, messageIds: [msg.id] });
    expect(first.status).toBe(201);
    expect(first.body.report.caseId).toBeUndefined();
    expect(await casesOf(spammer)).toEqual([]);
    // The same member again: the same report, still no case.
    const again = await report(members[0]!, { chatId: chat, messageIds: [msg.id] });
    expect(again.status).toBe(200);
    expect(again.body.report).toEqual(first.body.report);
    const second = await report(members[1]!, { chatId: chat, accountId: spammer.id });
    expect(second.status).toBe(201);
    expect(second.body.report.caseId).toBeUndefined();
    expect(await casesOf(spammer)).toEqual([]);

    const third = await report(members[2]!, { chatId: chat, messageIds: [msg.id] });
    expect(third.status).toBe(201);
    const caseId = third.body.report.caseId;
    expect(caseId).toMatch(/^k/);
    const queued = await casesOf(spammer);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ id: caseId, reportCount: 3, subject: { accountId: spammer.id, chatId: chat } });
    const detail = await moderator.get(`/v1/moderation/cases/${caseId}`);
    expect(detail.body.case.reports.map((r: any) => r.id).sort()).toEqual([first.body.report.id, second.body.report.id, third.body.report.id].sort());
    expect(detail.body.case.reports.map((r: any) => r.reporterId).sort()).toEqual(members.map((m) => m.id).sort());
  });

  it('files reports from readers outside a public group, but counts only members toward its threshold', async () => {
    const owner = await ctx.world.account();
    const poster = await ctx.world.account();
    const chat = await group(owner, 'group', true, 'Open plaza');
    await join(poster, chat);
    const msg = await sent(poster, { chatId: chat }, 'meet-up on Sunday, all welcome');
    // Three fresh accounts that never joined: a public group can be read, and so reported, by anyone.
    const outsiders = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    const filed: string[] = [];
    for (const [i, o] of outsiders.entries()) {
      const r = await report(o, i === 1 ? { chatId: chat, accountId: poster.id } : { chatId: chat, messageIds: [msg.id] });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.report.caseId).toBeUndefined();
      filed.push(r.body.report.id);
    }
    // The same outsider again: the same open report (one per reporter, subject and place).
    const again = await report(outsiders[0]!, { chatId: chat, messageIds: [msg.id] });
    expect(again.status).toBe(200);
    expect(again.body.report).toEqual({ id: filed[0] });
    expect(await casesOf(poster)).toEqual([]);
    expect((await me(poster)).state).toBe('free');
    await sent(poster, { chatId: chat }, 'still here');
    // The log says which reports came from outside the group.
    const events = (await timeline(poster)).events.filter((e: any) => e.type === 'report_filed');
    expect(events.map((e: any) => e.member)).toEqual([false, false, false]);

    // Members: two are not enough, even with three outsiders beside them.
    const members = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    for (const m of members) await join(m, chat);
    for (const m of members.slice(0, 2)) {
      const r = await report(m, { chatId: chat, messageIds: [msg.id] });
      expect(r.status).toBe(201);
      expect(r.body.report.caseId).toBeUndefined();
      filed.push(r.body.report.id);
    }
    expect(await casesOf(poster)).toEqual([]);
    // The third member raises the case, and every waiting report joins it, the outsiders' too.
    const third = await report(members[2]!, { chatId: chat, messageIds: [msg.id] });
    expect(third.status).toBe(201);
    const caseId = third.body.report.caseId;
    expect(caseId).toMatch(/^k/);
    filed.push(third.body.report.id);
    const queued = await casesOf(poster);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ id: caseId, reportCount: 6, subject: { accountId: poster.id, chatId: chat } });
    const detail = await moderator.get(`/v1/moderation/cases/${caseId}`);
    expect(detail.body.case.reports.map((r: any) => r.id).sort()).toEqual([...filed].sort());
    // Once the case is open, a further outsider's report joins it at once.
    const late = await report(await ctx.world.account(), { chatId: chat, messageIds: [msg.id] });
    expect(late.status).toBe(201);
    expect(late.body.report.caseId).toBe(caseId);
    expect((await casesOf(poster))[0].reportCount).toBe(7);
    expect((await me(poster)).state).toBe('free');
  });

  it("keeps an outsider's report uncounted after the outsider joins", async () => {
    const owner = await ctx.world.account();
    const poster = await ctx.world.account();
    const chat = await group(owner, 'group', true, 'Square');
    await join(poster, chat);
    const msg = await sent(poster, { chatId: chat }, 'hello');
    const outsider = await ctx.world.account();
    const first = await report(outsider, { chatId: chat, messageIds: [msg.id] });
    expect(first.status).toBe(201);
    // Joining afterwards does not turn the open report into a member's: it answers as it was.
    await join(outsider, chat);
    const again = await report(outsider, { chatId: chat, messageIds: [msg.id] });
    expect(again.status).toBe(200);
    expect(again.body.report).toEqual(first.body.report);
    const members = [await ctx.world.account(), await ctx.world.account()];
    for (const m of members) {
      await join(m, chat);
      expect((await report(m, { chatId: chat, messageIds: [msg.id] })).body.report.caseId).toBeUndefined();
    }
    expect(await casesOf(poster)).toEqual([]);
  });

  it("opens a case at once on one admin's report about a member added a day before", async () => {
    const owner = await ctx.world.account();
    const spammer = await ctx.world.account();
    const chat = await group(owner, 'group', false, 'Team');
    await ctx.world.mutual(owner, spammer);
    expect((await as(owner).post(`/v1/chats/${chat}/members`, { accountIds: [spammer.id] })).status).toBe(200);
    await advance(DAY);
    const msg = await sent(spammer, { chatId: chat }, 'buy followers');
    const r = await report(owner, { chatId: chat, messageIds: [msg.id] });
    expect(r.status).toBe(201);
    expect(r.body.report.caseId).toMatch(/^k/);
    expect((await casesOf(spammer)).map((c) => c.id)).toEqual([r.body.report.caseId]);
  });

  it("does not weigh an admin's report as an admin's about someone they just added", async () => {
    const owner = await ctx.world.account();
    const innocent = await ctx.world.account();
    const chat = await group(owner, 'group', false, 'Trap');
    await ctx.world.mutual(owner, innocent);
    expect((await as(owner).post(`/v1/chats/${chat}/members`, { accountIds: [innocent.id] })).status).toBe(200);
    const msg = await sent(innocent, { chatId: chat }, 'hi');
    const r = await report(owner, { chatId: chat, messageIds: [msg.id] });
    expect(r.status).toBe(201);
    // Below the threshold: one member's report, no case.
    expect(r.body.report.caseId).toBeUndefined();
    expect(await casesOf(innocent)).toEqual([]);
  });

  it("keeps one group's reports apart from another's", async () => {
    const spammer = await ctx.world.account();
    const [o1, o2] = [await ctx.world.account(), await ctx.world.account()];
    const g1 = await group(o1, 'group', true, 'G1');
    const g2 = await group(o2, 'group', true, 'G2');
    const reporters = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    await join(spammer, g1);
    await join(spammer, g2);
    const m1 = await sent(spammer, { chatId: g1 }, 'ad 1');
    const m2 = await sent(spammer, { chatId: g2 }, 'ad 2');
    await join(reporters[0]!, g1);
    await join(reporters[1]!, g1);
    await join(reporters[2]!, g2);
    for (const [rep, chat, m] of [
      [reporters[0]!, g1, m1],
      [reporters[1]!, g1, m1],
      [reporters[2]!, g2, m2],
    ] as const) {
      const r = await report(rep, { chatId: chat, messageIds: [m.id] });
      expect(r.status).toBe(201);
      expect(r.body.report.caseId).toBeUndefined();
    }
    expect(await casesOf(spammer)).toEqual([]);
  });
});

describe('story: roles and claims', () => {
  it('lets triage dismiss and escalate but not confirm', async () => {
    const triage = await ctx.world.staff('triage');
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const c1 = (await spamAndReport(a)).caseId;
    const c2 = (await spamAndReport(b)).caseId;
    expectError(await decide(triage, c1, { action: 'confirm', policy: 'spam' }), 403, 'FORBIDDEN');
    const esc = await decide(triage, c1, { action: 'escalate' });
    expect(esc.status).toBe(200);
    expect(esc.body.case.state).toBe('escalated');
    expect((await casesOf(a, 'escalated')).map((c) => c.id)).toEqual([c1]);
    // An escalated case is still undecided: a moderator can confirm it.
    expect(await confirm(c1, 'spam')).toMatchObject({ state: 'limited' });
    const dis = await decide(triage, c2, { action: 'dismiss' });
    expect(dis.status).toBe(200);
    expect(dis.body.case.state).toBe('closed');
    expect(dis.body.sanction).toBeUndefined();
    expect((await me(b)).state).toBe('free');
  });

  it('lets support lift but not decide cases', async () => {
    const a = await ctx.world.account();
    const { caseId } = await spamAndReport(a);
    for (const action of ['confirm', 'dismiss', 'escalate']) expectError(await decide(support, caseId, { action, policy: 'spam' }), 403, 'FORBIDDEN');
    await confirm(caseId, 'spam');
    expectError(await moderator.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'x' }), 403, 'FORBIDDEN');
    expectError(await (await ctx.world.staff('triage')).post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'x' }), 403, 'FORBIDDEN');
    const lifted = await support.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'mistake' });
    expect(lifted.status).toBe(200);
    expect(lifted.body.restriction.state).toBe('free');
    // Accounts cannot reach staff endpoints at all.
    expectError(await as(a).get('/v1/moderation/cases'), 403, 'FORBIDDEN');
  });

  it('holds a claimed case for its claimer until released or 15 minutes pass', async () => {
    const modA = await staffMember('moderator');
    const modB = await staffMember('moderator');
    const x = await ctx.world.account();
    const { caseId } = await spamAndReport(x);
    const claimed = await modA.api.post(`/v1/moderation/cases/${caseId}/claim`);
    expect(claimed.status).toBe(200);
    expect(claimed.body.case.claimedBy).toBe(modA.id);
    expectError(await decide(modB.api, caseId, { action: 'confirm', policy: 'spam' }), 409, 'CASE_CLAIMED');
    expectError(await modB.api.post(`/v1/moderation/cases/${caseId}/claim`), 409, 'CASE_CLAIMED');
    await advance(14 * MIN);
    expectError(await decide(modB.api, caseId, { action: 'dismiss' }), 409, 'CASE_CLAIMED');
    await advance(MIN);
    // The claim lapsed.
    expect((await casesOf(x))[0].claimedBy).toBeUndefined();
    const claimedB = await modB.api.post(`/v1/moderation/cases/${caseId}/claim`);
    expect(claimedB.body.case.claimedBy).toBe(modB.id);
    expectError(await decide(modA.api, caseId, { action: 'confirm', policy: 'spam' }), 409, 'CASE_CLAIMED');
    const released = await modB.api.post(`/v1/moderation/cases/${caseId}/release`);
    expect(released.status).toBe(200);
    expect(released.body.case.claimedBy).toBeUndefined();
    const done = await decide(modA.api, caseId, { action: 'confirm', policy: 'spam' });
    expect(done.status).toBe(200);
    expect(done.body.sanction.state).toBe('limited');
    // Deciding it again, by anyone, in any way: closed.
    expectError(await decide(modB.api, caseId, { action: 'dismiss' }), 409, 'CASE_CLOSED');
    expectError(await decide(modA.api, caseId, { action: 'confirm', policy: 'spam' }), 409, 'CASE_CLOSED');
    expectError(await modA.api.post(`/v1/moderation/cases/${caseId}/claim`), 409, 'CASE_CLOSED');
    // A claim is not needed to decide.
    const y = await ctx.world.account();
    expect(await confirm((await spamAndReport(y)).caseId, 'spam')).toMatchObject({ state: 'limited' });
  });

  it("needs a policy to confirm, one of the ladder's keys", async () => {
    const x = await ctx.world.account();
    const { caseId } = await spamAndReport(x);
    expectError(await decide(moderator, caseId, { action: 'confirm' }), 400, 'BAD_REQUEST');
    expectError(await decide(moderator, caseId, { action: 'confirm', policy: 'rudeness' }), 400, 'BAD_REQUEST');
    expectError(await decide(moderator, caseId, { action: 'ban' }), 400, 'BAD_REQUEST');
    expectError(await decide(moderator, 'k99999999', { action: 'dismiss' }), 404, 'NOT_FOUND');
    expect((await casesOf(x))[0].state).toBe('open');
    expect((await me(x)).state).toBe('free');
  });

  it('previews without changing anything, and the decision does what the preview said', async () => {
    const x = await ctx.world.account();
    await offence(x); // one strike already: the next is 72 h
    await advance(DAY);
    const { caseId } = await spamAndReport(x);
    const eventsBefore = (await timeline(x)).events.length;
    const p1 = await moderator.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'confirm', policy: 'spam' });
    const p2 = await moderator.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'confirm', policy: 'spam' });
    expect(p1.status).toBe(200);
    expect(p2.body).toEqual(p1.body);
    const t = await now();
    expect(p1.body.sanction).toMatchObject({ state: 'limited', kind: 'report', until: iso(t + 3 * DAY * 1000) });
    const other = await moderator.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'confirm', policy: 'scam' });
    expect(other.body.sanction).toMatchObject({ state: 'frozen' });
    expect((await moderator.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'dismiss' })).body.sanction).toBeUndefined();
    expect((await me(x)).state).toBe('free');
    expect((await timeline(x)).events.length).toBe(eventsBefore);
    expect((await casesOf(x))[0].state).toBe('open');
    const decided = await decide(moderator, caseId, { action: 'confirm', policy: 'spam' });
    expect(decided.body.sanction).toEqual(p1.body.sanction);
    expectError(await moderator.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'confirm', policy: 'spam' }), 409, 'CASE_CLOSED');
  });
});

describe('story: staff see only evidence, and every look is recorded', () => {
  it('refuses every staff role and the admin token on chat endpoints', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const { chatId } = await sent(a, b, 'private words');
    const tokens: Client[] = [ctx.world.admin];
    for (const role of ['triage', 'moderator', 'support', 'admin'] as const) tokens.push(await ctx.world.staff(role));
    for (const staff of tokens) {
      expectError(await staff.get(`/v1/chats/${chatId}/messages`), 403, 'FORBIDDEN');
      expectError(await staff.get('/v1/chats'), 403, 'FORBIDDEN');
      expectError(await staff.post('/v1/messages', { to: { chatId }, text: 'x' }), 403, 'FORBIDDEN');
    }
  });

  it("records each evidence view in the subject's timeline, and keeps text out of the queue", async () => {
    const viewer = await staffMember('moderator');
    const x = await ctx.world.account();
    const secret = 'SECRET-TEXT-0xC0FFEE';
    const { caseId } = await spamAndReport(x, 'spam', secret);
    const list = await viewer.api.get('/v1/moderation/cases?limit=1000');
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify(await timeline(x))).not.toContain(secret);
    expect((await timeline(x)).events.filter((e: any) => e.type === 'evidence_viewed')).toHaveLength(0);

    const detail = await viewer.api.get(`/v1/moderation/cases/${caseId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.case.evidence.map((m: any) => m.text)).toEqual([secret]);
    await viewer.api.get(`/v1/moderation/cases/${caseId}`);
    const views = (await timeline(x)).events.filter((e: any) => e.type === 'evidence_viewed');
    expect(views).toHaveLength(2);
    expect(views[1].actor).toEqual({ kind: 'staff', id: viewer.id });
    expect(views[0].caseId).toBe(caseId);
    await ctx.world.admin.get(`/v1/moderation/cases/${caseId}`);
    const all = (await timeline(x)).events.filter((e: any) => e.type === 'evidence_viewed');
    expect(all).toHaveLength(3);
    // Newest first.
    expect(all[0].actor.kind).toBe('admin');
  });

  it('captures as evidence only what the subject sent, frozen at report time', async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    for (let i = 0; i < 12; i++) await sent(x, v, `ad ${i}`);
    const { chatId } = await sent(v, x, 'stop writing to me');
    const r = await report(v, { chatId });
    await sent(x, v, 'after the report');
    const detail = await moderator.get(`/v1/moderation/cases/${r.body.report.caseId}`);
    expect(detail.body.case.evidence.map((m: any) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `ad ${i + 2}`));
  });
});

describe('story: one report per reporter and subject', () => {
  it('answers a repeat with the same report, and a report after the case closed anew', async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    const { chatId } = await sent(x, v, 'promo');
    const first = await report(v, { chatId });
    expect(first.status).toBe(201);
    const again = await report(v, { chatId, reason: 'scam' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await casesOf(x))[0].reportCount).toBe(1);
    expect((await decide(moderator, first.body.report.caseId, { action: 'dismiss' })).status).toBe(200);
    const later = await report(v, { chatId });
    expect(later.status).toBe(201);
    expect(later.body.report.id).not.toBe(first.body.report.id);
    expect(later.body.report.caseId).not.toBe(first.body.report.caseId);
  });

  it('joins every private report about one subject into its one open case', async () => {
    const x = await ctx.world.account();
    const a = await spamAndReport(x);
    const b = await spamAndReport(x);
    expect(b.caseId).toBe(a.caseId);
    expect((await casesOf(x))[0].reportCount).toBe(2);
  });

  it('lets only participants report a private chat', async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    const outsider = await ctx.world.account();
    const { chatId } = await sent(x, v, 'promo');
    expectError(await report(outsider, { chatId }), 404, 'NOT_FOUND');
    expectError(await report(v, { chatId: 'c99999999' }), 404, 'NOT_FOUND');
    expect(await casesOf(x)).toEqual([]);
    // Either side may report, once the other side has sent something to review.
    expectError(await report(x, { chatId }), 400, 'NOTHING_TO_REPORT');
    await sent(v, x, 'who are you?');
    expect((await report(x, { chatId })).status).toBe(201);
  });

  it('blocks the subject when asked', async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    const { chatId } = await sent(x, v, 'promo');
    expect((await report(v, { chatId, block: true })).status).toBe(201);
    expectError(await send(x, v), 403, 'USER_IS_BLOCKED');
    expectError(await send(v, x), 403, 'YOU_BLOCKED_USER');
    expect(await chatIds(v)).toContain(chatId);
  });

  it("deletes the chat from the reporter's list when asked", async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    const { chatId } = await sent(x, v, 'promo');
    expect((await report(v, { chatId, deleteChat: true })).status).toBe(201);
    expect(await chatIds(v)).not.toContain(chatId);
    expect(await chatIds(x)).toContain(chatId);
    // A new message brings it back.
    await advance(60);
    await sent(x, v, 'one more thing');
    expect(await chatIds(v)).toContain(chatId);
  });

  it('refuses reports from a frozen account', async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    const { chatId } = await sent(v, x, 'hi');
    await offence(x, 'scam');
    expectError(await report(x, { chatId }), 403, 'FROZEN_METHOD_INVALID');
  });
});

describe('story: lifting', () => {
  it('frees the account, removes its strikes, and the next offence is a first again', async () => {
    const x = await ctx.world.account();
    await offence(x);
    await offence(x, 'spam', true);
    expect(await me(x)).toMatchObject({ state: 'limited', kind: 'report' });
    const lifted = await support.post(`/v1/moderation/accounts/${x.id}/lift`, { reason: 'the reports were a brigade' });
    expect(lifted.status).toBe(200);
    expect(lifted.body.restriction).toMatchObject({ state: 'free', publicGroupsBan: false });
    expect(await me(x)).toMatchObject({ state: 'free' });
    await sent(x, await ctx.world.account(), 'free again');
    const tl = await timeline(x);
    expect(tl.strikes).toHaveLength(2);
    for (const s of tl.strikes) expect(s).toMatchObject({ removed: true, counting: false });
    expect(tl.events.filter((e: any) => e.type === 'restriction_lifted').length).toBeGreaterThanOrEqual(1);
    const t = await now();
    expect(await offence(x)).toMatchObject({ state: 'limited', kind: 'report', until: iso(t + DAY * 1000) });
  });

  it('ends a public-groups ban and a number limit too', async () => {
    const voip = await ctx.world.account({ numberKind: 'voip' });
    const host = await ctx.world.account();
    const chat = await group(host, 'group', true, 'Open');
    await join(voip, chat);
    const m = await sent(voip, { chatId: chat }, 'gore');
    const r = await report(host, { chatId: chat, messageIds: [m.id], reason: 'violence' });
    expect(await confirm(r.body.report.caseId, 'violence')).toMatchObject({ publicGroupsBan: true });
    expect(await me(voip)).toMatchObject({ state: 'limited', kind: 'number', publicGroupsBan: true });
    const lifted = await ctx.world.admin.post(`/v1/moderation/accounts/${voip.id}/lift`, { reason: 'real person' });
    expect(lifted.status).toBe(200);
    expect(await me(voip)).toMatchObject({ state: 'free', publicGroupsBan: false });
    await sent(voip, { chatId: chat }, 'sorry');
    await sent(voip, await ctx.world.account(), 'hello stranger');
    expect((await timeline(voip)).strikes.map((s: any) => s.removed)).toEqual([true]);
  });

  it('undoes a ban with its banned number', async () => {
    const x = await ctx.world.account();
    expect(await offence(x, 'child_abuse')).toMatchObject({ state: 'banned' });
    expectError(await x.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    const lifted = await ctx.world.admin.post(`/v1/moderation/accounts/${x.id}/lift`, { reason: 'wrong account' });
    expect(lifted.body.restriction).toMatchObject({ state: 'free' });
    expect(await me(x)).toMatchObject({ state: 'free' });
    expect((await timeline(x)).events.map((e: any) => e.type)).toContain('number_unbanned');
    expect((await x.api.delete('/v1/me')).status).toBe(204);
    expect((await ctx.world.admin.post('/v1/accounts', { phone: x.phone, name: 'Same number' })).status).toBe(201);
  });

  it('answers 404 for an unknown account and 400 without a reason', async () => {
    expectError(await support.post('/v1/moderation/accounts/u99999999/lift', { reason: 'x' }), 404, 'NOT_FOUND');
    const x = await ctx.world.account();
    expectError(await support.post(`/v1/moderation/accounts/${x.id}/lift`, {}), 400, 'BAD_REQUEST');
  });
});

describe('story: reporters earn and lose weight', () => {
  it('counts dismissals against a reporter', async () => {
    const reporter = await ctx.world.account();
    const peer = await ctx.world.account();
    await advance(2 * DAY); // neither is a fresh account any more
    for (let i = 0; i < 2; i++) {
      const x = await ctx.world.account();
      const { chatId } = await sent(x, reporter, 'hello, neighbour');
      const r = await report(reporter, { chatId });
      expect((await decide(moderator, r.body.report.caseId, { action: 'dismiss' })).status).toBe(200);
    }
    expect((await timeline(reporter)).reporter).toMatchObject({ dismissed: 2, confirmed: 0, muted: false });
    // Their next report weighs less than a peer's with no history.
    const s1 = await ctx.world.account();
    const s2 = await ctx.world.account();
    await report(reporter, { chatId: (await sent(s1, reporter, 'offer')).chatId });
    await report(peer, { chatId: (await sent(s2, peer, 'offer')).chatId });
    expect((await casesOf(s1))[0].priority).toBeLessThan((await casesOf(s2))[0].priority);
    const x = await ctx.world.account();
    const { chatId } = await sent(x, reporter, 'buy now');
    const r = await report(reporter, { chatId });
    await confirm(r.body.report.caseId, 'spam');
    expect((await timeline(reporter)).reporter).toMatchObject({ dismissed: 2, confirmed: 1 });
  });

  it("still opens a case for a muted reporter, below an established reporter's", async () => {
    const established = await ctx.world.account();
    const muted = await ctx.world.account();
    await advance(2 * DAY); // neither is a fresh account any more
    const m = await moderator.post(`/v1/moderation/reporters/${muted.id}/mute`, { muted: true });
    expect(m.status).toBe(200);
    expect((await timeline(muted)).reporter.muted).toBe(true);

    const s1 = await ctx.world.account();
    const s2 = await ctx.world.account();
    const c1 = await sent(s1, muted, 'offer');
    const c2 = await sent(s2, established, 'offer');
    const r1 = await report(muted, { chatId: c1.chatId });
    const r2 = await report(established, { chatId: c2.chatId });
    expect(r1.status).toBe(201);
    expect(r2.status).toBe(201);
    expect(r1.body.report.caseId).toMatch(/^k/);
    const [q1] = await casesOf(s1);
    const [q2] = await casesOf(s2);
    expect(q1.priority).toBeLessThan(q2.priority);
    const queue = (await moderator.get('/v1/moderation/cases?limit=1000')).body.cases.map((c: any) => c.id);
    expect(queue.indexOf(q2.id)).toBeLessThan(queue.indexOf(q1.id));
  });

  it('weighs a crowd of fresh accounts below one established reporter', async () => {
    const established = await ctx.world.account();
    await advance(2 * DAY);
    const innocent = await ctx.world.account();
    const target = await ctx.world.account();
    const brigade = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    for (const b of brigade) {
      const { chatId } = await sent(innocent, b, 'hello');
      await report(b, { chatId });
    }
    const { chatId } = await sent(target, established, 'spam');
    await report(established, { chatId });
    const [brig] = await casesOf(innocent);
    const [real] = await casesOf(target);
    expect(brig.reportCount).toBe(3);
    expect(brig.priority).toBeLessThan(real.priority);
    // Nobody was limited by the reports alone.
    expect((await me(innocent)).state).toBe('free');
  });
});

describe('story: restarts', () => {
  async function restart() {
    ctx.server = await ctx.server.restart();
    ctx.world = new World(ctx.server.url);
    moderator = new Client(ctx.server.url, moderator.token);
    support = new Client(ctx.server.url, support.token);
  }

  it('keeps a restriction in force across a restart', async () => {
    const x = await ctx.world.account();
    const t = await now();
    await offence(x);
    await restart();
    expect(await me(x)).toMatchObject({ state: 'limited', kind: 'report', until: iso(t + DAY * 1000) });
    expectError(await send(x, await ctx.world.account()), 403, 'PEER_FLOOD');
    expect(await now()).toBe(t);
    await advance(DAY);
    expect((await me(x)).state).toBe('free');
  });

  it('ends a limit at its until across a restart', async () => {
    const x = await ctx.world.account();
    await robotLimit(ctx.server.app.platform, parseId('account', x.id), 'burst_of_new_chats', 1);
    const t = await now();
    expect(await me(x)).toMatchObject({ state: 'limited', kind: 'robot', until: iso(t + 3600_000) });
    await advance(30 * MIN);
    await restart();
    expect(await me(x)).toMatchObject({ state: 'limited', kind: 'robot' });
    await advance(31 * MIN);
    expect((await me(x)).state).toBe('free');
    await sent(x, await ctx.world.account(), 'hi');
    const tl = await timeline(x);
    const expired = tl.events.filter((e: any) => e.type === 'restriction_expired');
    expect(expired).toHaveLength(1);
    expect(expired[0].at).toBe(iso(t + 3600_000));
  });

  it('bans a frozen account once, and a restart does not ban it again', async () => {
    const x = await ctx.world.account();
    await offence(x, 'scam');
    await advance(14 * DAY + MIN);
    expectError(await as(x).get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    await restart();
    expectError(await as(x).get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    expectError(await ctx.world.admin.post('/v1/accounts', { phone: x.phone, name: 'x' }), 403, 'PHONE_NUMBER_BANNED');
    await advance(DAY);
    const rows = await ctx.server.app.platform.store.all<{ n: number }>(
      ctx.server.app.platform.store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('type', '=', 'account_banned')
        .where('account_id', '=', parseId('account', x.id)),
    );
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('applies at start, each at its own due time, what came due while banya was down', async () => {
    const limitedOne = await ctx.world.account();
    const frozenOne = await ctx.world.account();
    const t = await now();
    await robotLimit(ctx.server.app.platform, parseId('account', limitedOne.id), 'downtime_rule', 1);
    await offence(frozenOne, 'scam');
    // banya is down for 15 days: the stored clock moves on as the real one would have.
    await ctx.server.stop();
    await putStoredSetting(ctx.server.dataDir, 'manual_clock_ms', String(t + 15 * DAY * 1000));
    ctx.server = await startServer({}, ctx.server.dataDir);
    ctx.world = new World(ctx.server.url);
    moderator = new Client(ctx.server.url, moderator.token);
    support = new Client(ctx.server.url, support.token);
    expect(await now()).toBe(t + 15 * DAY * 1000);
    expect((await me(limitedOne)).state).toBe('free');
    expectError(await as(frozenOne).get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
    const expired = (await timeline(limitedOne)).events.filter((e: any) => e.type === 'restriction_expired');
    expect(expired.map((e: any) => e.at)).toEqual([iso(t + 3600_000)]);
    const banned = (await timeline(frozenOne)).events.filter((e: any) => e.type === 'account_banned');
    expect(banned.map((e: any) => e.at)).toEqual([iso(t + 14 * DAY * 1000)]);
  });

  it('keeps open cases, claims and pending group reports across a restart', async () => {
    const modA = await staffMember('moderator');
    const x = await ctx.world.account();
    const { caseId } = await spamAndReport(x);
    await modA.api.post(`/v1/moderation/cases/${caseId}/claim`);
    const owner = await ctx.world.account();
    const spammer = await ctx.world.account();
    const chat = await group(owner, 'group', true, 'G');
    await join(spammer, chat);
    const m = await sent(spammer, { chatId: chat }, 'ad');
    const members = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    for (const mm of members) await join(mm, chat);
    expect((await report(members[0]!, { chatId: chat, messageIds: [m.id] })).body.report.caseId).toBeUndefined();
    expect((await report(members[1]!, { chatId: chat, messageIds: [m.id] })).body.report.caseId).toBeUndefined();
    await restart();
    expectError(await decide(moderator, caseId, { action: 'dismiss' }), 409, 'CASE_CLAIMED');
    const third = await report(members[2]!, { chatId: chat, messageIds: [m.id] });
    expect(third.body.report.caseId).toMatch(/^k/);
    expect((await casesOf(spammer))[0].reportCount).toBe(3);
    // And a second private report joins the case opened before the restart.
    expect((await spamAndReport(x)).caseId).toBe(caseId);
  });

  it("keeps outsiders' group reports uncounted across a restart", async () => {
    const owner = await ctx.world.account();
    const poster = await ctx.world.account();
    const chat = await group(owner, 'group', true, 'Town hall');
    await join(poster, chat);
    const m = await sent(poster, { chatId: chat }, 'vote on Tuesday');
    const outsiders = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    const members = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    for (const mm of members) await join(mm, chat);
    const ids: string[] = [];
    const file = async (a: TestAccount) => {
      const r = await report(a, { chatId: chat, messageIds: [m.id] });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids.push(r.body.report.id);
      return r.body.report.caseId as string | undefined;
    };
    expect(await file(outsiders[0]!)).toBeUndefined();
    expect(await file(outsiders[1]!)).toBeUndefined();
    expect(await file(members[0]!)).toBeUndefined();
    // The waiting reports are loaded from the reports table at start: outsiders stay outsiders.
    await restart();
    expect(await file(outsiders[2]!)).toBeUndefined();
    expect(await file(members[1]!)).toBeUndefined();
    expect(await casesOf(poster)).toEqual([]);
    expect((await me(poster)).state).toBe('free');
    await restart();
    const caseId = await file(members[2]!);
    expect(caseId).toMatch(/^k/);
    const [c] = await casesOf(poster);
    expect(c).toMatchObject({ id: caseId, reportCount: 6 });
    const detail = await moderator.get(`/v1/moderation/cases/${caseId}`);
    expect(detail.body.case.reports.map((r: any) => r.id).sort()).toEqual([...ids].sort());
  });
});

describe('admin token', () => {
  it('acts as an admin staff member for decisions', async () => {
    const admin = new Client(ctx.server.url, ADMIN_TOKEN);
    const x = await ctx.world.account();
    const { caseId } = await spamAndReport(x);
    const r = await decide(admin, caseId, { action: 'confirm', policy: 'spam' });
    expect(r.status).toBe(200);
    expect(r.body.sanction.state).toBe('limited');
  });
});

describe('story: a group report does not swallow a later private one', () => {
  it("opens a case for a private report even while the reporter's group report waits below the threshold", async () => {
    const owner = await ctx.world.account();
    const spammer = await ctx.world.account();
    const member = await ctx.world.account();
    const chat = await group(owner, 'group', true, 'Market');
    await join(spammer, chat);
    await join(member, chat);
    const m = await sent(spammer, { chatId: chat }, 'ad in the group');
    const g = await report(member, { chatId: chat, messageIds: [m.id] });
    expect(g.status).toBe(201);
    expect(g.body.report.caseId).toBeUndefined();
    // Then the spammer writes to the member privately, and the member reports that chat.
    const { chatId } = await sent(spammer, member, 'ad in private');
    const p = await report(member, { chatId });
    expect(p.status).toBe(201);
    expect(p.body.report.id).not.toBe(g.body.report.id);
    expect(p.body.report.caseId).toMatch(/^k/);
    expect((await casesOf(spammer)).map((c) => c.id)).toEqual([p.body.report.caseId]);
    // The same private report again: the same one.
    const again = await report(member, { chatId });
    expect(again.status).toBe(200);
    expect(again.body.report).toEqual(p.body.report);
    // Once the private case is decided, the group report is the member's open report again.
    await confirm(p.body.report.caseId, 'spam');
    const groupAgain = await report(member, { chatId: chat, messageIds: [m.id] });
    expect(groupAgain.status).toBe(200);
    expect(groupAgain.body.report).toEqual(g.body.report);
  });
});

describe('story: a group case does not swallow a later private report either', () => {
  it("files the private report into the subject's private case, and restores the group report after", async () => {
    const owner = await ctx.world.account();
    const spammer = await ctx.world.account();
    const members = [await ctx.world.account(), await ctx.world.account(), await ctx.world.account()];
    const chat = await group(owner, 'group', true, 'Flea market');
    await join(spammer, chat);
    for (const m of members) await join(m, chat);
    const m = await sent(spammer, { chatId: chat }, 'ad');
    const reports = [];
    for (const mm of members) reports.push(await report(mm, { chatId: chat, messageIds: [m.id] }));
    const groupCase = reports[2]!.body.report.caseId;
    expect(groupCase).toMatch(/^k/);
    const { chatId } = await sent(spammer, members[0]!, 'ad in private');
    const p = await report(members[0]!, { chatId });
    expect(p.status).toBe(201);
    expect(p.body.report.caseId).toMatch(/^k/);
    expect(p.body.report.caseId).not.toBe(groupCase);
    const cases = await casesOf(spammer);
    expect(cases.map((c) => c.id).sort()).toEqual([groupCase, p.body.report.caseId].sort());
    expect(cases.find((c) => c.id === p.body.report.caseId).subject).toEqual({ accountId: spammer.id });
    // A group report while the private one is open: the group one answers (another place).
    expect((await report(members[0]!, { chatId: chat, messageIds: [m.id] })).body.report).toEqual({ id: reports[0]!.body.report.id, caseId: groupCase });
    await decide(moderator, p.body.report.caseId, { action: 'dismiss' });
    // The group report is still open, in the group's case.
    const back = await report(members[0]!, { chatId: chat, messageIds: [m.id] });
    expect(back.status).toBe(200);
    expect(back.body.report).toEqual({ id: reports[0]!.body.report.id, caseId: groupCase });
  });
});

describe('idempotent reports', () => {
  it('answers a repeated key with the original answer, and a reused key with 409', async () => {
    const x = await ctx.world.account();
    const v = await ctx.world.account();
    const { chatId } = await sent(x, v, 'promo');
    const body = { chatId, reason: 'spam', idempotencyKey: 'rep-1' };
    const first = await report(v, body);
    expect(first.status).toBe(201);
    const again = await report(v, body);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expectError(await report(v, { ...body, reason: 'scam' }), 409, 'IDEMPOTENCY_CONFLICT');
    expect((await casesOf(x))[0].reportCount).toBe(1);
  });
});

describe("story: the operator's policy file", () => {
  let own: TestServer;
  let w: World;
  beforeAll(async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'banya-policy-')), 'policy.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        ladder: { spam: [{ action: 'limit', hours: 1 }, { action: 'ban' }], industrial_spam: [{ action: 'freeze' }] },
        freezeDays: 2,
        groupThreshold: { members: 2, admins: 1 },
        voipPrefixes: ['+999'],
      }),
    );
    own = await startServer({ policyFile: file });
    w = new World(own.url);
  });
  afterAll(() => own.stop());

  it('follows the ladder, thresholds, freeze period and prefixes from the file', async () => {
    const mod = await w.staff('moderator');
    const spammer = await w.account();
    const strangerCase = async () => {
      const v = await w.account();
      const m = await v.api.post('/v1/messages', { to: { accountId: spammer.id }, text: 'hi' });
      const s2 = await spammer.api.post('/v1/messages', { to: { accountId: v.id }, text: 'ad' });
      expect(s2.status).toBe(201);
      const r = await v.api.post('/v1/reports', { chatId: m.body.message.chatId });
      return r.body.report.caseId as string;
    };
    const t = Date.parse((await w.admin.post('/v1/admin/clock', { advanceSeconds: 0 })).body.now);
    const c1 = await strangerCase();
    expect((await mod.post(`/v1/moderation/cases/${c1}/decision`, { action: 'confirm', policy: 'spam' })).body.sanction).toMatchObject({
      state: 'limited',
      until: iso(t + 3600_000),
    });
    // A policy the file does not have cannot be used.
    const c2 = await strangerCase();
    expectError(await mod.post(`/v1/moderation/cases/${c2}/decision`, { action: 'confirm', policy: 'scam' }), 400, 'BAD_REQUEST');
    expect((await mod.post(`/v1/moderation/cases/${c2}/decision`, { action: 'confirm', policy: 'spam' })).body.sanction).toMatchObject({ state: 'banned' });
    expectError(await spammer.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');

    const robotVictim = await w.account();
    const now2 = Date.parse((await w.admin.post('/v1/admin/clock', { advanceSeconds: 0 })).body.now);
    expect(await robotSanction(own.app.platform, parseId('account', robotVictim.id), 'mass_mailing', 'industrial_spam')).toMatchObject({
      state: 'frozen',
      deleteAt: iso(now2 + 2 * DAY * 1000),
    });

    const voip = await w.account({ phone: '+9991234567' });
    expect((await voip.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'limited', kind: 'number' });
    const mobile882 = await w.account({ phone: '+88212345679' });
    expect((await mobile882.api.get('/v1/me')).body.restriction.state).toBe('free');

    // Two members are enough here.
    const owner = await w.account();
    const poster = await w.account();
    const [m1, m2] = [await w.account(), await w.account()];
    const g = (await owner.api.post('/v1/groups', { title: 'G', kind: 'group', public: true })).body.chat.id;
    for (const a of [poster, m1, m2]) await a.api.post(`/v1/chats/${g}/join`);
    const msg = (await poster.api.post('/v1/messages', { to: { chatId: g }, text: 'ad' })).body.message.id;
    expect((await m1.api.post('/v1/reports', { chatId: g, messageIds: [msg] })).body.report.caseId).toBeUndefined();
    expect((await m2.api.post('/v1/reports', { chatId: g, messageIds: [msg] })).body.report.caseId).toMatch(/^k/);
    expect(await checkProjections(own.app.platform.store)).toEqual([]);
  });
});
