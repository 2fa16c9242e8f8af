import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { robotOpenCase } from '../src/enforcement/robots-door.js';
import { parseId, publicId } from '../src/store/ids.js';
import { launch, watchedPage } from './helpers/browser.js';
import type { TestAccount } from './helpers/client.js';
import { serverPerFile } from './helpers/per-file.js';
import { ADMIN_TOKEN } from './helpers/server.js';

/**
 * The queue page's origin, place and language filters are the server's: the page shows exactly
 * the cases the API answers for them, in a real browser.
 */

let browser: Browser;

const ctx = serverPerFile();
beforeAll(async () => {
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

async function reported(spammer: TestAccount): Promise<string> {
  const victim = await ctx.world.account();
  const sent = await spammer.api.post('/v1/messages', { to: { accountId: victim.id }, text: 'cheap watches' });
  expect(sent.status).toBe(201);
  const r = await victim.api.post('/v1/reports', { chatId: sent.body.message.chatId, reason: 'spam' });
  expect(r.status).toBe(201);
  return r.body.report.caseId;
}

async function shownCases(page: Page, query: string, expected: number): Promise<string[]> {
  await page.goto(`${ctx.server.url}/console/${query}`);
  await page.getByRole('heading', { name: 'Queue', exact: true }).waitFor();
  const links = page.locator('tbody tr td:nth-child(2) a');
  await expect.poll(() => links.count(), { timeout: 10_000 }).toBe(expected);
  return (await links.allTextContents()).sort();
}

describe('the queue page’s filters', () => {
  it('show what the server filters: robot or human, and the subject’s language', async () => {
    const human = await reported(await ctx.world.account({ language: 'ru' }));
    const botted = await ctx.world.account({ language: 'en' });
    const robot = publicId('case', await robotOpenCase(ctx.server.app.platform, parseId('account', botted.id), 'some_rule', 5));

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    try {
      const { page, errors } = await watchedPage(context);
      await page.goto(`${ctx.server.url}/console/`);
      await page.getByLabel('Token', { exact: true }).fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Queue' }).waitFor();
      expect(await shownCases(page, '', 2)).toEqual([human, robot].sort());
      expect(await shownCases(page, '?origin=robot', 1)).toEqual([robot]);
      await expect.poll(() => page.locator('tbody tr .tag.robot').count()).toBe(1);
      expect(await shownCases(page, '?origin=human', 1)).toEqual([human]);
      expect(await shownCases(page, '?language=ru', 1)).toEqual([human]);
      expect(await shownCases(page, '?language=en&place=private', 1)).toEqual([robot]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
