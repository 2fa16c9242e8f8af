import type { CompiledQuery } from 'kysely';
import { ALLOW, codeName, Code, type CodeName } from '../domain/codes.js';
import { fail } from '../domain/errors.js';
import { ChatKind, gateCreate, gateInvitee, gateInviter, gateJoin, Role, type RoleValue } from '../domain/gate.js';
import { parseId, publicId } from '../store/ids.js';
import type { RobotEvent } from '../robots/events.js';
import type { Platform } from './context.js';
import { requireWritable } from './guards.js';
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

const ROLE_NAME: Partial<Record<RoleValue, string>> = {
  [Role.MEMBER]: 'member',
  [Role.ADMIN]: 'admin',
  [Role.OWNER]: 'owner',
  [Role.BANNED]: 'banned',
  [Role.LEFT]: 'left',
};

export const ROLE_BY_NAME: Record<string, RoleValue> = { member: Role.MEMBER, admin: Role.ADMIN, owner: Role.OWNER, banned: Role.BANNED, left: Role.LEFT };

function setRole(p: Platform, chat: number, a: number, role: RoleValue, now: number): CompiledQuery {
  p.index.setRole(chat, a, role);
  const name = ROLE_NAME[role]!;
  return p.store.db
    .insertInto('chat_members')
    .values({ chat_id: chat, account_id: a, role: name, updated_at: now })
    .onConflict((oc) => oc.columns(['chat_id', 'account_id']).doUpdateSet({ role: name, updated_at: now }))
    .compile();
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
function invite(p: Platform, inviter: number, chat: number, invitees: string[], now: number, writes: CompiledQuery[], invited: RobotEvent[]) {
  const added: string[] = [];
  const missingInvitees: MissingInvitee[] = [];
  const seen = new Set<string>();
  for (const raw of invitees) {
    if (seen.has(raw)) continue;
    seen.add(raw);
    const b = parseId('account', raw);
    // The inviter is an admin or the owner: already present, so counted as added below.
    const r = p.index.role(chat, b);
    if (r === Role.MEMBER || r === Role.ADMIN || r === Role.OWNER) {
      added.push(raw);
      continue;
    }
    const code = gateInvitee(p.index, inviter, b, chat, now);
    if (code !== ALLOW) {
      missingInvitees.push({ accountId: raw, code: codeName(code) });
      continue;
    }
    writes.push(setRole(p, chat, b, Role.MEMBER, now));
    added.push(raw);
    invited.push({ type: 'invite', at: now, by: inviter, account: b, stranger: !p.index.hasContact(b, inviter) });
  }
  return { added, missingInvitees };
}

export async function createGroup(
  p: Platform,
  owner: number,
  input: { title: string; kind: 'group' | 'channel'; public?: boolean; members?: string[] },
): Promise<{ chat: ChatSummary; missingInvitees: MissingInvitee[] }> {
  const code = gateCreate(p.index, owner, p.clock.now());
  if (code !== ALLOW) throw denial(p, code, owner);
  const title = input.title.trim();
  if (title.length === 0 || title.length > 128) fail('BAD_REQUEST', { field: 'title', reason: 'title must be 1–128 characters' });
  const now = p.clock.now();
  const id = p.ids.next('chats');
  const isPublic = input.public ?? false;
  p.index.putGroup(id, input.kind === 'channel' ? ChatKind.CHANNEL : ChatKind.GROUP, isPublic);
  const writes: CompiledQuery[] = [
    p.store.db
      .insertInto('chats')
      .values({
        id,
        kind: input.kind,
        title,
        public: isPublic ? 1 : 0,
        owner_id: owner,
        peer_low: null,
        peer_high: null,
        started_by: null,
        low_wrote: 0,
        high_wrote: 0,
        created_at: now,
      })
      .compile(),
  ];
  writes.push(setRole(p, id, owner, Role.OWNER, now));
  const invited: RobotEvent[] = [];
  const { missingInvitees } = invite(p, owner, id, input.members ?? [], now, writes, invited);
  await p.store.write(writes);
  for (const ev of invited) await p.robots.observe(ev);
  return { chat: { id: publicId('chat', id), type: input.kind, title, public: isPublic }, missingInvitees };
}

export async function addMembers(p: Platform, inviter: number, chatId: string, accountIds: string[]): Promise<{ added: string[]; missingInvitees: MissingInvitee[] }> {
  const chat = requireGroup(p, chatId);
  const code = gateInviter(p.index, inviter, chat);
  if (code !== ALLOW) throw denial(p, code, inviter);
  const now = p.clock.now();
  const writes: CompiledQuery[] = [];
  const invited: RobotEvent[] = [];
  const result = invite(p, inviter, chat, accountIds, now, writes, invited);
  if (writes.length > 0) await p.store.write(writes);
  for (const ev of invited) await p.robots.observe(ev);
  return result;
}

export async function joinChat(p: Platform, a: number, chatId: string): Promise<void> {
  const chat = requireGroup(p, chatId);
  const code = gateJoin(p.index, a, chat);
  if (code !== ALLOW) throw denial(p, code, a);
  const r = p.index.role(chat, a);
  if (r === Role.MEMBER || r === Role.ADMIN || r === Role.OWNER) return;
  await p.store.write([setRole(p, chat, a, Role.MEMBER, p.clock.now())]);
}

export async function leaveChat(p: Platform, a: number, chatId: string): Promise<void> {
  requireWritable(p, a);
  const chat = requireGroup(p, chatId);
  const r = p.index.role(chat, a);
  if (r !== Role.MEMBER && r !== Role.ADMIN && r !== Role.OWNER) fail('NOT_FOUND');
  await p.store.write([setRole(p, chat, a, Role.LEFT, p.clock.now())]);
}

function requireAdmin(p: Platform, a: number, chat: number): void {
  const r = p.index.role(chat, a);
  if (r !== Role.ADMIN && r !== Role.OWNER) throw denial(p, Code.CHAT_ADMIN_REQUIRED, a);
}

/** An admin removes a member and bars them from coming back. */
export async function banMember(p: Platform, admin: number, chatId: string, accountId: string): Promise<void> {
  requireWritable(p, admin);
  const chat = requireGroup(p, chatId);
  requireAdmin(p, admin, chat);
  const target = parseId('account', accountId);
  if (!p.index.exists(target)) fail('PEER_ID_INVALID');
  const r = p.index.role(chat, target);
  if (r === Role.OWNER || target === admin) fail('CHAT_ADMIN_REQUIRED', { reason: 'the owner cannot be banned' });
  if (r === Role.ADMIN && p.index.role(chat, admin) !== Role.OWNER) fail('CHAT_ADMIN_REQUIRED', { reason: 'only the owner bans admins' });
  if (r === Role.BANNED) return;
  await p.store.write([setRole(p, chat, target, Role.BANNED, p.clock.now())]);
}

/** The owner makes a member an admin (or takes it back). */
export async function setAdmin(p: Platform, owner: number, chatId: string, accountId: string, admin: boolean): Promise<void> {
  requireWritable(p, owner);
  const chat = requireGroup(p, chatId);
  if (p.index.role(chat, owner) !== Role.OWNER) throw denial(p, Code.CHAT_ADMIN_REQUIRED, owner);
  const target = parseId('account', accountId);
  const r = p.index.role(chat, target);
  if (r !== Role.MEMBER && r !== Role.ADMIN) fail('PEER_ID_INVALID', { reason: 'not a member of this chat' });
  const next = admin ? Role.ADMIN : Role.MEMBER;
  if (r === next) return;
  await p.store.write([setRole(p, chat, target, next, p.clock.now())]);
}
