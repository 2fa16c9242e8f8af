import { ALLOW, Code, type DenyCode } from './codes.js';

/**
 * The gates of RULES.md §2 as pure functions over a read-only view of the world. They return
 * ALLOW (0) or the first denying code, allocate nothing, and never do I/O: the view is the
 * in-memory index, or any plain object in tests.
 */

/** Bits of an account's status word. */
export const Flag = {
  BANNED: 1,
  FROZEN: 2,
  DELETED: 4,
  SPAMBOT: 8,
  SUPPORT: 16,
  PUBLIC_GROUPS_BAN: 32,
  EXISTS: 64,
} as const;

export const DEACTIVATED = Flag.BANNED | Flag.FROZEN | Flag.DELETED;
export const SYSTEM = Flag.SPAMBOT | Flag.SUPPORT;

/** Membership of an account in a group or channel. */
export const Role = {
  NONE: 0,
  MEMBER: 1,
  ADMIN: 2,
  OWNER: 3,
  /** Removed and barred by the chat's admins. */
  BANNED: 4,
  /** Was a member and left. */
  LEFT: 5,
} as const;
export type RoleValue = (typeof Role)[keyof typeof Role];

export const ChatKind = { NONE: 0, PRIVATE: 1, GROUP: 2, CHANNEL: 3 } as const;
export type ChatKindValue = (typeof ChatKind)[keyof typeof ChatKind];

/** Privacy settings, each a small integer (defaults are 0: RULES.md §1). */
export const Audience = { EVERYBODY: 0, CONTACTS: 1, NOBODY: 2 } as const;
export type AudienceValue = (typeof Audience)[keyof typeof Audience];

export interface GateView {
  /** The account's status word (Flag bits); 0 for an unknown id. */
  flags(account: number): number;
  /** End of the account's limit in ms; 0 when not limited, Infinity when without end. */
  limitedUntil(account: number): number;
  /** `owner` has `other` in their contacts. */
  hasContact(owner: number, other: number): boolean;
  /** `blocker` has blocked `blocked`. */
  hasBlocked(blocker: number, blocked: number): boolean;
  /** The private chat between the two exists (id > 0) or not (0). */
  privateChat(a: number, b: number): number;
  /** The private chat between `author` and the other side holds a message by `author`. */
  hasWritten(author: number, other: number): boolean;
  newChats(account: number): AudienceValue;
  chatInvites(account: number): AudienceValue;
  findByPhone(account: number): AudienceValue;
  chatKind(chat: number): ChatKindValue;
  chatPublic(chat: number): boolean;
  role(chat: number, account: number): RoleValue;
}

export function isMutual(v: GateView, a: number, b: number): boolean {
  return v.hasContact(a, b) && v.hasContact(b, a);
}

export function isLimited(v: GateView, a: number, now: number): boolean {
  return v.limitedUntil(a) > now;
}

/**
 * Rows 1–2: the sender alone, decided before the recipient is resolved.
 * `toSpamBot` says whether the addressed recipient is SpamBot (a frozen account may write there).
 */
export function gateSender(v: GateView, a: number, toSpamBot: boolean): DenyCode | typeof ALLOW {
  const fa = v.flags(a);
  if (fa & Flag.BANNED) return Code.USER_DEACTIVATED_BAN;
  if (fa & Flag.FROZEN && !toSpamBot) return Code.FROZEN_METHOD_INVALID;
  return ALLOW;
}

/**
 * Rows 1–7 of the send gate for a private message A → B, B already resolved.
 * Row 8 (rate limits) is spent by the caller only when this allows.
 */
export function gateSend(v: GateView, a: number, b: number, now: number): DenyCode | typeof ALLOW {
  const fa = v.flags(a);
  const fb = v.flags(b);
  if (fa & Flag.BANNED) return Code.USER_DEACTIVATED_BAN; // 1
  if (fa & Flag.FROZEN && !(fb & Flag.SPAMBOT)) return Code.FROZEN_METHOD_INVALID; // 2
  if (fb & DEACTIVATED) return Code.INPUT_USER_DEACTIVATED; // 3
  if (fb & SYSTEM) return ALLOW; // SpamBot and support are exempt from rows 4–8
  if (v.hasBlocked(a, b)) return Code.YOU_BLOCKED_USER; // 4
  if (v.hasBlocked(b, a)) return Code.USER_IS_BLOCKED; // 5
  if (v.limitedUntil(a) > now && !isMutual(v, a, b) && !v.hasWritten(b, a)) return Code.PEER_FLOOD; // 6
  // Row 7's "no chat exists" is the pair's chat itself. A chat one side deleted (a report with
  // `deleteChat`) still exists: the deletion is that side's alone, it leaves the chat and its
  // messages to the other side, and the next message brings it back to the deleter's list
  // (DECISIONS.md, "A deleted chat still exists for the send gate"). So it keeps letting the
  // other side write; who means to stop them blocks them, which the same report can do.
  if (v.newChats(b) === Audience.CONTACTS && !v.hasContact(b, a) && v.privateChat(a, b) === 0) {
    return Code.USER_PRIVACY_RESTRICTED; // 7
  }
  return ALLOW;
}

/** Whether `asker` may find `owner` by phone number (§2 "Addressing by phone number"). */
export function mayFindByPhone(v: GateView, asker: number, owner: number): boolean {
  if (asker === owner) return true;
  return v.findByPhone(owner) === Audience.EVERYBODY || v.hasContact(owner, asker);
}

/** Whether `viewer` may see `owner`'s number on their profile and in chats. */
export function maySeePhone(visibility: AudienceValue, ownerHasViewer: boolean, self: boolean): boolean {
  if (self) return true;
  if (visibility === Audience.EVERYBODY) return true;
  return visibility === Audience.CONTACTS && ownerHasViewer;
}

/** Creating a group or channel. */
export function gateCreate(v: GateView, a: number, now: number, isPublic = false): DenyCode | typeof ALLOW {
  const fa = v.flags(a);
  if (fa & Flag.BANNED) return Code.USER_DEACTIVATED_BAN;
  if (fa & Flag.FROZEN) return Code.FROZEN_METHOD_INVALID;
  if (v.limitedUntil(a) > now) return Code.USER_RESTRICTED;
  // Nor may a public-groups ban create a public group or channel (RULES.md §1).
  if (isPublic && fa & Flag.PUBLIC_GROUPS_BAN) return Code.USER_BANNED_IN_CHANNEL;
  return ALLOW;
}

/**
 * The inviter's own right to add people to `chat` (checked once per request): banned, frozen,
 * then admin rights.
 */
export function gateInviter(v: GateView, inviter: number, chat: number): DenyCode | typeof ALLOW {
  const fi = v.flags(inviter);
  if (fi & Flag.BANNED) return Code.USER_DEACTIVATED_BAN;
  if (fi & Flag.FROZEN) return Code.FROZEN_METHOD_INVALID;
  const r = v.role(chat, inviter);
  if (r !== Role.ADMIN && r !== Role.OWNER) return Code.CHAT_ADMIN_REQUIRED;
  return ALLOW;
}

/** Adding B to a group or channel, per invitee, in the order of RULES.md §2 "Groups and channels". */
export function gateInvitee(v: GateView, inviter: number, b: number, chat: number, now: number): DenyCode | typeof ALLOW {
  const fb = v.flags(b);
  if (!(fb & Flag.EXISTS)) return Code.PEER_ID_INVALID;
  if (fb & DEACTIVATED) return Code.INPUT_USER_DEACTIVATED;
  const mutual = isMutual(v, inviter, b);
  if (v.limitedUntil(inviter) > now && !mutual) return Code.PEER_FLOOD;
  if (v.hasBlocked(inviter, b)) return Code.YOU_BLOCKED_USER;
  if (v.hasBlocked(b, inviter)) return Code.USER_IS_BLOCKED;
  if (v.role(chat, b) === Role.LEFT && !mutual) return Code.USER_NOT_MUTUAL_CONTACT;
  const invites = v.chatInvites(b);
  if (invites === Audience.NOBODY || (invites === Audience.CONTACTS && !v.hasContact(b, inviter))) {
    return Code.USER_PRIVACY_RESTRICTED;
  }
  return ALLOW;
}

/** Posting in a group or channel. */
export function gatePost(v: GateView, a: number, chat: number): DenyCode | typeof ALLOW {
  const fa = v.flags(a);
  if (fa & Flag.BANNED) return Code.USER_DEACTIVATED_BAN;
  if (fa & Flag.FROZEN) return Code.FROZEN_METHOD_INVALID;
  const r = v.role(chat, a);
  const kind = v.chatKind(chat);
  if (r !== Role.MEMBER && r !== Role.ADMIN && r !== Role.OWNER) return Code.CHAT_WRITE_FORBIDDEN;
  if (kind === ChatKind.CHANNEL && r === Role.MEMBER) return Code.CHAT_WRITE_FORBIDDEN;
  // A public-groups ban covers public groups and public channels alike (RULES.md §1).
  if (v.chatPublic(chat) && fa & Flag.PUBLIC_GROUPS_BAN) return Code.USER_BANNED_IN_CHANNEL;
  return ALLOW;
}

/** Joining a chat on one's own: public chats only, not when barred by its admins. */
export function gateJoin(v: GateView, a: number, chat: number): DenyCode | typeof ALLOW {
  const fa = v.flags(a);
  if (fa & Flag.BANNED) return Code.USER_DEACTIVATED_BAN;
  if (fa & Flag.FROZEN) return Code.FROZEN_METHOD_INVALID;
  if (!v.chatPublic(chat)) return Code.CHAT_NOT_PUBLIC;
  if (v.role(chat, a) === Role.BANNED) return Code.CHAT_WRITE_FORBIDDEN;
  return ALLOW;
}
