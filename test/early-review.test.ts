import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, World, type TestAccount } from './helpers/client.js';
import { onlyRulesFile } from './helpers/robots.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * The softer first action (`early_review`, src/robots/rules/review.ts): on thin evidence robots
 * put the account's case before a person, at the top of the queue with the signals, and restrict
 * nobody; what they added to the case's priority stays with it when reports join, and across a
 * restart.
 */

const DAY = 86_400;
// early_review and stranger_feedback alone (the limit that follows thin evidence), so that what
// the other rules would make of the links below does not come into it.
const robotsFile = onlyRulesFile(['early_review', 'stranger_feedback']);

let s: TestServer;
let w: World;
let mod: Client;

beforeAll(async () => {
  s = await startServer({ robotsFile });
  w = new World(s.url);
  mod = await w.staff('moderator');
});

afterAll(async () => {
  await s?.stop();
});

async function send(from: TestAccount, to: TestAccount, text: string): Promise<void> {
  const r = await from.api.post('/v1/messages', { to: { accountId: to.id }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

async function reportOn(reporter: TestAccount, subject: TestAccount): Promise<void> {
  const chats = await reporter.api.get('/v1/chats');
  const chat = chats.body.chats.find((c: any) => c.peer?.accountId === subject.id);
  const r = await reporter.api.post('/v1/reports', { chatId: chat.id, reason: 'spam' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

async function caseOf(subject: TestAccount): Promise<any> {
  const r = await mod.get('/v1/moderation/cases?limit=1000');
  expect(r.status).toBe(200);
  return r.body.cases.find((c: any) => c.subject.accountId === subject.id && !c.subject.chatId);
}

describe('a case robots raise for a person', () => {
  it('opens on a first block among the strangers an account pitched, on top of the queue, and limits nobody', async () => {
    const pitcher = await w.account();
    const control = await w.account();
    const people: TestAccount[] = [];
    for (let i = 0; i < 8; i++) people.push(await w.account());
    // A complaint weighs by the complainer's age (a fifth at a day, nearly all at ten days).
    await w.advance(10 * DAY);
    for (let i = 0; i < 6; i++) await send(pitcher, people[i]!, `Big sale today only, see deals-${i}.top before it ends`);
    // The control reached too few strangers for robots to raise anything: its case is the reports' alone.
    for (let i = 0; i < 3; i++) await send(control, people[i]!, `Big sale today only, see deals-${i}.top before it ends`);
    expect(await caseOf(pitcher)).toBeUndefined();

    const block = await people[5]!.api.post('/v1/blocks', { accountId: pitcher.id });
    expect(block.status).toBe(204);
    const raised = await caseOf(pitcher);
    expect(raised).toMatchObject({ state: 'open', reportCount: 0, priority: 5 });
    const me = await pitcher.api.get('/v1/me');
    expect(me.body.restriction.state).toBe('free');
    // The case page shows the rule and what fired; the timeline records it for staff.
    const view = await mod.get(`/v1/moderation/cases/${raised.id}`);
    expect(view.status).toBe(200);
    expect(view.body.case.robots.map((f: any) => f.rule)).toContain('early_review');
    const names = view.body.case.robots.find((f: any) => f.rule === 'early_review').signals.map((x: any) => x.name);
    expect(names).toEqual(expect.arrayContaining(['complaints', 'complaint_rate', 'stranger_answers', 'strangers_reached']));

    // The same report on both: the raised case stays the robots' five above the control's.
    await reportOn(people[0]!, pitcher);
    await reportOn(people[0]!, control);
    const after = await caseOf(pitcher);
    const plain = await caseOf(control);
    expect(after.reportCount).toBe(1);
    expect(plain.priority).toBeGreaterThan(0);
    expect(after.priority).toBeCloseTo(plain.priority + 5, 3);

    // Across a restart, and with the next report joining.
    s = await s.restart();
    w = new World(s.url);
    mod = new Client(s.url, mod.token);
    expect((await caseOf(pitcher)).priority).toBeCloseTo(after.priority, 3);
    const again = (a: TestAccount) => ({ ...a, api: new Client(s.url, a.token) });
    await reportOn(again(people[1]!), again(pitcher));
    await reportOn(again(people[1]!), again(control));
    const pitcherCase = await caseOf(pitcher);
    const controlCase = await caseOf(control);
    expect(pitcherCase.reportCount).toBe(2);
    expect(pitcherCase.priority).toBeCloseTo(controlCase.priority + 5, 3);
    // Highest priority first: the raised case comes before the control's.
    const queue = (await mod.get('/v1/moderation/cases?limit=1000')).body.cases.map((c: any) => c.id);
    expect(queue.indexOf(pitcherCase.id)).toBeLessThan(queue.indexOf(controlCase.id));
  });

  it('dismissed with no report, it clears nobody: the limit the next complaint asks for still comes; a dismissed reported case holds robots off', async () => {
    const people: TestAccount[] = [];
    for (let i = 0; i < 20; i++) people.push(await w.account());
    await w.advance(10 * DAY);
    // Made now, days after the people: young, so stranger_feedback does not wait for answers.
    const run = async (firstComplaint: 'block' | 'report', off: number) => {
      const pitcher = await w.account();
      for (let i = 0; i < 10; i++) await send(pitcher, people[off + i]!, `Easy money from home, join at earn-${off + i}.top now`);
      if (firstComplaint === 'block') expect((await people[off]!.api.post('/v1/blocks', { accountId: pitcher.id })).status).toBe(204);
      else await reportOn(people[off]!, pitcher);
      const c = await caseOf(pitcher);
      expect(c).toMatchObject({ priority: expect.any(Number) });
      expect(c.priority).toBeGreaterThanOrEqual(5);
      const d = await mod.post(`/v1/moderation/cases/${c.id}/decision`, { action: 'dismiss' });
      expect(d.status, JSON.stringify(d.body)).toBe(200);
      expect((await people[off + 1]!.api.post('/v1/blocks', { accountId: pitcher.id })).status).toBe(204);
      return { state: (await pitcher.api.get('/v1/me')).body.restriction.state, reopened: (await caseOf(pitcher)) !== undefined };
    };
    // Robots raised it on a block alone; the dismissal judged their signals, not the account.
    expect((await run('block', 0)).state).toBe('limited');
    // A person who read the reported messages and dismissed them cleared the account: robots
    // neither limit it nor hand it back to a person the next hour.
    expect(await run('report', 10)).toEqual({ state: 'free', reopened: false });
  });
});
