import { ALLOW, codeName, Code, type CodeName } from '../domain/codes.js';
import { fail } from '../domain/errors.js';
import { characterCount, hasBidiControl, hasVisibleText } from '../domain/names.js';
import { ChatKind, gateCreate, gateInvitee, gateInviter, gateJoin, Role, type RoleValue } from '../domain/gate.js';
import type { Change } from '../events/journal.js';
import { key } from '../events/serial.js';
import type { Actor } from '../store/event-log.js';
import { parseId, publicId } from '../store/ids.js';
import { row } from '../store/read.js';
import { ROLE_VALUE } from './projectors.js';
import type { RobotEvent } from '../robots/events.js';
import type { Platform } from './context.js';
import { requireWritable } from './writable.js';
import { denial } from './messages.js';

/** Groups and channels (RULES.md §2 "Groups and channels"). */

export interface ChatSummary {
  id: string;
  type: 'group' | 'channel';
  title: string;
  public: boolean;
}

export interface MissingInvitee {
  accountId: string;
  code: CodeName;
}

export const ROLE_BY_NAME: Record<string, RoleValue> = ROLE_VALUE;

function actorOf(a: number): Actor {
  return { kind: 'account', id: publicId('account', a) };
}

/** A group or channel the account may act on, or 404 as if it did not exist. */
export function requireGroup(p: Platform, chatId: string): number {
  const chat = parseId('chat', chatId);
  const kind = p.index.chatKind(chat);
  if ((kind !== ChatKind.GROUP && kind !== ChatKind.CHANNEL) || p.index.isTakenDown(chat)) fail('NOT_FOUND');
  return chat;
}

/**
 * Adds each invitee the inviter may add and returns the others with their codes (an unknown id
 * is PEER_ID_INVALID). Members already present count as added, so a retried request changes nothing.
 */
function invite(p: Platform, change: Change, inviter: number, chat: number, invitees: string[], now: number, invited: RobotEvent[], newOwner = 0) {
  const added: string[] = [];
  const missingInvitees: MissingInvitee[] = [];
  const seen = new Set<string>();
  for (const raw of invitees) {
    if (seen.has(raw)) continue;
    seen.add(raw);
    const b = parseId('account', raw);
    // The inviter is an admin or the owner: already present, so counted as added below.
    // (in a chat being created, memory does not know its owner yet)
    const r = b === newOwner && b !== 0 ? Role.OWNER : p.index.role(chat, b);
    if (r === Role.MEMBER || r === Role.ADMIN || r === Role.OWNER) {
      added.push(raw);
      continue;
    }
    const code = gateInvitee(p.index, inviter, b, chat, now);
    if (code !== ALLOW) {
      missingInvitees.push({ accountId: raw, code: codeName(code) });
      continue;
    }
    change.emit(now, actorOf(inviter), b, { type: 'member_added', payload: { chatId: chat, memberId: b, by: inviter } });
    added.push(raw);
    // The platform has no declines: an admin adds members directly (RULES.md §2), so `accepted`
    // is never known here; one who did not want the group leaves it (a `leave` event).
    // A stranger as for a message: one who neither saved the inviter nor ever wrote to it (someone
    // who asked to be added was not reached first: their complaints are no evidence).
    const stranger = !p.index.hasContact(b, inviter) && !p.index.hasWritten(b, inviter);
    invited.push({ type: 'invite', at: now, by: inviter, account: b, stranger, group: chat });
  }
  return { added, missingInvitees };
}

export async function createGroup(
  p: Platform,
  owner: number,
  input: { title: string; kind: 'group' | 'channel'; public?: boolean; members?: string[] },
): Promise<{ chat: ChatSummary; missingInvitees: MissingInvitee[] }> {
  const isPublic = input.public ?? false;
  const code = gateCreate(p.index, owner, p.clock.now(), isPublic);
  if (code !== ALLOW) throw denial(p, code, owner);
  const title = input.title.trim();
  if (title.length === 0 || characterCount(title) > 128) fail('BAD_REQUEST', { field: 'title', reason: 'title must be 1–128 characters' });
  // Invisible characters alone (zero-width spaces, fillers) are as blank as spaces.
  if (!hasVisibleText(title)) fail('BAD_REQUEST', { field: 'title', reason: 'title has no visible characters' });
  // Nor may it turn text around in the chat lists of those it is shown to (as for names).
  if (hasBidiControl(title)) fail('BAD_REQUEST', { field: 'title', reason: 'title holds bidirectional override or isolate characters' });
  const now = p.clock.now();
  const id = p.ids.next('chats');
  const change = p.journal.change();
  change.emit(now, actorOf(owner), owner, { type: 'group_created', payload: { chatId: id, kind: input.kind, title, public: isPublic, ownerId: owner } });
  const invited: RobotEvent[] = [];
  const { missingInvitees } = await p.serial.run([key.chat(id)], async () => {
    const result = invite(p, change, owner, id, input.members ?? [], now, invited, owner);
    await p.journal.commit(change);
    return result;
  });
  for (const ev of invited) await p.robots.observe(ev);
  return { chat: { id: publicId('chat', id), type: input.kind, title, public: isPublic }, missingInvitees };
}

export async function addMembers(
  p: Platform,
  inviter: number,
  chatId: string,
  accountIds: string[],
): Promise<{ added: string[]; missingInvitees: MissingInvitee[] }> {
  // A frozen account's every write answers FROZEN_METHOD_INVALID (RULES.md §2), before the chat is looked at.
  requireWritable(p, inviter);
  const chat = requireGroup(p, chatId);
  const invited: RobotEvent[] = [];
  const result = await p.serial.run([key.chat(chat)], async () => {
    const code = gateInviter(p.index, inviter, chat);
    if (code !== ALLOW) throw denial(p, code, inviter);
    const change = p.journal.change();
    const result = invite(p, change, inviter, chat, accountIds, p.clock.now(), invited);
    await p.journal.commit(change);
    return result;
  });
  for (const ev of invited) await p.robots.observe(ev);
  return result;
}

export async function joinChat(p: Platform, a: number, chatId: string): Promise<void> {
  requireWritable(p, a);
  const chat = requireGroup(p, chatId);
  const at = await p.serial.run([key.chat(chat)], async () => {
    const code = gateJoin(p.index, a, chat);
    if (code !== ALLOW) throw denial(p, code, a);
    const r = p.index.role(chat, a);
    if (r === Role.MEMBER || r === Role.ADMIN || r === Role.OWNER) return 0;
    const now = p.clock.now();
    // The creator who left comes back as the owner, as it was: a channel would otherwise be left
    // with nobody who may post in it.
    const owner = await row(p.store, p.store.db.selectFrom('chats').select('owner_id').where('id', '=', chat));
    if (owner?.owner_id === a)
      await p.journal.record(now, actorOf(a), a, { type: 'member_role_changed', payload: { chatId: chat, memberId: a, role: 'owner' } });
    else await p.journal.record(now, actorOf(a), a, { type: 'member_added', payload: { chatId: chat, memberId: a, by: a } });
    return now;
  });
  // A join already a member's changes nothing and tells robots nothing.
  if (at !== 0) await p.robots.observe({ type: 'join', at, group: chat, account: a });
}

export async function leaveChat(p: Platform, a: number, chatId: string): Promise<void> {
  requireWritable(p, a);
  const chat = requireGroup(p, chatId);
  const at = await p.serial.run([key.chat(chat)], async () => {
    const r = p.index.role(chat, a);
    if (r !== Role.MEMBER && r !== Role.ADMIN && r !== Role.OWNER) fail('NOT_FOUND');
    const now = p.clock.now();
    await p.journal.record(now, actorOf(a), a, { type: 'member_left', payload: { chatId: chat, memberId: a } });
    return now;
  });
  await p.robots.observe({ type: 'leave', at, group: chat, account: a });
}

function requireAdmin(p: Platform, a: number, chat: number): void {
  const r = p.index.role(chat, a);
  if (r !== Role.ADMIN && r !== Role.OWNER) throw denial(p, Code.CHAT_ADMIN_REQUIRED, a);
}

/** An admin removes a member and bars them from coming back. */
export async function banMember(p: Platform, admin: number, chatId: string, accountId: string): Promise<void> {
  requireWritable(p, admin);
  const chat = requireGroup(p, chatId);
  await p.serial.run([key.chat(chat)], async () => {
    requireAdmin(p, admin, chat);
    const target = parseId('account', accountId);
    if (!p.index.exists(target)) fail('PEER_ID_INVALID');
    const r = p.index.role(chat, target);
    if (r === Role.OWNER || target === admin) fail('CHAT_ADMIN_REQUIRED', { reason: 'the owner cannot be banned' });
    if (r === Role.ADMIN && p.index.role(chat, admin) !== Role.OWNER) fail('CHAT_ADMIN_REQUIRED', { reason: 'only the owner bans admins' });
    if (r === Role.BANNED) return;
    await p.journal.record(p.clock.now(), actorOf(admin), target, { type: 'member_banned', payload: { chatId: chat, memberId: target, by: admin } });
  });
}

/** The owner makes a member an admin (or takes it back). */
export async function setAdmin(p: Platform, owner: number, chatId: string, accountId: string, admin: boolean): Promise<void> {
  requireWritable(p, owner);
  const chat = requireGroup(p, chatId);
  await p.serial.run([key.chat(chat)], async () => {
    if (p.index.role(chat, owner) !== Role.OWNER) throw denial(p, Code.CHAT_ADMIN_REQUIRED, owner);
    const target = parseId('account', accountId);
    const r = p.index.role(chat, target);
    // The owner has every admin right already, and stays the owner.
    if (r === Role.OWNER) {
      if (admin) return;
      fail('BAD_REQUEST', { field: 'admin', reason: 'the owner of a chat cannot be made a plain member' });
    }
    if (r !== Role.MEMBER && r !== Role.ADMIN) fail('PEER_ID_INVALID', { reason: 'not a member of this chat' });
    const next = admin ? Role.ADMIN : Role.MEMBER;
    if (r === next) return;
    await p.journal.record(p.clock.now(), actorOf(owner), target, {
      type: 'member_role_changed',
      payload: { chatId: chat, memberId: target, role: admin ? 'admin' : 'member' },
    });
  });
}
