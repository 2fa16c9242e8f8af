import { describe, expect, it } from 'vitest';
import type { TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';
import { onlyRulesFile } from './helpers/robots.js';

/**
 * Volume alone is thin evidence (src/robots/rule.ts `volumeEffect`): a young account past
 * cold_fanout's threshold, with nobody complaining, is put before a person and not limited; the
 * first complaint from a stranger it reached makes the next new chat a limit. cold_fanout alone,
 * with its default settings, on a real server.
 */

const DAY = 86_400;
const ctx = serverPerFile({ config: { robotsFile: onlyRulesFile(['cold_fanout']) }, staff: ['moderator'] });

async function caseOf(subject: TestAccount): Promise<any> {
  const r = await ctx.moderator.get('/v1/moderation/cases?limit=1000');
  expect(r.status).toBe(200);
  return r.body.cases.find((c: any) => c.subject.accountId === subject.id && !c.subject.chatId);
}

describe('a young account writing to many strangers, nobody complaining', () => {
  it('is put before a person past the threshold, free; limited on the next new chat once strangers complain', async () => {
    const people: TestAccount[] = [];
    for (let i = 0; i < 34; i++) people.push(await ctx.world.account());
    // Complaints weigh by the complainer's age: these people are ten days old, the sender new.
    await ctx.world.advance(10 * DAY);
    const sender = await ctx.world.account();
    // Young, texts without links: more than 30 new chats with strangers in an hour passes the threshold.
    for (let i = 0; i < 31; i++) {
      const r = await sender.api.post('/v1/messages', { to: { accountId: people[i]!.id }, text: `Hello ${i}, I am new in the choir, see you on Friday?` });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    expect((await sender.api.get('/v1/me')).body.restriction.state).toBe('free');
    const raised = await caseOf(sender);
    expect(raised).toMatchObject({ state: 'open', reportCount: 0, priority: 3 });
    const view = await ctx.moderator.get(`/v1/moderation/cases/${raised.id}`);
    const fired = view.body.case.robots.find((f: any) => f.rule === 'cold_fanout');
    expect(fired.signals.map((x: any) => x.name)).toEqual(expect.arrayContaining(['cold_chats_hour', 'complaints']));

    // Two of the strangers it wrote to block it (one in 31 is how often people complain about
    // anyone): the next stranger is a limit, kind robot.
    expect((await people[4]!.api.post('/v1/blocks', { accountId: sender.id })).status).toBe(204);
    expect((await people[9]!.api.post('/v1/blocks', { accountId: sender.id })).status).toBe(204);
    expect((await sender.api.post('/v1/messages', { to: { accountId: people[31]!.id }, text: 'Hello, I am new in the choir' })).status).toBe(201);
    const me = (await sender.api.get('/v1/me')).body.restriction;
    expect(me).toMatchObject({ state: 'limited', kind: 'robot' });
    const refused = await sender.api.post('/v1/messages', { to: { accountId: people[32]!.id }, text: 'Hello, I am new in the choir' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('PEER_FLOOD');
  });
});
