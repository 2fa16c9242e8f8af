import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmPerFile, eventually, sign, webhookBody } from './helpers/amojo.js';
import { expectAccessible, launch, screenshot, watchedPage } from './helpers/browser.js';
import { serverPerFile } from './helpers/per-file.js';
import { ADMIN_TOKEN } from './helpers/server.js';

/**
 * The console's CRM page shows what `GET /v1/crm/amocrm/connections` answers (and each
 * connection's counts of today), against a real banya and a stand-in amojo, in Debian's Chromium.
 */

const CH = '3f1c2a9e-0000-4000-8000-00000000c0de';
const SECRET = 'channel-secret-0123456789';

let browser: Browser;

const crm = crmPerFile({ [CH]: SECRET });
const ctx = serverPerFile({ config: () => ({ crmConfig: crm.configFile }) });
beforeAll(async () => {
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

describe('the console’s CRM page', () => {
  it('shows each connection’s standing, quality colour, held and waiting messages and today’s counts', async () => {
    const biz = await ctx.world.account({ name: 'Shop' });
    const r = await ctx.world.admin.post(`/v1/crm/amocrm/channels/${CH}/connections`, { amojoAccountId: 'amo-acc-console', businessAccountId: biz.id });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const scope = r.body.connection.scopeId as string;

    // A manager writes to a client first: a first contact of today.
    const client = await ctx.world.account({ name: 'Client' });
    const raw = JSON.stringify(webhookBody({ msgid: 'crm-console-1', text: 'Your order is ready', phone: client.phone }));
    const hook = await fetch(`${ctx.server.url}/crm/amocrm/hooks/${scope}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': sign(SECRET, raw) },
      body: raw,
    });
    expect(hook.status).toBe(200);
    await eventually(() => crm.amojo.statuses('crm-console-1')[0], 10_000, 'the delivery status');

    // The shop spams a stranger, is reported and limited: the number's standing changes.
    const victim = await ctx.world.account();
    const spam = await biz.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'A special offer only for you today' });
    expect(spam.status).toBe(201);
    const rep = await victim.api.post('/v1/reports', { chatId: spam.body.message.chatId });
    expect(rep.status).toBe(201);
    expect((await ctx.world.admin.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' })).status).toBe(200);

    const listed = (await ctx.world.admin.get('/v1/crm/amocrm/connections')).body.connections.find((c: any) => c.scopeId === scope);
    expect(listed).toMatchObject({ status: 'active', restriction: { state: 'limited' }, held: 0, waiting: 0 });
    const today = (await ctx.world.admin.get(`/v1/crm/amocrm/connections/${scope}`)).body.connection.number.today;
    expect(today.firstContacts).toBe(1);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', bypassCSP: true });
    try {
      const { page, errors } = await watchedPage(context);
      await page.goto(`${ctx.server.url}/console/`);
      await page.getByLabel('Token', { exact: true }).fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Queue' }).waitFor();
      await page.goto(`${ctx.server.url}/console/crm`);
      const row = page.locator(`tr[data-scope="${scope}"]`);
      await row.waitFor();
      await expect
        .poll(async () => row.locator('td').last().textContent(), { timeout: 10_000 })
        .toBe(`${today.firstContacts} · ${today.replies} · ${today.failed} · ${today.fromClients}`);
      const cells = await row.locator('td').allTextContents();
      expect(cells.slice(0, 3)).toEqual([scope, biz.id, 'active']);
      expect(cells[3]).toMatch(/^limited → \d+ \w+ \d{4}, \d\d:\d\d/);
      expect(cells[4]).toBe(listed.quality);
      expect(cells.slice(5, 7)).toEqual([String(listed.held), String(listed.waiting)]);
      await expectAccessible(page, '/console/crm with a connection');
      await screenshot(page, 'console-crm-connection');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
