import { describe, expect, it } from 'vitest';
import { restrictAccount } from '../src/enforcement/restrictions.js';
import { parseId } from '../src/store/ids.js';
import { World, type TestAccount } from './helpers/client.js';
import { send } from './helpers/messages.js';
import { serverPerFile } from './helpers/per-file.js';
import { startServer } from './helpers/server.js';
import { expectError } from './helpers/expect.js';

/**
 * RULES.md §1–§3 around people: contacts and imports, addressing by phone number, phone
 * visibility, blocks, privacy settings, the action bar, usernames and numbers.
 */

const ctx = serverPerFile();

const DAY = 24 * 3600_000;

/** Numbers nobody registered yet (a range apart from the helper's). */
let freeSeq = 0;
function freePhone(): string {
  freeSeq++;
  return `+1555${String(1000000 + freeSeq).slice(-7)}`;
}

async function limit(a: TestAccount) {
  await restrictAccount(
    ctx.server.app.platform,
    parseId('account', a.id),
    { state: 'limited', kind: 'report', until: ctx.server.app.platform.clock.now() + DAY },
    { kind: 'system' },
  );
}

function importPhones(a: TestAccount, ...phones: string[]) {
  return a.api.post('/v1/contacts/import', { contacts: phones.map((phone) => ({ phone })) });
}

/** An account that accepts new chats only from its contacts: a probe of who it has saved (row 7). */
async function picky(fields: Parameters<World['account']>[0] = {}): Promise<TestAccount> {
  const a = await ctx.world.account(fields);
  const r = await a.api.put('/v1/privacy', { newChats: 'contacts' });
  expect(r.status).toBe(200);
  return a;
}

/** The chat `viewer` has with `peer`, as GET /v1/chats shows it. */
async function chatWith(viewer: TestAccount, peer: TestAccount): Promise<any> {
  const res = await viewer.api.get('/v1/chats');
  expect(res.status).toBe(200);
  return res.body.chats.find((c: any) => c.peer?.accountId === peer.id);
}

describe('importing contacts', () => {
  it('returns registered numbers in `imported` with their account ids and the rest in `notFound`', async () => {
    const a = await picky();
    const b = await ctx.world.account();
    const c = await ctx.world.account();
    const unknown = freePhone();
    const res = await importPhones(a, b.phone, unknown, c.phone);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      imported: [
        { phone: b.phone, accountId: b.id },
        { phone: c.phone, accountId: c.id },
      ],
      notFound: [unknown],
      invalid: [],
    });
    // They are now a's contacts: a accepts new chats from them, not from others.
    const d = await ctx.world.account();
    expectError(await send(d, a), 403, 'USER_PRIVACY_RESTRICTED');
    expect((await send(b, a)).status).toBe(201);
    expect((await send(c, a)).status).toBe(201);
  });

  it('normalises numbers, ignores duplicates and the importer’s own number', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account({ phone: '+447700955501' });
    const unknown = '+15551230001';
    const res = await a.api.post('/v1/contacts/import', {
      contacts: [
        { phone: '+44 (7700) 955-501', name: 'Bob' },
        { phone: '00447700955501' },
        { phone: a.phone },
        { phone: '+1 555 123 0001' },
        { phone: unknown },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ imported: [{ phone: '+447700955501', accountId: b.id }], notFound: [unknown], invalid: [] });
  });

  it('imports two people into mutual contacts: a limited one may then write to the other', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await importPhones(a, b.phone);
    await limit(a);
    expectError(await send(a, b), 403, 'PEER_FLOOD'); // one way is not mutual
    await importPhones(b, a.phone);
    expect((await send(a, b)).status).toBe(201);
  });

  it('turns a number registered later into a contact, as a phone book sync would', async () => {
    const a = await picky();
    const later = freePhone();
    const never = freePhone();
    expect((await importPhones(a, later, never)).body).toEqual({ imported: [], notFound: [later, never], invalid: [] });
    const n = await ctx.world.account({ phone: later });
    const other = await ctx.world.account(); // someone a never imported
    expectError(await send(other, a), 403, 'USER_PRIVACY_RESTRICTED');
    // The new owner of the imported number is a's contact: a accepts their new chat.
    expect((await send(n, a)).status).toBe(201);
  });

  it('remembers the pending import across a restart', async () => {
    const s = await startServer();
    try {
      const w = new World(s.url);
      const a = await w.account();
      await a.api.put('/v1/privacy', { newChats: 'contacts' });
      const later = freePhone();
      expect((await importPhones(a, later)).body.notFound).toEqual([later]);
      const s2 = await s.restart();
      try {
        const w2 = new World(s2.url);
        const n = await w2.account({ phone: later });
        const res = await n.api.post('/v1/messages', { to: { accountId: a.id }, text: 'hi' });
        expect(res.status).toBe(201);
      } finally {
        await s2.stop();
      }
    } catch (e) {
      await s.stop().catch(() => undefined);
      throw e;
    }
  });

  it('hides an owner with findByPhone "contacts" from importers they have not saved, until they save them', async () => {
    const owner = await picky();
    const importer = await ctx.world.account();
    const saved = await ctx.world.account();
    expect((await owner.api.put('/v1/privacy', { findByPhone: 'contacts' })).body.findByPhone).toBe('contacts');
    await ctx.world.save(owner, saved);
    // Someone the owner saved finds them.
    expect((await importPhones(saved, owner.phone)).body).toEqual({ imported: [{ phone: owner.phone, accountId: owner.id }], notFound: [], invalid: [] });
    // Someone else does not: the number lands in notFound, indistinguishable from an absent one.
    expect((await importPhones(importer, owner.phone)).body).toEqual({ imported: [], notFound: [owner.phone], invalid: [] });
    // The importer did not get the owner as a contact: the owner is not even findable.
    await importer.api.put('/v1/privacy', { newChats: 'contacts' });
    expectError(await send(owner, importer), 403, 'USER_PRIVACY_RESTRICTED');
    // The owner saves the importer: the pending import completes.
    await ctx.world.save(owner, importer);
    expect((await send(owner, importer)).status).toBe(201);
  });

  it('completes the pending import when the owner saves the importer by importing their number', async () => {
    const owner = await ctx.world.account();
    const importer = await picky();
    await owner.api.put('/v1/privacy', { findByPhone: 'contacts' });
    expect((await importPhones(importer, owner.phone)).body.notFound).toEqual([owner.phone]);
    expectError(await send(owner, importer), 403, 'USER_PRIVACY_RESTRICTED');
    expect((await importPhones(owner, importer.phone)).body.imported).toEqual([{ phone: importer.phone, accountId: importer.id }]);
    expect((await send(owner, importer)).status).toBe(201);
  });

  it('completes the pending import when the owner lets everybody find them', async () => {
    const owner = await ctx.world.account();
    const importer = await picky();
    await owner.api.put('/v1/privacy', { findByPhone: 'contacts' });
    expect((await importPhones(importer, owner.phone)).body.notFound).toEqual([owner.phone]);
    expectError(await send(owner, importer), 403, 'USER_PRIVACY_RESTRICTED');
    await owner.api.put('/v1/privacy', { findByPhone: 'everybody' });
    expect((await send(owner, importer)).status).toBe(201);
  });

  it('takes 1000 entries with 128-character names in one request (the most API.md allows), not 1001', async () => {
    const a = await ctx.world.account();
    const name = 'Я'.repeat(127) + '😀'; // 128 characters, 258 bytes of UTF-8
    const numbers = Array.from({ length: 1000 }, (_, i) => `+4477008${String(i).padStart(5, '0')}`);
    const body = { contacts: numbers.map((phone) => ({ phone, name })) };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(256 * 1024);
    const res = await a.api.post('/v1/contacts/import', body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.notFound).toHaveLength(1000);
    const over = await a.api.post('/v1/contacts/import', { contacts: [...body.contacts, { phone: '+447700899999', name }] });
    expectError(over, 400, 'BAD_REQUEST');
  });

  it('returns entries that are not phone numbers in `invalid` and imports the rest', async () => {
    const a = await picky();
    const b = await ctx.world.account();
    const later = freePhone();
    const res = await importPhones(a, b.phone, later, '12345', 'not a phone');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ imported: [{ phone: b.phone, accountId: b.id }], notFound: [later], invalid: ['12345', 'not a phone'] });
    // b was imported, and the unknown number is remembered.
    expect((await send(b, a)).status).toBe(201);
    const n = await ctx.world.account({ phone: later });
    expect((await send(n, a)).status).toBe(201);
    expect((await importPhones(a, 'not a phone')).body).toEqual({ imported: [], notFound: [], invalid: ['not a phone'] });
    // An empty entry or a long line of a phone book is not a number either: it does not refuse the rest.
    const c = await ctx.world.account();
    const odd = await importPhones(a, '', 'x'.repeat(200), c.phone, '+');
    expect(odd.status).toBe(200);
    expect(odd.body).toEqual({ imported: [{ phone: c.phone, accountId: c.id }], notFound: [], invalid: ['', 'x'.repeat(200), '+'] });
    expectError(await a.api.post('/v1/contacts/import', {}), 400, 'BAD_REQUEST');
    expectError(await a.api.post('/v1/contacts/import', { contacts: [{ phone: 12345 }] }), 400, 'BAD_REQUEST');
  });
});

describe('addressing by phone number', () => {
  it('answers an absent and a hidden number identically, and resolves once the owner saves the asker', async () => {
    const asker = await ctx.world.account();
    const owner = await ctx.world.account();
    await owner.api.put('/v1/privacy', { findByPhone: 'contacts' });
    const absent = await send(asker, { phone: freePhone() });
    const hidden = await send(asker, { phone: owner.phone });
    expectError(absent, 404, 'PHONE_NOT_OCCUPIED');
    expect({ status: hidden.status, body: hidden.body }).toEqual({ status: absent.status, body: absent.body });
    // In another language too.
    const ru = asker.api.as(asker.token, { 'accept-language': 'ru' });
    const absentRu = await ru.post('/v1/messages', { to: { phone: freePhone() }, text: 'x' });
    const hiddenRu = await ru.post('/v1/messages', { to: { phone: owner.phone }, text: 'x' });
    expect(absentRu.body.error.message).not.toBe(absent.body.error.message);
    expect({ status: hiddenRu.status, body: hiddenRu.body }).toEqual({ status: absentRu.status, body: absentRu.body });
    // A one-way save by the asker does not help; the owner saving the asker does.
    await ctx.world.save(asker, owner);
    expectError(await send(asker, { phone: owner.phone }), 404, 'PHONE_NOT_OCCUPIED');
    await ctx.world.save(owner, asker);
    const ok = await send(asker, { phone: owner.phone });
    expect(ok.status).toBe(201);
    expect(ok.body.message.chatId).toMatch(/^c/);
  });

  it('GET /v1/accounts/resolve?phone= behaves the same', async () => {
    const asker = await ctx.world.account();
    const owner = await ctx.world.account({ name: 'Olga' });
    const open = await ctx.world.account({ name: 'Oscar' });
    await owner.api.put('/v1/privacy', { findByPhone: 'contacts' });
    const resolve = (phone: string) => asker.api.get(`/v1/accounts/resolve?phone=${encodeURIComponent(phone)}`);
    const absent = await resolve(freePhone());
    const hidden = await resolve(owner.phone);
    expectError(absent, 404, 'PHONE_NOT_OCCUPIED');
    expect({ status: hidden.status, body: hidden.body }).toEqual({ status: absent.status, body: absent.body });
    const found = await resolve(open.phone);
    expect(found.status).toBe(200);
    expect(found.body.account).toMatchObject({ id: open.id, name: 'Oscar' });
    await ctx.world.save(owner, asker);
    const now = await resolve(owner.phone);
    expect(now.status).toBe(200);
    expect(now.body.account).toMatchObject({ id: owner.id, name: 'Olga' });
    expectError(await resolve('abc'), 400, 'BAD_REQUEST');
    expect((await resolve('abc')).body.error.details.reason).toBe('PHONE_NUMBER_INVALID');
  });

  it('answers a deleted account’s number as absent', async () => {
    const asker = await ctx.world.account();
    const gone = await ctx.world.account();
    await gone.api.delete('/v1/me');
    expectError(await send(asker, { phone: gone.phone }), 404, 'PHONE_NOT_OCCUPIED');
    expectError(await asker.api.get(`/v1/accounts/resolve?phone=${encodeURIComponent(gone.phone)}`), 404, 'PHONE_NOT_OCCUPIED');
  });
});

describe('phone visibility', () => {
  async function seenPhone(viewer: TestAccount, b: TestAccount): Promise<string | undefined> {
    const chat = await chatWith(viewer, b);
    expect(chat).toBeDefined();
    return chat.peer.phone;
  }

  it('"contacts" (the default): only people B has saved see B’s number', async () => {
    const b = await ctx.world.account();
    const stranger = await ctx.world.account();
    const friend = await ctx.world.account();
    await ctx.world.save(b, friend);
    await send(stranger, b);
    await send(friend, b);
    expect((await chatWith(stranger, b)).peer).toEqual({ accountId: b.id, name: expect.any(String) });
    expect(await seenPhone(friend, b)).toBe(b.phone);
    // Saving B oneself changes nothing.
    await ctx.world.save(stranger, b);
    expect(await seenPhone(stranger, b)).toBeUndefined();
    // B removing the contact hides it again.
    await b.api.delete(`/v1/contacts/${friend.id}`);
    expect(await seenPhone(friend, b)).toBeUndefined();
  });

  it('"everybody": everyone sees it; "nobody": even contacts do not', async () => {
    const b = await ctx.world.account();
    const stranger = await ctx.world.account();
    const friend = await ctx.world.account();
    await ctx.world.mutual(b, friend);
    await send(stranger, b);
    await send(friend, b);
    await b.api.put('/v1/privacy', { phoneVisibility: 'everybody' });
    expect(await seenPhone(stranger, b)).toBe(b.phone);
    expect(await seenPhone(friend, b)).toBe(b.phone);
    await b.api.put('/v1/privacy', { phoneVisibility: 'nobody' });
    expect(await seenPhone(stranger, b)).toBeUndefined();
    expect(await seenPhone(friend, b)).toBeUndefined();
  });
});

describe('contacts by id', () => {
  it('POST /v1/contacts adds (201); unknown ids answer 404 PEER_ID_INVALID', async () => {
    const a = await picky();
    const b = await ctx.world.account();
    expectError(await send(b, a), 403, 'USER_PRIVACY_RESTRICTED');
    const res = await a.api.post('/v1/contacts', { accountId: b.id, name: 'Bee' });
    expect(res.status).toBe(201);
    // Adding twice is harmless.
    expect((await a.api.post('/v1/contacts', { accountId: b.id })).status).toBe(201);
    expectError(await a.api.post('/v1/contacts', { accountId: 'u999999' }), 404, 'PEER_ID_INVALID');
    expectError(await a.api.post('/v1/contacts', { accountId: 'garbage' }), 404, 'PEER_ID_INVALID');
    expectError(await a.api.post('/v1/contacts', { accountId: a.id }), 400, 'BAD_REQUEST');
    expectError(await a.api.post('/v1/contacts', {}), 400, 'BAD_REQUEST');
    expect((await send(b, a)).status).toBe(201);
  });

  it('DELETE /v1/contacts/{id} answers 204 and ends mutual-contact status', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    const c = await ctx.world.account();
    await ctx.world.mutual(a, b);
    await ctx.world.mutual(a, c);
    await limit(a);
    expect((await send(a, b)).status).toBe(201);
    expect((await send(a, c)).status).toBe(201);
    // b removes a; a removes c: neither pair is mutual any more.
    expect((await b.api.delete(`/v1/contacts/${a.id}`)).status).toBe(204);
    expect((await a.api.delete(`/v1/contacts/${c.id}`)).status).toBe(204);
    expectError(await send(a, b), 403, 'PEER_FLOOD');
    expectError(await send(a, c), 403, 'PEER_FLOOD');
    // Deleting someone who is not a contact is harmless; an unknown id is 404.
    expect((await a.api.delete(`/v1/contacts/${c.id}`)).status).toBe(204);
    expectError(await a.api.delete('/v1/contacts/u999999'), 404, 'PEER_ID_INVALID');
    expectError(await a.api.delete('/v1/contacts/garbage'), 404, 'PEER_ID_INVALID');
  });
});

describe('blocks', () => {
  it('POST and DELETE /v1/blocks answer 204; unknown ids 404', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    expect((await a.api.post('/v1/blocks', { accountId: b.id })).status).toBe(204);
    expect((await a.api.post('/v1/blocks', { accountId: b.id })).status).toBe(204);
    expectError(await send(b, a), 403, 'USER_IS_BLOCKED');
    expect((await a.api.delete(`/v1/blocks/${b.id}`)).status).toBe(204);
    expect((await send(b, a)).status).toBe(201);
    expect((await a.api.delete(`/v1/blocks/${b.id}`)).status).toBe(204);
    expectError(await a.api.post('/v1/blocks', { accountId: 'u999999' }), 404, 'PEER_ID_INVALID');
    expectError(await a.api.post('/v1/blocks', { accountId: 'zzz' }), 404, 'PEER_ID_INVALID');
    expectError(await a.api.delete('/v1/blocks/u999999'), 404, 'PEER_ID_INVALID');
    expectError(await a.api.post('/v1/blocks', { accountId: a.id }), 400, 'BAD_REQUEST');
  });
});

describe('privacy settings', () => {
  it('answer all four settings, starting from the defaults of RULES.md §1', async () => {
    const a = await ctx.world.account();
    const defaults = { findByPhone: 'everybody', phoneVisibility: 'contacts', chatInvites: 'everybody', newChats: 'everybody' };
    expect((await a.api.get('/v1/privacy')).body).toEqual(defaults);
    const r1 = await a.api.put('/v1/privacy', { chatInvites: 'nobody' });
    expect(r1.status).toBe(200);
    expect(r1.body).toEqual({ ...defaults, chatInvites: 'nobody' });
    const r2 = await a.api.put('/v1/privacy', { findByPhone: 'contacts', phoneVisibility: 'everybody', newChats: 'contacts' });
    expect(r2.body).toEqual({ findByPhone: 'contacts', phoneVisibility: 'everybody', chatInvites: 'nobody', newChats: 'contacts' });
    expect((await a.api.put('/v1/privacy', {})).body).toEqual(r2.body);
  });

  it('answers 400 BAD_REQUEST for a value outside the enum, changing nothing', async () => {
    const a = await ctx.world.account();
    for (const body of [
      { findByPhone: 'nobody' },
      { newChats: 'nobody' },
      { phoneVisibility: 'friends' },
      { chatInvites: 1 },
      { chatInvites: 'contacts', newChats: 'all' },
    ]) {
      expectError(await a.api.put('/v1/privacy', body), 400, 'BAD_REQUEST');
    }
    expect((await a.api.get('/v1/privacy')).body).toEqual({
      findByPhone: 'everybody',
      phoneVisibility: 'contacts',
      chatInvites: 'everybody',
      newChats: 'everybody',
    });
  });
});

describe('the action bar', () => {
  it('shows the recipient of a chat started by a non-contact report spam, block and add contact; not the sender', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await ctx.world.save(a, b); // a has b; b does not have a
    expect((await send(a, b, 'cheap watches')).status).toBe(201);
    expect((await chatWith(b, a)).actionBar).toEqual({ reportSpam: true, block: true, addContact: true });
    expect((await chatWith(a, b)).actionBar).toBeUndefined();
    // More messages from a keep it.
    await send(a, b, 'really cheap');
    expect((await chatWith(b, a)).actionBar).toEqual({ reportSpam: true, block: true, addContact: true });
  });

  it('disappears once the recipient replies', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await send(a, b);
    expect((await chatWith(b, a)).actionBar).toBeDefined();
    await send(b, a, 'who is this?');
    expect((await chatWith(b, a)).actionBar).toBeUndefined();
    expect((await chatWith(a, b)).actionBar).toBeUndefined();
  });

  it('disappears once the recipient adds the sender as a contact', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await send(a, b);
    expect((await chatWith(b, a)).actionBar).toBeDefined();
    expect((await b.api.post('/v1/contacts', { accountId: a.id })).status).toBe(201);
    expect((await chatWith(b, a)).actionBar).toBeUndefined();
  });

  it('offers no "add contact" for a sender seen as deleted, whom no one can add; report and block stay', async () => {
    const deleted = await ctx.world.account();
    const frozen = await ctx.world.account();
    const b = await ctx.world.account();
    await send(deleted, b, 'cheap watches');
    await send(frozen, b, 'cheap watches');
    expect((await deleted.api.delete('/v1/me')).status).toBe(204);
    await restrictAccount(
      ctx.server.app.platform,
      parseId('account', frozen.id),
      { state: 'frozen', kind: 'spam', deleteAt: ctx.server.app.platform.clock.now() + 14 * DAY },
      { kind: 'system' },
    );
    for (const peer of [deleted, frozen]) {
      const chat = await chatWith(b, peer);
      expect(chat.peer.name).toBe('Deleted Account');
      expect(chat.actionBar).toEqual({ reportSpam: true, block: true, addContact: false });
    }
    // Neither can be added, as the bar says: a frozen account answers as a deleted one does.
    for (const peer of [deleted, frozen]) expectError(await b.api.post('/v1/contacts', { accountId: peer.id }), 404, 'PEER_ID_INVALID');
  });

  it('is not shown for a chat started by a contact', async () => {
    const a = await ctx.world.account();
    const b = await ctx.world.account();
    await ctx.world.save(b, a);
    await send(a, b);
    expect((await chatWith(b, a)).actionBar).toBeUndefined();
    expect((await chatWith(a, b)).actionBar).toBeUndefined();
  });
});

describe('usernames and numbers', () => {
  it('refuses a taken username, case-insensitively, with 409 USERNAME_TAKEN', async () => {
    await ctx.world.account({ username: 'Taken_Name' });
    const a = await ctx.world.account();
    expectError(await a.api.put('/v1/me', { username: 'taken_name' }), 409, 'USERNAME_TAKEN');
    expectError(await a.api.put('/v1/me', { username: 'TAKEN_NAME' }), 409, 'USERNAME_TAKEN');
    const ok = await a.api.put('/v1/me', { username: 'Free_Name' });
    expect(ok.status).toBe(200);
    expect(ok.body.username).toBe('Free_Name');
    // One's own username in another case is fine.
    expect((await a.api.put('/v1/me', { username: 'free_NAME' })).status).toBe(200);
    // At registration too.
    const dup = await ctx.world.admin.post('/v1/accounts', { phone: freePhone(), name: 'x', username: 'TAKEN_name' });
    expectError(dup, 409, 'USERNAME_TAKEN');
  });

  it("refuses the system accounts' own usernames (400 NAME_INVALID, RULES.md §1)", async () => {
    const a = await ctx.world.account();
    for (const username of ['spambot', 'SpamBot', 'support', '@Support']) {
      expectError(await a.api.put('/v1/me', { username }), 400, 'NAME_INVALID');
    }
    expectError(await ctx.world.admin.post('/v1/accounts', { phone: freePhone(), name: 'x', username: 'spambot' }), 400, 'NAME_INVALID');
  });

  it('names an impersonation NAME_INVALID whatever letters it uses: look-alikes, invisible characters, bidirectional overrides', async () => {
    const a = await ctx.world.account();
    // A Cyrillic ѕ, a Cyrillic о, a zero-width space inside, a right-to-left override, an isolate.
    for (const username of ['\u0455upport', 'supp\u043ert', 's\u200bupport', '\u202ebob12345', 'bob\u2066x12345']) {
      expectError(await a.api.put('/v1/me', { username }), 400, 'NAME_INVALID');
      expectError(await ctx.world.admin.post('/v1/accounts', { phone: freePhone(), name: 'x', username }), 400, 'NAME_INVALID');
    }
    expect((await a.api.get('/v1/me')).body.account.username).toBeUndefined();
  });

  it('refuses a malformed username with 400 BAD_REQUEST (reason USERNAME_INVALID)', async () => {
    const a = await ctx.world.account();
    for (const username of ['ab', '1abc', 'has space', 'bad-name', 'ünïcode']) {
      const r = await a.api.put('/v1/me', { username });
      expectError(r, 400, 'BAD_REQUEST');
      expect(r.body.error.details).toMatchObject({ field: 'username', reason: 'USERNAME_INVALID' });
    }
    expect((await a.api.get('/v1/me')).body.account.username).toBeUndefined();
  });

  it('refuses a number already registered with 409 PHONE_TAKEN, in any notation', async () => {
    const a = await ctx.world.account({ phone: '+447700966601' });
    expectError(await ctx.world.admin.post('/v1/accounts', { phone: a.phone, name: 'x' }), 409, 'PHONE_TAKEN');
    expectError(await ctx.world.admin.post('/v1/accounts', { phone: '0044 7700 966 601', name: 'x' }), 409, 'PHONE_TAKEN');
    expectError(await ctx.world.admin.post('/v1/accounts', { phone: '77', name: 'x' }), 400, 'BAD_REQUEST');
  });

  it('frees the number (and username) of a deleted account for a new registration', async () => {
    const a = await ctx.world.account({ username: 'leaving_soon' });
    expect((await a.api.delete('/v1/me')).status).toBe(204);
    const res = await ctx.world.admin.post('/v1/accounts', { phone: a.phone, name: 'New owner', username: 'Leaving_Soon' });
    expect(res.status).toBe(201);
    expect(res.body.account.id).not.toBe(a.id);
    expect(res.body.account.phone).toBe(a.phone);
    // The number now leads to the new account.
    const asker = await ctx.world.account();
    const sent = await send(asker, { phone: a.phone });
    expect(sent.status).toBe(201);
    const chat = await asker.api.get('/v1/chats');
    expect(chat.body.chats.find((c: any) => c.id === sent.body.message.chatId).peer.accountId).toBe(res.body.account.id);
    // And a second registration on it is refused again.
    expectError(await ctx.world.admin.post('/v1/accounts', { phone: a.phone, name: 'x' }), 409, 'PHONE_TAKEN');
  });
});
