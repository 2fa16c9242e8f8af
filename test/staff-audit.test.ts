import { describe, expect, it } from 'vitest';
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

/** `x` writes to a fresh stranger who reports it; the case id. */
async function reportedCase(x: TestAccount): Promise<string> {
  const victim = await ctx.world.account();
  const m = await sent(victim, x, 'is the flat still available?');
  await sent(x, { chatId: m.chatId }, 'buy cheap followers now');
  const rep = await victim.api.post('/v1/reports', { chatId: m.chatId, reason: 'spam' });
  expect(rep.status, JSON.stringify(rep.body)).toBe(201);
  return rep.body.report.caseId;
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
