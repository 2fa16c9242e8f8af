import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, type TestAccount } from './helpers/client.js';
import { expectAccessible, launch, screenshot, watchedPage } from './helpers/browser.js';
import { ADMIN_TOKEN, startServer, type TestServer } from './helpers/server.js';

/**
 * The seed's story in two real browsers: a stranger writes to several people; one reports him
 * from the action bar in /app/; a moderator confirms the case in /console/; the stranger's next
 * first message is refused with the limited banner and its date; SpamBot explains and takes his
 * appeal; support overturns it in the console; the banner is gone.
 */

let server: TestServer;
let world: World;
let browser: Browser;
let stranger: TestAccount;
let anna: TestAccount;
let boris: TestAccount;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startServer();
  world = new World(server.url);
  browser = await launch();
  stranger = await world.account({ name: 'Best Deals Max' });
  anna = await world.account({ name: 'Anna', username: 'anna_e2e' });
  boris = await world.account({ name: 'Boris', username: 'boris_e2e' });
  await world.account({ name: 'Dasha', username: 'dasha_e2e' });
  for (const who of [anna, boris]) {
    const r = await stranger.api.post('/v1/messages', { to: { accountId: who.id }, text: 'Best prices on watches this week only!' });
    expect(r.status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await server?.stop();
});

/** `bypassCSP` only to inject axe-core: the story itself runs under the pages' real CSP. */
async function newPage(bypassCSP = false): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', bypassCSP });
  contexts.push(context);
  return watchedPage(context);
}

async function appAs(account: TestAccount): Promise<{ page: Page; errors: string[] }> {
  const w = await newPage();
  await w.page.goto(`${server.url}/app/`);
  await w.page.getByLabel('Account token', { exact: true }).fill(account.token);
  await w.page.getByRole('button', { name: 'Sign in' }).click();
  await w.page.getByRole('heading', { name: 'Chats' }).waitFor();
  return w;
}

async function consoleAs(token: string, bypassCSP = false): Promise<{ page: Page; errors: string[] }> {
  const w = await newPage(bypassCSP);
  await w.page.goto(`${server.url}/console/`);
  await w.page.getByLabel('Token', { exact: true }).fill(token);
  await w.page.getByRole('button', { name: 'Sign in' }).click();
  await w.page.getByRole('heading', { name: 'Queue' }).waitFor();
  return w;
}

describe('the seed’s story in the browser', () => {
  it('report → confirm → limited banner → SpamBot → appeal → overturn → free again', async () => {
    // Anna sees the stranger's chat with the action bar, and reports it.
    const annaApp = await appAs(anna);
    await annaApp.page.getByRole('button', { name: /Best Deals Max/ }).click();
    await annaApp.page.getByRole('group', { name: 'action bar' }).waitFor();
    await screenshot(annaApp.page, 'app-action-bar');
    await annaApp.page.getByRole('button', { name: 'Report spam' }).click();
    await annaApp.page.getByText('Reported. Thank you.').waitFor();

    // A moderator works the queue in the console: the case, its evidence, the ladder's preview.
    const moderator = await world.staff('moderator');
    const mod = await consoleAs(moderator.token!);
    await mod.page.getByRole('link', { name: /^k\d+$/ }).first().click();
    await mod.page.getByText('Opening this case is an evidence view').waitFor();
    await mod.page.getByText('Best prices on watches this week only!').first().waitFor();
    await mod.page.getByText('Confirming under this policy will apply:').waitFor();
    await screenshot(mod.page, 'console-case');
    await mod.page.getByRole('button', { name: /^Confirm/ }).click();
    await mod.page.getByRole('heading', { name: 'Queue' }).waitFor();

    // The stranger's next first message is refused: the banner says why and until when.
    const strangerApp = await appAs(stranger);
    await strangerApp.page.getByLabel('To (@username or +phone)').fill('@dasha_e2e');
    await strangerApp.page.getByLabel('Message', { exact: true }).fill('Hello, special offer!');
    await strangerApp.page.getByRole('button', { name: 'Send' }).first().click();
    const banner = strangerApp.page.locator('[role=alert][data-code=PEER_FLOOD]');
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/until/);
    await screenshot(strangerApp.page, 'app-limited-banner');

    // SpamBot: status, then the appeal by its buttons.
    await strangerApp.page.getByRole('button', { name: 'Learn more from SpamBot' }).click();
    await strangerApp.page.getByRole('group', { name: 'SpamBot' }).waitFor();
    await strangerApp.page.getByText(/limited/i).first().waitFor();
    await strangerApp.page.getByRole('button', { name: 'This is a mistake' }).click();
    await strangerApp.page.getByRole('button', { name: 'I did not send anything like that' }).click();
    await strangerApp.page.getByText('Please describe your case').waitFor();
    await strangerApp.page.getByLabel('Message', { exact: true }).last().fill('I only wrote to two people I met at a fair.');
    await strangerApp.page.getByRole('button', { name: 'Send' }).last().click();
    await strangerApp.page.getByText('Your appeal is filed.').waitFor();
    await screenshot(strangerApp.page, 'app-spambot-appeal');

    // Support overturns in the console.
    const supportStaff = await world.staff('support');
    const sup = await consoleAs(supportStaff.token!);
    await sup.page.getByRole('link', { name: 'Appeals' }).click();
    await sup.page.getByText('I only wrote to two people I met at a fair.').waitFor();
    await screenshot(sup.page, 'console-appeals');
    await sup.page.getByRole('button', { name: 'Overturn' }).first().click();
    await sup.page.getByText('No appeals waiting.').waitFor();

    // Free again: the same first message goes through, and no banner is shown.
    await strangerApp.page.getByLabel('To (@username or +phone)').fill('@dasha_e2e');
    await strangerApp.page.getByLabel('Message', { exact: true }).first().fill('Sorry for the noise.');
    await strangerApp.page.getByRole('button', { name: 'Send' }).first().click();
    await strangerApp.page.getByRole('heading', { name: 'Dasha' }).waitFor();
    expect(await strangerApp.page.locator('[role=alert][data-code]').count()).toBe(0);
    expect((await stranger.api.get('/v1/me')).body.restriction.state).toBe('free');

    for (const w of [annaApp, mod, strangerApp, sup]) expect(w.errors).toEqual([]);
  }, 120_000);
});

describe('every console page', () => {
  it('loads without console errors and passes axe-core, at 1280×800 and on a phone', async () => {
    await world.staff('admin'); // someone on the staff page
    const w = await consoleAs(ADMIN_TOKEN, true);
    const pages: [string, string][] = [
      ['/console/', 'Queue'],
      ['/console/appeals', 'Appeals'],
      ['/console/tickets', 'Tickets'],
      ['/console/robots', 'Robots'],
      ['/console/overview', 'Overview'],
      ['/console/crm', 'CRM'],
      ['/console/staff', 'Staff'],
      ['/console/audit', 'Audit'],
    ];
    for (const [path, heading] of pages) {
      await w.page.goto(server.url + path);
      await w.page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await w.page.waitForLoadState('networkidle');
      await expectAccessible(w.page, path);
      await screenshot(w.page, `console-${heading.toLowerCase()}`);
    }
    await w.page.setViewportSize({ width: 390, height: 844 });
    await w.page.goto(`${server.url}/console/`);
    await w.page.getByRole('heading', { name: 'Queue', exact: true }).waitFor();
    await expectAccessible(w.page, 'queue on a phone');
    await screenshot(w.page, 'console-queue-phone');
    // Russian too.
    await w.page.getByLabel('Language').first().selectOption('ru');
    await w.page.getByRole('heading', { name: 'Очередь' }).waitFor();
    await expectAccessible(w.page, 'queue in Russian');
    expect(w.errors).toEqual([]);
  }, 120_000);

  it('keeps the session in an HttpOnly SameSite cookie and refuses a write without the CSRF token', async () => {
    const w = await consoleAs(ADMIN_TOKEN);
    const cookies = await w.page.context().cookies();
    const session = cookies.find((c) => c.name === 'banya_console');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const status = await w.page.evaluate(async () => (await fetch('/v1/admin/staff', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', role: 'triage' }) })).status);
    expect(status).toBe(403);
    await w.page.getByRole('button', { name: 'Sign out' }).click();
    await w.page.getByRole('heading', { name: 'Sign in with your staff token' }).waitFor();
    const after = await w.page.evaluate(async () => (await fetch('/v1/console/figures')).status);
    expect(after).toBe(401);
  }, 60_000);
});
