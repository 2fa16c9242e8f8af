import { afterAll, beforeAll, it } from 'vitest';
import { World, type TestAccount } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';
let server: TestServer;
let world: World;
beforeAll(async () => {
  server = await startServer();
  world = new World(server.url);
});
afterAll(() => server.stop());
async function freeze(a: TestAccount) {
  const mod = await world.staff('moderator');
  const v = await world.account();
  const m = (await a.api.post('/v1/messages', { to: { accountId: v.id }, text: 'usdt' })).body.message;
  const rep = await v.api.post('/v1/reports', { chatId: m.chatId, reason: 'scam' });
  await mod.post(`/v1/moderation/cases/${rep.body.report.caseId}/decision`, { action: 'confirm', policy: 'scam' });
}
it('probe', async () => {
  const a = await world.account();
  const b = await world.account();
  const chatId = (await a.api.post('/v1/groups', { title: 'g', kind: 'group' })).body.chat.id;
  await world.mutual(a, b);
  await a.api.post(`/v1/chats/${chatId}/members`, { accountIds: [b.id] });
  const pub = (await b.api.post('/v1/groups', { title: 'p', kind: 'group', public: true })).body.chat.id;
  await freeze(a);
  const show = async (name: string, p: Promise<any>) => {
    const r = await p;
    console.log('FRZ', name, r.status, r.body?.error?.code);
  };
  await show('leave', a.api.post(`/v1/chats/${chatId}/leave`));
  await show('ban', a.api.post(`/v1/chats/${chatId}/bans`, { accountId: b.id }));
  await show('admins', a.api.post(`/v1/chats/${chatId}/admins`, { accountId: b.id }));
  await show('join', a.api.post(`/v1/chats/${pub}/join`));
  await show('emails', a.api.post('/v1/me/emails', { address: 'x@example.com' }));
  await show('verify', a.api.post('/v1/me/emails/verify', { address: 'x@example.com', code: '123456' }));
  await show('signout', a.api.post('/v1/me/sign-out'));
  await show('lang', a.api.put('/v1/me', { language: 'ru' }));
  await show('resolve', a.api.get(`/v1/accounts/resolve?phone=${encodeURIComponent(b.phone)}`));
  await show('chats', a.api.get('/v1/chats'));
  await show('me', a.api.get('/v1/me'));
  await show('groupmsg', a.api.post('/v1/messages', { to: { chatId }, text: 'x' }));
});
