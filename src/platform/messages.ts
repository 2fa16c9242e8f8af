import { createHash } from 'node:crypto';
import type { CompiledQuery } from 'kysely';
import { ALLOW, codeName, Code, type DenyCode } from '../domain/codes.js';
import { BanyaError, fail } from '../domain/errors.js';
import { ChatKind, Flag, gatePost, gateSend, gateSender, mayFindByPhone, SYSTEM } from '../domain/gate.js';
import { hasVisibleText } from '../domain/names.js';
import { normalizePhone, phoneKey } from '../domain/phone.js';
import { param, statement, type Statement } from '../store/statement.js';
import { parseId, publicId } from '../store/ids.js';
import type { Store } from '../store/store.js';
import type { Lang } from '../domain/texts.js';
import { textSignals } from '../robots/events.js';
import type { Platform } from './context.js';
import { iso } from './guards.js';

/**
 * The send path, a straight line: resolve → gate (pure, from memory) → rate limit →
 * one batch with the message (and the chat, the first time) → answer once durable.
 */

export type Target = { accountId: string } | { phone: string } | { username: string } | { chatId: string };

export interface MessageView {
  id: string;
  chatId: string;
  from: string;
  text: string;
  sentAt: string;
  buttons?: string[][];
}

export interface SentMessage {
  message: MessageView;
}

/** Where a message goes: a person (private chat) or a group/channel. */
type Resolved = { peer: number; chat: 0 } | { peer: 0; chat: number } | { error: DenyCode | 'PHONE_NUMBER_INVALID' };

export function resolveTarget(p: Platform, a: number, to: Target): Resolved {
  const idx = p.index;
  if ('accountId' in to) {
    const id = parseId('account', to.accountId);
    return id !== 0 && idx.exists(id) ? { peer: id, chat: 0 } : { error: Code.PEER_ID_INVALID };
  }
  if ('phone' in to) {
    const phone = normalizePhone(to.phone);
    if (!phone) return { error: 'PHONE_NUMBER_INVALID' };
    const id = idx.byPhone(phoneKey(phone));
    // Absent and hidden numbers answer alike (RULES.md §2): privacy wins.
    return id !== 0 && mayFindByPhone(idx, a, id) ? { peer: id, chat: 0 } : { error: Code.PHONE_NOT_OCCUPIED };
  }
  if ('username' in to) {
    const u = to.username.startsWith('@') ? to.username.slice(1) : to.username;
    const id = u.length > 0 && u.length <= 64 ? idx.byUsername(u) : 0;
    return id !== 0 ? { peer: id, chat: 0 } : { error: Code.USERNAME_NOT_OCCUPIED };
  }
  const chat = parseId('chat', to.chatId);
  const kind = idx.isTakenDown(chat) ? ChatKind.NONE : idx.chatKind(chat);
  if (kind === ChatKind.PRIVATE) {
    const other = idx.otherSide(chat, a);
    return other !== 0 ? { peer: other, chat: 0 } : { error: Code.PEER_ID_INVALID };
  }
  if (kind === ChatKind.GROUP || kind === ChatKind.CHANNEL) return { peer: 0, chat };
  return { error: Code.PEER_ID_INVALID };
}

/** The `details` of a gate denial: until when, and where to appeal. */
export function denial(p: Platform, code: DenyCode, a: number): BanyaError {
  const name = codeName(code);
  const r = p.index.restriction(a);
  switch (code) {
    case Code.PEER_FLOOD:
    case Code.USER_RESTRICTED:
      return new BanyaError(name, { until: iso(p.index.limitedUntil(a)), appeal: 'spambot' });
    case Code.FROZEN_METHOD_INVALID:
      return new BanyaError(name, { deleteAt: iso(r.deleteAt), appeal: 'spambot' });
    case Code.USER_BANNED_IN_CHANNEL:
      return new BanyaError(name, { appeal: 'spambot' });
    default:
      return new BanyaError(name);
  }
}

export function floodWait(retryAfter: number): BanyaError {
  return new BanyaError('FLOOD_WAIT', { retryAfter });
}

interface HotStatements {
  insertMessage: Statement<{ id: number; chat: number; from: number; text: string; at: number }>;
  insertPrivateChat: Statement<{ id: number; low: number; high: number; by: number; lowWrote: number; highWrote: number; at: number }>;
  markLowWrote: Statement<{ id: number }>;
  markHighWrote: Statement<{ id: number }>;
  insertIdempotency: Statement<{ account: number; key: string; hash: string; status: number; response: string; at: number }>;
}

const hot = new WeakMap<Store, HotStatements>();

function statements(store: Store): HotStatements {
  let s = hot.get(store);
  if (s) return s;
  const db = store.db;
  s = {
    insertMessage: statement(
      db.insertInto('messages').values({
        id: param('id'),
        chat_id: param('chat'),
        from_id: param('from'),
        text: param('text'),
        buttons: null,
        sent_at: param('at'),
      }),
    ),
    insertPrivateChat: statement(
      db.insertInto('chats').values({
        id: param('id'),
        kind: 'private',
        title: null,
        public: 0,
        owner_id: null,
        peer_low: param('low'),
        peer_high: param('high'),
        started_by: param('by'),
        low_wrote: param('lowWrote'),
        high_wrote: param('highWrote'),
        created_at: param('at'),
      }),
    ),
    markLowWrote: statement(db.updateTable('chats').set({ low_wrote: 1 }).where('id', '=', param<number>('id'))),
    markHighWrote: statement(db.updateTable('chats').set({ high_wrote: 1 }).where('id', '=', param<number>('id'))),
    insertIdempotency: statement(
      db.insertInto('idempotency').values({
        account_id: param('account'),
        key: param('key'),
        body_hash: param('hash'),
        status: param('status'),
        response: param('response'),
        created_at: param('at'),
      }),
    ),
  };
  hot.set(store, s);
  return s;
}

export interface Idempotency {
  key: string;
  /** Hash of the request body, to tell a true repeat from a reuse of the key. */
  bodyHash: string;
}

export function bodyHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');
}

const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

/** An earlier answer for this key, or undefined to go ahead. Throws on a reused key. */
export function idempotentAnswer(p: Platform, a: number, idem: Idempotency | undefined): { status: number; body: unknown } | undefined {
  if (!idem) return undefined;
  const prior = p.idempotency.get(`${a}:${idem.key}`);
  if (!prior || prior.at + IDEMPOTENCY_TTL_MS <= p.clock.now()) return undefined;
  if (prior.bodyHash !== idem.bodyHash) fail('IDEMPOTENCY_CONFLICT');
  return { status: prior.status, body: prior.body };
}

/** Remembers the answer (in memory now, durably in the same batch as the write). */
export function rememberAnswer(p: Platform, a: number, idem: Idempotency, status: number, body: unknown, at: number): CompiledQuery {
  const mapKey = `${a}:${idem.key}`;
  p.idempotency.delete(mapKey); // keep insertion order = age, for pruning
  p.idempotency.set(mapKey, { bodyHash: idem.bodyHash, status, body, at });
  return statements(p.store).insertIdempotency.bind({
    account: a,
    key: idem.key,
    hash: idem.bodyHash,
    status,
    response: JSON.stringify(body),
    at,
  });
}

/**
 * The private chat of `author` and `other` once `author` has written in it: created on the first
 * message (remembering who started it), and its "has written" fact set on the author's first.
 */
function privateChatWritten(p: Platform, author: number, other: number, now: number, writes: CompiledQuery[]): number {
  const idx = p.index;
  const s = statements(p.store);
  let chat = idx.privateChat(author, other);
  if (chat === 0) {
    chat = p.ids.next('chats');
    const authorIsLow = author < other;
    idx.putPrivateChat(chat, author, other, authorIsLow, !authorIsLow);
    writes.push(
      s.insertPrivateChat.bind({
        id: chat,
        low: Math.min(author, other),
        high: Math.max(author, other),
        by: author,
        lowWrote: authorIsLow ? 1 : 0,
        highWrote: authorIsLow ? 0 : 1,
        at: now,
      }),
    );
  } else if (idx.markWritten(chat, author, other)) {
    writes.push((author < other ? s.markLowWrote : s.markHighWrote).bind({ id: chat }));
  }
  return chat;
}

export async function sendMessage(p: Platform, a: number, to: Target, text: string, idem?: Idempotency, lang: Lang = 'en'): Promise<{ status: number; body: SentMessage }> {
  const earlier = idempotentAnswer(p, a, idem);
  if (earlier) return earlier as { status: number; body: SentMessage };
  const idx = p.index;
  const target = resolveTarget(p, a, to);
  const toSpamBot = 'peer' in target && target.peer !== 0 && target.peer === idx.spamBotId;
  // Rows 1–2 concern the sender and come before the recipient is resolved.
  const sender = gateSender(idx, a, toSpamBot);
  if (sender !== ALLOW) throw denial(p, sender, a);
  if ('error' in target) {
    if (target.error === 'PHONE_NUMBER_INVALID') fail('PHONE_NUMBER_INVALID', { field: 'to.phone' });
    throw denial(p, target.error, a);
  }
  if (!hasVisibleText(text)) fail('MESSAGE_EMPTY', { field: 'text', reason: 'the text has no visible characters' });
  const now = p.clock.now();
  let code: DenyCode | typeof ALLOW;
  if (target.chat !== 0) {
    code = gatePost(idx, a, target.chat);
  } else {
    if (target.peer === a) fail('BAD_REQUEST', { field: 'to', reason: 'cannot message yourself' });
    code = gateSend(idx, a, target.peer, now);
  }
  if (code !== ALLOW) throw denial(p, code, a);
  // Row 8: only a message that passed every other rule spends a token.
  if (target.chat !== 0 || !(idx.flags(target.peer) & SYSTEM)) {
    const wait = p.limits.take('messages', a);
    if (wait > 0) throw floodWait(wait);
  }
  const s = statements(p.store);
  const writes: CompiledQuery[] = [];
  const b = target.peer;
  const observed = target.chat === 0 && !(idx.flags(b) & SYSTEM);
  // For robots: a "cold" message goes to someone who has not saved the sender and never wrote to them.
  const stranger = observed && !idx.hasContact(b, a) && !idx.hasWritten(b, a);
  const newChat = observed && idx.privateChat(a, b) === 0;
  const chat = target.chat !== 0 ? target.chat : privateChatWritten(p, a, b, now, writes);
  const id = p.ids.next('messages');
  writes.push(s.insertMessage.bind({ id, chat, from: a, text, at: now }));
  const body: SentMessage = {
    message: { id: publicId('message', id), chatId: publicId('chat', chat), from: publicId('account', a), text, sentAt: new Date(now).toISOString() },
  };
  if (idem) writes.push(rememberAnswer(p, a, idem, 201, body, now));
  await p.store.write(writes);
  if (observed) {
    const signals = textSignals(text);
    await p.robots.observe({ type: 'message', at: now, from: a, to: b, stranger, newChat, textHash: signals.textHash, link: signals.link, inviteLink: signals.inviteLink });
  }
  // SpamBot and support answer before the sender's request does.
  if (target.chat === 0) await p.inbox.get(b)?.(a, text, idx.language(a) ?? lang);
  return { status: 201, body };
}

/** A message from a system account (SpamBot, support) into its private chat with `to`. */
export function systemMessage(p: Platform, from: number, to: number, text: string, buttons: string[][] | null, now: number): CompiledQuery[] {
  const writes: CompiledQuery[] = [];
  const chat = privateChatWritten(p, from, to, now, writes);
  writes.push(
    p.store.db
      .insertInto('messages')
      .values({ id: p.ids.next('messages'), chat_id: chat, from_id: from, text, buttons: buttons ? JSON.stringify(buttons) : null, sent_at: now })
      .compile(),
  );
  return writes;
}

export function isDeactivated(p: Platform, a: number): boolean {
  return (p.index.flags(a) & (Flag.DELETED | Flag.FROZEN | Flag.BANNED)) !== 0;
}
