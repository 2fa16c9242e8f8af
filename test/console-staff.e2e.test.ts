import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, watchedPage } from './helpers/browser.js';
import type { Client, TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * The console as each role works it, in a real browser: keys do what the focused control says,
 * every case page starts fresh, a decision shows its result, each role is offered what it may
 * do and nothing else, and support lifts an account from its own page.
 */

let browser: Browser;
const ctx = serverPerFile();
beforeAll(async () => {
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

async function reported(): Promise<{ caseId: string; spammer: TestAccount }> {
  const spammer = await ctx.world.account();
  const victim = await ctx.world.account();
  const sent = await spammer.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'cheap watches, today only' });
  expect(sent.status).toBe(201);
  const r = await victim.api.post('/v1/reports', { chatId: sent.body.message.chatId, reason: 'spam' });
  expect(r.status).toBe(201);
  return { caseId: r.body.report.caseId, spammer };
}

async function signedIn(staff: Client, run: (page: Page, errors: string[]) => Promise<void>): Promise<void> {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  try {
    const { page, errors } = await watchedPage(context);
    await page.goto(`${ctx.server.url}/console/`);
    await page.getByLabel('Token', { exact: true }).fill(staff.token!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    await run(page, errors);
  } finally {
    await context.close();
  }
}

/** The focused element, as "TAG text". */
const FOCUSED = "(document.activeElement?.tagName ?? '') + ' ' + (document.activeElement?.textContent ?? '')";

const casePath = (id: string) => new RegExp(`/console/cases/${id}(\\?|$)`);

describe('the console, role by role', () => {
  it('a moderator: Enter on a link is the link’s; each case starts with an empty note; a decision shows itself', async () => {
    const first = await reported();
    const second = await reported();
    const moderator = await ctx.world.staff('moderator');
    await signedIn(moderator, async (page, errors) => {
      // Enter on the navigation's "Robots" link goes there, not into the highlighted case.
      await page.getByRole('link', { name: 'Robots' }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/console\/robots$/);
      await page.getByRole('heading', { name: 'Robots', level: 1 }).waitFor();
      await page.goBack();
      await page.getByRole('heading', { name: 'Queue' }).waitFor();
      // Focus moved to the page's heading, and the title names the page.
      await expect.poll(() => page.evaluate(FOCUSED)).toBe('H1 Queue');
      expect(await page.title()).toContain('Queue');

      await page.goto(`${ctx.server.url}/console/cases/${first.caseId}`);
      await page.getByLabel('Note').fill('about the first one only');
      await page.getByRole('button', { name: 'Dismiss (d)' }).click();
      // "Decide and open the next case" is on: the next case opens with nothing carried over.
      await page.waitForURL((u) => !casePath(first.caseId).test(u.toString()) && /\/console\/cases\//.test(u.toString()));
      await expect.poll(() => page.getByLabel('Note').inputValue()).toBe('');
      expect(await page.getByRole('status').count()).toBe(0);

      // Without it, the page shows the decision: escalated, then closed, with nothing left to decide.
      await page.goto(`${ctx.server.url}/console/cases/${second.caseId}`);
      await page.getByLabel('Decide and open the next case').uncheck();
      await page.getByRole('button', { name: 'Escalate (e)' }).click();
      await page.getByRole('status').filter({ hasText: 'Decided: Escalate' }).waitFor();
      await expect.poll(() => page.locator('.panel .tag').first().textContent()).toBe('Escalated');
      expect(await page.getByRole('button', { name: 'Escalate (e)' }).count()).toBe(0);
      await page.getByRole('button', { name: 'Dismiss (d)' }).click();
      await page.getByRole('status').filter({ hasText: 'Decided: Dismiss' }).waitFor();
      await expect.poll(() => page.getByRole('button', { name: 'Dismiss (d)' }).count()).toBe(0);
      await page.keyboard.press('d');
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(errors).toEqual([]);
    });
    const d = await ctx.world.admin.get(`/v1/moderation/cases/${second.caseId}`);
    expect(d.body.case.state).toBe('closed');
    // The note typed on the first case went with the first decision only.
    const timeline = await ctx.world.admin.get(`/v1/moderation/accounts/${second.spammer.id}?limit=100`);
    expect(JSON.stringify(timeline.body.events)).not.toContain('about the first one only');
  }, 120_000);

  it('triage is offered no confirmation; another moderator’s claim shows no release', async () => {
    const { caseId } = await reported();
    const claimer = await ctx.world.staff('moderator');
    expect((await claimer.post(`/v1/moderation/cases/${caseId}/claim`)).status).toBe(200);
    const triage = await ctx.world.staff('triage');
    await signedIn(triage, async (page) => {
      await page.getByRole('checkbox').first().waitFor();
      expect(await page.getByRole('button', { name: /Confirm selected/ }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /Dismiss selected/ }).count()).toBe(1);
      await page.goto(`${ctx.server.url}/console/cases/${caseId}`);
      await page.getByRole('button', { name: 'Dismiss (d)' }).waitFor();
      expect(await page.getByRole('button', { name: 'Confirm (c)' }).count()).toBe(0);
      expect(await page.getByLabel('Policy').count()).toBe(0);
      // Claimed by someone else: neither claim nor release is offered.
      expect(await page.getByRole('button', { name: 'Release' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Claim' }).count()).toBe(0);
      await page.getByRole('button', { name: 'Dismiss (d)' }).click();
      await page.getByRole('alert').filter({ hasText: 'Someone else has claimed this case' }).waitFor();
    });
  }, 120_000);

  it('leaving closed cases leaves their policy filter too (open cases have no policy)', async () => {
    const { caseId } = await reported();
    const moderator = await ctx.world.staff('moderator');
    await signedIn(moderator, async (page) => {
      await page.goto(`${ctx.server.url}/console/?state=closed&policy=spam`);
      await page.getByLabel('Policy').waitFor();
      await page.getByLabel('State').selectOption('open');
      await page.waitForURL((u) => u.searchParams.get('state') === 'open' && !u.searchParams.has('policy'));
      await page.getByRole('link', { name: caseId, exact: true }).waitFor();
      expect(await page.getByLabel('Policy').count()).toBe(0);
    });
  }, 120_000);

  it('support lifts a limited account from its page, with a reason, and sees it free', async () => {
    const { caseId, spammer } = await reported();
    const d = await ctx.world.admin.post(`/v1/moderation/cases/${caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expect(d.status).toBe(200);
    const support = await ctx.world.staff('support');
    await signedIn(support, async (page, errors) => {
      await page.goto(`${ctx.server.url}/console/accounts/${spammer.id}`);
      await page.getByText(/Restriction: limited \(after reports\) until/).waitFor();
      await page.getByLabel('Reason').fill('A mistake: the client had asked for the offer');
      await page.getByRole('button', { name: 'Lift every restriction' }).click();
      await page.getByRole('status').filter({ hasText: 'Lifted; now free' }).waitFor();
      expect(errors).toEqual([]);
    });
    expect((await spammer.api.get('/v1/me')).body.restriction.state).toBe('free');
  }, 120_000);

  it('support answers a ticket, then closes it: it leaves the open list and shows when it was closed', async () => {
    const asker = await ctx.world.account();
    const t = await asker.api.post('/v1/support/tickets', { text: 'How do I hide my number?' });
    expect(t.status).toBe(201);
    const id: string = t.body.ticket.id;
    const support = await ctx.world.staff('support');
    await signedIn(support, async (page, errors) => {
      await page.getByRole('link', { name: 'Tickets' }).click();
      const ticket = page.getByRole('article', { name: new RegExp(`^${id} `) });
      await ticket.getByLabel('Your answer').fill('Settings → Privacy → Phone number.');
      await ticket.getByRole('button', { name: 'Answer' }).click();
      // Answered: off the open list.
      await expect.poll(() => ticket.count()).toBe(0);
      await page.getByLabel('State').selectOption('answered');
      await ticket.getByRole('button', { name: 'Close' }).click();
      await expect.poll(() => ticket.count()).toBe(0);
      await page.getByLabel('State').selectOption('closed');
      await ticket.getByText(/^Closed /).waitFor();
      expect(await ticket.getByRole('button').count()).toBe(0);
      expect(await ticket.getByLabel('Your answer').count()).toBe(0);
      expect(errors).toEqual([]);
    });
    const closed = await support.get(`/v1/moderation/tickets/${id}`);
    expect(closed.body.ticket).toMatchObject({ state: 'closed' });
    expect(closed.body.ticket.entries.map((e: { from: string }) => e.from)).toEqual(['user', 'support']);
  }, 120_000);
});
