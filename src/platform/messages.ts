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
import { iso } from '../domain/time-format.js';
import type { Change } from '../events/journal.js';
import { key } from '../events/serial.js';
import type { Actor } from '../store/event-log.js';
import { idempotent, NO_RECORD, type Remember } from './idempotency.js';
import { lookUp, reserveShared } from './lookups.js';
import { frozenDetails } from './writable.js';

// For code not yet moved to `idempotent` (reports).

/**
 * The send path, a straight line: resolve → gate (pure, from memory) → rate limit →
 * one batch with the message (and the chat, the first time) → answer once durable.
 */

export type Target = { accountId: string } | { phone: string } | { username: string } | { chatId: string } | { platformId: string };

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
  if ('platformId' in to) {
    // Platform ids are the platform's addresses (like usernames): not a phone book, no lookup cap.
    const id = idx.byPlatformId(to.platformId);
    return id !== 0 ? { peer: id, chat: 0 } : { error: Code.PEER_ID_INVALID };
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

/**
 * Whether `to`, as a client sent it (not yet validated), addresses SpamBot or support by id,
 * username or chat: messages to them are never rate-limited (API.md).
 */
export function isForSystemAccount(p: Platform, a: number, to: unknown): boolean {
  if (typeof to !== 'object' || to === null || Array.isArray(to)) return false;
  const fields = Object.entries(to);
  if (fields.length !== 1) return false;
  const [field, value] = fields[0]!;
  if (typeof value !== 'string' || (field !== 'accountId' && field !== 'username' && field !== 'chatId')) return false;
  const target = resolveTarget(p, a, { [field]: value } as Target);
  return 'peer' in target && target.peer !== 0 && (p.index.flags(target.peer) & SYSTEM) !== 0;
}

/** The `details` of a gate denial: until when, and where to appeal. */
export function denial(p: Platform, code: DenyCode, a: number): BanyaError {
  const name = codeName(code);
  switch (code) {
    case Code.PEER_FLOOD:
    case Code.USER_RESTRICTED:
      return new BanyaError(name, { until: iso(p.index.limitedUntil(a)), appeal: 'spambot' });
    case Code.FROZEN_METHOD_INVALID:
      return new BanyaError(name, frozenDetails(p, a));
    case Code.USER_BANNED_IN_CHANNEL:
      return new BanyaError(name, { appeal: 'spambot' });
    default:
      return new BanyaError(name);
  }
}

export function floodWait(retryAfter: number): BanyaError {
  return new BanyaError('FLOOD_WAIT', { retryAfter });
}

const hot = new WeakMap<Store, Statement<{ id: number; chat: number; from: number; text: string; at: number }>>();

function insertMessage(store: Store) {
  let s = hot.get(store);
  if (!s) {
    s = statement(
      store.db.insertInto('messages').values({
        id: param('id'),
        chat_id: param('chat'),
        from_id: param('from'),
        text: param('text'),
        buttons: null,
        sent_at: param('at'),
      }),
    );
    hot.set(store, s);
  }
  return s;
}

/**
 * Adds to `change` what `author` writing to `other` does to their private chat: the chat itself
 * on the first message (chat_started, remembering who started it), or the author's "has written"
 * on its first message in a chat the other side started (chat_written). Returns the chat's id.
 * Deciding that a pair has no chat yet, and creating it, happen under the pair's serial key.
 */
function privateChatWritten(p: Platform, change: Change, author: number, other: number, now: number): number {
  const idx = p.index;
  const actor: Actor = { kind: 'account', id: publicId('account', author) };
  let chat = idx.privateChat(author, other);
  if (chat === 0) {
    chat = p.ids.next('chats');
    change.emit(now, actor, author, { type: 'chat_started', payload: { chatId: chat, by: author, other } });
  } else if (!idx.hasWritten(author, other)) {
    change.emit(now, actor, author, { type: 'chat_written', payload: { chatId: chat, by: author, other } });
  }
  return chat;
}

export interface IdempotencyInput {
  key: string;
  /** The request body as sent, compared (as JSON) with the first use of the key. */
  body: unknown;
}

export function sendMessage(
  p: Platform,
  a: number,
  to: Target,
  text: string,
  idem?: IdempotencyInput,
  lang: Lang = 'en',
): Promise<{ status: number; body: SentMessage }> {
  if (idem === undefined) return send(p, a, to, text, lang, NO_RECORD);
  return idempotent(p, a, 'messages', idem.key, idem.body, (remember) => send(p, a, to, text, lang, remember));
}

async function send(p: Platform, a: number, to: Target, text: string, lang: Lang, remember: Remember): Promise<{ status: number; body: SentMessage }> {
  const idx = p.index;
  const target = resolveTarget(p, a, to);
  const toSpamBot = 'peer' in target && target.peer !== 0 && target.peer === idx.spamBotId;
  // Rows 1–2 concern the sender and come before the recipient is resolved.
  const sender = gateSender(idx, a, toSpamBot);
  if (sender !== ALLOW) throw denial(p, sender, a);
  // A number looked up counts against the daily cap, found or not (checked before answering either).
  let looked: number | null = null;
  if ('phone' in to) {
    const phone = normalizePhone(to.phone);
    if (phone && p.lookups.fresh(a, [phoneKey(phone)], p.clock.now()).length > 0) {
      looked = phoneKey(phone);
      const wait = p.lookups.wait(a, 1, p.config.lookupsPerDay, p.clock.now());
      if (wait > 0) throw floodWait(wait);
      await reserveShared(p, a, [looked]);
    }
  }
  if ('error' in target) {
    if (target.error === 'PHONE_NUMBER_INVALID') fail('PHONE_NUMBER_INVALID', { field: 'to.phone' });
    await countLookup(p, a, looked);
    throw denial(p, target.error, a);
  }
  if (!hasVisibleText(text)) {
    await countLookup(p, a, looked);
    fail('MESSAGE_EMPTY', { field: 'text', reason: 'the text has no visible characters' });
  }
  let code: DenyCode | typeof ALLOW;
  if (target.chat !== 0) {
    code = gatePost(idx, a, target.chat);
  } else {
    if (target.peer === a) fail('BAD_REQUEST', { field: 'to', reason: 'cannot message yourself' });
    code = gateSend(idx, a, target.peer, p.clock.now());
  }
  if (code !== ALLOW) {
    await countLookup(p, a, looked);
    throw denial(p, code, a);
  }
  // Row 8: only a message that passed every other rule spends a token.
  if (target.chat !== 0 || !(idx.flags(target.peer) & SYSTEM)) {
    const taken = p.limits.take('messages', a);
    const wait = typeof taken === 'number' ? taken : await taken;
    if (wait > 0) {
      await countLookup(p, a, looked);
      throw floodWait(wait);
    }
  }
  const b = target.peer;
  const observed = target.chat === 0 && !(idx.flags(b) & SYSTEM);
  // For robots, read from memory before the write: a "cold" message goes to someone who has not
  // saved the sender and never wrote to them; a reply answers a chat the recipient started.
  const stranger = observed && !idx.hasContact(b, a) && !idx.hasWritten(b, a);
  const newChat = observed && idx.privateChat(a, b) === 0;
  const reply = observed && !newChat && idx.startedBy(a, b) === b;
  // Only creating a pair's chat, or counting a new number, takes a key; a message in an existing
  // chat takes none (a side's first message there may be recorded twice by two concurrent
  // sends: chat_written is idempotent).
  const pairKey = target.chat === 0 && idx.privateChat(a, b) === 0;
  const body =
    looked === null && !pairKey
      ? await writeMessage(p, a, target.chat, b, text, null, remember)
      : await p.serial.run(looked !== null ? (pairKey ? [key.account(a), key.pair(a, b)] : [key.account(a)]) : [key.pair(a, b)], () =>
          writeMessage(p, a, target.chat, b, text, looked, remember),
        );
  // Published once the message is durable; what the text says is the robots' own (textSignals).
  if (observed) {
    // (awaited only when a rule acted: most events return nothing, and an await costs a turn)
    const acted = p.robots.observe({ type: 'message', at: p.clock.now(), from: a, to: b, stranger, newChat, reply, ...textSignals(text) });
    if (acted) await acted;
  } else if (target.chat !== 0) {
    const acted = p.robots.observe({
      type: 'post',
      at: p.clock.now(),
      from: a,
      group: target.chat,
      members: idx.memberCount(target.chat),
      ...textSignals(text),
    });
    if (acted) await acted;
  }
  // SpamBot and support answer before the sender's request does.
  if (target.chat === 0) {
    const answer = p.inbox.get(b);
    if (answer) await answer(a, text, idx.language(a) ?? lang);
  }
  return { status: 201, body };
}

/** `sentAt` of an answer: the clock gives the same millisecond to many sends in a row. */
let isoAt = Number.NaN;
let isoText = '';
function sentAtOf(now: number): string {
  if (now !== isoAt) {
    isoText = new Date(now).toISOString();
    isoAt = now;
  }
  return isoText;
}

/** The message's one batch: the number's lookup, the chat's events, the row, the idempotency record. */
function writeMessage(p: Platform, a: number, group: number, b: number, text: string, looked: number | null, remember: Remember): Promise<SentMessage> {
  const now = p.clock.now();
  // The common case: a message in a chat where its author has written before, nothing else to
  // record. No event, no memory to change: the one row alone.
  if (looked === null && remember === NO_RECORD) {
    const chat = group !== 0 ? group : p.index.hasWritten(a, b) ? p.index.privateChat(a, b) : 0;
    if (chat !== 0) {
      const id = p.ids.next('messages');
      const body: SentMessage = {
        message: { id: publicId('message', id), chatId: publicId('chat', chat), from: publicId('account', a), text, sentAt: sentAtOf(now) },
      };
      return p.store.write([insertMessage(p.store).bind({ id, chat, from: a, text, at: now })]).then(() => body);
    }
  }
  const change = p.journal.change();
  if (looked !== null) lookUp(p, change, a, [looked], now);
  const chat = group !== 0 ? group : privateChatWritten(p, change, a, b, now);
  const id = p.ids.next('messages');
  change.sql(insertMessage(p.store).bind({ id, chat, from: a, text, at: now }));
  const body: SentMessage = {
    message: { id: publicId('message', id), chatId: publicId('chat', chat), from: publicId('account', a), text, sentAt: sentAtOf(now) },
  };
  if (remember !== NO_RECORD) remember(change, { status: 201, body });
  return p.journal.commit(change).then(() => body);
}

/** Records that `a` looked up a number (a send by number that was denied: it still counts). */
async function recordLookup(p: Platform, a: number, pk: number): Promise<void> {
  await p.serial.run([key.account(a)], async () => {
    const change = p.journal.change();
    lookUp(p, change, a, [pk], p.clock.now());
    await p.journal.commit(change);
  });
}

/**
 * Adds a message from a system account (SpamBot, support) into its private chat with `to` to
 * `change`: the chat's events, and the message row.
 */
export function systemMessageOn(p: Platform, change: Change, from: number, to: number, text: string, buttons: string[][] | null, now: number): void {
  const chat = privateChatWritten(p, change, from, to, now);
  change.sql(
    p.store.db
      .insertInto('messages')
      .values({ id: p.ids.next('messages'), chat_id: chat, from_id: from, text, buttons: buttons ? JSON.stringify(buttons) : null, sent_at: now })
      .compile(),
  );
}

export function isDeactivated(p: Platform, a: number): boolean {
  return (p.index.flags(a) & (Flag.DELETED | Flag.FROZEN | Flag.BANNED)) !== 0;
}

/** A refusal after the number was looked up still counts the look-up: its answer says whether the number is someone's. */
async function countLookup(p: Platform, a: number, looked: number | null): Promise<void> {
  if (looked !== null) await recordLookup(p, a, looked);
}
