import { describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import { robotLimit, robotSanction } from '../src/enforcement/robots-door.js';
import { parseId } from '../src/store/ids.js';
import { Client, nextPhone, type TestAccount, World } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * Sanctions over time, told as long stories a black-box checker would run (RULES.md §1, §4, §5,
 * §7; API.md). At every step the story asks the three places a person or an integrator sees the
 * account's standing: `GET /v1/me`, the send gate's denial (code, `until` / `deleteAt`, the date
 * in its message) and SpamBot's status. Real server over HTTP, manual clock; decisions are made
 * at odd seconds so that SpamBot's dates have something to round up.
 */

const ctx = serverPerFile({ staff: ['moderator', 'support', 'admin'], checkProjections: true });

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;
const EN = BUTTONS.en;
const iso = (ms: number) => new Date(ms).toISOString();
const advance = (s: number) => ctx.world.advance(s);
const now = () => advance(0);
/** Moves the manual clock to exactly `ms`. */
async function advanceTo(ms: number): Promise<number> {
  const t = await now();
  expect(ms).toBeGreaterThanOrEqual(t);
  return advance((ms - t) / 1000);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** RULES.md §5: a date in UTC to the minute, rounded up so it is never earlier than the real end. */
function shown(ms: number): string {
  const d = new Date(Math.ceil(ms / 60_000) * 60_000);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

function send(from: TestAccount, to: TestAccount, text = 'hello') {
  return from.api.post('/v1/messages', { to: { accountId: to.id }, text });
}
async function sent(from: TestAccount, to: TestAccount, text = 'hello') {
  const r = await send(from, to, text);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message;
}
async function botSay(a: TestAccount, text: string): Promise<{ text: string; buttons?: string[][] }> {
  const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const after = await a.api.get(`/v1/chats/${r.body.message.chatId}/messages?after=${r.body.message.id}`);
  expect(after.body.messages).toHaveLength(1);
  return after.body.messages[0];
}
/** SpamBot's last message to `a` (what it wrote on its own, e.g. an appeal's outcome). */
async function botLast(a: TestAccount): Promise<string> {
  const chats = await a.api.get('/v1/chats?limit=1000');
  const bot = chats.body.chats.find((c: any) => c.peer?.username === 'spambot');
  const msgs = await a.api.get(`/v1/chats/${bot.id}/messages?limit=1000`);
  return msgs.body.messages[msgs.body.messages.length - 1].text;
}

/** One confirmed offence: a fresh stranger writes first, `spammer` answers with spam, is reported and confirmed. */
async function offence(spammer: TestAccount, policy = 'spam', staff: Client = ctx.moderator) {
  const victim = await ctx.world.account();
  const m = await sent(victim, spammer, 'is the offer still on?');
  await sent(spammer, victim, 'buy now, best prices');
  const rep = await victim.api.post('/v1/reports', { chatId: m.chatId, reason: policy === 'scam' ? 'scam' : 'spam' });
  expect(rep.status, JSON.stringify(rep.body)).toBe(201);
  // The preview says what the decision then does, step for step.
  const p = await staff.post(`/v1/moderation/cases/${rep.body.report.caseId}/preview`, { action: 'confirm', policy });
  expect(p.status, JSON.stringify(p.body)).toBe(200);
  const d = await staff.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  expect(d.body.sanction).toEqual(p.body.sanction);
  return { sanction: d.body.sanction, at: await now(), victim };
}

/** "This is a mistake" to the end; answers the filed appeal as support sees it. */
async function appeal(a: TestAccount, text = 'I only wrote to my customers.') {
  await botSay(a, EN.mistake);
  await botSay(a, EN.didNot);
  let reply = await botSay(a, text);
  if (/e-mail address/.test(reply.text)) reply = await botSay(a, `owner-${a.id}@example.com`);
  expect(reply.text).toMatch(/appeal is filed/);
  const list = await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000');
  const found = list.body.appeals.filter((x: any) => x.accountId === a.id);
  expect(found).toHaveLength(1);
  return found[0];
}
async function decideAppeal(id: string, outcome: 'overturn' | 'uphold') {
  const r = await ctx.support.post(`/v1/moderation/appeals/${id}/decision`, { outcome });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.appeal;
}
async function lift(a: TestAccount, staff: Client = ctx.support) {
  const r = await staff.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'reviewed' });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.restriction;
}
async function strikes(a: TestAccount): Promise<any[]> {
  const r = await ctx.support.get(`/v1/moderation/accounts/${a.id}`);
  expect(r.status).toBe(200);
  return r.body.strikes;
}

// --- what the account sees, at every step ---------------------------------------------------

/** /v1/me's restriction, which staff see the same in the account's view. */
async function me(a: TestAccount) {
  const r = await a.api.get('/v1/me');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const staff = await ctx.support.get(`/v1/moderation/accounts/${a.id}?limit=1`);
  expect(staff.body.restriction).toEqual(r.body.restriction);
  return r.body.restriction;
}

/** Free: /v1/me, a first message to a stranger goes out, SpamBot says there are no limits. */
async function expectFree(a: TestAccount) {
  expect(await me(a)).toEqual({ state: 'free', publicGroupsBan: false });
  await sent(a, await ctx.world.account(), 'hi there');
  expect((await botSay(a, '/start')).text).toMatch(/no limits are applied/);
}

/** Limited with `until` (ms) or without an end (null): in /v1/me, PEER_FLOOD, USER_RESTRICTED and SpamBot. */
async function expectLimited(a: TestAccount, kind: string, until: number | null) {
  expect(await me(a)).toEqual({ state: 'limited', kind, until: until === null ? null : iso(until), publicGroupsBan: false });
  const denied = await send(a, await ctx.world.account(), 'hi there');
  expectError(denied, 403, 'PEER_FLOOD');
  expect(denied.body.error.details).toMatchObject({ until: until === null ? null : iso(until), appeal: 'spambot' });
  expect(denied.body.error.message).toContain(until === null ? 'indefinitely' : `until ${shown(until)}`);
  const group = await a.api.post('/v1/groups', { title: 'Deals', kind: 'group' });
  expectError(group, 403, 'USER_RESTRICTED');
  expect(group.body.error.details.until ?? null).toBe(until === null ? null : iso(until));
  const status = (await botSay(a, '/start')).text;
  if (kind === 'number') expect(status).toMatch(/because of its phone number/);
  else if (until === null) expect(status).toMatch(/limited with no end date/);
  else expect(status).toContain(`limited until ${shown(until)}`);
}

/** Frozen until `deleteAt`: /v1/me, FROZEN_METHOD_INVALID with its date, SpamBot, others see it deleted. */
async function expectFrozen(a: TestAccount, kind: string, deleteAt: number) {
  expect(await me(a)).toEqual({ state: 'frozen', kind, deleteAt: iso(deleteAt), publicGroupsBan: false });
  const other = await ctx.world.account();
  const denied = await send(a, other);
  expectError(denied, 403, 'FROZEN_METHOD_INVALID');
  expect(denied.body.error.details).toMatchObject({ deleteAt: iso(deleteAt), appeal: 'spambot' });
  expectError(await send(other, a), 410, 'INPUT_USER_DEACTIVATED');
  const status = (await botSay(a, '/start')).text;
  expect(status).toMatch(/frozen/);
  expect(status).toContain(shown(deleteAt));
}

/** Banned: every call with its token answers 401 USER_DEACTIVATED_BAN, its number cannot register. */
async function expectBanned(a: TestAccount) {
  expectError(await a.api.get('/v1/me'), 401, 'USER_DEACTIVATED_BAN');
  expectError(await a.api.post('/v1/messages', { to: { username: 'spambot' }, text: '/start' }), 401, 'USER_DEACTIVATED_BAN');
  expectError(await send(await ctx.world.account(), a), 410, 'INPUT_USER_DEACTIVATED');
  const again = await ctx.world.admin.post('/v1/accounts', { phone: a.phone, name: 'Again' });
  expectError(again, 403, 'PHONE_NUMBER_BANNED');
}

describe('story: the spam ladder, step by step, with every boundary instant', () => {
  it('24 h, free exactly at until; 72 h after it ended; 7 days confirmed during the 72 h; 30 days; permanent', async () => {
    const a = await ctx.world.account();
    await advance(17); // decisions at odd seconds: SpamBot rounds up
    // 1st strike: 24 h.
    const s1 = await offence(a);
    expect(s1.sanction).toEqual({ state: 'limited', kind: 'report', until: iso(s1.at + DAY * 1000) });
    await expectLimited(a, 'report', s1.at + DAY * 1000);
    // A second before the end: still limited. At until exactly: free (RULES.md §4, §7).
    await advanceTo(s1.at + DAY * 1000 - 1000);
    await expectLimited(a, 'report', s1.at + DAY * 1000);
    await advanceTo(s1.at + DAY * 1000);
    await expectFree(a);

    // 2nd strike, after the first limit ended: 72 h from its decision.
    await advance(5 * HOUR + 13);
    const s2 = await offence(a);
    expect(s2.sanction).toMatchObject({ state: 'limited', kind: 'report', until: iso(s2.at + 3 * DAY * 1000) });
    await expectLimited(a, 'report', s2.at + 3 * DAY * 1000);

    // 3rd strike, confirmed while the 72 h limit is active: 7 days from its own decision.
    await advance(10 * HOUR + 7);
    const s3 = await offence(a);
    expect(s3.sanction).toMatchObject({ state: 'limited', kind: 'report', until: iso(s3.at + 7 * DAY * 1000) });
    await expectLimited(a, 'report', s3.at + 7 * DAY * 1000);
    // The 72 h limit ends underneath; the 7-day one still holds, nothing changes for the account.
    await advanceTo(s2.at + 3 * DAY * 1000);
    await expectLimited(a, 'report', s3.at + 7 * DAY * 1000);
    await advanceTo(s3.at + 7 * DAY * 1000);
    await expectFree(a);

    // 4th: 30 days; 5th (while the 30 days run): permanent, which no time ends.
    await advance(3 * DAY + 1);
    const s4 = await offence(a);
    expect(s4.sanction).toMatchObject({ until: iso(s4.at + 30 * DAY * 1000) });
    await expectLimited(a, 'report', s4.at + 30 * DAY * 1000);
    await advance(DAY);
    const s5 = await offence(a);
    expect(s5.sanction).toEqual({ state: 'limited', kind: 'permanent', until: null });
    await expectLimited(a, 'permanent', null);
    await advanceTo(s4.at + 30 * DAY * 1000);
    await expectLimited(a, 'permanent', null);
    // Every strike stops counting after 365 days; the permanent limit stays all the same.
    await advanceTo(s5.at + 366 * DAY * 1000);
    await expectLimited(a, 'permanent', null);
    const st = await strikes(a);
    expect(st).toHaveLength(5);
    expect(st.every((s: any) => s.counting === false && s.removed === false)).toBe(true);
    // With no strike counting, the next offence is a first again: 24 h, under the permanent limit.
    const s6 = await offence(a);
    expect(s6.sanction).toMatchObject({ state: 'limited', kind: 'report', until: iso(s6.at + DAY * 1000) });
    await expectLimited(a, 'permanent', null);
  });

  it('a confirmation at the very instant the last limit ends is the next step, running from that instant', async () => {
    const a = await ctx.world.account();
    await advance(29);
    const s1 = await offence(a);
    await advanceTo(s1.at + DAY * 1000);
    // The limit ended at this instant; its strike still counts.
    const s2 = await offence(a);
    expect(s2.at).toBe(s1.at + DAY * 1000);
    expect(s2.sanction).toMatchObject({ until: iso(s2.at + 3 * DAY * 1000) });
    await expectLimited(a, 'report', s2.at + 3 * DAY * 1000);
  });
});

describe('story: an appeal in the middle of the ladder', () => {
  it('an overturned 2nd strike: free at once, and the next confirmation is a 2nd strike again, then a 3rd', async () => {
    const a = await ctx.world.account();
    await advance(41);
    const s1 = await offence(a);
    await advanceTo(s1.at + DAY * 1000);
    const s2 = await offence(a);
    await expectLimited(a, 'report', s2.at + 3 * DAY * 1000);
    await advance(HOUR + 3);
    const ap = await appeal(a);
    expect(ap.restriction).toMatchObject({ state: 'limited', kind: 'report', until: iso(s2.at + 3 * DAY * 1000) });
    // While the appeal is open, SpamBot says so, and the limit still holds.
    expect((await botSay(a, '/start')).text).toMatch(/appeal .* is under review/);
    await advance(20 * HOUR);
    expect((await me(a)).state).toBe('limited');
    await decideAppeal(ap.id, 'overturn');
    expect(await botLast(a)).toMatch(/lifted the restriction/);
    await expectFree(a);
    expect((await strikes(a)).map((s: any) => s.removed)).toEqual([false, true]);
    // The next offence is a 2nd strike (72 h), and the one after a 3rd (7 days).
    await advance(7);
    const s3 = await offence(a);
    expect(s3.sanction).toMatchObject({ until: iso(s3.at + 3 * DAY * 1000) });
    await expectLimited(a, 'report', s3.at + 3 * DAY * 1000);
    await advanceTo(s3.at + 3 * DAY * 1000);
    await expectFree(a);
    const s4 = await offence(a);
    expect(s4.sanction).toMatchObject({ until: iso(s4.at + 7 * DAY * 1000) });
  });

  it('an appeal against the later of two overlapping limits: the earlier one still holds after the overturn', async () => {
    const a = await ctx.world.account();
    await advance(11);
    const s1 = await offence(a);
    await advance(HOUR + 1);
    const s2 = await offence(a);
    await expectLimited(a, 'report', s2.at + 3 * DAY * 1000);
    const ap = await appeal(a);
    expect(ap.restriction).toMatchObject({ until: iso(s2.at + 3 * DAY * 1000) });
    await decideAppeal(ap.id, 'overturn');
    // The appealed (effective) restriction ended and its strike went; the first limit remains.
    expect(await botLast(a)).toMatch(/Another restriction on your account still applies/);
    expect(await botLast(a)).toContain(`limited until ${shown(s1.at + DAY * 1000)}`);
    await expectLimited(a, 'report', s1.at + DAY * 1000);
    expect((await strikes(a)).map((s: any) => s.removed)).toEqual([false, true]);
    await advanceTo(s1.at + DAY * 1000);
    await expectFree(a);
    // One strike stands: the next is a 2nd.
    const s3 = await offence(a);
    expect(s3.sanction).toMatchObject({ until: iso(s3.at + 3 * DAY * 1000) });
  });

  it('an appeal whose limit expired before the overturn: only the strike goes, the next offence is a 1st again', async () => {
    const a = await ctx.world.account();
    await advance(3);
    const s1 = await offence(a);
    const ap = await appeal(a);
    await advanceTo(s1.at + DAY * 1000);
    await expectFree(a);
    // Still open, and overdue 72 h after filing.
    await advance(3 * DAY);
    const open = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.find((x: any) => x.id === ap.id);
    expect(open).toMatchObject({ state: 'open', overdue: true });
    await decideAppeal(ap.id, 'overturn');
    await expectFree(a);
    expect((await strikes(a)).map((s: any) => s.removed)).toEqual([true]);
    const s2 = await offence(a);
    expect(s2.sanction).toMatchObject({ until: iso(s2.at + DAY * 1000) });
    await expectLimited(a, 'report', s2.at + DAY * 1000);
  });

  it('an upheld appeal changes nothing; the next appeal waits 7 days; a later overturn removes the strike then appealed', async () => {
    const a = await ctx.world.account();
    await advance(23);
    const s1 = await offence(a);
    const ap1 = await appeal(a);
    await advance(2 * HOUR);
    const upheldAt = await now();
    await decideAppeal(ap1.id, 'uphold');
    expect(await botLast(a)).toMatch(/the restriction stays/);
    await expectLimited(a, 'report', s1.at + DAY * 1000);
    await advanceTo(s1.at + DAY * 1000);
    await expectFree(a);
    // A 2nd strike (the upheld one still counts): 72 h. Appealing it within 7 days of the uphold is refused.
    const s2 = await offence(a);
    expect(s2.sanction).toMatchObject({ until: iso(s2.at + 3 * DAY * 1000) });
    const refused = await botSay(a, EN.mistake);
    expect(refused.text).toContain(`You can appeal again after ${shown(upheldAt + 7 * DAY * 1000)}`);
    // After 7 days (the 72 h limit is over by then): a 3rd strike, appealable now.
    await advanceTo(upheldAt + 7 * DAY * 1000 + MIN * 1000);
    await expectFree(a);
    const s3 = await offence(a);
    expect(s3.sanction).toMatchObject({ until: iso(s3.at + 7 * DAY * 1000) });
    const ap2 = await appeal(a);
    await decideAppeal(ap2.id, 'overturn');
    await expectFree(a);
    expect((await strikes(a)).map((s: any) => s.removed)).toEqual([false, false, true]);
    const s4 = await offence(a);
    expect(s4.sanction).toMatchObject({ until: iso(s4.at + 7 * DAY * 1000) });
  });

  it('an overturned permanent limit: free, and the next offence is permanent again while four strikes count', async () => {
    const a = await ctx.world.account();
    await advance(5);
    for (const days of [1, 3, 7, 30]) {
      const s = await offence(a);
      await advanceTo(s.at + days * DAY * 1000);
    }
    const s5 = await offence(a);
    expect(s5.sanction).toEqual({ state: 'limited', kind: 'permanent', until: null });
    const ap = await appeal(a);
    expect(ap.restriction).toMatchObject({ state: 'limited', kind: 'permanent', until: null });
    await decideAppeal(ap.id, 'overturn');
    await expectFree(a);
    const s6 = await offence(a);
    expect(s6.sanction).toEqual({ state: 'limited', kind: 'permanent', until: null });
    await expectLimited(a, 'permanent', null);
  });
});

describe('story: lifting by staff versus time', () => {
  it('a lift removes the strikes of the active limits only; a strike whose limit had expired still counts', async () => {
    const a = await ctx.world.account();
    await advance(31);
    const s1 = await offence(a);
    await advanceTo(s1.at + DAY * 1000);
    const s2 = await offence(a);
    await advance(HOUR);
    const s3 = await offence(a); // 7 days, over the 72 h
    await expectLimited(a, 'report', s3.at + 7 * DAY * 1000);
    expect(await lift(a)).toEqual({ state: 'free', publicGroupsBan: false });
    await expectFree(a);
    // Neither ended limit comes back when its old end passes.
    await advanceTo(s2.at + 3 * DAY * 1000 + 1000);
    await expectFree(a);
    expect((await strikes(a)).map((s: any) => s.removed)).toEqual([false, true, true]);
    // One strike counts: the next is a 2nd (72 h).
    const s4 = await offence(a);
    expect(s4.sanction).toMatchObject({ until: iso(s4.at + 3 * DAY * 1000) });
    await expectLimited(a, 'report', s4.at + 3 * DAY * 1000);
  });

  it('a lift of a permanent limit frees it for good; the four standing strikes make the next offence permanent again', async () => {
    const a = await ctx.world.account();
    await advance(9);
    for (const days of [1, 3, 7, 30]) {
      const s = await offence(a);
      await advanceTo(s.at + days * DAY * 1000);
    }
    await offence(a);
    await expectLimited(a, 'permanent', null);
    await advance(10 * DAY);
    await lift(a);
    await expectFree(a);
    await advance(100 * DAY);
    await expectFree(a);
    const next = await offence(a);
    expect(next.sanction).toEqual({ state: 'limited', kind: 'permanent', until: null });
  });

  it('a lift during an open appeal frees the account; the appeal, decided later, changes nothing', async () => {
    const a = await ctx.world.account();
    await advance(1);
    const s1 = await offence(a);
    await advanceTo(s1.at + DAY * 1000);
    await offence(a);
    const ap = await appeal(a);
    await lift(a);
    await expectFree(a);
    await decideAppeal(ap.id, 'overturn');
    await expectFree(a);
    expect((await strikes(a)).map((s: any) => s.removed)).toEqual([false, true]);
    const s3 = await offence(a);
    expect(s3.sanction).toMatchObject({ until: iso(s3.at + 3 * DAY * 1000) });
  });
});

describe('story: freeze, then ban, with their dates', () => {
  it('frozen 14 days to the second; banned exactly at deleteAt; a later lift gives the number back', async () => {
    const a = await ctx.world.account();
    await advance(37);
    const s = await offence(a, 'scam');
    const deleteAt = s.at + 14 * DAY * 1000;
    expect(s.sanction).toEqual({ state: 'frozen', kind: 'scam', deleteAt: iso(deleteAt) });
    await expectFrozen(a, 'scam', deleteAt);
    const victim = await ctx.world.account();
    await advance(DAY);
    expect((await me(a)).deleteAt).toBe(iso(deleteAt));
    await advanceTo(deleteAt - 1000);
    await expectFrozen(a, 'scam', deleteAt);
    await advanceTo(deleteAt);
    await expectBanned(a);
    expectError(await send(victim, a), 410, 'INPUT_USER_DEACTIVATED');
    // Staff (admin) lift the ban: the account is free, its number may register again after deletion.
    expect(await lift(a, ctx.admin)).toEqual({ state: 'free', publicGroupsBan: false });
    await expectFree(a);
    const st = await strikes(a);
    expect(st.map((x: any) => [x.policy, x.removed])).toEqual([['scam', true]]);
    // The next scam is a first freeze again, 14 days from its decision.
    await advance(13);
    const again = await offence(a, 'scam');
    expect(again.sanction).toEqual({ state: 'frozen', kind: 'scam', deleteAt: iso(again.at + 14 * DAY * 1000) });
  });

  it('limited, then frozen over it, the freeze overturned: the limit is back in force until its own end', async () => {
    const a = await ctx.world.account();
    await advance(19);
    const l = await offence(a);
    await advance(HOUR);
    const f = await offence(a, 'scam');
    await expectFrozen(a, 'scam', f.at + 14 * DAY * 1000);
    const ap = await appeal(a);
    expect(ap.restriction).toMatchObject({ state: 'frozen', kind: 'scam' });
    await advance(2 * HOUR);
    await decideAppeal(ap.id, 'overturn');
    await expectLimited(a, 'report', l.at + DAY * 1000);
    await advanceTo(l.at + DAY * 1000);
    await expectFree(a);
    // The spam strike stands, the scam strike went.
    expect((await strikes(a)).map((s: any) => [s.policy, s.removed])).toEqual([
      ['spam', false],
      ['scam', true],
    ]);
    await advanceTo(f.at + 15 * DAY * 1000);
    await expectFree(a);
  });

  it('a freeze whose appeal is upheld after deleteAt passed is banned by the time the decision answers', async () => {
    const a = await ctx.world.account();
    await advance(43);
    const f = await offence(a, 'scam');
    const deleteAt = f.at + 14 * DAY * 1000;
    const ap = await appeal(a);
    await advanceTo(deleteAt + DAY * 1000);
    expect(await me(a)).toMatchObject({ state: 'frozen', deleteAt: iso(deleteAt) });
    expect((await botSay(a, '/start')).text).toMatch(/will not be deleted while your appeal is under review/);
    await decideAppeal(ap.id, 'uphold');
    await expectBanned(a);
  });

  it('violence: a public-groups ban, then a freeze; an overturned ban makes the next violence a ban again', async () => {
    const a = await ctx.world.account();
    await advance(7);
    const s1 = await offence(a, 'violence');
    expect(s1.sanction).toMatchObject({ state: 'free', publicGroupsBan: true });
    expect(await me(a)).toEqual({ state: 'free', publicGroupsBan: true });
    expect((await botSay(a, '/start')).text).toMatch(/cannot post in public groups/);
    const ap = await appeal(a);
    await decideAppeal(ap.id, 'overturn');
    await expectFree(a);
    const s2 = await offence(a, 'violence');
    expect(s2.sanction).toMatchObject({ publicGroupsBan: true });
    expect(await me(a)).toEqual({ state: 'free', publicGroupsBan: true });
    const s3 = await offence(a, 'violence');
    expect(s3.sanction).toMatchObject({ state: 'frozen', kind: 'violence', deleteAt: iso(s3.at + 14 * DAY * 1000) });
    expect(await me(a)).toEqual({ state: 'frozen', kind: 'violence', deleteAt: iso(s3.at + 14 * DAY * 1000), publicGroupsBan: true });
  });
});

describe('story: two accounts, interleaved', () => {
  it('keeps each ladder, appeal and lift to its own account on one clock', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await advance(53);
    const a1 = await offence(a);
    await advance(2 * HOUR + 1);
    const b1 = await offence(b);
    await expectLimited(a, 'report', a1.at + DAY * 1000);
    await expectLimited(b, 'report', b1.at + DAY * 1000);
    // A is free at its until, B two hours later.
    await advanceTo(a1.at + DAY * 1000);
    await expectFree(a);
    await expectLimited(b, 'report', b1.at + DAY * 1000);
    const a2 = await offence(a); // A's 2nd, during B's 1st
    await advanceTo(b1.at + DAY * 1000);
    await expectFree(b);
    await expectLimited(a, 'report', a2.at + 3 * DAY * 1000);
    // B appeals nothing (free); A appeals and wins; B's 2nd strike stays a 2nd.
    expect((await botSay(b, EN.mistake)).text).toMatch(/nothing to appeal/i);
    const apA = await appeal(a);
    const b2 = await offence(b);
    await decideAppeal(apA.id, 'overturn');
    await expectFree(a);
    await expectLimited(b, 'report', b2.at + 3 * DAY * 1000);
    // Lifting B leaves A's standing strike alone: A's next is a 2nd, B's next a 2nd too.
    await lift(b);
    const a3 = await offence(a);
    const b3 = await offence(b);
    expect(a3.sanction).toMatchObject({ until: iso(a3.at + 3 * DAY * 1000) });
    expect(b3.sanction).toMatchObject({ until: iso(b3.at + 3 * DAY * 1000) });
    // A freeze of one and a ban at its deleteAt leave the other limited, ending at its own time.
    const fa = await offence(a, 'scam');
    await advanceTo(b3.at + 3 * DAY * 1000);
    await expectFree(b);
    await expectFrozen(a, 'scam', fa.at + 14 * DAY * 1000);
    await advanceTo(fa.at + 14 * DAY * 1000);
    await expectBanned(a);
    await expectFree(b);
  });
});

describe('story: numbers and a new account on them', () => {
  it('a VoIP number starts limited with no end; a confirmed spam on top does not shorten it; a lift frees it', async () => {
    const a = await ctx.world.account({ numberKind: 'voip', phone: nextPhone() });
    await expectLimited(a, 'number', null);
    const s = await offence(a);
    expect(s.sanction).toMatchObject({ kind: 'report', until: iso(s.at + DAY * 1000) });
    await expectLimited(a, 'number', null);
    await advanceTo(s.at + DAY * 1000);
    await expectLimited(a, 'number', null);
    await lift(a);
    await expectFree(a);
  });
});

/** A case about `subject` waiting in a public group it joined: its owner (an admin) reports a post. */
async function groupCase(subject: TestAccount): Promise<string> {
  const owner = await ctx.world.account();
  const g = await owner.api.post('/v1/groups', { title: 'Market', kind: 'group', public: true });
  expect(g.status, JSON.stringify(g.body)).toBe(201);
  const chatId = g.body.chat.id;
  expect((await subject.api.post(`/v1/chats/${chatId}/join`)).status).toBe(204);
  const m = await subject.api.post('/v1/messages', { to: { chatId }, text: 'cheap followers here' });
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  const r = await owner.api.post('/v1/reports', { chatId, messageIds: [m.body.message.id], reason: 'spam' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect(r.body.report.caseId).toMatch(/./);
  return r.body.report.caseId;
}
/** A private case about `subject`, still open. */
async function privateCase(subject: TestAccount): Promise<string> {
  const victim = await ctx.world.account();
  const m = await sent(victim, subject, 'hello?');
  await sent(subject, victim, 'buy now');
  const r = await victim.api.post('/v1/reports', { chatId: m.chatId, reason: 'spam' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.report.caseId;
}
async function confirmCase(caseId: string, policy: string) {
  const p = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'confirm', policy });
  const d = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy });
  expect(d.status, JSON.stringify(d.body)).toBe(200);
  expect(d.body.sanction).toEqual(p.body.sanction);
  return { sanction: d.body.sanction, at: await now() };
}

describe('story: cases still open when a sanction lands are decided later', () => {
  it('two freezes: the account shows the date it is really banned at (the first), and is banned then', async () => {
    const a = await ctx.world.account();
    const g = await groupCase(a);
    const p = await privateCase(a);
    await advance(17);
    const f1 = await confirmCase(p, 'scam');
    await advance(DAY + 3);
    const f2 = await confirmCase(g, 'industrial_spam');
    expect(f2.sanction).toEqual({ state: 'frozen', kind: 'industrial_spam', deleteAt: iso(f2.at + 14 * DAY * 1000) });
    // A later freeze never postpones the deletion: the first one's date is the account's.
    await expectFrozen(a, 'scam', f1.at + 14 * DAY * 1000);
    await advanceTo(f1.at + 14 * DAY * 1000 - 1000);
    await expectFrozen(a, 'scam', f1.at + 14 * DAY * 1000);
    await advanceTo(f1.at + 14 * DAY * 1000);
    await expectBanned(a);
    // The second freeze's date passes under the ban; an admin lift then undoes both, strikes too.
    await advanceTo(f2.at + 14 * DAY * 1000 + 1000);
    await expectBanned(a);
    expect(await lift(a, ctx.admin)).toEqual({ state: 'free', publicGroupsBan: false });
    await expectFree(a);
    expect((await strikes(a)).map((s: any) => [s.policy, s.removed])).toEqual([
      ['scam', true],
      ['industrial_spam', true],
    ]);
    await advance(30 * DAY);
    await expectFree(a);
  });

  it('two freezes, the first overturned: the second one then decides, with its own date', async () => {
    const a = await ctx.world.account();
    const g = await groupCase(a);
    const p = await privateCase(a);
    await advance(13);
    const f1 = await confirmCase(p, 'scam');
    await advance(2 * DAY);
    const f2 = await confirmCase(g, 'industrial_spam');
    const ap = await appeal(a);
    expect(ap.restriction).toMatchObject({ state: 'frozen', kind: 'scam', deleteAt: iso(f1.at + 14 * DAY * 1000) });
    await decideAppeal(ap.id, 'overturn');
    expect(await botLast(a)).toMatch(/Another restriction on your account still applies/);
    await expectFrozen(a, 'industrial_spam', f2.at + 14 * DAY * 1000);
    await advanceTo(f1.at + 14 * DAY * 1000);
    await expectFrozen(a, 'industrial_spam', f2.at + 14 * DAY * 1000);
    await advanceTo(f2.at + 14 * DAY * 1000);
    await expectBanned(a);
  });

  it('a limit confirmed while frozen, then the freeze overturned: the limit holds to its own end', async () => {
    const a = await ctx.world.account();
    const g = await groupCase(a);
    const p = await privateCase(a);
    await advance(5);
    const f = await confirmCase(p, 'scam');
    await advance(HOUR);
    const l = await confirmCase(g, 'spam');
    expect(l.sanction).toMatchObject({ state: 'limited', kind: 'report', until: iso(l.at + DAY * 1000) });
    await expectFrozen(a, 'scam', f.at + 14 * DAY * 1000);
    const ap = await appeal(a);
    await decideAppeal(ap.id, 'overturn');
    await expectLimited(a, 'report', l.at + DAY * 1000);
    await advanceTo(l.at + DAY * 1000);
    await expectFree(a);
  });

  it('a case confirmed after the freeze became a ban; an admin lift then frees the account, every strike of it gone', async () => {
    const a = await ctx.world.account();
    const g = await groupCase(a);
    const p = await privateCase(a);
    await advance(9);
    const f = await confirmCase(p, 'scam');
    await advanceTo(f.at + 14 * DAY * 1000);
    await expectBanned(a);
    const l = await confirmCase(g, 'spam');
    expect(l.sanction).toMatchObject({ state: 'limited', until: iso(l.at + DAY * 1000) });
    await expectBanned(a);
    await lift(a, ctx.admin);
    await expectFree(a);
    expect((await strikes(a)).map((s: any) => [s.policy, s.removed])).toEqual([
      ['scam', true],
      ['spam', true],
    ]);
    const next = await offence(a);
    expect(next.sanction).toMatchObject({ until: iso(next.at + DAY * 1000) });
  });

  it('two limits confirmed at the same instant: 24 h and 72 h, the longer in force; each ends at its own time', async () => {
    const a = await ctx.world.account();
    const g = await groupCase(a);
    const p = await privateCase(a);
    await advance(21);
    const l1 = await confirmCase(p, 'spam');
    const l2 = await confirmCase(g, 'spam');
    expect(l1.at).toBe(l2.at);
    expect(l1.sanction).toMatchObject({ until: iso(l1.at + DAY * 1000) });
    expect(l2.sanction).toMatchObject({ until: iso(l1.at + 3 * DAY * 1000) });
    await expectLimited(a, 'report', l1.at + 3 * DAY * 1000);
    await advanceTo(l1.at + DAY * 1000);
    await expectLimited(a, 'report', l1.at + 3 * DAY * 1000);
    await advanceTo(l1.at + 3 * DAY * 1000);
    await expectFree(a);
  });
});

describe('story: decisions racing each other and the clock', () => {
  it('two cases confirmed at once by two requests: one is the 1st strike, the other the 2nd', async () => {
    const a = await ctx.world.account();
    const g = await groupCase(a);
    const p = await privateCase(a);
    await advance(33);
    const t = await now();
    const [d1, d2] = await Promise.all([
      ctx.moderator.post(`/v1/moderation/cases/${p}/decision`, { action: 'confirm', policy: 'spam' }),
      ctx.admin.post(`/v1/moderation/cases/${g}/decision`, { action: 'confirm', policy: 'spam' }),
    ]);
    expect([d1.status, d2.status]).toEqual([200, 200]);
    const untils = [d1.body.sanction.until, d2.body.sanction.until].sort();
    expect(untils).toEqual([iso(t + DAY * 1000), iso(t + 3 * DAY * 1000)]);
    await expectLimited(a, 'report', t + 3 * DAY * 1000);
    expect((await strikes(a)).filter((s: any) => s.counting)).toHaveLength(2);
  });

  it('a confirmation racing the clock past the last limit: the step and the shown end agree, whichever came first', async () => {
    const a = await ctx.world.account();
    await advance(3);
    const s1 = await offence(a);
    const p = await privateCase(a);
    const before = await now();
    const [d] = await Promise.all([
      ctx.moderator.post(`/v1/moderation/cases/${p}/decision`, { action: 'confirm', policy: 'spam' }),
      advance((s1.at + DAY * 1000 - before) / 1000),
    ]);
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    const until = Date.parse(d.body.sanction.until);
    // The 1st strike still counts either way: 72 h from the decision, made before or at the jump.
    expect([before + 3 * DAY * 1000, s1.at + DAY * 1000 + 3 * DAY * 1000]).toContain(until);
    await expectLimited(a, 'report', until);
  });

  it('a lift at the very instant a limit ends finds nothing in force: its strike keeps counting', async () => {
    const a = await ctx.world.account();
    await advance(47);
    const s1 = await offence(a);
    await advanceTo(s1.at + DAY * 1000);
    expect(await lift(a)).toEqual({ state: 'free', publicGroupsBan: false });
    expect((await strikes(a)).map((s: any) => s.removed)).toEqual([false]);
    const s2 = await offence(a);
    expect(s2.sanction).toMatchObject({ until: iso(s2.at + 3 * DAY * 1000) });
    // A second before its end, a lift removes the strike.
    await advanceTo(s2.at + 3 * DAY * 1000 - 1000);
    await lift(a);
    await expectFree(a);
    expect((await strikes(a)).map((s: any) => s.removed)).toEqual([false, true]);
  });
});

describe('story: appeals against the clock', () => {
  it('due at 48 h, overdue at 72 h exactly; after an uphold the next appeal waits 7 days to the second', async () => {
    const a = await ctx.world.account();
    await advance(27);
    const s = await offence(a, 'spam');
    // Climb to 7 days so the limit outlasts the appeal's clock.
    await advanceTo(s.at + DAY * 1000);
    const s2 = await offence(a);
    await advanceTo(s2.at + 3 * DAY * 1000);
    const s3 = await offence(a);
    await advance(11);
    const ap = await appeal(a);
    const filed = Date.parse(ap.createdAt);
    expect(ap).toMatchObject({ dueAt: iso(filed + 48 * HOUR * 1000), overdue: false });
    const find = async () => (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.find((x: any) => x.id === ap.id);
    await advanceTo(filed + 72 * HOUR * 1000 - 1000);
    expect(await find()).toMatchObject({ overdue: false });
    await advanceTo(filed + 72 * HOUR * 1000);
    expect(await find()).toMatchObject({ overdue: true });
    await advance(13);
    const upheldAt = await now();
    await decideAppeal(ap.id, 'uphold');
    await expectLimited(a, 'report', s3.at + 7 * DAY * 1000);
    const again = await ctx.support.post(`/v1/moderation/appeals/${ap.id}/decision`, { outcome: 'overturn' });
    expectError(again, 409, 'APPEAL_ALREADY_DECIDED');
    // Not before 7 days after the uphold; the limit runs out first here, so a new offence is appealed.
    await advanceTo(s3.at + 7 * DAY * 1000);
    await expectFree(a);
    const s4 = await offence(a);
    await advanceTo(upheldAt + 7 * DAY * 1000 - 1000);
    const refused = await botSay(a, EN.mistake);
    expect(refused.text).toContain(`You can appeal again after ${shown(upheldAt + 7 * DAY * 1000)}`);
    await advanceTo(upheldAt + 7 * DAY * 1000);
    const ap2 = await appeal(a);
    expect(ap2.restriction).toMatchObject({ until: iso(s4.at + 30 * DAY * 1000) });
  });

  it('a SpamBot appeal started while limited and finished after the limit ended files nothing', async () => {
    const a = await ctx.world.account();
    await advance(1);
    const s = await offence(a);
    await botSay(a, EN.mistake);
    await botSay(a, EN.didNot);
    await advanceTo(s.at + DAY * 1000);
    const reply = await botSay(a, 'It was my cousin.');
    expect(reply.text).toMatch(/no limits are applied/);
    const list = await ctx.support.get('/v1/moderation/appeals?limit=1000');
    expect(list.body.appeals.filter((x: any) => x.accountId === a.id)).toEqual([]);
  });
});

describe('story: a restart in the middle of the ladder', () => {
  it('keeps the strikes, the limit, the open appeal and the coming deletion exactly as before', async () => {
    // One account is frozen, appeals, and is held past its deletion date when banya restarts.
    const c = await ctx.world.account();
    const fc = await offence(c, 'scam');
    const apc = await appeal(c);
    await advanceTo(fc.at + 14 * DAY * 1000 + HOUR * 1000);
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await advance(39);
    const s1 = await offence(a);
    await advanceTo(s1.at + DAY * 1000);
    const s2 = await offence(a);
    const ap = await appeal(a);
    const f = await offence(b, 'scam');
    ctx.server = await ctx.server.restart();
    ctx.world = new World(ctx.server.url);
    const rebind = (x: TestAccount): TestAccount => ({ ...x, api: new Client(ctx.server.url, x.token) });
    const [ra, rb, rc] = [rebind(a), rebind(b), rebind(c)];
    ctx.moderator = new Client(ctx.server.url, ctx.moderator.token);
    ctx.support = new Client(ctx.server.url, ctx.support.token);
    ctx.admin = new Client(ctx.server.url, ctx.admin.token);
    expect(await me(rc)).toMatchObject({ state: 'frozen', deleteAt: iso(fc.at + 14 * DAY * 1000) });
    expect((await botSay(rc, '/start')).text).toMatch(/will not be deleted while your appeal is under review/);
    await expectLimited(ra, 'report', s2.at + 3 * DAY * 1000);
    await expectFrozen(rb, 'scam', f.at + 14 * DAY * 1000);
    await decideAppeal(apc.id, 'uphold');
    await expectBanned(rc);
    await decideAppeal(ap.id, 'overturn');
    await expectFree(ra);
    const s3 = await offence(ra);
    expect(s3.sanction).toMatchObject({ until: iso(s3.at + 3 * DAY * 1000) });
    await advanceTo(f.at + 14 * DAY * 1000);
    await expectBanned(rb);
  });
});

describe('story: a lift racing a confirmation', () => {
  it('ends either free with every strike gone, or with the new decision as a 1st strike', async () => {
    const a = await ctx.world.account();
    await advance(51);
    await offence(a);
    const p = await privateCase(a);
    const t = await now();
    const [l, d] = await Promise.all([
      ctx.support.post(`/v1/moderation/accounts/${a.id}/lift`, { reason: 'reviewed' }),
      ctx.moderator.post(`/v1/moderation/cases/${p}/decision`, { action: 'confirm', policy: 'spam' }),
    ]);
    expect([l.status, d.status]).toEqual([200, 200]);
    const removed = (await strikes(a)).map((s: any) => s.removed);
    if (d.body.sanction.until === iso(t + DAY * 1000)) {
      // The lift came first: the confirmation is a 1st strike again, and in force.
      expect(removed).toEqual([true, false]);
      await expectLimited(a, 'report', t + DAY * 1000);
    } else {
      expect(d.body.sanction.until).toBe(iso(t + 3 * DAY * 1000));
      expect(removed).toEqual([true, true]);
      await expectFree(a);
    }
  });
});

describe('story: a freeze while a limit is under appeal', () => {
  it('the open appeal holds the deletion; deciding it releases the deletion at once', async () => {
    const a = await ctx.world.account();
    const g = await groupCase(a);
    await advance(7);
    const l = await offence(a);
    const ap = await appeal(a);
    expect(ap.restriction).toMatchObject({ state: 'limited' });
    const f = await confirmCase(g, 'scam');
    const deleteAt = f.at + 14 * DAY * 1000;
    await expectFrozen(a, 'scam', deleteAt);
    // The account cannot appeal the freeze: its one open appeal is under review.
    expect((await botSay(a, EN.mistake)).text).toMatch(/already have an appeal under review/);
    await advanceTo(deleteAt + HOUR * 1000);
    expect(await me(a)).toMatchObject({ state: 'frozen', deleteAt: iso(deleteAt) });
    await decideAppeal(ap.id, 'overturn');
    await expectBanned(a);
    expect(l.sanction.state).toBe('limited');
  });
});

describe('story: a group owner limited and freed', () => {
  it('adds strangers before, not while limited (PEER_FLOOD), and again from the instant the limit ends', async () => {
    const owner = await ctx.world.account();
    const g = await owner.api.post('/v1/groups', { title: 'Club', kind: 'group' });
    expect(g.status).toBe(201);
    const chatId = g.body.chat.id;
    const first = await ctx.world.account();
    expect((await owner.api.post(`/v1/chats/${chatId}/members`, { accountIds: [first.id] })).body.added).toEqual([first.id]);
    await advance(19);
    const s = await offence(owner);
    const stranger = await ctx.world.account();
    const denied = await owner.api.post(`/v1/chats/${chatId}/members`, { accountIds: [stranger.id] });
    expect(denied.body).toMatchObject({ added: [], missingInvitees: [{ accountId: stranger.id, code: 'PEER_FLOOD' }] });
    // Posting in its own group is allowed while limited.
    expect((await owner.api.post('/v1/messages', { to: { chatId }, text: 'meeting at 6' })).status).toBe(201);
    await advanceTo(s.at + DAY * 1000 - 1000);
    expect((await owner.api.post(`/v1/chats/${chatId}/members`, { accountIds: [stranger.id] })).body.added).toEqual([]);
    await advanceTo(s.at + DAY * 1000);
    expect((await owner.api.post(`/v1/chats/${chatId}/members`, { accountIds: [stranger.id] })).body.added).toEqual([stranger.id]);
  });
});

describe('story: a frozen account appeals twice', () => {
  it('upheld on day 1, appeals again on day 8, held past deleteAt, overturned on day 15: free, never banned', async () => {
    const a = await ctx.world.account();
    await advance(59);
    const f = await offence(a, 'scam');
    const deleteAt = f.at + 14 * DAY * 1000;
    const ap1 = await appeal(a, 'My account was stolen.');
    await advance(DAY);
    const upheldAt = await now();
    await decideAppeal(ap1.id, 'uphold');
    expect(await botLast(a)).toMatch(/the restriction stays/);
    await expectFrozen(a, 'scam', deleteAt);
    await advanceTo(upheldAt + 7 * DAY * 1000);
    const ap2 = await appeal(a, 'I got my account back, please look again.');
    expect(ap2.restriction).toMatchObject({ state: 'frozen', deleteAt: iso(deleteAt) });
    await advanceTo(deleteAt + DAY * 1000);
    expect(await me(a)).toMatchObject({ state: 'frozen', deleteAt: iso(deleteAt) });
    const held = await send(a, await ctx.world.account());
    expect(held.body.error.details).toMatchObject({ deletionOnHold: true });
    await decideAppeal(ap2.id, 'overturn');
    await expectFree(a);
    await advance(30 * DAY);
    await expectFree(a);
    expect((await strikes(a)).map((s: any) => s.removed)).toEqual([true]);
  });
});

describe('story: robots and moderators on one account', () => {
  it('a robot limit, a shorter report limit under it, a robot freeze; the freeze overturned leaves the longest limit', async () => {
    const a = await ctx.world.account();
    const id = parseId('account', a.id);
    await advance(23);
    const t0 = await now();
    await robotLimit(ctx.server.app.platform, id, 'cold_fanout', 48);
    await expectLimited(a, 'robot', t0 + 48 * HOUR * 1000);
    expect((await botSay(a, '/start')).text).toMatch(/automated systems/);
    await advance(HOUR);
    const l = await offence(a);
    expect(l.sanction).toMatchObject({ kind: 'report', until: iso(l.at + DAY * 1000) });
    // A new limit never shortens one in force: the robot's 48 h still show.
    await expectLimited(a, 'robot', t0 + 48 * HOUR * 1000);
    await advance(HOUR);
    const fAt = await now();
    expect(await robotSanction(ctx.server.app.platform, id, 'bulk_sender', 'industrial_spam')).toEqual({
      state: 'frozen',
      kind: 'industrial_spam',
      deleteAt: iso(fAt + 14 * DAY * 1000),
    });
    await expectFrozen(a, 'industrial_spam', fAt + 14 * DAY * 1000);
    const ap = await appeal(a, 'I run a delivery service; people expect my messages.');
    expect(ap).toMatchObject({ robot: true, rule: 'bulk_sender', restriction: { state: 'frozen', kind: 'industrial_spam' } });
    const list = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals;
    expect(list[0].robot).toBe(true);
    await decideAppeal(ap.id, 'overturn');
    await expectLimited(a, 'robot', t0 + 48 * HOUR * 1000);
    await advanceTo(t0 + 48 * HOUR * 1000);
    await expectFree(a);
    expect((await strikes(a)).map((s: any) => [s.policy, s.removed])).toEqual([
      ['spam', false],
      ['industrial_spam', true],
    ]);
    // The robot's freeze overturned, its next one is a first again; the spam ladder is at its 2nd.
    const s2 = await offence(a);
    expect(s2.sanction).toMatchObject({ until: iso(s2.at + 3 * DAY * 1000) });
  });
});

describe('story: asking SpamBot for an early release at each step', () => {
  it('is refused politely with the real end, changes nothing, and admitting guilt changes nothing either', async () => {
    const a = await ctx.world.account();
    await advance(37);
    const s1 = await offence(a);
    const end1 = s1.at + DAY * 1000;
    expect((await botSay(a, EN.release)).text).toContain(`It ends by itself on ${shown(end1)}`);
    await botSay(a, EN.mistake);
    expect((await botSay(a, EN.did)).text).toContain(`The limit ends by itself on ${shown(end1)}`);
    await expectLimited(a, 'report', end1);
    // Strikes 2–4 (72 h, 7 days, 30 days) each waited out, then the 5th: permanent.
    await advanceTo(end1);
    for (const days of [3, 7, 30]) {
      const s = await offence(a);
      await advanceTo(s.at + days * DAY * 1000);
    }
    const s5 = await offence(a);
    await expectLimited(a, 'permanent', null);
    expect((await botSay(a, EN.release)).text).toMatch(/appeal instead/);
    await botSay(a, EN.mistake);
    expect((await botSay(a, EN.did)).text).toMatch(/The limit stays/);
    await expectLimited(a, 'permanent', null);
    await advanceTo(s5.at + 30 * DAY * 1000);
    await expectLimited(a, 'permanent', null);
    expect((await ctx.support.get('/v1/moderation/appeals?limit=1000')).body.appeals.filter((x: any) => x.accountId === a.id)).toEqual([]);
  });
});

describe('story: one number, three owners', () => {
  it('shed by deleting while limited, limited again for the next owner; an overturned story frees it for the one after', async () => {
    const a = await ctx.world.account();
    await advance(3);
    await offence(a);
    expect((await a.api.delete('/v1/me')).status).toBe(204);
    expectError(await a.api.get('/v1/me'), 401, 'UNAUTHORIZED');
    const b = await ctx.world.account({ phone: a.phone });
    await expectLimited(b, 'number', null);
    // The old limit's end passes: the number limit has none.
    await advance(2 * DAY);
    await expectLimited(b, 'number', null);
    await botSay(b, '/start');
    expect((await botSay(b, EN.story)).text).toMatch(/tell your story/i);
    expect((await botSay(b, 'I bought this SIM last week.')).text).toMatch(/appeal is filed/);
    const ap = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.find((x: any) => x.accountId === b.id);
    expect(ap).toMatchObject({ story: true, restriction: { state: 'limited', kind: 'number', until: null } });
    await decideAppeal(ap.id, 'overturn');
    await expectFree(b);
    // B leaves free: the next owner starts free.
    expect((await b.api.delete('/v1/me')).status).toBe(204);
    const c = await ctx.world.account({ phone: a.phone });
    await expectFree(c);
  });
});
