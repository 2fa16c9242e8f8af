import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { robotLimit, robotOpenCase, robotShadow } from '../src/enforcement/robots-door.js';
import { parseId, publicId } from '../src/store/ids.js';
import type { TestAccount } from './helpers/client.js';
import { expectAccessible, launch, screenshot, watchedPage } from './helpers/browser.js';
import { serverPerFile } from './helpers/per-file.js';
import { ADMIN_TOKEN } from './helpers/server.js';

/**
 * The seed's story in two real browsers: a stranger writes to several people; one reports him
 * from the action bar in /app/; a moderator confirms the case in /console/; the stranger's next
 * first message is refused with the limited banner and its date; SpamBot explains and takes his
 * appeal; support overturns it in the console; the banner is gone.
 */

let browser: Browser;
let stranger: TestAccount;
let anna: TestAccount;
let boris: TestAccount;
const contexts: BrowserContext[] = [];

const ctx = serverPerFile();
beforeAll(async () => {
  browser = await launch();
  stranger = await ctx.world.account({ name: 'Best Deals Max' });
  anna = await ctx.world.account({ name: 'Anna', username: 'anna_e2e' });
  boris = await ctx.world.account({ name: 'Boris', username: 'boris_e2e' });
  await ctx.world.account({ name: 'Dasha', username: 'dasha_e2e' });
  for (const who of [anna, boris]) {
    const r = await stranger.api.post('/v1/messages', { to: { accountId: who.id }, text: 'Best prices on watches this week only!' });
    expect(r.status).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
});

/** `bypassCSP` only to inject axe-core: the story itself runs under the pages' real CSP. */
async function newPage(bypassCSP = false): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', bypassCSP });
  contexts.push(context);
  return watchedPage(context);
}

async function appAs(account: TestAccount): Promise<{ page: Page; errors: string[] }> {
  const w = await newPage();
  await w.page.goto(`${ctx.server.url}/app/`);
  await w.page.getByLabel('Account token', { exact: true }).fill(account.token);
  await w.page.getByRole('button', { name: 'Sign in' }).click();
  await w.page.getByRole('heading', { name: 'Chats' }).waitFor();
  return w;
}

async function consoleAs(token: string, bypassCSP = false): Promise<{ page: Page; errors: string[] }> {
  const w = await newPage(bypassCSP);
  await w.page.goto(`${ctx.server.url}/console/`);
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
    const moderator = await ctx.world.staff('moderator');
    const mod = await consoleAs(moderator.token!);
    await mod.page
      .getByRole('link', { name: /^k\d+$/ })
      .first()
      .click();
    await mod.page.getByText('Opening this case is an evidence view').waitFor();
    await mod.page.getByText('Best prices on watches this week only!').first().waitFor();
    await mod.page.getByText('Confirming under this policy will apply:').waitFor();
    // The title names the subject; the timeline reads as sentences, with the ids staff use.
    await mod.page.getByRole('heading', { name: new RegExp(`^Case k\\d+ · Best Deals Max \\(${stranger.id}\\)$`) }).waitFor();
    const reportLine = mod.page.locator('#timeline li[data-type=report_filed]');
    await reportLine.waitFor();
    expect(await reportLine.textContent()).toMatch(
      new RegExp(`· ${anna.id} reported ${stranger.id} for spam in chat c\\d+ \\(a stranger; weight [\\d.]+; messages m\\d+\\)\\s*report_filed$`),
    );
    expect(await reportLine.getAttribute('title')).toMatch(
      new RegExp(`^account ${anna.id} · report_filed — id: e\\d+, reportId: r\\d+, reporterId: ${anna.id}, `),
    );
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
    await strangerApp.page
      .getByText(/limited/i)
      .first()
      .waitFor();
    await strangerApp.page.getByRole('button', { name: 'This is a mistake' }).click();
    await strangerApp.page.getByRole('button', { name: 'I did not send anything like that' }).click();
    await strangerApp.page.getByText('Please describe your case').waitFor();
    await strangerApp.page.getByLabel('Message', { exact: true }).last().fill('I only wrote to two people I met at a fair.');
    await strangerApp.page.getByRole('button', { name: 'Send' }).last().click();
    await strangerApp.page.getByText('Your appeal is filed.').waitFor();
    await screenshot(strangerApp.page, 'app-spambot-appeal');

    // Support overturns in the console.
    const supportStaff = await ctx.world.staff('support');
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
    await ctx.world.staff('admin'); // someone on the staff page
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
      await w.page.goto(ctx.server.url + path);
      await w.page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await w.page.waitForLoadState('networkidle');
      await expectAccessible(w.page, path);
      await screenshot(w.page, `console-${heading.toLowerCase()}`);
    }
    // An account's own page, with its lift form (a number-limited account has something to lift).
    const voip = await ctx.world.account({ numberKind: 'voip' });
    await w.page.goto(`${ctx.server.url}/console/accounts/${voip.id}`);
    await w.page.getByRole('button', { name: 'Lift every restriction' }).waitFor();
    await w.page.waitForLoadState('networkidle');
    await expectAccessible(w.page, '/console/accounts/:id');
    await w.page.setViewportSize({ width: 390, height: 844 });
    await w.page.goto(`${ctx.server.url}/console/`);
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
    const status = await w.page.evaluate(
      async () =>
        (
          await fetch('/v1/admin/staff', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'x', role: 'triage' }),
          })
        ).status,
    );
    expect(status).toBe(403);
    await w.page.getByRole('button', { name: 'Sign out' }).click();
    await w.page.getByRole('heading', { name: 'Sign in with your staff token' }).waitFor();
    const after = await w.page.evaluate(async () => (await fetch('/v1/console/figures')).status);
    expect(after).toBe(401);
  }, 60_000);
});

describe('the robots’ reasons, for staff', () => {
  it('the case page shows which robot signals fired and why; the robots page lists false positives and shadow results; both pass axe-core', async () => {
    const p = ctx.server.app.platform;
    const signals = [
      { name: 'cold_chats_hour', value: 37.25, threshold: 20, note: 'strangers written to in an hour' },
      { name: 'reply_rate_day', value: 0.0625, threshold: 0.3, note: 'few strangers answered' },
    ];
    // A robot opens a case about one account, with its signals; a shadowed rule records another's.
    const suspect = await ctx.world.account({ name: 'Quick Loans' });
    const caseId = publicId('case', await robotOpenCase(p, parseId('account', suspect.id), 'links_to_strangers', 3, signals));
    const quiet = await ctx.world.account({ name: 'Busy Organiser' });
    await robotShadow(p, parseId('account', quiet.id), 'same_text', { action: 'limit', hours: 24, signals: [signals[0]!] }, 'shadow');
    // A robot limits someone, who appeals through SpamBot; support overturns: a false positive.
    const innocent = await ctx.world.account({ name: 'New Employee' });
    await robotLimit(p, parseId('account', innocent.id), 'cold_fanout', 24, signals);
    for (const text of ['/start', 'This is a mistake', 'I did not send anything like that', 'I wrote to my new colleagues.']) {
      expect((await innocent.api.post('/v1/messages', { to: { username: 'spambot' }, text })).status).toBe(201);
    }
    const support = await ctx.world.staff('support');
    const appeals = await support.get('/v1/moderation/appeals?state=open&limit=100');
    const appeal = appeals.body.appeals.find((a: { accountId: string }) => a.accountId === innocent.id);
    expect(appeal, JSON.stringify(appeals.body)).toBeDefined();
    expect((await support.post(`/v1/moderation/appeals/${appeal.id}/decision`, { outcome: 'overturn', note: 'colleagues' })).status).toBe(200);

    const moderator = await ctx.world.staff('moderator');
    const w = await consoleAs(moderator.token!, true);
    await w.page.goto(`${ctx.server.url}/console/cases/${caseId}`);
    await w.page.getByText('Opening this case is an evidence view').waitFor();
    const panel = w.page.getByRole('region', { name: 'Robot signals: which fired and why' });
    await panel.getByText('links_to_strangers').first().waitFor();
    await panel.getByText('opened a case').first().waitFor();
    const rows = panel.locator('table.signals tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect((await rows.allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim()))).toEqual([
      ['cold_chats_hour', '37.25', '20', 'strangers written to in an hour'],
      ['reply_rate_day', '0.063', '0.3', 'few strangers answered'],
    ]);
    await w.page.getByRole('heading', { name: `Case ${caseId} · Quick Loans (${suspect.id})` }).waitFor();
    const timeline = w.page.locator('#timeline');
    const opened = timeline.locator('li[data-type=case_opened]');
    await opened.waitFor();
    expect(await opened.textContent()).toContain(
      `Robot rule links_to_strangers opened case ${caseId} about ${suspect.id}; signals: cold_chats_hour 37.25 / 20 (strangers written to in an hour); reply_rate_day 0.063 / 0.3 (few strangers answered)`,
    );
    expect(await timeline.locator('li[data-type=evidence_viewed]').textContent()).toMatch(
      new RegExp(`· s\\d+ viewed the evidence of case ${caseId}\\s*evidence_viewed$`),
    );
    expect(await timeline.locator('li[data-type=account_created]').textContent()).toContain('Account created: mobile number, name “Quick Loans”');
    await w.page.waitForLoadState('networkidle');
    await expectAccessible(w.page, 'case page with robot signals');
    await screenshot(w.page, 'console-case-robot-signals');

    // The same page in Russian: the title and the timeline's sentences follow the console's language.
    await w.page.getByLabel('Language').selectOption('ru');
    await w.page.getByRole('heading', { name: `Дело ${caseId} · Quick Loans (${suspect.id})` }).waitFor();
    await timeline.getByText(`Правило links_to_strangers открыло дело ${caseId} по ${suspect.id}; сигналы: cold_chats_hour 37.25 / 20`).waitFor();
    expect(await timeline.locator('li[data-type=evidence_viewed]').textContent()).toMatch(
      new RegExp(`· Просмотр доказательств дела ${caseId}: s\\d+\\s*evidence_viewed$`),
    );
    expect(await timeline.locator('li[data-type=account_created]').textContent()).toContain('Аккаунт создан: мобильный номер, имя «Quick Loans»');
    await expectAccessible(w.page, 'case page in Russian');
    await screenshot(w.page, 'console-case-ru');
    await w.page.getByLabel('Язык').selectOption('en');
    await w.page.getByRole('heading', { name: `Case ${caseId} · Quick Loans (${suspect.id})` }).waitFor();

    await w.page.goto(`${ctx.server.url}/console/robots`);
    await w.page.getByRole('heading', { name: 'Robots', exact: true }).waitFor();
    const fp = w.page.getByTestId('false-positives');
    await fp.getByText(innocent.id).waitFor();
    expect(await fp.getByRole('rowheader').first().innerText()).toBe('cold_fanout');
    await fp.getByText(appeal.id).waitFor();
    const shadow = w.page.getByTestId('shadow-results');
    const row = shadow.locator('tr', { hasText: quiet.id });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/same_text[\s\S]*limit 24 h[\s\S]*shadow[\s\S]*cold_chats_hour 37\.25 \/ 20/);
    await w.page.waitForLoadState('networkidle');
    await expectAccessible(w.page, 'robots page with records');
    await screenshot(w.page, 'console-robots-records');
    expect(w.errors).toEqual([]);
  }, 120_000);
});
