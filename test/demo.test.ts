import fs from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { configFrom } from '../src/config.js';
import { isEmptyWorld, seedDemo, writeDemoFile, type DemoWorld } from '../src/demo.js';
import { Client } from './helpers/client.js';
import { databaseUrlFor, onPostgres } from './helpers/pg.js';
import { freshDataDir } from './helpers/server.js';

/** `npm start` seeds this world; the README's tour walks through it. Both must keep working. */

let app: App;
let url: string;
let world: DemoWorld;
let dataDir: string;

beforeAll(async () => {
  dataDir = freshDataDir();
  const db = onPostgres() ? { databaseUrl: await databaseUrlFor(dataDir) } : {};
  app = await createApp(configFrom({ dataDir, ...db, port: 0, logLevel: 'silent' }), { logger: pino({ level: 'silent' }) });
  expect(isEmptyWorld(app)).toBe(true);
  world = await seedDemo(app);
  url = await app.listen();
});
afterAll(() => app.close());

const as = (key: string) => new Client(url, world.accounts[key]!.token);

describe('the demo world', () => {
  it('is seeded once, with its tokens and the generated admin token in demo.json', () => {
    expect(isEmptyWorld(app)).toBe(false);
    expect(app.generatedAdminToken).toBeTruthy();
    const file = writeDemoFile(dataDir, world, app.generatedAdminToken);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(saved.accounts)).toEqual(expect.arrayContaining(['anna', 'boris', 'teahouse', 'promo']));
    expect(saved.adminToken).toBe(app.generatedAdminToken);
  });

  it('walks the README tour: action bar, report, decision, a denial with its reason, SpamBot', async () => {
    const admin = new Client(url, app.generatedAdminToken!);
    const chats = (await as('anna').get('/v1/chats')).body.chats;
    const strangerChat = chats.find((c: any) => c.actionBar);
    expect(strangerChat.peer.accountId).toBe(world.accounts.promo!.id);
    expect(strangerChat.actionBar).toEqual({ reportSpam: true, block: true, addContact: true });
    // The family group and the public channel are there too.
    expect(chats.map((c: any) => c.type)).toEqual(expect.arrayContaining(['group', 'channel', 'private']));

    const report = await as('anna').post('/v1/reports', { chatId: strangerChat.id });
    expect(report.status).toBe(201);
    const queue = await admin.get('/v1/moderation/cases');
    expect(queue.body.cases.map((c: any) => c.id)).toContain(report.body.report.caseId);
    const decision = await admin.post(`/v1/moderation/cases/${report.body.report.caseId}/decision`, { action: 'confirm', policy: 'spam' });
    expect(decision.status).toBe(200);
    expect(decision.body.sanction.state).toBe('limited');

    const denied = await as('promo').post('/v1/messages', { to: { username: 'dasha' }, text: 'last chance!' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('PEER_FLOOD');
    expect(denied.body.error.details.until).toBeTruthy();
    expect((await as('promo').get('/v1/me')).body.restriction.state).toBe('limited');

    const bot = await as('promo').post('/v1/messages', { to: { username: 'spambot' }, text: '/start' });
    const reply = (await as('promo').get(`/v1/chats/${bot.body.message.chatId}/messages`)).body.messages.at(-1);
    expect(reply.text).toMatch(/limited until/);
    expect(reply.buttons.flat()).toContain('This is a mistake');
  });

  it('lets the tea house answer clients who wrote first', async () => {
    const chats = (await as('teahouse').get('/v1/chats')).body.chats;
    expect(chats.filter((c: any) => c.type === 'private').length).toBeGreaterThanOrEqual(2);
    expect(chats.every((c: any) => !c.actionBar || c.peer.accountId !== world.accounts.anna!.id)).toBe(true);
  });
});
