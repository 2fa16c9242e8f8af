import { describe, expect, it } from 'vitest';
import { BUTTONS } from '../src/domain/spambot.js';
import type { TestAccount } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { sent } from './helpers/messages.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * RULES.md §4–§5 and API.md's staff table read by an examiner from the staff side: review,
 * claims and escalation across roles, and what SpamBot tells a person after support decided.
 * Real server, manual clock.
 */

const ctx = serverPerFile({ staff: ['triage', 'moderator', 'support'], checkProjections: true });

const DAY = 24 * 3600;
const LANGS = ['en', 'ru'] as const;

/** `x` writes to a fresh stranger who reports it; the case id. */
async function reportedCase(x: TestAccount): Promise<string> {
  const victim = await ctx.world.account();
  const m = await sent(victim, x, 'is the flat still available?');
  await sent(x, { chatId: m.chatId }, 'buy cheap followers now');
  const rep = await victim.api.post('/v1/reports', { chatId: m.chatId, reason: 'spam' });
  expect(rep.status, JSON.stringify(rep.body)).toBe(201);
  return rep.body.report.caseId;
}

async function bot(a: TestAccount, text: string): Promise<{ text: string; chatId: string }> {
  const r = await a.api.post('/v1/messages', { to: { username: 'spambot' }, text });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const after = await a.api.get(`/v1/chats/${r.body.message.chatId}/messages?after=${r.body.message.id}`);
  expect(after.body.messages).toHaveLength(1);
  return { text: after.body.messages[0].text, chatId: r.body.message.chatId };
}

describe('escalation hands a case on (RULES.md §4: triage escalates, a moderator confirms)', () => {
  it('ends the escalating triage member’s claim, so a moderator confirms at once', async () => {
    const x = await ctx.world.account();
    const caseId = await reportedCase(x);
    expect((await ctx.triage.post(`/v1/moderation/cases/${caseId}/claim`)).status).toBe(200);
    const escalated = await ctx.triage.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'escalate', note: 'looks like a scam' });
    expect(escalated.status, JSON.stringify(escalated.body)).toBe(200);
    expect(escalated.body.case.state).toBe('escalated');
    expect(escalated.body.case.claimedBy).toBeUndefined();
    const listed = (await ctx.moderator.get('/v1/moderation/cases?state=escalated&limit=1000')).body.cases.find((c: any) => c.id === caseId);
    expect(listed).toMatchObject({ state: 'escalated' });
    expect(listed.claimedBy).toBeUndefined();

    const preview = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/preview`, { action: 'confirm', policy: 'spam' });
    const confirmed = await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.case.state).toBe('closed');
    expect(confirmed.body.sanction).toEqual(preview.body.sanction);
    expect((await x.api.get('/v1/me')).body.restriction).toMatchObject({ state: 'limited', kind: 'report', until: confirmed.body.sanction.until });
  });

  it('leaves someone else’s claim alone: escalating a case claimed by another is refused', async () => {
    const caseId = await reportedCase(await ctx.world.account());
    expect((await ctx.moderator.post(`/v1/moderation/cases/${caseId}/claim`)).status).toBe(200);
    expectError(await ctx.triage.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'escalate' }), 409, 'CASE_CLAIMED');
    const c = (await ctx.triage.get('/v1/moderation/cases?limit=1000')).body.cases.find((k: any) => k.id === caseId);
    expect(c).toMatchObject({ state: 'open', claimedBy: expect.any(String) });
  });
});

describe('SpamBot tells the person an upheld appeal once (RULES.md §5)', () => {
  it.each(LANGS)('says when the next appeal may be filed in one sentence, not twice (%s)', async (lang) => {
    const b = BUTTONS[lang];
    const x = await ctx.world.account({ language: lang });
    const caseId = await reportedCase(x);
    expect((await ctx.moderator.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy: 'scam' })).status).toBe(200);
    await bot(x, b.mistake);
    await bot(x, b.didNot);
    const asked = await bot(x, 'I only sold my own bicycle.');
    // A frozen account's appeal asks for a contact address.
    await bot(x, /e-mail|почты/.test(asked.text) ? `owner-${x.id}@example.com` : '/start');
    const appeal = (await ctx.support.get('/v1/moderation/appeals?state=open&limit=1000')).body.appeals.find((a: any) => a.accountId === x.id);
    const decided = await ctx.support.post(`/v1/moderation/appeals/${appeal.id}/decision`, { outcome: 'uphold' });
    expect(decided.status).toBe(200);

    const { chatId } = await bot(x, '/start');
    const messages = (await x.api.get(`/v1/chats/${chatId}/messages`)).body.messages;
    const told = messages.filter((m: any) => m.from !== x.id).at(-2).text as string;
    expect(told).toMatch(lang === 'en' ? /restriction stays/ : /ограничение остаётся/);
    const next = lang === 'en' ? /appeal again after/g : /Подать новую можно после/g;
    expect(told.match(next)).toHaveLength(1);
    expect(told).toMatch(lang === 'en' ? /frozen/ : /заморожен/);
    // Asked later, the status still says when the next appeal may be filed.
    await ctx.world.advance(DAY);
    expect((await bot(x, '/start')).text.match(next)).toHaveLength(1);
  });
});
