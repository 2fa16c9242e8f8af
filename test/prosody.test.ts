import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUtc } from '../src/domain/texts.js';
import { Client } from './helpers/client.js';
import { freePort } from './helpers/net.js';
import { registerInBand, startProsody, type Prosody } from './helpers/prosody.js';
import { ADMIN_TOKEN, startServer, type TestServer } from './helpers/server.js';
import { befriend, connect, xml, type Stanza, type XmppUser } from './helpers/xmpp.js';

/**
 * banya in front of a real Prosody (Debian's 0.12) with mod_banya, driven by real XMPP clients
 * (@xmpp/client): a stranger writes to several users, one reports him (XEP-0377), a moderator
 * confirms through banya's API, and from then on Prosody refuses his messages to strangers with
 * banya's policy-violation while his mutual contacts and replies still get through.
 */

const NS_ERR = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const NS_BANYA = 'urn:banya:restriction:0';
const PASSWORD = 'a-password-for-tests';

let server: TestServer;
let silent: net.Server | undefined;
let prosody: Prosody;
const users: Record<string, XmppUser> = {};

beforeAll(async () => {
  server = await startServer();
  // Two more hosts whose banya cannot answer: one fails open (nothing listens on its port), one
  // closed (its "banya" accepts connections and never answers: the timeout decides).
  const dead = `http://127.0.0.1:${await freePort()}`;
  silent = net.createServer(() => {});
  await new Promise<void>((r) => silent!.listen(0, '127.0.0.1', () => r()));
  const hanging = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  prosody = await startProsody({
    banyaUrl: server.url,
    platformKey: ADMIN_TOKEN,
    extraHosts: [
      { host: 'open.test', banyaUrl: dead, fail: 'open' },
      { host: 'closed.test', banyaUrl: hanging, fail: 'closed', timeout: 1 },
    ],
  });
  const names = ['spammer', 'friend', 'v1', 'v2', 'v3', 'v4'];
  for (const n of names) prosody.register(n, PASSWORD);
  for (const h of ['open.test', 'closed.test']) for (const n of ['a', 'b']) prosody.register(n, PASSWORD, h);
  for (const n of names) users[n] = await connect(prosody.port, prosody.host, n, PASSWORD);
  for (const h of ['open.test', 'closed.test']) for (const n of ['a', 'b']) users[`${n}@${h}`] = await connect(prosody.port, h, n, PASSWORD);
}, 30_000);

afterAll(async () => {
  for (const u of Object.values(users)) await u.stop();
  await prosody?.stop();
  await server?.stop();
  silent?.close();
});

function errorOf(s: Stanza) {
  const e = s.getChild('error');
  return {
    condition: e?.children.find((c: Stanza) => typeof c !== 'string' && c.attrs.xmlns === NS_ERR && c.name !== 'text')?.name,
    text: e?.getChildText('text', NS_ERR) as string | null,
    lang: e?.getChild('text', NS_ERR)?.attrs['xml:lang'],
    code: e?.getChild('restricted', NS_BANYA)?.attrs.code as string | undefined,
    until: e?.getChild('restricted', NS_BANYA)?.attrs.until as string | undefined,
  };
}

async function accountIdOf(u: XmppUser): Promise<string> {
  const r = await new Client(server.url, ADMIN_TOKEN).post('/v1/accounts', { platformId: u.jid, name: 'x' });
  expect(r.body.error.code).toBe('PLATFORM_ID_TAKEN');
  return r.body.error.details.accountId;
}

describe('Prosody with mod_banya', () => {
  it('the spam story: report, confirmation, refusals, contacts and replies, SpamBot, roster and block changes', async () => {
    const { spammer, friend, v1, v2, v3, v4 } = users as Record<string, XmppUser>;
    await befriend(spammer!, friend!);

    // A stranger writes to several users: delivered, and recorded by banya.
    for (const v of [v1!, v2!, v3!, v4!]) expect(await spammer!.message(v, `Cheap watches for you, ${v.user}`)).toBeNull();

    // v1 reports him with XEP-0377 (a report inside a XEP-0191 block).
    await v1!.iq(
      'set',
      xml(
        'block',
        { xmlns: 'urn:xmpp:blocking' },
        xml(
          'item',
          { jid: spammer!.jid },
          xml('report', { xmlns: 'urn:xmpp:reporting:1', reason: 'urn:xmpp:reporting:spam' }, xml('text', {}, 'Unsolicited ads')),
        ),
      ),
    );
    const spammerId = await accountIdOf(spammer!);
    const admin = new Client(server.url, ADMIN_TOKEN);
    const staff = await admin.post('/v1/admin/staff', { name: 'Moderator', role: 'moderator' });
    const mod = new Client(server.url, staff.body.token);
    const cases = await mod.get('/v1/moderation/cases');
    const kase = cases.body.cases.find((c: { subject: { accountId: string } }) => c.subject.accountId === spammerId);
    expect(kase).toBeDefined();
    // The evidence is the messages the module saw him send to the reporter.
    const view = await mod.get(`/v1/moderation/cases/${kase.id}`);
    expect(view.body.case.evidence.map((e: { text: string }) => e.text)).toEqual(['Cheap watches for you, v1']);
    expect(view.body.case.reports[0].reason).toBe('spam');
    const decision = await mod.post(`/v1/moderation/cases/${kase.id}/decision`, { action: 'confirm', policy: 'spam' });
    expect(decision.status).toBe(200);
    expect(decision.body.sanction.state).toBe('limited');
    const until: string = decision.body.sanction.until;

    // His next message to a stranger bounces with banya's text and the date, in the stanza's language.
    const bounced = await spammer!.message(v3!, 'Still cheap');
    expect(bounced).not.toBeNull();
    const e = errorOf(bounced);
    expect(e.condition).toBe('policy-violation');
    expect(e.code).toBe('PEER_FLOOD');
    expect(e.until).toBe(until);
    expect(e.lang).toBe('en');
    expect(e.text).toContain(`until ${formatUtc(Date.parse(until), 'en')}`);
    const ru = errorOf(await spammer!.message(v4!, 'Дёшево', 'ru'));
    expect(ru.lang).toBe('ru');
    expect(ru.text).toContain(formatUtc(Date.parse(until), 'ru'));

    // A mutual roster contact still gets his messages; so does someone who wrote to him first.
    expect(await spammer!.message(friend!, 'Hi, it is me')).toBeNull();
    expect(await v2!.message(spammer!, 'Who are you?')).toBeNull();
    expect(await spammer!.message(v2!, 'Sorry, wrong person')).toBeNull();

    // He asks SpamBot: its answer, with its buttons as numbered choices.
    await spammer!.send(xml('message', { to: `spambot@${prosody.host}`, type: 'chat', id: 'sb1' }, xml('body', {}, '/start')));
    const answer = await spammer!.waitFor((s) => s.is('message') && s.attrs.from === `spambot@${prosody.host}`);
    const text: string = answer.getChildText('body');
    expect(text).toContain(formatUtc(Date.parse(until), 'en'));
    expect(text).toMatch(/\n1\. /);

    // A roster change over XMPP: the friend removes him; the next message is decided without it.
    await friend!.iq('set', xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: spammer!.jid, subscription: 'remove' })));
    const unfriended = errorOf(await spammer!.message(friend!, 'Hello again'));
    expect(unfriended.condition).toBe('policy-violation');
    expect(unfriended.code).toBe('PEER_FLOOD');

    // A block over XMPP (XEP-0191): v2 blocks him; his next reply is refused by banya.
    await v2!.iq('set', xml('block', { xmlns: 'urn:xmpp:blocking' }, xml('item', { jid: spammer!.jid })));
    const blocked = errorOf(await spammer!.message(v2!, 'Are you there?'));
    expect(blocked.condition).toBe('policy-violation');
    expect(blocked.code).toBe('USER_IS_BLOCKED');
    // And unblocking lets his replies through again.
    await v2!.iq('set', xml('unblock', { xmlns: 'urn:xmpp:blocking' }, xml('item', { jid: spammer!.jid })));
    expect(await spammer!.message(v2!, 'Are you there?')).toBeNull();
  }, 45_000);

  it('when banya cannot be reached, delivers (fail-open) or refuses with service-unavailable (fail-closed), as configured', async () => {
    const t0 = Date.now();
    expect(await users['a@open.test']!.message(users['b@open.test']!, 'hello')).toBeNull();
    const refused = await users['a@closed.test']!.message(users['b@closed.test']!, 'hello');
    expect(errorOf(refused).condition).toBe('service-unavailable');
    expect(errorOf(refused).text).toContain('anti-spam service is unavailable');
    // The refusal came after the timeout (1 s), not never.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('registers a user with banya when it registers in-band, before it writes anything', async () => {
    await registerInBand(prosody.port, prosody.host, 'newcomer', PASSWORD);
    const admin = new Client(server.url, ADMIN_TOKEN);
    const jid = `newcomer@${prosody.host}`;
    // The module registers in the background: wait for it, a short while.
    let taken: { status: number; body: { error?: { code: string } } } = { status: 0, body: {} };
    for (let i = 0; i < 50 && taken.body.error?.code !== 'PLATFORM_ID_TAKEN'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      taken = await admin.post('/v1/accounts', { platformId: jid, name: 'x' });
    }
    expect(taken.status).toBe(409);
    expect(taken.body.error?.code).toBe('PLATFORM_ID_TAKEN');
  });
});
