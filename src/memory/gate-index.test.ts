import { describe, expect, it } from 'vitest';
import { ALLOW, Code } from '../domain/codes.js';
import { Audience, ChatKind, Flag, Role, gateInvitee, gatePost, gateSend, type AudienceValue } from '../domain/gate.js';
import { FREE, type EffectiveRestriction } from '../domain/restriction.js';
import { GateIndex, type PrivacySettings } from './gate-index.js';

const NOW = 1_750_000_000_000;
const DAY = 24 * 3600_000;
const PHONE_A = 447911123456;
const PHONE_B = 79161234567;

const limitedR = (until: number | null): EffectiveRestriction => ({
  state: 'limited',
  kind: until === null ? 'permanent' : 'report',
  until,
  publicGroupsBan: false,
  restrictionId: 1,
});
const frozenR: EffectiveRestriction = { state: 'frozen', kind: 'scam', deleteAt: NOW + 14 * DAY, publicGroupsBan: false, restrictionId: 2 };
const bannedR: EffectiveRestriction = { state: 'banned', kind: 'child_abuse', publicGroupsBan: false, restrictionId: 3 };
const pgbOnly: EffectiveRestriction = { state: 'free', publicGroupsBan: true };

describe('GateIndex: unknown ids', () => {
  it('answers neutral values for ids never seen, within and beyond capacity', () => {
    const x = new GateIndex(16, 16);
    for (const id of [0, 5, 15, 16, 100_000]) {
      expect(x.flags(id)).toBe(0);
      expect(x.exists(id)).toBe(false);
      expect(x.limitedUntil(id)).toBe(0);
      expect(x.privacySettings(id)).toEqual({ findByPhone: 0, phoneVisibility: 0, chatInvites: 0, newChats: 0 });
      expect(x.language(id)).toBeUndefined();
      expect(x.restriction(id)).toBe(FREE);
      expect(x.chatKind(id)).toBe(ChatKind.NONE);
      expect(x.chatPublic(id)).toBe(false);
      expect(x.role(id, 1)).toBe(Role.NONE);
      expect(x.privateChat(id, 1)).toBe(0);
      expect(x.hasWritten(id, 1)).toBe(false);
      expect(x.otherSide(id, 1)).toBe(0);
    }
    expect(x.byPhone(PHONE_A)).toBe(0);
    expect(x.byUsername('nobody')).toBe(0);
  });
});

describe('GateIndex: accounts', () => {
  it('putAccount registers the account, its phone and its username (case-insensitive)', () => {
    const x = new GateIndex();
    x.putAccount(7, PHONE_A, 'Alice_W', 0);
    expect(x.exists(7)).toBe(true);
    expect(x.flags(7)).toBe(Flag.EXISTS);
    expect(x.byPhone(PHONE_A)).toBe(7);
    expect(x.byUsername('alice_w')).toBe(7);
    expect(x.byUsername('ALICE_W')).toBe(7);
    expect(x.byUsername('Alice_W')).toBe(7);
    expect(x.byUsername('alice')).toBe(0);
  });

  it('an account without phone or username is still an account', () => {
    const x = new GateIndex();
    x.putAccount(3, null, null);
    expect(x.exists(3)).toBe(true);
    expect(x.phones.size).toBe(0);
    expect(x.usernames.size).toBe(0);
  });

  it('system accounts carry their flag and are remembered', () => {
    const x = new GateIndex();
    x.putAccount(1, null, 'spambot', Flag.SPAMBOT);
    x.putAccount(2, null, 'support', Flag.SUPPORT);
    expect(x.flags(1)).toBe(Flag.EXISTS | Flag.SPAMBOT);
    expect(x.flags(2)).toBe(Flag.EXISTS | Flag.SUPPORT);
    expect(x.spamBotId).toBe(1);
    expect(x.supportId).toBe(2);
  });

  it('markDeleted sets DELETED, keeps EXISTS, and frees the phone and the username', () => {
    const x = new GateIndex();
    x.putAccount(7, PHONE_A, 'Alice', 0);
    x.markDeleted(7, PHONE_A, 'Alice');
    expect(x.flags(7) & Flag.DELETED).toBe(Flag.DELETED);
    expect(x.exists(7)).toBe(true);
    expect(x.byPhone(PHONE_A)).toBe(0);
    expect(x.byUsername('alice')).toBe(0);
    // both may be taken again by a new account
    x.putAccount(8, PHONE_A, 'ALICE', 0);
    expect(x.byPhone(PHONE_A)).toBe(8);
    expect(x.byUsername('alice')).toBe(8);
    expect(x.flags(8) & Flag.DELETED).toBe(0);
  });

  it('markDeleted leaves a phone or username that another account already holds', () => {
    const x = new GateIndex();
    x.putAccount(7, PHONE_A, 'alice', 0);
    x.putAccount(8, PHONE_A, 'alice', 0); // e.g. reload order: the newer holder wins
    x.markDeleted(7, PHONE_A, 'Alice');
    expect(x.byPhone(PHONE_A)).toBe(8);
    expect(x.byUsername('alice')).toBe(8);
  });

  it('markDeleted drops the public-groups ban bit but keeps BANNED / FROZEN', () => {
    const x = new GateIndex();
    x.putAccount(7, PHONE_A, null, 0);
    x.setRestriction(7, { ...frozenR, publicGroupsBan: true }, 0);
    x.markDeleted(7, PHONE_A, null);
    expect(x.flags(7)).toBe(Flag.EXISTS | Flag.FROZEN | Flag.DELETED);
  });

  it('setUsername moves the username and frees the previous one', () => {
    const x = new GateIndex();
    x.putAccount(7, null, 'old_name', 0);
    x.setUsername(7, 'Old_Name', 'New_Name');
    expect(x.byUsername('old_name')).toBe(0);
    expect(x.byUsername('new_name')).toBe(7);
    x.setUsername(7, 'new_name', null);
    expect(x.byUsername('new_name')).toBe(0);
    // a previous name held by someone else is not taken from them
    x.putAccount(9, null, 'shared', 0);
    x.setUsername(7, 'shared', 'mine');
    expect(x.byUsername('shared')).toBe(9);
    expect(x.byUsername('mine')).toBe(7);
  });

  it('language round trip', () => {
    const x = new GateIndex();
    x.putAccount(4, null, null);
    expect(x.language(4)).toBeUndefined();
    x.setLanguage(4, 'ru');
    expect(x.language(4)).toBe('ru');
    x.setLanguage(4, 'en');
    expect(x.language(4)).toBe('en');
    x.setLanguage(4, null);
    expect(x.language(4)).toBeUndefined();
  });
});

describe('GateIndex: privacy', () => {
  const values: AudienceValue[] = [Audience.EVERYBODY, Audience.CONTACTS, Audience.NOBODY];

  it('setPrivacy / privacySettings round-trip every combination, each field independent', () => {
    const x = new GateIndex();
    x.putAccount(1, null, null);
    x.putAccount(2, null, null);
    x.setPrivacy(2, { findByPhone: Audience.NOBODY, phoneVisibility: Audience.NOBODY, chatInvites: Audience.NOBODY, newChats: Audience.NOBODY });
    let n = 0;
    for (const findByPhone of values) {
      for (const phoneVisibility of values) {
        for (const chatInvites of values) {
          for (const newChats of values) {
            const p: PrivacySettings = { findByPhone, phoneVisibility, chatInvites, newChats };
            x.setPrivacy(1, p);
            expect(x.privacySettings(1)).toEqual(p);
            expect(x.findByPhone(1)).toBe(findByPhone);
            expect(x.phoneVisibility(1)).toBe(phoneVisibility);
            expect(x.chatInvites(1)).toBe(chatInvites);
            expect(x.newChats(1)).toBe(newChats);
            n++;
          }
        }
      }
    }
    expect(n).toBe(81);
    // the neighbour was never touched
    expect(x.privacySettings(2)).toEqual({ findByPhone: 2, phoneVisibility: 2, chatInvites: 2, newChats: 2 });
  });

  it('an account without stored settings reads 0 (everybody) in every field; callers store the §1 defaults explicitly', () => {
    const x = new GateIndex();
    x.putAccount(1, null, null);
    expect(x.privacySettings(1)).toEqual({ findByPhone: 0, phoneVisibility: 0, chatInvites: 0, newChats: 0 });
  });
});

describe('GateIndex: restrictions', () => {
  it('banned sets BANNED only; frozen sets FROZEN only; both keep EXISTS and system bits', () => {
    const x = new GateIndex();
    x.putAccount(5, null, null, Flag.SUPPORT);
    x.setRestriction(5, bannedR, 0);
    expect(x.flags(5)).toBe(Flag.EXISTS | Flag.SUPPORT | Flag.BANNED);
    expect(x.restriction(5)).toEqual(bannedR);
    x.setRestriction(5, frozenR, 0);
    expect(x.flags(5)).toBe(Flag.EXISTS | Flag.SUPPORT | Flag.FROZEN);
    expect(x.restriction(5)).toEqual(frozenR);
  });

  it('limited sets limitedUntil and no status bit', () => {
    const x = new GateIndex();
    x.putAccount(5, null, null);
    x.setRestriction(5, limitedR(NOW + DAY), NOW + DAY);
    expect(x.flags(5)).toBe(Flag.EXISTS);
    expect(x.limitedUntil(5)).toBe(NOW + DAY);
    x.setRestriction(5, limitedR(null), Infinity);
    expect(x.limitedUntil(5)).toBe(Infinity);
  });

  it('a public-groups ban sets PUBLIC_GROUPS_BAN with any state, and is listed', () => {
    const x = new GateIndex();
    x.putAccount(5, null, null);
    x.setRestriction(5, pgbOnly, 0);
    expect(x.flags(5)).toBe(Flag.EXISTS | Flag.PUBLIC_GROUPS_BAN);
    expect([...x.restrictedAccounts()]).toEqual([5]);
    expect(x.restriction(5)).toEqual(pgbOnly);
    x.setRestriction(5, { ...limitedR(NOW + DAY), publicGroupsBan: true }, NOW + DAY);
    expect(x.flags(5)).toBe(Flag.EXISTS | Flag.PUBLIC_GROUPS_BAN);
  });

  it('back to free clears every restriction bit, the limit and the record', () => {
    const x = new GateIndex();
    x.putAccount(5, null, null);
    x.putAccount(6, null, null);
    x.setRestriction(5, { ...frozenR, publicGroupsBan: true }, NOW + DAY);
    x.setRestriction(6, limitedR(NOW + DAY), NOW + DAY);
    expect(new Set(x.restrictedAccounts())).toEqual(new Set([5, 6]));
    x.setRestriction(5, FREE, 0);
    expect(x.flags(5)).toBe(Flag.EXISTS);
    expect(x.limitedUntil(5)).toBe(0);
    expect(x.restriction(5)).toBe(FREE);
    expect([...x.restrictedAccounts()]).toEqual([6]);
    // switching frozen → limited drops FROZEN
    x.setRestriction(6, frozenR, 0);
    x.setRestriction(6, limitedR(NOW + DAY), NOW + DAY);
    expect(x.flags(6)).toBe(Flag.EXISTS);
  });

  it('keeps DELETED across restriction changes', () => {
    const x = new GateIndex();
    x.putAccount(5, null, null);
    x.markDeleted(5, null, null);
    x.setRestriction(5, limitedR(NOW + DAY), NOW + DAY);
    x.setRestriction(5, FREE, 0);
    expect(x.flags(5)).toBe(Flag.EXISTS | Flag.DELETED);
  });
});

describe('GateIndex: private chats', () => {
  it('is found from either side; the written bits follow the lower / higher id', () => {
    const x = new GateIndex();
    x.putPrivateChat(40, 9, 4, true, false); // sides given high first: 4 is the lower id
    expect(x.chatKind(40)).toBe(ChatKind.PRIVATE);
    expect(x.chatPublic(40)).toBe(false);
    expect(x.privateChat(4, 9)).toBe(40);
    expect(x.privateChat(9, 4)).toBe(40);
    expect(x.privateChat(4, 10)).toBe(0);
    expect(x.hasWritten(4, 9)).toBe(true);
    expect(x.hasWritten(9, 4)).toBe(false);
  });

  it('markWritten is true the first time only, and per side', () => {
    const x = new GateIndex();
    x.putPrivateChat(41, 3, 8, false, false);
    expect(x.hasWritten(8, 3)).toBe(false);
    expect(x.markWritten(41, 8, 3)).toBe(true);
    expect(x.markWritten(41, 8, 3)).toBe(false);
    expect(x.hasWritten(8, 3)).toBe(true);
    expect(x.hasWritten(3, 8)).toBe(false);
    expect(x.markWritten(41, 3, 8)).toBe(true);
    expect(x.hasWritten(3, 8)).toBe(true);
    // both sides written is still not "public"
    expect(x.chatPublic(41)).toBe(false);
  });

  it('otherSide names the peer, and 0 for outsiders or non-private chats', () => {
    const x = new GateIndex();
    x.putPrivateChat(42, 11, 2, false, true);
    expect(x.otherSide(42, 2)).toBe(11);
    expect(x.otherSide(42, 11)).toBe(2);
    expect(x.otherSide(42, 5)).toBe(0);
    x.putGroup(43, ChatKind.GROUP, true);
    x.setRole(43, 2, Role.MEMBER);
    expect(x.otherSide(43, 2)).toBe(0);
  });

  it('startedBy names the side that wrote first, from either side; without a stored starter, the one side that wrote', () => {
    const x = new GateIndex();
    x.putPrivateChat(44, 9, 4, true, true, 9); // the higher id started, both wrote since
    expect(x.startedBy(4, 9)).toBe(9);
    expect(x.startedBy(9, 4)).toBe(9);
    x.putPrivateChat(45, 3, 7, true, true, 3);
    expect(x.startedBy(7, 3)).toBe(3);
    x.putPrivateChat(46, 5, 6, false, true); // starter not stored: the only side that wrote
    expect(x.startedBy(5, 6)).toBe(6);
    x.putPrivateChat(47, 1, 8, true, true); // not stored, both wrote: not known
    expect(x.startedBy(1, 8)).toBe(0);
    expect(x.startedBy(1, 2)).toBe(0); // no chat
    // Writing and taking down keep the starter.
    x.markWritten(46, 5, 6);
    expect(x.startedBy(6, 5)).toBe(0);
    x.putPrivateChat(48, 2, 3, true, false, 2);
    x.markWritten(48, 3, 2);
    x.takeDown(48);
    expect(x.startedBy(3, 2)).toBe(2);
  });

  it('chats of different pairs do not mix', () => {
    const x = new GateIndex();
    x.putPrivateChat(50, 1, 2, true, false);
    x.putPrivateChat(51, 1, 3, false, true);
    expect(x.hasWritten(1, 2)).toBe(true);
    expect(x.hasWritten(1, 3)).toBe(false);
    expect(x.hasWritten(3, 1)).toBe(true);
    expect(x.hasWritten(2, 1)).toBe(false);
  });
});

describe('GateIndex: groups and channels', () => {
  it('kind, public bit, and roles', () => {
    const x = new GateIndex();
    x.putGroup(60, ChatKind.GROUP, true);
    x.putGroup(61, ChatKind.CHANNEL, false);
    expect(x.chatKind(60)).toBe(ChatKind.GROUP);
    expect(x.chatPublic(60)).toBe(true);
    expect(x.chatKind(61)).toBe(ChatKind.CHANNEL);
    expect(x.chatPublic(61)).toBe(false);
    x.setRole(60, 1, Role.OWNER);
    x.setRole(60, 2, Role.ADMIN);
    x.setRole(60, 3, Role.MEMBER);
    x.setRole(60, 4, Role.LEFT);
    x.setRole(60, 5, Role.BANNED);
    x.setRole(61, 3, Role.ADMIN);
    expect(x.role(60, 1)).toBe(Role.OWNER);
    expect(x.role(60, 4)).toBe(Role.LEFT);
    expect(x.role(60, 5)).toBe(Role.BANNED);
    expect(x.role(61, 3)).toBe(Role.ADMIN);
    expect(x.role(61, 1)).toBe(Role.NONE);
    expect(x.memberIds(60).sort()).toEqual([1, 2, 3]);
    expect(x.memberIds(61)).toEqual([3]);
  });

  it('Role.NONE removes the membership; a role changes in place', () => {
    const x = new GateIndex();
    x.putGroup(60, ChatKind.GROUP, false);
    x.setRole(60, 3, Role.MEMBER);
    x.setRole(60, 3, Role.LEFT);
    expect(x.memberIds(60)).toEqual([]);
    expect(x.role(60, 3)).toBe(Role.LEFT);
    x.setRole(60, 3, Role.NONE);
    expect(x.role(60, 3)).toBe(Role.NONE);
  });

  it('putGroup again (e.g. made public) keeps the members', () => {
    const x = new GateIndex();
    x.putGroup(60, ChatKind.GROUP, false);
    x.setRole(60, 3, Role.ADMIN);
    x.putGroup(60, ChatKind.GROUP, true);
    expect(x.chatPublic(60)).toBe(true);
    expect(x.role(60, 3)).toBe(Role.ADMIN);
  });
});

describe('GateIndex: capacity growth', () => {
  it('accounts beyond the initial capacity, earlier data kept', () => {
    const x = new GateIndex(8, 8);
    x.putAccount(3, PHONE_A, 'early', 0);
    x.setPrivacy(3, { findByPhone: 1, phoneVisibility: 2, chatInvites: 1, newChats: 1 });
    x.setLanguage(3, 'ru');
    x.setRestriction(3, limitedR(NOW + DAY), NOW + DAY);
    x.putAccount(5000, PHONE_B, 'late', 0);
    expect(x.accountCapacity).toBeGreaterThan(5000);
    expect(x.exists(5000)).toBe(true);
    expect(x.byPhone(PHONE_B)).toBe(5000);
    expect(x.flags(3)).toBe(Flag.EXISTS);
    expect(x.limitedUntil(3)).toBe(NOW + DAY);
    expect(x.privacySettings(3)).toEqual({ findByPhone: 1, phoneVisibility: 2, chatInvites: 1, newChats: 1 });
    expect(x.language(3)).toBe('ru');
    expect(x.exists(4999)).toBe(false);
    x.setLanguage(5000, 'en');
    expect(x.language(5000)).toBe('en');
  });

  it('ids above the default 1024 via every writer that grows', () => {
    const x = new GateIndex();
    x.setPrivacy(2048, { findByPhone: 1, phoneVisibility: 1, chatInvites: 2, newChats: 1 });
    expect(x.chatInvites(2048)).toBe(Audience.NOBODY);
    x.setRestriction(4097, bannedR, 0);
    expect(x.flags(4097) & Flag.BANNED).toBe(Flag.BANNED);
    x.putAccount(1500, null, null);
    x.putAccount(1501, null, null);
    x.contacts.add(1500, 1501);
    expect(x.hasContact(1500, 1501)).toBe(true);
    expect(x.hasContact(1501, 1500)).toBe(false);
    x.blocks.set(1501, 1500, 1);
    expect(x.hasBlocked(1501, 1500)).toBe(true);
    expect(x.hasBlocked(1500, 1501)).toBe(false);
  });

  it('memberCount follows the roles: owner, admins and members count; who left or was banned does not', () => {
    const x = new GateIndex();
    x.putGroup(70, ChatKind.GROUP, false);
    expect(x.memberCount(70)).toBe(0);
    x.setRole(70, 1, Role.OWNER);
    x.setRole(70, 2, Role.MEMBER);
    x.setRole(70, 3, Role.MEMBER);
    x.setRole(70, 3, Role.ADMIN); // a change of role is not a new member
    expect(x.memberCount(70)).toBe(3);
    x.setRole(70, 2, Role.LEFT);
    x.setRole(70, 3, Role.BANNED);
    expect(x.memberCount(70)).toBe(1);
    x.setRole(70, 2, Role.MEMBER);
    x.setRole(70, 4, Role.NONE);
    expect(x.memberCount(70)).toBe(2);
    expect(x.memberCount(70)).toBe(x.memberIds(70).length);
  });

  it('chats beyond the initial capacity, earlier chats kept', () => {
    const x = new GateIndex(8, 8);
    x.putPrivateChat(2, 1, 2, true, false);
    x.putGroup(3, ChatKind.GROUP, true);
    x.putPrivateChat(3000, 1, 5, false, true);
    x.putGroup(2500, ChatKind.CHANNEL, true);
    expect(x.chatKind(3000)).toBe(ChatKind.PRIVATE);
    expect(x.hasWritten(5, 1)).toBe(true);
    expect(x.otherSide(3000, 5)).toBe(1);
    expect(x.chatKind(2500)).toBe(ChatKind.CHANNEL);
    expect(x.chatPublic(2500)).toBe(true);
    expect(x.hasWritten(1, 2)).toBe(true);
    expect(x.chatPublic(3)).toBe(true);
    expect(x.otherSide(2, 2)).toBe(1);
    expect(x.markWritten(3000, 1, 5)).toBe(true);
    expect(x.hasWritten(1, 5)).toBe(true);
  });

  it('bytes grow with capacity', () => {
    const x = new GateIndex(8, 8);
    const before = x.bytes;
    x.putAccount(10_000, null, null);
    expect(x.bytes).toBeGreaterThan(before);
  });
});

describe('GateIndex as the gates’ view', () => {
  it('decides the send gate from its own state: limited sender, reply, mutual contact', () => {
    const x = new GateIndex();
    for (const id of [1, 2, 3]) x.putAccount(id, null, null);
    x.setRestriction(1, limitedR(NOW + DAY), NOW + DAY);
    expect(gateSend(x, 1, 2, NOW)).toBe(Code.PEER_FLOOD);
    x.putPrivateChat(10, 1, 2, true, false); // 1 wrote: still not a reply
    expect(gateSend(x, 1, 2, NOW)).toBe(Code.PEER_FLOOD);
    x.markWritten(10, 2, 1);
    expect(gateSend(x, 1, 2, NOW)).toBe(ALLOW);
    x.contacts.add(1, 3);
    expect(gateSend(x, 1, 3, NOW)).toBe(Code.PEER_FLOOD);
    x.contacts.add(3, 1);
    expect(gateSend(x, 1, 3, NOW)).toBe(ALLOW);
    expect(gateSend(x, 1, 3, NOW + DAY)).toBe(ALLOW);
    x.blocks.set(3, 1, 1);
    expect(gateSend(x, 1, 3, NOW)).toBe(Code.USER_IS_BLOCKED);
  });

  it('privacy, deletion and the public-groups ban reach the gates', () => {
    const x = new GateIndex();
    for (const id of [1, 2, 3]) x.putAccount(id, null, null);
    x.setPrivacy(2, { findByPhone: 0, phoneVisibility: 1, chatInvites: 2, newChats: 1 });
    expect(gateSend(x, 1, 2, NOW)).toBe(Code.USER_PRIVACY_RESTRICTED);
    x.putGroup(20, ChatKind.GROUP, true);
    x.setRole(20, 1, Role.ADMIN);
    expect(gateInvitee(x, 1, 2, 20, NOW)).toBe(Code.USER_PRIVACY_RESTRICTED);
    expect(gateInvitee(x, 1, 99, 20, NOW)).toBe(Code.PEER_ID_INVALID);
    x.markDeleted(3, null, null);
    expect(gateSend(x, 1, 3, NOW)).toBe(Code.INPUT_USER_DEACTIVATED);
    expect(gatePost(x, 1, 20)).toBe(ALLOW);
    x.setRestriction(1, pgbOnly, 0);
    expect(gatePost(x, 1, 20)).toBe(Code.USER_BANNED_IN_CHANNEL);
  });
});
