import { describe, expect, it } from 'vitest';
import type { TestAccount } from './helpers/client.js';
import { expectError } from './helpers/expect.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * API.md `GET /v1/chats`: newest activity first, like every messenger — a chat's last message,
 * or when the account got the chat (created, joined) if it has no later message; of chats active
 * at the same instant, the one whose last message came last; then by id, newest first; a cursor
 * that stays stable while new messages arrive.
 */

const ctx = serverPerFile();

async function send(from: TestAccount, to: TestAccount | string, text = 'hi'): Promise<string> {
  const res = await from.api.post('/v1/messages', { to: typeof to === 'string' ? { chatId: to } : { accountId: to.id }, text });
  if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.message.chatId as string;
}

async function ids(a: TestAccount, query = ''): Promise<string[]> {
  const res = await a.api.get(`/v1/chats${query}`);
  expect(res.status).toBe(200);
  return res.body.chats.map((c: { id: string }) => c.id);
}

/** Every page, following nextCursor. */
async function allPages(a: TestAccount, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const res = await a.api.get(`/v1/chats?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    pages.push(res.body.chats.map((c: { id: string }) => c.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  return pages;
}

/** `owner` and n friends who saved each other, so that any of them may write first. */
async function circle(n: number): Promise<{ owner: TestAccount; friends: TestAccount[] }> {
  const owner = await ctx.world.account();
  const friends: TestAccount[] = [];
  for (let i = 0; i < n; i++) {
    const f = await ctx.world.account();
    await ctx.world.mutual(owner, f);
    friends.push(f);
  }
  return { owner, friends };
}

describe('the chat list order', () => {
  it('puts the chat with the latest message on top; a new message moves a chat up', async () => {
    const { owner, friends } = await circle(3);
    const [b, c, d] = friends as [TestAccount, TestAccount, TestAccount];
    const cb = await send(owner, b);
    await ctx.world.advance(60);
    const cc = await send(c, owner);
    await ctx.world.advance(60);
    const cd = await send(owner, d);
    expect(await ids(owner)).toEqual([cd, cc, cb]);
    await ctx.world.advance(60);
    await send(b, owner, 'back again');
    expect(await ids(owner)).toEqual([cb, cd, cc]);
    // The other side sees the same chats by the same activity.
    expect(await ids(b)).toEqual([cb]);
  });

  it('orders chats of the same moment by id, newest first', async () => {
    const { owner, friends } = await circle(4);
    const chats: string[] = [];
    for (const f of friends) chats.push(await send(owner, f)); // the clock does not move
    expect(await ids(owner)).toEqual([...chats].reverse());
  });

  it('puts the chat with the latest message on top while the clock stands still', async () => {
    // A manual clock does not move between requests: every message below has the same sentAt.
    const { owner, friends } = await circle(3);
    const [b, c, d] = friends as [TestAccount, TestAccount, TestAccount];
    const cb = await send(b, owner, 'first');
    const cc = await send(c, owner, 'second');
    const cd = await send(d, owner, 'third');
    expect(await ids(owner)).toEqual([cd, cc, cb]);
    await send(b, owner, 'b again');
    expect(await ids(owner)).toEqual([cb, cd, cc]);
    await send(owner, c, 'owner writes to c');
    expect(await ids(owner)).toEqual([cc, cb, cd]);
    // A group that gets a message at the same instant goes on top too.
    const group = await d.api.post('/v1/groups', { title: 'Same moment', kind: 'group', members: [owner.id] });
    expect(group.status).toBe(201);
    const g = group.body.chat.id as string;
    await send(b, owner, 'b once more');
    expect((await ids(owner))[0]).toBe(cb);
    await send(d, g, 'hello group');
    expect(await ids(owner)).toEqual([g, cb, cc, cd]);
    // Paging one by one gives the same order, each chat once.
    expect((await allPages(owner, 1)).flat()).toEqual([g, cb, cc, cd]);
    // The sentAt of every message really is the same instant.
    const times = new Set<string>();
    for (const chat of [cb, cc, cd, g]) for (const m of (await owner.api.get(`/v1/chats/${chat}/messages`)).body.messages) times.add(m.sentAt);
    expect(times.size).toBe(1);
  });

  it('orders a group without messages by when the account got it', async () => {
    const { owner, friends } = await circle(2);
    const [b, c] = friends as [TestAccount, TestAccount];
    // The group is older than the private chats, but owner only gets it later; nobody writes in it.
    const group = await c.api.post('/v1/groups', { title: 'Quiet group', kind: 'group' });
    expect(group.status).toBe(201);
    const quiet = group.body.chat.id as string;
    await ctx.world.advance(60);
    const early = await send(owner, b);
    await ctx.world.advance(60);
    expect((await c.api.post(`/v1/chats/${quiet}/members`, { accountIds: [owner.id] })).body.added).toEqual([owner.id]);
    expect(await ids(owner)).toEqual([quiet, early]);
    await ctx.world.advance(60);
    const late = await send(c, owner);
    expect(await ids(owner)).toEqual([late, quiet, early]);
  });

  it('orders a channel joined after its last post by the join', async () => {
    const { owner, friends } = await circle(1);
    const author = await ctx.world.account();
    const channel = await author.api.post('/v1/groups', { title: 'Old news', kind: 'channel', public: true });
    const news = channel.body.chat.id as string;
    await send(author, news, 'a post from long ago');
    await ctx.world.advance(3600);
    const talk = await send(friends[0]!, owner);
    await ctx.world.advance(60);
    expect((await owner.api.post(`/v1/chats/${news}/join`)).status).toBe(204);
    expect(await ids(owner)).toEqual([news, talk]);
    // For its author, the channel is where its last post put it.
    await ctx.world.advance(60);
    const own = await ctx.world.account();
    await ctx.world.mutual(author, own);
    const later = await send(own, author);
    expect(await ids(author)).toEqual([later, news]);
  });

  it('keeps a chat deleted on one side away until a new message comes, then on top', async () => {
    const { owner, friends } = await circle(2);
    const [b, c] = friends as [TestAccount, TestAccount];
    const cb = await send(b, owner, 'spam?');
    await ctx.world.advance(60);
    const cc = await send(c, owner);
    const report = await owner.api.post('/v1/reports', { chatId: cb, deleteChat: true });
    expect(report.status).toBe(201);
    expect(await ids(owner)).toEqual([cc]);
    expect(await ids(b)).toEqual([cb]); // deleted on one side only
    await ctx.world.advance(60);
    await send(b, owner, 'sorry');
    expect(await ids(owner)).toEqual([cb, cc]);
  });

  it('takes its history away from the side that deleted it, not from the other side', async () => {
    const { owner, friends } = await circle(1);
    const [b] = friends as [TestAccount];
    const cb = await send(b, owner, 'spam?');
    await send(b, owner, 'more spam');
    const texts = async (who: TestAccount) => ((await who.api.get(`/v1/chats/${cb}/messages`)).body.messages as { text: string }[]).map((m) => m.text);
    expect((await owner.api.post('/v1/reports', { chatId: cb, deleteChat: true })).status).toBe(201);
    expect(await texts(owner)).toEqual([]);
    expect(await texts(b)).toEqual(['spam?', 'more spam']);
    await send(b, owner, 'sorry');
    // Back in the list with the new message only; `after` an old message starts no earlier.
    expect(await texts(owner)).toEqual(['sorry']);
    const first = (await b.api.get(`/v1/chats/${cb}/messages`)).body.messages[0].id;
    expect(((await owner.api.get(`/v1/chats/${cb}/messages?after=${first}`)).body.messages as { text: string }[]).map((m) => m.text)).toEqual(['sorry']);
    expect(await texts(b)).toEqual(['spam?', 'more spam', 'sorry']);
  });
});

describe('a chat deleted on one side, while the clock stands still', () => {
  it('comes back with the next message of the same instant, and a second deletion hides it again', async () => {
    const { owner, friends } = await circle(2);
    const [b, c] = friends as [TestAccount, TestAccount];
    const cc = await send(c, owner);
    const cb = await send(b, owner, 'spam?');
    expect((await owner.api.post('/v1/reports', { chatId: cb, deleteChat: true })).status).toBe(201);
    expect(await ids(owner)).toEqual([cc]);
    await send(b, owner, 'sorry'); // the manual clock has not moved
    expect(await ids(owner)).toEqual([cb, cc]);
    // Deleted once more (the first report is still open: 200), it stays away until the next message.
    expect((await owner.api.post('/v1/reports', { chatId: cb, deleteChat: true })).status).toBe(200);
    expect(await ids(owner)).toEqual([cc]);
    await send(b, owner, 'really sorry');
    expect(await ids(owner)).toEqual([cb, cc]);
  });
});

describe('the chat list cursor', () => {
  it('pages through every chat once, in order', async () => {
    const { owner, friends } = await circle(7);
    const chats: string[] = [];
    for (const f of friends) {
      chats.push(await send(f, owner));
      if (chats.length % 3 !== 0) await ctx.world.advance(1); // some ties, some not
    }
    const whole = await ids(owner);
    expect([...whole].sort()).toEqual([...chats].sort());
    for (const limit of [1, 2, 3, 7]) {
      const pages = await allPages(owner, limit);
      expect(pages.flat()).toEqual(whole);
      expect(pages.every((p) => p.length <= limit)).toBe(true);
    }
  });

  it('stays stable while new messages arrive: no chat repeated or skipped, a busy one moves to the top', async () => {
    const { owner, friends } = await circle(6);
    const chats: string[] = [];
    for (const f of friends) {
      chats.push(await send(owner, f));
      await ctx.world.advance(10);
    }
    const [x1, x2, x3, x4, x5, x6] = chats as [string, string, string, string, string, string];
    const first = await owner.api.get('/v1/chats?limit=2');
    expect(first.body.chats.map((c: { id: string }) => c.id)).toEqual([x6, x5]);
    const cursor = first.body.nextCursor as string;
    // Meanwhile: a chat already seen, a chat not yet seen, and a brand-new chat get messages.
    await send(friends[5]!, owner, 'x6 again');
    await ctx.world.advance(1);
    await send(friends[2]!, owner, 'x3 again');
    await ctx.world.advance(1);
    const newcomer = await ctx.world.account();
    await ctx.world.mutual(owner, newcomer);
    const x7 = await send(newcomer, owner);
    const rest: string[] = [];
    let next: string | undefined = cursor;
    while (next) {
      const res: { status: number; body: any } = await owner.api.get(`/v1/chats?limit=2&cursor=${encodeURIComponent(next)}`);
      expect(res.status).toBe(200);
      rest.push(...res.body.chats.map((c: { id: string }) => c.id));
      next = res.body.nextCursor;
    }
    // x3 moved above the cursor (it is on top now); the others come once, in their order.
    expect(rest).toEqual([x4, x2, x1]);
    expect(await ids(owner)).toEqual([x7, x3, x6, x5, x4, x2, x1]);
  });

  it('refuses a cursor it did not hand out', async () => {
    const a = await ctx.world.account();
    for (const bad of ['12', 'not-a-cursor', Buffer.from('1:x').toString('base64url'), 'x'.repeat(80)]) {
      expectError(await a.api.get(`/v1/chats?cursor=${encodeURIComponent(bad)}`), 400, 'BAD_REQUEST');
    }
  });
});
