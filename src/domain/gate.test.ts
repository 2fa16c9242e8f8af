import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOW, Code, codeName, type DenyCode } from './codes.js';
import {
  Audience,
  ChatKind,
  DEACTIVATED,
  Flag,
  Role,
  gateCreate,
  gateInvitee,
  gateInviter,
  gateJoin,
  gatePost,
  gateSend,
  gateSender,
  isLimited,
  isMutual,
  mayFindByPhone,
  maySeePhone,
  type AudienceValue,
  type ChatKindValue,
  type GateView,
  type RoleValue,
} from './gate.js';

/**
 * The gates of RULES.md §2 over a tiny fake world made of plain maps and sets (not the real
 * in-memory index), so that every rule is checked against the spec, not against GateIndex.
 */

const pair = (a: number, b: number): string => `${a}>${b}`;
const unordered = (a: number, b: number): string => (a < b ? `${a}-${b}` : `${b}-${a}`);

class FakeWorld implements GateView {
  readonly status = new Map<number, number>();
  readonly limits = new Map<number, number>();
  readonly contactSet = new Set<string>();
  readonly blockSet = new Set<string>();
  readonly chats = new Map<string, number>();
  readonly written = new Set<string>();
  readonly newChatsOf = new Map<number, AudienceValue>();
  readonly invitesOf = new Map<number, AudienceValue>();
  readonly findOf = new Map<number, AudienceValue>();
  readonly kinds = new Map<number, ChatKindValue>();
  readonly publicChats = new Set<number>();
  readonly roles = new Map<string, RoleValue>();
  private nextChat = 1000;

  // ---- building ----
  account(id: number, flags = 0): this {
    this.status.set(id, Flag.EXISTS | flags);
    return this;
  }
  setFlags(id: number, flags: number): this {
    this.status.set(id, Flag.EXISTS | flags);
    return this;
  }
  limit(id: number, until: number): this {
    this.limits.set(id, until);
    return this;
  }
  /** `owner` saves `other` in their contacts. */
  save(owner: number, other: number): this {
    this.contactSet.add(pair(owner, other));
    return this;
  }
  unsave(owner: number, other: number): this {
    this.contactSet.delete(pair(owner, other));
    return this;
  }
  mutual(a: number, b: number): this {
    return this.save(a, b).save(b, a);
  }
  block(blocker: number, blocked: number): this {
    this.blockSet.add(pair(blocker, blocked));
    return this;
  }
  unblock(blocker: number, blocked: number): this {
    this.blockSet.delete(pair(blocker, blocked));
    return this;
  }
  openChat(a: number, b: number): number {
    const k = unordered(a, b);
    let id = this.chats.get(k);
    if (id === undefined) this.chats.set(k, (id = this.nextChat++));
    return id;
  }
  /** `author` sends a message in the private chat with `other` (the chat opens if needed). */
  write(author: number, other: number): this {
    this.openChat(author, other);
    this.written.add(pair(author, other));
    return this;
  }
  setNewChats(id: number, v: AudienceValue): this {
    this.newChatsOf.set(id, v);
    return this;
  }
  setInvites(id: number, v: AudienceValue): this {
    this.invitesOf.set(id, v);
    return this;
  }
  setFind(id: number, v: AudienceValue): this {
    this.findOf.set(id, v);
    return this;
  }
  chat(id: number, kind: ChatKindValue, isPublic: boolean): this {
    this.kinds.set(id, kind);
    if (isPublic) this.publicChats.add(id);
    else this.publicChats.delete(id);
    return this;
  }
  setRole(chat: number, a: number, r: RoleValue): this {
    this.roles.set(pair(chat, a), r);
    return this;
  }

  // ---- GateView ----
  flags(a: number): number {
    return this.status.get(a) ?? 0;
  }
  limitedUntil(a: number): number {
    return this.limits.get(a) ?? 0;
  }
  hasContact(owner: number, other: number): boolean {
    return this.contactSet.has(pair(owner, other));
  }
  hasBlocked(blocker: number, blocked: number): boolean {
    return this.blockSet.has(pair(blocker, blocked));
  }
  privateChat(a: number, b: number): number {
    return this.chats.get(unordered(a, b)) ?? 0;
  }
  hasWritten(author: number, other: number): boolean {
    return this.written.has(pair(author, other));
  }
  newChats(a: number): AudienceValue {
    return this.newChatsOf.get(a) ?? Audience.EVERYBODY;
  }
  chatInvites(a: number): AudienceValue {
    return this.invitesOf.get(a) ?? Audience.EVERYBODY;
  }
  findByPhone(a: number): AudienceValue {
    return this.findOf.get(a) ?? Audience.EVERYBODY;
  }
  chatKind(chat: number): ChatKindValue {
    return this.kinds.get(chat) ?? ChatKind.NONE;
  }
  chatPublic(chat: number): boolean {
    return this.publicChats.has(chat);
  }
  role(chat: number, a: number): RoleValue {
    return this.roles.get(pair(chat, a)) ?? Role.NONE;
  }
}

const A = 1;
const B = 2;
const C = 3;
const BOT = 8;
const SUP = 9;
const UNKNOWN = 77;
const NOW = 1_750_000_000_000;
const HOUR = 3600_000;

/** Sender A, recipient B, bystander C, SpamBot and support; all free, no relations. */
function world(): FakeWorld {
  return new FakeWorld().account(A).account(B).account(C).account(BOT, Flag.SPAMBOT).account(SUP, Flag.SUPPORT);
}

/** The code's name, or 'ALLOW': failures then read like the spec. */
function name(c: DenyCode | typeof ALLOW): string {
  return c === ALLOW ? 'ALLOW' : codeName(c);
}

const send = (w: GateView, a = A, b = B, now = NOW): string => name(gateSend(w, a, b, now));

describe('fake world sanity (the helpers mean what the tests say)', () => {
  it('contacts, blocks and writes are directed', () => {
    const w = world().save(A, B).block(A, B).write(A, B);
    expect(w.hasContact(A, B)).toBe(true);
    expect(w.hasContact(B, A)).toBe(false);
    expect(w.hasBlocked(A, B)).toBe(true);
    expect(w.hasBlocked(B, A)).toBe(false);
    expect(w.hasWritten(A, B)).toBe(true);
    expect(w.hasWritten(B, A)).toBe(false);
    expect(w.privateChat(A, B)).toBeGreaterThan(0);
    expect(w.privateChat(B, A)).toBe(w.privateChat(A, B));
    expect(w.privateChat(A, C)).toBe(0);
  });

  it('isMutual needs both directions; isLimited needs an end strictly after now', () => {
    const w = world().save(A, B);
    expect(isMutual(w, A, B)).toBe(false);
    expect(isMutual(w, B, A)).toBe(false);
    w.save(B, A);
    expect(isMutual(w, A, B)).toBe(true);
    expect(isMutual(w, B, A)).toBe(true);
    expect(isLimited(w, A, NOW)).toBe(false);
    w.limit(A, NOW);
    expect(isLimited(w, A, NOW)).toBe(false);
    w.limit(A, NOW + 1);
    expect(isLimited(w, A, NOW)).toBe(true);
    w.limit(A, Infinity);
    expect(isLimited(w, A, NOW)).toBe(true);
  });
});

describe('gateSend: one allow and one deny case per row (RULES.md §2)', () => {
  it('a free sender may write to a free stranger', () => {
    expect(send(world())).toBe('ALLOW');
  });

  describe('row 1: A is banned → USER_DEACTIVATED_BAN', () => {
    it('denies a banned sender', () => {
      expect(send(world().setFlags(A, Flag.BANNED))).toBe('USER_DEACTIVATED_BAN');
    });
    it('allows the same message when A is not banned (and another account is)', () => {
      expect(send(world().setFlags(C, Flag.BANNED))).toBe('ALLOW');
    });
  });

  describe('row 2: A is frozen and B is not SpamBot → FROZEN_METHOD_INVALID', () => {
    it('denies a frozen sender writing to an ordinary account', () => {
      expect(send(world().setFlags(A, Flag.FROZEN))).toBe('FROZEN_METHOD_INVALID');
    });
    it('allows a frozen sender writing to SpamBot (to appeal)', () => {
      expect(send(world().setFlags(A, Flag.FROZEN), A, BOT)).toBe('ALLOW');
    });
  });

  describe('row 3: B is banned, frozen or deleted → INPUT_USER_DEACTIVATED', () => {
    it.each([
      ['banned', Flag.BANNED],
      ['frozen', Flag.FROZEN],
      ['deleted', Flag.DELETED],
    ])('denies writing to a %s recipient', (_label, flag) => {
      expect(send(world().setFlags(B, flag))).toBe('INPUT_USER_DEACTIVATED');
    });
    it('allows writing to a recipient that merely has a public-groups ban or is limited', () => {
      expect(send(world().setFlags(B, Flag.PUBLIC_GROUPS_BAN).limit(B, Infinity))).toBe('ALLOW');
    });
  });

  describe('row 4: A has blocked B → YOU_BLOCKED_USER', () => {
    it('denies when the sender blocked the recipient', () => {
      expect(send(world().block(A, B))).toBe('YOU_BLOCKED_USER');
    });
    it('allows when the sender blocked someone else', () => {
      expect(send(world().block(A, C))).toBe('ALLOW');
    });
  });

  describe('row 5: B has blocked A → USER_IS_BLOCKED', () => {
    it('denies when the recipient blocked the sender', () => {
      expect(send(world().block(B, A))).toBe('USER_IS_BLOCKED');
    });
    it('allows when the recipient blocked someone else', () => {
      expect(send(world().block(B, C))).toBe('ALLOW');
    });
  });

  describe('row 6: A is limited, B neither mutual nor has written to A → PEER_FLOOD', () => {
    it('denies a limited sender writing to a stranger', () => {
      expect(send(world().limit(A, NOW + HOUR))).toBe('PEER_FLOOD');
    });
    it('denies a limited sender without end (permanent / number)', () => {
      expect(send(world().limit(A, Infinity))).toBe('PEER_FLOOD');
    });
    it('allows a limited sender writing to a mutual contact', () => {
      expect(send(world().limit(A, Infinity).mutual(A, B))).toBe('ALLOW');
    });
    it('allows a reply: the recipient has already written to the sender in their chat', () => {
      expect(send(world().limit(A, Infinity).write(B, A))).toBe('ALLOW');
    });
    it('denies when only the sender saved the recipient', () => {
      expect(send(world().limit(A, Infinity).save(A, B))).toBe('PEER_FLOOD');
    });
    it('denies when only the recipient saved the sender', () => {
      expect(send(world().limit(A, Infinity).save(B, A))).toBe('PEER_FLOOD');
    });
    it('denies when the chat exists but only the sender has written in it', () => {
      expect(send(world().limit(A, Infinity).write(A, B))).toBe('PEER_FLOOD');
    });
    it('a write by B to someone else does not count as B having written to A', () => {
      expect(send(world().limit(A, Infinity).write(B, C))).toBe('PEER_FLOOD');
    });
    it('a limit ending exactly at now no longer limits', () => {
      expect(send(world().limit(A, NOW))).toBe('ALLOW');
      expect(send(world().limit(A, NOW - 1))).toBe('ALLOW');
      expect(send(world().limit(A, NOW + 1))).toBe('PEER_FLOOD');
    });
    it("the recipient's limit does not matter", () => {
      expect(send(world().limit(B, Infinity))).toBe('ALLOW');
    });
  });

  describe('row 7: B accepts new chats from contacts only → USER_PRIVACY_RESTRICTED', () => {
    it('denies a stranger with no chat', () => {
      expect(send(world().setNewChats(B, Audience.CONTACTS))).toBe('USER_PRIVACY_RESTRICTED');
    });
    it('denies even when the sender saved the recipient (only B’s contacts count)', () => {
      expect(send(world().setNewChats(B, Audience.CONTACTS).save(A, B))).toBe('USER_PRIVACY_RESTRICTED');
    });
    it('allows when the recipient has the sender in contacts', () => {
      expect(send(world().setNewChats(B, Audience.CONTACTS).save(B, A))).toBe('ALLOW');
    });
    it('allows when a chat between them already exists (whoever wrote in it)', () => {
      expect(send(world().setNewChats(B, Audience.CONTACTS).write(A, B))).toBe('ALLOW');
      expect(send(world().setNewChats(B, Audience.CONTACTS).write(B, A))).toBe('ALLOW');
      const w = world().setNewChats(B, Audience.CONTACTS);
      w.openChat(A, B);
      expect(send(w)).toBe('ALLOW');
    });
    it('allows when the recipient accepts new chats from everybody', () => {
      expect(send(world().setNewChats(B, Audience.EVERYBODY))).toBe('ALLOW');
    });
    it("the sender's own newChats setting does not matter", () => {
      expect(send(world().setNewChats(A, Audience.CONTACTS))).toBe('ALLOW');
    });
  });
});

describe('gateSend: the order of the rows', () => {
  it('a banned sender to a blocked recipient gets USER_DEACTIVATED_BAN (1 before 4)', () => {
    expect(send(world().setFlags(A, Flag.BANNED).block(A, B).block(B, A))).toBe('USER_DEACTIVATED_BAN');
  });
  it('a banned sender is refused even towards SpamBot (1 before the exemption)', () => {
    expect(send(world().setFlags(A, Flag.BANNED), A, BOT)).toBe('USER_DEACTIVATED_BAN');
  });
  it('a banned and frozen sender gets USER_DEACTIVATED_BAN (1 before 2)', () => {
    expect(send(world().setFlags(A, Flag.BANNED | Flag.FROZEN))).toBe('USER_DEACTIVATED_BAN');
  });
  it('a banned sender to a deactivated recipient gets USER_DEACTIVATED_BAN (1 before 3)', () => {
    expect(send(world().setFlags(A, Flag.BANNED).setFlags(B, Flag.DELETED))).toBe('USER_DEACTIVATED_BAN');
  });
  it('a frozen sender to a deleted recipient gets FROZEN_METHOD_INVALID (2 before 3)', () => {
    expect(send(world().setFlags(A, Flag.FROZEN).setFlags(B, Flag.DELETED))).toBe('FROZEN_METHOD_INVALID');
  });
  it('a frozen sender to a mutual contact who wrote first is still refused', () => {
    expect(send(world().setFlags(A, Flag.FROZEN).mutual(A, B).write(B, A))).toBe('FROZEN_METHOD_INVALID');
  });
  it('a frozen account may write to SpamBot but not to support', () => {
    const w = world().setFlags(A, Flag.FROZEN);
    expect(send(w, A, BOT)).toBe('ALLOW');
    expect(send(w, A, SUP)).toBe('FROZEN_METHOD_INVALID');
  });
  it('a deactivated recipient wins over blocks, limits and privacy (3 before 4–7)', () => {
    for (const flag of [Flag.BANNED, Flag.FROZEN, Flag.DELETED]) {
      const w = world().setFlags(B, flag).block(A, B).block(B, A).limit(A, Infinity).setNewChats(B, Audience.CONTACTS);
      expect(send(w)).toBe('INPUT_USER_DEACTIVATED');
    }
  });
  it('both blocked: YOU_BLOCKED_USER (4 before 5)', () => {
    expect(send(world().block(A, B).block(B, A))).toBe('YOU_BLOCKED_USER');
  });
  it('a limited sender blocked by the recipient gets USER_IS_BLOCKED (5 before 6)', () => {
    expect(send(world().limit(A, Infinity).block(B, A))).toBe('USER_IS_BLOCKED');
  });
  it('a limited sender who blocked the recipient gets YOU_BLOCKED_USER (4 before 6)', () => {
    expect(send(world().limit(A, Infinity).block(A, B))).toBe('YOU_BLOCKED_USER');
  });
  it('blocks apply even between mutual contacts', () => {
    expect(send(world().mutual(A, B).block(B, A))).toBe('USER_IS_BLOCKED');
  });
  it('a limited sender to a contacts-only stranger gets PEER_FLOOD (6 before 7)', () => {
    expect(send(world().limit(A, Infinity).setNewChats(B, Audience.CONTACTS))).toBe('PEER_FLOOD');
  });
  it('a limited sender replying to a contacts-only recipient passes 6 and 7 (the chat exists)', () => {
    expect(send(world().limit(A, Infinity).setNewChats(B, Audience.CONTACTS).write(B, A))).toBe('ALLOW');
  });
  it('a limited sender to a mutual contacts-only recipient is allowed', () => {
    expect(send(world().limit(A, Infinity).setNewChats(B, Audience.CONTACTS).mutual(A, B))).toBe('ALLOW');
  });
});

describe('gateSend: SpamBot and support are exempt from rows 4–8 for senders not banned or frozen', () => {
  for (const [label, target] of [
    ['SpamBot', BOT],
    ['support', SUP],
  ] as const) {
    it(`a limited sender may write to ${label}`, () => {
      expect(send(world().limit(A, Infinity), A, target)).toBe('ALLOW');
    });
    it(`a sender who blocked ${label}, or is blocked by it, may write to it`, () => {
      expect(send(world().block(A, target), A, target)).toBe('ALLOW');
      expect(send(world().block(target, A), A, target)).toBe('ALLOW');
    });
    it(`${label} with contacts-only new chats still accepts a stranger`, () => {
      expect(send(world().setNewChats(target, Audience.CONTACTS), A, target)).toBe('ALLOW');
    });
    it(`everything at once towards ${label} is still allowed`, () => {
      const w = world().limit(A, Infinity).block(A, target).block(target, A).setNewChats(target, Audience.CONTACTS);
      expect(send(w, A, target)).toBe('ALLOW');
    });
  }
  it('the exemption is about the recipient: SpamBot writing to a blocked account is not exempt', () => {
    expect(send(world().block(B, BOT), BOT, B)).toBe('USER_IS_BLOCKED');
  });
});

describe('gateSender (rows 1–2, before the recipient is resolved)', () => {
  const sender = (w: GateView, toSpamBot: boolean): string => name(gateSender(w, A, toSpamBot));

  it('allows a free sender, and a limited one (limits are decided later)', () => {
    expect(sender(world(), false)).toBe('ALLOW');
    expect(sender(world().limit(A, Infinity), false)).toBe('ALLOW');
  });
  it('a banned sender is refused, even towards SpamBot', () => {
    const w = world().setFlags(A, Flag.BANNED);
    expect(sender(w, false)).toBe('USER_DEACTIVATED_BAN');
    expect(sender(w, true)).toBe('USER_DEACTIVATED_BAN');
    expect(sender(world().setFlags(A, Flag.BANNED | Flag.FROZEN), true)).toBe('USER_DEACTIVATED_BAN');
  });
  it('a frozen sender is refused unless the recipient is SpamBot', () => {
    const w = world().setFlags(A, Flag.FROZEN);
    expect(sender(w, false)).toBe('FROZEN_METHOD_INVALID');
    expect(sender(w, true)).toBe('ALLOW');
  });
  it('a deleted sender is not refused by rows 1–2 (auth rejects its token elsewhere)', () => {
    expect(sender(world().setFlags(A, Flag.DELETED), false)).toBe('ALLOW');
  });
});

describe('gateCreate (creating a group or channel)', () => {
  const create = (w: GateView, now = NOW): string => name(gateCreate(w, A, now));

  it('allows a free account', () => {
    expect(create(world())).toBe('ALLOW');
  });
  it('a limited account gets USER_RESTRICTED, with or without an end', () => {
    expect(create(world().limit(A, NOW + 1))).toBe('USER_RESTRICTED');
    expect(create(world().limit(A, Infinity))).toBe('USER_RESTRICTED');
  });
  it('a limit that ended (at or before now) no longer restricts', () => {
    expect(create(world().limit(A, NOW))).toBe('ALLOW');
    expect(create(world().limit(A, NOW - HOUR))).toBe('ALLOW');
  });
  it('a frozen account gets FROZEN_METHOD_INVALID, before USER_RESTRICTED', () => {
    expect(create(world().setFlags(A, Flag.FROZEN))).toBe('FROZEN_METHOD_INVALID');
    expect(create(world().setFlags(A, Flag.FROZEN).limit(A, Infinity))).toBe('FROZEN_METHOD_INVALID');
  });
  it('a banned account gets USER_DEACTIVATED_BAN, before everything else', () => {
    expect(create(world().setFlags(A, Flag.BANNED | Flag.FROZEN).limit(A, Infinity))).toBe('USER_DEACTIVATED_BAN');
  });
  it('a public-groups ban alone does not prevent creating a private group or channel', () => {
    expect(create(world().setFlags(A, Flag.PUBLIC_GROUPS_BAN))).toBe('ALLOW');
  });
  it('a public-groups ban prevents creating a public group or channel (USER_BANNED_IN_CHANNEL), after the limit', () => {
    expect(name(gateCreate(world().setFlags(A, Flag.PUBLIC_GROUPS_BAN), A, NOW, true))).toBe('USER_BANNED_IN_CHANNEL');
    expect(name(gateCreate(world().setFlags(A, Flag.PUBLIC_GROUPS_BAN).limit(A, Infinity), A, NOW, true))).toBe('USER_RESTRICTED');
    expect(name(gateCreate(world(), A, NOW, true))).toBe('ALLOW');
  });
});

const GROUP = 500;
const CHANNEL = 501;
const PRIVATE_GROUP = 502;

describe('gateInviter (the inviter’s own right to add people)', () => {
  const inviter = (w: GateView, chat = GROUP): string => name(gateInviter(w, A, chat));
  const base = (): FakeWorld => world().chat(GROUP, ChatKind.GROUP, true).chat(CHANNEL, ChatKind.CHANNEL, false);

  it('admins and owners may add, in groups and channels', () => {
    expect(inviter(base().setRole(GROUP, A, Role.ADMIN))).toBe('ALLOW');
    expect(inviter(base().setRole(GROUP, A, Role.OWNER))).toBe('ALLOW');
    expect(inviter(base().setRole(CHANNEL, A, Role.ADMIN), CHANNEL)).toBe('ALLOW');
  });
  it.each([
    ['a plain member', Role.MEMBER],
    ['a non-member', Role.NONE],
    ['someone who left', Role.LEFT],
    ['someone banned from the chat', Role.BANNED],
  ])('%s gets CHAT_ADMIN_REQUIRED', (_label, role) => {
    expect(inviter(base().setRole(GROUP, A, role))).toBe('CHAT_ADMIN_REQUIRED');
  });
  it('being admin of another chat does not help', () => {
    expect(inviter(base().setRole(CHANNEL, A, Role.ADMIN), GROUP)).toBe('CHAT_ADMIN_REQUIRED');
  });
  it('a frozen admin gets FROZEN_METHOD_INVALID; a frozen non-admin too (frozen first)', () => {
    expect(inviter(base().setRole(GROUP, A, Role.OWNER).setFlags(A, Flag.FROZEN))).toBe('FROZEN_METHOD_INVALID');
    expect(inviter(base().setFlags(A, Flag.FROZEN))).toBe('FROZEN_METHOD_INVALID');
  });
  it('a banned admin gets USER_DEACTIVATED_BAN', () => {
    expect(inviter(base().setRole(GROUP, A, Role.ADMIN).setFlags(A, Flag.BANNED | Flag.FROZEN))).toBe('USER_DEACTIVATED_BAN');
  });
  it('a limited admin passes here (limits are checked per invitee)', () => {
    expect(inviter(base().setRole(GROUP, A, Role.ADMIN).limit(A, Infinity))).toBe('ALLOW');
  });
});

describe('gateInvitee (adding B, in the order of RULES.md §2)', () => {
  const invitee = (w: GateView, b = B, now = NOW): string => name(gateInvitee(w, A, b, GROUP, now));
  const base = (): FakeWorld => world().chat(GROUP, ChatKind.GROUP, false).setRole(GROUP, A, Role.ADMIN);

  it('allows adding a free stranger who accepts invites from everybody', () => {
    expect(invitee(base())).toBe('ALLOW');
  });
  it('an unknown account → PEER_ID_INVALID', () => {
    expect(invitee(base(), UNKNOWN)).toBe('PEER_ID_INVALID');
  });
  it.each([
    ['banned', Flag.BANNED],
    ['frozen', Flag.FROZEN],
    ['deleted', Flag.DELETED],
  ])('a %s invitee → INPUT_USER_DEACTIVATED (even for a limited inviter and blocks)', (_l, flag) => {
    expect(invitee(base().setFlags(B, flag))).toBe('INPUT_USER_DEACTIVATED');
    expect(invitee(base().setFlags(B, flag).limit(A, Infinity).block(B, A))).toBe('INPUT_USER_DEACTIVATED');
  });

  describe('PEER_FLOOD: the inviter is limited and B is not a mutual contact', () => {
    it('denies a stranger', () => {
      expect(invitee(base().limit(A, NOW + HOUR))).toBe('PEER_FLOOD');
    });
    it('denies one-sided contacts, either way', () => {
      expect(invitee(base().limit(A, Infinity).save(A, B))).toBe('PEER_FLOOD');
      expect(invitee(base().limit(A, Infinity).save(B, A))).toBe('PEER_FLOOD');
    });
    it('having written to the inviter does not make B addable (only mutual contacts)', () => {
      expect(invitee(base().limit(A, Infinity).write(B, A))).toBe('PEER_FLOOD');
    });
    it('allows a mutual contact', () => {
      expect(invitee(base().limit(A, Infinity).mutual(A, B))).toBe('ALLOW');
    });
    it('a limit that ends exactly now no longer applies', () => {
      expect(invitee(base().limit(A, NOW))).toBe('ALLOW');
    });
    it('comes before the blocks', () => {
      expect(invitee(base().limit(A, Infinity).block(A, B))).toBe('PEER_FLOOD');
      expect(invitee(base().limit(A, Infinity).block(B, A))).toBe('PEER_FLOOD');
    });
  });

  describe('blocks', () => {
    it('the inviter blocked B → YOU_BLOCKED_USER', () => {
      expect(invitee(base().block(A, B))).toBe('YOU_BLOCKED_USER');
    });
    it('B blocked the inviter → USER_IS_BLOCKED', () => {
      expect(invitee(base().block(B, A))).toBe('USER_IS_BLOCKED');
    });
    it('both → YOU_BLOCKED_USER first', () => {
      expect(invitee(base().block(A, B).block(B, A))).toBe('YOU_BLOCKED_USER');
    });
    it('blocks involving other accounts do not matter', () => {
      expect(invitee(base().block(A, C).block(C, B))).toBe('ALLOW');
    });
    it('apply to mutual contacts too, and before the left-before rule', () => {
      expect(invitee(base().mutual(A, B).block(B, A))).toBe('USER_IS_BLOCKED');
      expect(invitee(base().setRole(GROUP, B, Role.LEFT).block(B, A))).toBe('USER_IS_BLOCKED');
    });
  });

  describe('USER_NOT_MUTUAL_CONTACT: B left this chat before and is not a mutual contact', () => {
    it('denies a stranger who left', () => {
      expect(invitee(base().setRole(GROUP, B, Role.LEFT))).toBe('USER_NOT_MUTUAL_CONTACT');
    });
    it('denies when only one side saved the other', () => {
      expect(invitee(base().setRole(GROUP, B, Role.LEFT).save(A, B))).toBe('USER_NOT_MUTUAL_CONTACT');
      expect(invitee(base().setRole(GROUP, B, Role.LEFT).save(B, A))).toBe('USER_NOT_MUTUAL_CONTACT');
    });
    it('allows a mutual contact who left', () => {
      expect(invitee(base().setRole(GROUP, B, Role.LEFT).mutual(A, B))).toBe('ALLOW');
    });
    it('leaving another chat does not count', () => {
      expect(invitee(base().chat(CHANNEL, ChatKind.CHANNEL, false).setRole(CHANNEL, B, Role.LEFT))).toBe('ALLOW');
    });
    it('comes before the invite privacy', () => {
      expect(invitee(base().setRole(GROUP, B, Role.LEFT).setInvites(B, Audience.NOBODY))).toBe('USER_NOT_MUTUAL_CONTACT');
    });
  });

  describe('USER_PRIVACY_RESTRICTED: B’s “who can add me” refuses', () => {
    it('nobody refuses everyone, mutual contacts included', () => {
      expect(invitee(base().setInvites(B, Audience.NOBODY))).toBe('USER_PRIVACY_RESTRICTED');
      expect(invitee(base().setInvites(B, Audience.NOBODY).mutual(A, B))).toBe('USER_PRIVACY_RESTRICTED');
    });
    it('contacts refuses an inviter B has not saved (even if the inviter saved B)', () => {
      expect(invitee(base().setInvites(B, Audience.CONTACTS))).toBe('USER_PRIVACY_RESTRICTED');
      expect(invitee(base().setInvites(B, Audience.CONTACTS).save(A, B))).toBe('USER_PRIVACY_RESTRICTED');
    });
    it('contacts allows an inviter B has saved', () => {
      expect(invitee(base().setInvites(B, Audience.CONTACTS).save(B, A))).toBe('ALLOW');
    });
    it("the inviter's own privacy does not matter", () => {
      expect(invitee(base().setInvites(A, Audience.NOBODY))).toBe('ALLOW');
    });
  });
});

describe('gatePost (posting in a group or channel)', () => {
  const post = (w: GateView, chat: number): string => name(gatePost(w, A, chat));
  const base = (): FakeWorld =>
    world().chat(GROUP, ChatKind.GROUP, true).chat(CHANNEL, ChatKind.CHANNEL, true).chat(PRIVATE_GROUP, ChatKind.GROUP, false);

  it.each([
    ['member', Role.MEMBER],
    ['admin', Role.ADMIN],
    ['owner', Role.OWNER],
  ])('a group %s may post', (_l, role) => {
    expect(post(base().setRole(GROUP, A, role), GROUP)).toBe('ALLOW');
  });
  it.each([
    ['a non-member', Role.NONE],
    ['someone who left', Role.LEFT],
  ])('%s → CHAT_WRITE_FORBIDDEN', (_l, role) => {
    expect(post(base().setRole(GROUP, A, role), GROUP)).toBe('CHAT_WRITE_FORBIDDEN');
  });
  it('membership of another chat does not count', () => {
    expect(post(base().setRole(PRIVATE_GROUP, A, Role.OWNER), GROUP)).toBe('CHAT_WRITE_FORBIDDEN');
  });
  it('a plain member of a channel → CHAT_WRITE_FORBIDDEN; its admins and owner may post', () => {
    expect(post(base().setRole(CHANNEL, A, Role.MEMBER), CHANNEL)).toBe('CHAT_WRITE_FORBIDDEN');
    expect(post(base().setRole(CHANNEL, A, Role.ADMIN), CHANNEL)).toBe('ALLOW');
    expect(post(base().setRole(CHANNEL, A, Role.OWNER), CHANNEL)).toBe('ALLOW');
  });
  it('banned from the chat by its admins → CHAT_WRITE_FORBIDDEN', () => {
    expect(post(base().setRole(GROUP, A, Role.BANNED), GROUP)).toBe('CHAT_WRITE_FORBIDDEN');
    expect(post(base().setRole(CHANNEL, A, Role.BANNED), CHANNEL)).toBe('CHAT_WRITE_FORBIDDEN');
  });
  it('a public-groups ban in a public group → USER_BANNED_IN_CHANNEL', () => {
    expect(post(base().setRole(GROUP, A, Role.MEMBER).setFlags(A, Flag.PUBLIC_GROUPS_BAN), GROUP)).toBe('USER_BANNED_IN_CHANNEL');
    expect(post(base().setRole(GROUP, A, Role.OWNER).setFlags(A, Flag.PUBLIC_GROUPS_BAN), GROUP)).toBe('USER_BANNED_IN_CHANNEL');
  });
  it('a public-groups ban does not stop posting in a private group', () => {
    expect(post(base().setRole(PRIVATE_GROUP, A, Role.MEMBER).setFlags(A, Flag.PUBLIC_GROUPS_BAN), PRIVATE_GROUP)).toBe('ALLOW');
  });
  it('the public-groups ban covers public channels too: their admins and owner with one get USER_BANNED_IN_CHANNEL', () => {
    expect(post(base().setRole(CHANNEL, A, Role.ADMIN).setFlags(A, Flag.PUBLIC_GROUPS_BAN), CHANNEL)).toBe('USER_BANNED_IN_CHANNEL');
    expect(post(base().setRole(CHANNEL, A, Role.OWNER).setFlags(A, Flag.PUBLIC_GROUPS_BAN), CHANNEL)).toBe('USER_BANNED_IN_CHANNEL');
    // a plain member cannot post in a channel at all: that comes first
    expect(post(base().setRole(CHANNEL, A, Role.MEMBER).setFlags(A, Flag.PUBLIC_GROUPS_BAN), CHANNEL)).toBe('CHAT_WRITE_FORBIDDEN');
  });
  it('a public-groups ban does not stop posting in a private channel', () => {
    const w = base().chat(PRIVATE_GROUP + 1, ChatKind.CHANNEL, false).setRole(PRIVATE_GROUP + 1, A, Role.OWNER).setFlags(A, Flag.PUBLIC_GROUPS_BAN);
    expect(post(w, PRIVATE_GROUP + 1)).toBe('ALLOW');
  });
  it('membership is checked before the public-groups ban', () => {
    expect(post(base().setFlags(A, Flag.PUBLIC_GROUPS_BAN), GROUP)).toBe('CHAT_WRITE_FORBIDDEN');
    expect(post(base().setRole(GROUP, A, Role.BANNED).setFlags(A, Flag.PUBLIC_GROUPS_BAN), GROUP)).toBe('CHAT_WRITE_FORBIDDEN');
  });
  it('limited accounts may post where they are members', () => {
    expect(post(base().setRole(GROUP, A, Role.MEMBER).limit(A, Infinity), GROUP)).toBe('ALLOW');
    expect(post(base().setRole(PRIVATE_GROUP, A, Role.MEMBER).limit(A, NOW + HOUR), PRIVATE_GROUP)).toBe('ALLOW');
  });
  it('a frozen member → FROZEN_METHOD_INVALID; a banned one → USER_DEACTIVATED_BAN', () => {
    expect(post(base().setRole(GROUP, A, Role.MEMBER).setFlags(A, Flag.FROZEN), GROUP)).toBe('FROZEN_METHOD_INVALID');
    expect(post(base().setRole(GROUP, A, Role.MEMBER).setFlags(A, Flag.BANNED | Flag.FROZEN), GROUP)).toBe('USER_DEACTIVATED_BAN');
  });
});

describe('gateJoin (joining on one’s own)', () => {
  const join = (w: GateView, chat: number): string => name(gateJoin(w, A, chat));
  const base = (): FakeWorld =>
    world().chat(GROUP, ChatKind.GROUP, true).chat(CHANNEL, ChatKind.CHANNEL, true).chat(PRIVATE_GROUP, ChatKind.GROUP, false);

  it('anyone may join a public group or channel', () => {
    expect(join(base(), GROUP)).toBe('ALLOW');
    expect(join(base(), CHANNEL)).toBe('ALLOW');
  });
  it('limited accounts and ones with a public-groups ban may join too', () => {
    expect(join(base().limit(A, Infinity), GROUP)).toBe('ALLOW');
    expect(join(base().setFlags(A, Flag.PUBLIC_GROUPS_BAN), GROUP)).toBe('ALLOW');
  });
  it('someone who left a public chat may join again', () => {
    expect(join(base().setRole(GROUP, A, Role.LEFT), GROUP)).toBe('ALLOW');
  });
  it('a private chat → CHAT_NOT_PUBLIC; an unknown chat too', () => {
    expect(join(base(), PRIVATE_GROUP)).toBe('CHAT_NOT_PUBLIC');
    expect(join(base(), 999)).toBe('CHAT_NOT_PUBLIC');
  });
  it('banned from the chat by its admins → CHAT_WRITE_FORBIDDEN', () => {
    expect(join(base().setRole(GROUP, A, Role.BANNED), GROUP)).toBe('CHAT_WRITE_FORBIDDEN');
  });
  it('frozen → FROZEN_METHOD_INVALID; banned → USER_DEACTIVATED_BAN (before the chat is looked at)', () => {
    expect(join(base().setFlags(A, Flag.FROZEN), GROUP)).toBe('FROZEN_METHOD_INVALID');
    expect(join(base().setFlags(A, Flag.FROZEN), PRIVATE_GROUP)).toBe('FROZEN_METHOD_INVALID');
    expect(join(base().setFlags(A, Flag.BANNED), PRIVATE_GROUP)).toBe('USER_DEACTIVATED_BAN');
  });
});

describe('mayFindByPhone', () => {
  it('everybody: anyone finds the owner', () => {
    expect(mayFindByPhone(world(), A, B)).toBe(true);
  });
  it('contacts: only people the owner saved', () => {
    const w = world().setFind(B, Audience.CONTACTS);
    expect(mayFindByPhone(w, A, B)).toBe(false);
    w.save(A, B); // the asker saving the owner is not enough
    expect(mayFindByPhone(w, A, B)).toBe(false);
    w.save(B, A);
    expect(mayFindByPhone(w, A, B)).toBe(true);
    expect(mayFindByPhone(w, C, B)).toBe(false);
  });
  it('the owner always finds themself', () => {
    expect(mayFindByPhone(world().setFind(B, Audience.CONTACTS), B, B)).toBe(true);
  });
});

describe('maySeePhone', () => {
  it.each([
    [Audience.EVERYBODY, false, false, true],
    [Audience.EVERYBODY, true, false, true],
    [Audience.CONTACTS, false, false, false],
    [Audience.CONTACTS, true, false, true],
    [Audience.NOBODY, false, false, false],
    [Audience.NOBODY, true, false, false],
    [Audience.NOBODY, false, true, true],
    [Audience.CONTACTS, false, true, true],
  ] as const)('visibility %i, owner has viewer %s, self %s → %s', (vis, ownerHasViewer, self, expected) => {
    expect(maySeePhone(vis, ownerHasViewer, self)).toBe(expected);
  });
});

// ---- properties --------------------------------------------------------------------------------

const PEOPLE = [1, 2, 3, 4] as const;
const EVERYONE = [...PEOPLE, BOT, SUP];
const DIRECTED: [number, number][] = EVERYONE.flatMap((a) => EVERYONE.filter((b) => b !== a).map((b): [number, number] => [a, b]));
const UNORDERED = DIRECTED.filter(([a, b]) => a < b);

const flagsArb = fc.subarray([Flag.BANNED, Flag.FROZEN, Flag.DELETED, Flag.PUBLIC_GROUPS_BAN]).map((fs) => fs.reduce((x, f) => x | f, 0));
const limitArb = fc.constantFrom(0, NOW - HOUR, NOW - 1, NOW, NOW + 1, NOW + HOUR, Infinity);
const audienceArb = fc.constantFrom<AudienceValue>(Audience.EVERYBODY, Audience.CONTACTS);

const worldArb = fc
  .record({
    flags: fc.tuple(flagsArb, flagsArb, flagsArb, flagsArb),
    limits: fc.tuple(limitArb, limitArb, limitArb, limitArb),
    newChats: fc.tuple(audienceArb, audienceArb, audienceArb, audienceArb, audienceArb, audienceArb),
    contacts: fc.subarray(DIRECTED),
    blocks: fc.subarray(DIRECTED, { maxLength: 6 }),
    chats: fc.subarray(UNORDERED),
    writes: fc.subarray(DIRECTED),
  })
  .map((r) => {
    const w = new FakeWorld().account(BOT, Flag.SPAMBOT).account(SUP, Flag.SUPPORT);
    PEOPLE.forEach((id, i) => w.account(id, r.flags[i]).limit(id, r.limits[i]!));
    EVERYONE.forEach((id, i) => w.setNewChats(id, r.newChats[i]!));
    for (const [a, b] of r.contacts) w.save(a, b);
    for (const [a, b] of r.blocks) w.block(a, b);
    for (const [a, b] of r.chats) w.openChat(a, b);
    // a message implies its chat
    for (const [a, b] of r.writes) if (w.privateChat(a, b) !== 0) w.write(a, b);
    return w;
  });

const pairArb = fc.constantFrom(...DIRECTED);

/** RULES.md §2 rows 1–7, transcribed row by row as (condition, code). */
function specSend(w: FakeWorld, a: number, b: number, now: number): string {
  const fa = w.flags(a);
  const fb = w.flags(b);
  const bIsSpamBot = (fb & Flag.SPAMBOT) !== 0;
  const bIsSystem = (fb & (Flag.SPAMBOT | Flag.SUPPORT)) !== 0;
  const rows: [() => boolean, string][] = [
    [() => (fa & Flag.BANNED) !== 0, 'USER_DEACTIVATED_BAN'],
    [() => (fa & Flag.FROZEN) !== 0 && !bIsSpamBot, 'FROZEN_METHOD_INVALID'],
    [() => (fb & (Flag.BANNED | Flag.FROZEN | Flag.DELETED)) !== 0, 'INPUT_USER_DEACTIVATED'],
    [() => !bIsSystem && w.hasBlocked(a, b), 'YOU_BLOCKED_USER'],
    [() => !bIsSystem && w.hasBlocked(b, a), 'USER_IS_BLOCKED'],
    [
      () => !bIsSystem && w.limitedUntil(a) > now && !(w.hasContact(a, b) && w.hasContact(b, a)) && !w.hasWritten(b, a),
      'PEER_FLOOD',
    ],
    [
      () => !bIsSystem && w.newChats(b) === Audience.CONTACTS && !w.hasContact(b, a) && w.privateChat(a, b) === 0,
      'USER_PRIVACY_RESTRICTED',
    ],
  ];
  for (const [applies, code] of rows) if (applies()) return code;
  return 'ALLOW';
}

describe('gateSend properties (fast-check)', () => {
  it('matches the spec table row by row for any small world', () => {
    fc.assert(
      fc.property(worldArb, pairArb, (w, [a, b]) => {
        expect(send(w, a, b)).toBe(specSend(w, a, b, NOW));
      }),
      { numRuns: 2000 },
    );
  });

  it('never returns PEER_FLOOD when the sender is not limited', () => {
    fc.assert(
      fc.property(worldArb, pairArb, (w, [a, b]) => {
        fc.pre(!isLimited(w, a, NOW));
        expect(gateSend(w, a, b, NOW)).not.toBe(Code.PEER_FLOOD);
      }),
    );
  });

  it('a mutual contact pair with no blocks and no deactivation is always ALLOW', () => {
    fc.assert(
      fc.property(worldArb, pairArb, (w, [a, b]) => {
        w.mutual(a, b).unblock(a, b).unblock(b, a);
        w.setFlags(a, w.flags(a) & ~(Flag.BANNED | Flag.FROZEN));
        w.setFlags(b, w.flags(b) & ~DEACTIVATED);
        expect(send(w, a, b)).toBe('ALLOW');
      }),
    );
  });

  it('agrees with gateSender on rows 1–2', () => {
    fc.assert(
      fc.property(worldArb, pairArb, (w, [a, b]) => {
        const early = gateSender(w, a, (w.flags(b) & Flag.SPAMBOT) !== 0);
        const full = gateSend(w, a, b, NOW);
        if (early !== ALLOW) expect(full).toBe(early);
        if (full === Code.USER_DEACTIVATED_BAN || full === Code.FROZEN_METHOD_INVALID) expect(early).toBe(full);
      }),
    );
  });

  it("the sender's own messages in the chat never change the decision (only B's count as a reply)", () => {
    fc.assert(
      fc.property(worldArb, pairArb, (w, [a, b]) => {
        w.openChat(a, b);
        w.written.delete(pair(a, b));
        const before = gateSend(w, a, b, NOW);
        w.write(a, b);
        expect(gateSend(w, a, b, NOW)).toBe(before);
      }),
    );
  });

  it('anyone not banned may write to SpamBot; anyone not banned or frozen to support', () => {
    fc.assert(
      fc.property(worldArb, fc.constantFrom(...PEOPLE), (w, a) => {
        const fa = w.flags(a);
        expect(send(w, a, BOT)).toBe(fa & Flag.BANNED ? 'USER_DEACTIVATED_BAN' : 'ALLOW');
        expect(send(w, a, SUP)).toBe(fa & Flag.BANNED ? 'USER_DEACTIVATED_BAN' : fa & Flag.FROZEN ? 'FROZEN_METHOD_INVALID' : 'ALLOW');
      }),
    );
  });
});

describe('gateInvitee properties (fast-check)', () => {
  it('never PEER_FLOOD for an inviter who is not limited, never for a mutual contact', () => {
    fc.assert(
      fc.property(worldArb, pairArb, (w, [a, b]) => {
        const r = gateInvitee(w, a, b, GROUP, NOW);
        if (!isLimited(w, a, NOW) || isMutual(w, a, b)) expect(r).not.toBe(Code.PEER_FLOOD);
      }),
    );
  });

  it('a mutual, unblocked, active invitee accepting invites from everybody or contacts is always addable', () => {
    fc.assert(
      fc.property(worldArb, pairArb, audienceArb, fc.boolean(), (w, [a, b], invites, left) => {
        w.mutual(a, b).unblock(a, b).unblock(b, a).setInvites(b, invites);
        w.setFlags(b, w.flags(b) & ~DEACTIVATED);
        if (left) w.setRole(GROUP, b, Role.LEFT);
        expect(name(gateInvitee(w, a, b, GROUP, NOW))).toBe('ALLOW');
      }),
    );
  });
});
