import fs from 'node:fs';
import path from 'node:path';
import type { App } from './app.js';
import { BanyaError } from './domain/errors.js';
import { createAccount } from './platform/accounts.js';
import { addContact, importContacts } from './platform/contacts.js';
import { createGroup, joinChat } from './platform/groups.js';
import { sendMessage } from './platform/messages.js';
import { SYSTEM_ACTOR } from './store/event-log.js';
import { parseId } from './store/ids.js';

/**
 * A small, realistic world to try banya on: a family with a group chat, friends who saved each
 * other, a public channel, a tea shop answering its clients, and a stranger sending promotions
 * to people who never asked for them.
 */

interface DemoPerson {
  key: string;
  phone: string;
  name: string;
  username?: string;
  language?: 'en' | 'ru';
}

const PEOPLE: DemoPerson[] = [
  { key: 'anna', phone: '+447700900001', name: 'Anna Petrova', username: 'anna', language: 'en' },
  { key: 'boris', phone: '+447700900002', name: 'Boris Petrov', username: 'boris', language: 'ru' },
  { key: 'vera', phone: '+447700900003', name: 'Vera Petrova', language: 'ru' },
  { key: 'grigory', phone: '+447700900004', name: 'Grigory Lebedev', username: 'grisha' },
  { key: 'dasha', phone: '+447700900005', name: 'Dasha Orlova', username: 'dasha' },
  { key: 'teahouse', phone: '+447700900100', name: 'Tea House', username: 'teahouse' },
  { key: 'promo', phone: '+12025550199', name: 'Best Deals Max' },
];

export interface DemoWorld {
  accounts: Record<string, { id: string; phone: string; name: string; username?: string; token: string }>;
  chats: Record<string, string>;
}

/** True when the data folder holds no accounts but the system ones. */
export function isEmptyWorld(app: App): boolean {
  return app.platform.index.phones.size === 0;
}

export async function seedDemo(app: App): Promise<DemoWorld> {
  const p = app.platform;
  const world: DemoWorld = { accounts: {}, chats: {} };
  const id: Record<string, number> = {};
  for (const person of PEOPLE) {
    const { account, token } = await createAccount(p, person, SYSTEM_ACTOR);
    world.accounts[person.key] = { ...account, token };
    id[person.key] = parseId('account', account.id);
  }
  const say = (from: string, to: string, text: string) => sendMessage(p, id[from]!, { accountId: world.accounts[to]!.id }, text);
  const phone = (k: string) => ({ phone: world.accounts[k]!.phone });

  // The family and friends have saved each other.
  const circle = ['anna', 'boris', 'vera', 'grigory', 'dasha'];
  for (const a of circle) await importContacts(p, id[a]!, circle.filter((b) => b !== a).map(phone));
  // Anna is a client of the tea house; the shop saved her when she first called.
  await importContacts(p, id.anna!, [phone('teahouse')]);
  await addContact(p, id.teahouse!, id.anna!, 'Anna (oolong)');

  await say('anna', 'boris', 'Are you coming for dinner on Sunday?');
  await say('boris', 'anna', 'Yes, I will bring the pie.');
  await say('anna', 'teahouse', 'Hello! Do you still have the Da Hong Pao?');
  await say('teahouse', 'anna', 'We do, 50 g packs. Shall we keep one for you?');
  await say('dasha', 'teahouse', 'Hi, are you open on Monday?');
  await say('teahouse', 'dasha', 'Yes, from 10:00 to 20:00. Welcome!');

  const family = await createGroup(p, id.vera!, { title: 'Family', kind: 'group', members: [world.accounts.anna!.id, world.accounts.boris!.id] });
  world.chats.family = family.chat.id;
  await sendMessage(p, id.vera!, { chatId: family.chat.id }, 'Photos from the dacha are coming tonight!');

  const news = await createGroup(p, id.grigory!, { title: 'City News', kind: 'channel', public: true });
  world.chats.cityNews = news.chat.id;
  await sendMessage(p, id.grigory!, { chatId: news.chat.id }, 'The embankment is closed for repairs until Friday.');
  for (const k of ['anna', 'dasha']) await joinChat(p, id[k]!, news.chat.id);

  // A stranger who writes first to people who never gave him their number, with a link. The
  // robots stop him after a few messages (links to strangers from a day-old account).
  for (const k of ['anna', 'boris', 'vera', 'grigory', 'dasha']) {
    try {
      await say('promo', k, 'Only today: 90% off on designer watches! Reply YES to order: deals-max.example');
    } catch (err) {
      if (err instanceof BanyaError && err.code === 'PEER_FLOOD') break;
      throw err;
    }
  }
  return world;
}

export function writeDemoFile(dataDir: string, world: DemoWorld, adminToken: string | null): string {
  const file = path.join(dataDir, 'demo.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ note: 'Demo tokens. Never run --demo on a real data folder.', adminToken: adminToken ?? undefined, ...world }, null, 2),
    { mode: 0o600 },
  );
  return file;
}
