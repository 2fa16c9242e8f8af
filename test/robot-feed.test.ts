import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkProjections } from '../src/check.js';
import type { RobotEvent } from '../src/robots/events.js';
import { textSignals } from '../src/robots/events.js';
import { Role } from '../src/domain/gate.js';
import { parseId } from '../src/store/ids.js';
import { Client, nextPhone, World, type TestAccount } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * What the platform tells robots (src/robots/events.ts), over HTTP on a real server: every fact
 * with its fields (replies, text signals, contacts saved, group posts with their member count,
 * joins and leaves, invites with their group, whether the subject of a report or block wrote
 * first), each published only once its write committed — memory, which follows the commit,
 * already holds it when robots hear of it.
 */

interface Tapped {
  server: TestServer;
  world: World;
  events: RobotEvent[];
  /** What memory held when each event was published, by the event's index. */
  committed: boolean[];
}

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers) expect(await checkProjections(s.app.platform.store)).toEqual([]);
});
afterAll(async () => {
  for (const s of servers) await s.stop();
});

/**
 * Listens to what the platform publishes, in front of the real engine (which still gets every
 * event), and notes for each whether its write is already visible in memory.
 */
function tap(server: TestServer, into?: Tapped): Tapped {
  const p = server.app.platform;
  const t: Tapped = into ?? { server, world: new World(server.url), events: [], committed: [] };
  t.server = server;
  const robots = p.robots as { observe(ev: RobotEvent): Promise<void> | void };
  const engine = robots.observe.bind(robots);
  robots.observe = (ev: RobotEvent) => {
    t.events.push(ev);
    t.committed.push(visible(server, ev));
    return engine(ev);
  };
  return t;
}

/** The event's own write, as memory shows it (memory changes only after COMMIT). */
function visible(server: TestServer, ev: RobotEvent): boolean {
  const idx = server.app.platform.index;
  switch (ev.type) {
    case 'message':
      return idx.privateChat(ev.from, ev.to) !== 0 && idx.hasWritten(ev.from, ev.to);
    case 'contact':
      return idx.hasContact(ev.from, ev.to);
    case 'join':
      return idx.role(ev.group, ev.account) === Role.MEMBER;
    case 'post':
      return idx.memberCount(ev.group) === ev.members;
    case 'leave':
      return idx.role(ev.group, ev.account) === Role.LEFT;
    case 'invite':
      return ev.group !== undefined && idx.role(ev.group, ev.account) === Role.MEMBER;
    case 'block':
      return idx.hasBlocked(ev.from, ev.to);
    case 'report':
      return server.app.platform.enforcement.openCases.size > 0;
    case 'account':
      return idx.exists(ev.account);
    case 'decision':
      return server.app.platform.enforcement.manualDecisionAt.has(ev.account) || ev.outcome === 'confirmed';
  }
}

async function tapped(): Promise<Tapped> {
  const s = await startServer();
  servers.push(s);
  return tap(s);
}

const n = (a: TestAccount) => parseId('account', a.id);

function ofType<T extends RobotEvent['type']>(t: Tapped, type: T): Extract<RobotEvent, { type: T }>[] {
  return t.events.filter((e): e is Extract<RobotEvent, { type: T }> => e.type === type);
}

function lastOf<T extends RobotEvent['type']>(t: Tapped, type: T): Extract<RobotEvent, { type: T }> {
  const all = ofType(t, type);
  expect(all.length, `no ${type} event`).toBeGreaterThan(0);
  return all[all.length - 1]!;
}

async function send(from: TestAccount, to: { accountId: string } | { chatId: string }, text: string): Promise<string> {
  const r = await from.api.post('/v1/messages', { to, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.message.chatId;
}

function allCommitted(t: Tapped): void {
  t.committed.forEach((c, i) => expect(c, `published before its write: ${JSON.stringify(t.events[i])}`).toBe(true));
}

describe('private messages', () => {
  it('carry the text signals as the robots compute them, whether the chat is new, and whether it answers the recipient', async () => {
    const t = await tapped();
    const [a, b] = [await t.world.account(), await t.world.account()];
    const text = 'Cheap flats at https://flats.example/offer, write to @flatdealer now, only today';
    await send(a, { accountId: b.id }, text);
    const first = lastOf(t, 'message');
    expect(first).toMatchObject({ from: n(a), to: n(b), stranger: true, newChat: true, reply: false });
    // Whatever textSignals returns, the event carries it as it is (new fields flow through).
    expect(first).toMatchObject(JSON.parse(JSON.stringify(textSignals(text))));
    expect(first.textHash).not.toBe(0);
    expect(first.link).toBe(true);

    // b answers the chat a started: a reply (about a); the recipient a is no stranger to b now.
    await send(b, { accountId: a.id }, 'who are you?');
    expect(lastOf(t, 'message')).toMatchObject({ from: n(b), to: n(a), newChat: false, reply: true, stranger: false, link: false });
    // a writing on in the chat a started answers nobody.
    await send(a, { accountId: b.id }, 'a friend');
    expect(lastOf(t, 'message')).toMatchObject({ from: n(a), to: n(b), newChat: false, reply: false });
    allCommitted(t);
  });

  it('who started a chat survives a restart (the starter is loaded from the chats table)', async () => {
    const t = await tapped();
    const [a, b] = [await t.world.account(), await t.world.account()];
    await send(a, { accountId: b.id }, 'hello there');
    await send(b, { accountId: a.id }, 'hi');
    const idx = servers.indexOf(t.server);
    const again = await t.server.restart();
    servers[idx] = again;
    tap(again, t);
    a.api = new Client(again.url, a.token);
    b.api = new Client(again.url, b.token);
    // Both sides have written: only the stored starter says who answers whom.
    await send(b, { accountId: a.id }, 'still there?');
    expect(lastOf(t, 'message')).toMatchObject({ from: n(b), to: n(a), reply: true });
    await send(a, { accountId: b.id }, 'yes');
    expect(lastOf(t, 'message')).toMatchObject({ from: n(a), to: n(b), reply: false });
    // And the block of the one who started it is a block of someone who wrote first.
    expect((await b.api.post('/v1/blocks', { accountId: a.id })).status).toBe(204);
    expect(lastOf(t, 'block')).toMatchObject({ from: n(b), to: n(a), initiated: true });
    allCommitted(t);
  });

  it('a message to SpamBot tells robots nothing', async () => {
    const t = await tapped();
    const a = await t.world.account();
    const before = t.events.length;
    const bot = t.server.app.platform.index.spamBotId;
    expect((await a.api.post('/v1/messages', { to: { accountId: `u${bot}` }, text: '/start' })).status).toBe(201);
    expect(t.events.slice(before).filter((e) => e.type === 'message')).toEqual([]);
  });
});

describe('contacts', () => {
  it('saving an account, importing its number, and a waiting import resolving each publish one contact event, once', async () => {
    const t = await tapped();
    const [a, b, c, d] = [await t.world.account(), await t.world.account(), await t.world.account(), await t.world.account()];
    await t.world.save(b, a);
    expect(lastOf(t, 'contact')).toMatchObject({ from: n(b), to: n(a) });
    // Saving again changes nothing and says nothing.
    const count = ofType(t, 'contact').length;
    await t.world.save(b, a);
    expect(ofType(t, 'contact').length).toBe(count);

    // An import finds c and d by number (everybody finds them by default); a number without an
    // account waits.
    const later = nextPhone();
    const r = await a.api.post('/v1/contacts/import', { contacts: [{ phone: c.phone }, { phone: d.phone }, { phone: later }] });
    expect(r.status).toBe(200);
    expect(r.body.notFound).toEqual([later]);
    expect(
      ofType(t, 'contact')
        .slice(count)
        .map((e) => [e.from, e.to]),
    ).toEqual([
      [n(a), n(c)],
      [n(a), n(d)],
    ]);
    // The number's account appears: a's waiting import completes, and robots hear a saved it.
    const e = await t.world.account({ phone: later });
    expect(lastOf(t, 'contact')).toMatchObject({ from: n(a), to: n(e) });
    expect(t.server.app.platform.index.hasContact(n(a), n(e))).toBe(true);
    // Importing the same numbers again saves nobody new.
    const total = ofType(t, 'contact').length;
    expect((await a.api.post('/v1/contacts/import', { contacts: [{ phone: c.phone }, { phone: later }] })).status).toBe(200);
    expect(ofType(t, 'contact').length).toBe(total);
    allCommitted(t);
  });
});

describe('groups', () => {
  it('invites name their group; posts carry the member count and text signals; joins and leaves are told once each', async () => {
    const t = await tapped();
    const [owner, m1, m2, joiner] = [await t.world.account(), await t.world.account(), await t.world.account(), await t.world.account()];
    const g = await owner.api.post('/v1/groups', { title: 'Parents of 3B', kind: 'group', public: true, members: [m1.id, m2.id] });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    const chat = parseId('chat', g.body.chat.id);
    const invites = ofType(t, 'invite');
    expect(invites.map((i) => [i.by, i.account, i.group, i.stranger])).toEqual([
      [n(owner), n(m1), chat, true],
      [n(owner), n(m2), chat, true],
    ]);
    // No declines on this platform: members are added directly, so `accepted` is never claimed.
    for (const i of invites) expect(i).not.toHaveProperty('accepted');

    const text = 'School fair on Saturday: https://school.example/fair — bring cakes!';
    await send(owner, { chatId: g.body.chat.id }, text);
    const post = lastOf(t, 'post');
    expect(post).toMatchObject({ from: n(owner), group: chat, members: 3 });
    expect(post).toMatchObject(JSON.parse(JSON.stringify(textSignals(text))));
    // A post is not a private message.
    expect(ofType(t, 'message')).toEqual([]);

    expect((await joiner.api.post(`/v1/chats/${g.body.chat.id}/join`)).status).toBe(204);
    expect(lastOf(t, 'join')).toMatchObject({ group: chat, account: n(joiner) });
    // Joining again changes nothing and tells nothing.
    expect((await joiner.api.post(`/v1/chats/${g.body.chat.id}/join`)).status).toBe(204);
    expect(ofType(t, 'join').length).toBe(1);
    await send(m1, { chatId: g.body.chat.id }, 'see you there');
    expect(lastOf(t, 'post')).toMatchObject({ from: n(m1), members: 4 });

    expect((await m2.api.post(`/v1/chats/${g.body.chat.id}/leave`)).status).toBe(204);
    expect(lastOf(t, 'leave')).toMatchObject({ group: chat, account: n(m2) });
    await send(joiner, { chatId: g.body.chat.id }, 'hello all');
    expect(lastOf(t, 'post')).toMatchObject({ from: n(joiner), members: 3 });

    const added = await owner.api.post(`/v1/chats/${g.body.chat.id}/members`, { accountIds: [m2.id] });
    expect(added.status).toBe(200);
    expect(lastOf(t, 'invite')).toMatchObject({ by: n(owner), account: n(m2), group: chat });
    // Someone who asked to be added (wrote to the owner first) is no stranger it reached.
    const asker = await t.world.account();
    await send(asker, { accountId: owner.id }, 'hi, could you add me to the parents group?');
    expect((await owner.api.post(`/v1/chats/${g.body.chat.id}/members`, { accountIds: [asker.id] })).status).toBe(200);
    expect(lastOf(t, 'invite')).toMatchObject({ by: n(owner), account: n(asker), group: chat, stranger: false });
    allCommitted(t);
  });
});

describe('reports and blocks: did the subject write first', () => {
  it('a report of someone who started the chat is initiated; of someone the reporter wrote to first is not', async () => {
    const t = await tapped();
    const [spammer, victim, talker, friend] = [await t.world.account(), await t.world.account(), await t.world.account(), await t.world.account()];
    const c1 = await send(spammer, { accountId: victim.id }, 'great investment, reply now');
    expect((await victim.api.post('/v1/reports', { chatId: c1, reason: 'spam' })).status).toBe(201);
    expect(lastOf(t, 'report')).toMatchObject({ from: n(victim), to: n(spammer), initiated: true });

    // talker wrote first to friend, friend answered; talker reports the answer: not initiated.
    const c2 = await send(talker, { accountId: friend.id }, 'hi, how is it going?');
    await send(friend, { accountId: talker.id }, 'fine, and you?');
    expect((await talker.api.post('/v1/reports', { chatId: c2, reason: 'spam', block: true })).status).toBe(201);
    expect(lastOf(t, 'report')).toMatchObject({ from: n(talker), to: n(friend), initiated: false });
    // The block that went with the report says the same.
    expect(lastOf(t, 'block')).toMatchObject({ from: n(talker), to: n(friend), initiated: false });
    allCommitted(t);
  });

  it('report and block of the one who wrote first: both initiated', async () => {
    const t = await tapped();
    const [spammer, victim] = [await t.world.account(), await t.world.account()];
    const chat = await send(spammer, { accountId: victim.id }, 'win a prize at prize.example');
    expect((await victim.api.post('/v1/reports', { chatId: chat, block: true })).status).toBe(201);
    expect(lastOf(t, 'report')).toMatchObject({ from: n(victim), to: n(spammer), initiated: true });
    expect(lastOf(t, 'block')).toMatchObject({ from: n(victim), to: n(spammer), initiated: true, stranger: true });
    allCommitted(t);
  });

  it('a block without any chat, or of someone the blocker wrote to first, is not initiated', async () => {
    const t = await tapped();
    const [a, b, c] = [await t.world.account(), await t.world.account(), await t.world.account()];
    expect((await a.api.post('/v1/blocks', { accountId: b.id })).status).toBe(204);
    expect(lastOf(t, 'block')).toMatchObject({ from: n(a), to: n(b), initiated: false });
    await send(a, { accountId: c.id }, 'hello c');
    expect((await a.api.post('/v1/blocks', { accountId: c.id })).status).toBe(204);
    expect(lastOf(t, 'block')).toMatchObject({ from: n(a), to: n(c), initiated: false });
    // c blocks a, who wrote first.
    expect((await c.api.post('/v1/blocks', { accountId: a.id })).status).toBe(204);
    expect(lastOf(t, 'block')).toMatchObject({ from: n(c), to: n(a), initiated: true });
    allCommitted(t);
  });

  it('a report from a group says who came to whom: a poster who joined came to those already there, not to those who walked in after it', async () => {
    const t = await tapped();
    const [owner, early, poster] = [await t.world.account(), await t.world.account(), await t.world.account()];
    const g = await owner.api.post('/v1/groups', { title: 'Flat hunters', kind: 'group', public: true });
    expect(g.status).toBe(201);
    const chat = g.body.chat.id;
    expect((await early.api.post(`/v1/chats/${chat}/join`)).status).toBe(204);
    // A member who joined by themselves: one admin's report opens the case (RULES.md §3).
    expect((await poster.api.post(`/v1/chats/${chat}/join`)).status).toBe(204);
    const msg = await poster.api.post('/v1/messages', { to: { chatId: chat }, text: 'buy followers cheap at followers.example' });
    expect(msg.status).toBe(201);
    const r = await owner.api.post('/v1/reports', { chatId: chat, messageIds: [msg.body.message.id] });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(lastOf(t, 'report')).toMatchObject({ from: n(owner), to: n(poster), initiated: true });
    // Three who walked in after the poster report it too: nobody contacted them; robots are not
    // told the poster came to them (they then count it only if the poster had reached them).
    const later = [await t.world.account(), await t.world.account(), await t.world.account()];
    for (const m of later) expect((await m.api.post(`/v1/chats/${chat}/join`)).status).toBe(204);
    const reportAs = (a: TestAccount, id: string) => a.api.post('/v1/reports', { chatId: chat, messageIds: [id] });
    for (const m of later) expect((await reportAs(m, msg.body.message.id)).status).toBe(201);
    // The case was open already: the later reports join it and reach robots, none as initiated.
    const fromLater = ofType(t, 'report').filter((e) => later.some((m) => e.from === n(m)));
    expect(fromLater.length).toBeGreaterThan(0);
    for (const e of fromLater) expect(e).not.toHaveProperty('initiated');
    // The member who was there before the poster: the poster came to them.
    expect((await reportAs(early, msg.body.message.id)).status).toBe(201);
    expect(lastOf(t, 'report')).toMatchObject({ from: n(early), to: n(poster), initiated: true });
    // The owner, reported by members who joined its group: it came to nobody.
    const own = await owner.api.post('/v1/messages', { to: { chatId: chat }, text: 'house rules: no ads' });
    expect(own.status).toBe(201);
    for (const m of later) expect((await reportAs(m, own.body.message.id)).status).toBe(201);
    const aboutOwner = ofType(t, 'report').filter((e) => e.to === n(owner));
    expect(aboutOwner.length).toBeGreaterThan(0);
    for (const e of aboutOwner) expect(e).not.toHaveProperty('initiated');
    allCommitted(t);
  });
});

describe('group reports from outside the group', () => {
  it('reach robots neither below the threshold nor once members raised the case', async () => {
    const t = await tapped();
    const [owner, poster] = [await t.world.account(), await t.world.account()];
    const g = await owner.api.post('/v1/groups', { title: 'Open square', kind: 'group', public: true });
    expect(g.status).toBe(201);
    const chat = g.body.chat.id;
    expect((await poster.api.post(`/v1/chats/${chat}/join`)).status).toBe(204);
    const msg = await poster.api.post('/v1/messages', { to: { chatId: chat }, text: 'cheap followers at followers.example' });
    expect(msg.status).toBe(201);
    const outsiders = [await t.world.account(), await t.world.account(), await t.world.account()];
    const members = [await t.world.account(), await t.world.account(), await t.world.account()];
    for (const m of members) expect((await m.api.post(`/v1/chats/${chat}/join`)).status).toBe(204);
    const reportAs = (a: TestAccount) => a.api.post('/v1/reports', { chatId: chat, messageIds: [msg.body.message.id] });
    for (const o of outsiders) expect((await reportAs(o)).status).toBe(201);
    expect(ofType(t, 'report')).toEqual([]);
    for (const m of members) expect((await reportAs(m)).status).toBe(201);
    // The member whose report raised the case is heard.
    expect(ofType(t, 'report').map((e) => e.from)).toEqual([n(members[2]!)]);
    // An outsider's report joins the open case; robots still do not count it.
    const late = await reportAs(await t.world.account());
    expect(late.status).toBe(201);
    expect(late.body.report.caseId).toMatch(/^k/);
    expect(ofType(t, 'report').map((e) => e.from)).toEqual([n(members[2]!)]);
    allCommitted(t);
  });
});

describe("people's decisions", () => {
  it('a confirmed case and a dismissed one reach robots once durable, and set the record of whoever blocked', async () => {
    const t = await tapped();
    const mod = await t.world.staff('moderator');
    const [spammer, innocent, victim] = [await t.world.account(), await t.world.account(), await t.world.account()];
    const engine = t.server.app.robots;
    expect(engine.recordOf(n(victim))).toBe(1);

    // The victim reports and blocks someone a person then clears: the victim was wrong.
    const c1 = await send(innocent, { accountId: victim.id }, 'hello, is the flat still free?');
    const r1 = await victim.api.post('/v1/reports', { chatId: c1, reason: 'spam', block: true });
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    const d1 = await mod.post(`/v1/moderation/cases/${r1.body.report.caseId}/decision`, { action: 'dismiss' });
    expect(d1.status, JSON.stringify(d1.body)).toBe(200);
    expect(lastOf(t, 'decision')).toMatchObject({ account: n(innocent), outcome: 'cleared' });
    const wrong = engine.recordOf(n(victim));
    expect(wrong).toBeLessThan(1);

    // Then reports and blocks a real spammer, confirmed: the record rises again.
    const c2 = await send(spammer, { accountId: victim.id }, 'cheap followers at followers.example now');
    const r2 = await victim.api.post('/v1/reports', { chatId: c2, reason: 'spam', block: true });
    expect(r2.status, JSON.stringify(r2.body)).toBe(201);
    const d2 = await mod.post(`/v1/moderation/cases/${r2.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expect(d2.status, JSON.stringify(d2.body)).toBe(200);
    expect(lastOf(t, 'decision')).toMatchObject({ account: n(spammer), outcome: 'confirmed' });
    expect(engine.recordOf(n(victim))).toBeGreaterThan(wrong);
    expect(ofType(t, 'decision')).toHaveLength(2);
    allCommitted(t);
  });
});
