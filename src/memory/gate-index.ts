import { Audience, ChatKind, Flag, Role, type AudienceValue, type ChatKindValue, type GateView, type RoleValue } from '../domain/gate.js';
import { FREE, type EffectiveRestriction } from '../domain/restriction.js';
import type { Lang } from '../domain/texts.js';
import { ContactGraph } from './contact-graph.js';
import { PairTable } from './pair-table.js';

/**
 * Everything the gates read, in memory, keyed by dense integer ids (the rows' primary keys).
 * The store fills it at start and every use case updates it in the same step as its write, so a
 * decision never waits for the database.
 */

export interface PrivacySettings {
  findByPhone: AudienceValue;
  phoneVisibility: AudienceValue;
  chatInvites: AudienceValue;
  newChats: AudienceValue;
}

/*
 * An account's status word, so that one load serves everything the send gate reads about the
 * account except the limit's end and the lists behind it:
 *   bits 0–6   the Flag bits (what flags() answers)
 *   bit 7      the account has a limit end (limitEnd[a] !== 0); without it limitEnd is not read
 *   bits 8–15  privacy, 2 bits per setting
 *   bit 16     the account may have blocked someone, bit 17: may have been blocked. Set when a
 *              block is stored, never cleared (a stale bit only costs a lookup in the table), so
 *              for the accounts never involved in a block rows 4–5 cost nothing more. An id
 *              that was in a block before the arrays reached it has no hint: from the lowest
 *              such id up, hasBlocked always asks the table (see hintedBelow).
 */
const FLAG_BITS = 0x7f;
const HAS_LIMIT = 0x80;
const PRIVACY = 8;
const PRIVACY_BITS = 0xff << PRIVACY;
const MAY_BLOCK = 1 << 16;
const MAY_BE_BLOCKED = 1 << 17;
// privacy: 2 bits per setting, from bit PRIVACY
const FIND = 0;
const VISIBILITY = 2;
const INVITES = 4;
const NEW_CHATS = 6;

const LANGS: (Lang | undefined)[] = [undefined, 'en', 'ru'];

/** The blocks table, telling the index of every block stored so that it can set the status hints. */
class BlockTable extends PairTable {
  constructor(private readonly stored: (blocker: number, blocked: number) => void) {
    super(1024);
  }

  override set(a: number, b: number, value: number): void {
    super.set(a, b, value);
    this.stored(a, b);
  }
}

export class GateIndex implements GateView {
  /** Flags, has-limit bit, privacy and block hints (see the layout above). */
  private status: Uint32Array;
  /** hasBlocked trusts the block hints of ids below this: min(status.length, unhintedFrom). */
  private hintedBelow: number;
  /** The lowest id stored in a block while beyond the arrays (Infinity: none). */
  private unhintedFrom = Infinity;
  private limitEnd: Float64Array;
  private lang: Uint8Array;
  readonly contacts: ContactGraph;
  /** (blocker, blocked) → 1. Write through it: it keeps the status words' block hints. */
  readonly blocks: PairTable = new BlockTable((blocker, blocked) => this.markBlock(blocker, blocked));
  /** (lower id, higher id) → private chat id. */
  readonly privateChats = new PairTable(1024);
  private chatKinds: Uint8Array;
  /**
   * Private chats: bit 0 lower id wrote, bit 1 higher id wrote, bit 4 lower id started it, bit 5
   * higher id started it. Groups: bit 2 public. Bit 3: taken down.
   */
  private chatBits: Uint8Array;
  /** Private chats: the two sides, lower id first. */
  private chatLow: Int32Array;
  private chatHigh: Int32Array;
  /** Group and channel members by chat id. */
  private readonly members = new Map<number, Map<number, RoleValue>>();
  /** Group and channel: how many members (owner, admins, members) each has, kept with the roles. */
  private readonly memberCounts = new Map<number, number>();
  readonly phones = new Map<number, number>();
  readonly usernames = new Map<string, number>();
  /** The platform's own ids of users (JIDs), compared exactly, for live accounts. */
  readonly platformIds = new Map<string, number>();
  /** Effective restrictions of accounts that have one (free accounts are absent). */
  private readonly restrictions = new Map<number, EffectiveRestriction>();
  spamBotId = 0;
  supportId = 0;

  constructor(accountCapacity = 1024, chatCapacity = 1024, contacts?: ContactGraph) {
    this.status = new Uint32Array(accountCapacity);
    this.hintedBelow = accountCapacity;
    this.limitEnd = new Float64Array(accountCapacity);
    this.lang = new Uint8Array(accountCapacity);
    this.chatKinds = new Uint8Array(chatCapacity);
    this.chatBits = new Uint8Array(chatCapacity);
    this.chatLow = new Int32Array(chatCapacity);
    this.chatHigh = new Int32Array(chatCapacity);
    this.contacts = contacts ?? new ContactGraph(accountCapacity);
  }

  // ---- GateView ------------------------------------------------------------

  flags(a: number): number {
    return a < this.status.length ? this.status[a]! & FLAG_BITS : 0;
  }

  limitedUntil(a: number): number {
    // The status word is already in cache from flags(a): most accounts skip the limit array.
    return a < this.status.length && (this.status[a]! & HAS_LIMIT) !== 0 ? this.limitEnd[a]! : 0;
  }

  hasContact(owner: number, other: number): boolean {
    return this.contacts.has(owner, other);
  }

  hasBlocked(blocker: number, blocked: number): boolean {
    const s = this.status;
    const hinted = this.hintedBelow;
    // Both words are already in cache from flags(): most pairs are settled without the table,
    // on one branch. (x >>> 0 sends negative ids, which have no hint, to the table.)
    if (blocker >>> 0 < hinted && blocked >>> 0 < hinted && ((s[blocker]! >>> 16) & (s[blocked]! >>> 17) & 1) === 0) return false;
    return this.blocks.get(blocker, blocked) !== 0;
  }

  privateChat(a: number, b: number): number {
    return a < b ? this.privateChats.get(a, b) : this.privateChats.get(b, a);
  }

  hasWritten(author: number, other: number): boolean {
    const chat = this.privateChat(author, other);
    if (chat === 0) return false;
    return (this.chatBits[chat]! & (author < other ? 1 : 2)) !== 0;
  }

  /**
   * Who started the private chat of `a` and `b` (wrote its first message): `a`, `b`, or 0 when
   * they have no chat. A chat stored without its starter counts as started by the one side that
   * wrote, when only one did; else 0.
   */
  startedBy(a: number, b: number): number {
    const chat = this.privateChat(a, b);
    if (chat === 0) return 0;
    const low = a < b ? a : b;
    const high = a < b ? b : a;
    const bits = this.chatBits[chat]!;
    if (bits & 16) return low;
    if (bits & 32) return high;
    const wrote = bits & 3;
    return wrote === 1 ? low : wrote === 2 ? high : 0;
  }

  newChats(a: number): AudienceValue {
    return this.privacy(a, NEW_CHATS);
  }

  chatInvites(a: number): AudienceValue {
    return this.privacy(a, INVITES);
  }

  findByPhone(a: number): AudienceValue {
    return this.privacy(a, FIND);
  }

  phoneVisibility(a: number): AudienceValue {
    return this.privacy(a, VISIBILITY);
  }

  chatKind(chat: number): ChatKindValue {
    return (chat < this.chatKinds.length ? this.chatKinds[chat]! : 0) as ChatKindValue;
  }

  chatPublic(chat: number): boolean {
    return chat < this.chatBits.length && (this.chatBits[chat]! & 4) !== 0;
  }

  role(chat: number, a: number): RoleValue {
    return this.members.get(chat)?.get(a) ?? Role.NONE;
  }

  // ---- accounts ------------------------------------------------------------

  exists(a: number): boolean {
    return (this.flags(a) & Flag.EXISTS) !== 0;
  }

  /** Registers an account (or reloads it at start). */
  putAccount(a: number, phone: number | null, username: string | null, extraFlags = 0): void {
    this.ensureAccounts(a);
    this.status[a] = (this.status[a]! & ~FLAG_BITS) | ((Flag.EXISTS | extraFlags) & FLAG_BITS);
    if (phone !== null) this.phones.set(phone, a);
    if (username) this.usernames.set(username.toLowerCase(), a);
    if (extraFlags & Flag.SPAMBOT) this.spamBotId = a;
    if (extraFlags & Flag.SUPPORT) this.supportId = a;
  }

  /** The owner deleted the account: its number and username are free again. */
  markDeleted(a: number, phone: number | null, username: string | null): void {
    this.status[a] = (this.status[a]! | Flag.DELETED) & ~Flag.PUBLIC_GROUPS_BAN;
    if (phone !== null && this.phones.get(phone) === a) this.phones.delete(phone);
    if (username && this.usernames.get(username.toLowerCase()) === a) this.usernames.delete(username.toLowerCase());
  }

  setUsername(a: number, previous: string | null, next: string | null): void {
    if (previous && this.usernames.get(previous.toLowerCase()) === a) this.usernames.delete(previous.toLowerCase());
    if (next) this.usernames.set(next.toLowerCase(), a);
  }

  setPlatformId(a: number, previous: string | null, next: string | null): void {
    if (previous && this.platformIds.get(previous) === a) this.platformIds.delete(previous);
    if (next) this.platformIds.set(next, a);
  }

  /** Account id registered with this platform id (exact), or 0. */
  byPlatformId(id: string): number {
    return this.platformIds.get(id) ?? 0;
  }

  /** Account id holding this username (case-insensitive), or 0. */
  byUsername(username: string): number {
    return this.usernames.get(username.toLowerCase()) ?? 0;
  }

  /** Account id holding this number, or 0. */
  byPhone(phone: number): number {
    return this.phones.get(phone) ?? 0;
  }

  setPrivacy(a: number, p: PrivacySettings): void {
    this.ensureAccounts(a);
    const bits = (p.findByPhone << FIND) | (p.phoneVisibility << VISIBILITY) | (p.chatInvites << INVITES) | (p.newChats << NEW_CHATS);
    this.status[a] = (this.status[a]! & ~PRIVACY_BITS) | ((bits & 0xff) << PRIVACY);
  }

  privacySettings(a: number): PrivacySettings {
    return {
      findByPhone: this.privacy(a, FIND),
      phoneVisibility: this.privacy(a, VISIBILITY),
      chatInvites: this.privacy(a, INVITES),
      newChats: this.privacy(a, NEW_CHATS),
    };
  }

  setLanguage(a: number, lang: Lang | null): void {
    this.lang[a] = lang === 'en' ? 1 : lang === 'ru' ? 2 : 0;
  }

  language(a: number): Lang | undefined {
    return a < this.lang.length ? LANGS[this.lang[a]!] : undefined;
  }

  /** The account's effective restriction, as RULES.md §4 defines it. */
  restriction(a: number): EffectiveRestriction {
    return this.restrictions.get(a) ?? FREE;
  }

  /** Stores the effective restriction and the gate's bits derived from it. */
  setRestriction(a: number, r: EffectiveRestriction, limitEnd: number): void {
    this.ensureAccounts(a);
    let s = this.status[a]! & ~(Flag.BANNED | Flag.FROZEN | Flag.PUBLIC_GROUPS_BAN | HAS_LIMIT);
    if (r.state === 'banned') s |= Flag.BANNED;
    if (r.state === 'frozen') s |= Flag.FROZEN;
    if (r.publicGroupsBan) s |= Flag.PUBLIC_GROUPS_BAN;
    if (limitEnd !== 0) s |= HAS_LIMIT;
    this.status[a] = s;
    this.limitEnd[a] = limitEnd;
    if (r.state === 'free' && !r.publicGroupsBan) this.restrictions.delete(a);
    else this.restrictions.set(a, r);
  }

  restrictedAccounts(): IterableIterator<number> {
    return this.restrictions.keys();
  }

  // ---- chats ---------------------------------------------------------------

  /** A private chat of `a` and `b`; `startedBy` is the side that wrote first (0: not known). */
  putPrivateChat(chat: number, a: number, b: number, lowWrote: boolean, highWrote: boolean, startedBy = 0): void {
    this.ensureChats(chat);
    this.chatKinds[chat] = ChatKind.PRIVATE;
    const low = Math.min(a, b);
    const high = Math.max(a, b);
    this.chatBits[chat] = (lowWrote ? 1 : 0) | (highWrote ? 2 : 0) | (startedBy === low ? 16 : startedBy === high ? 32 : 0);
    this.chatLow[chat] = low;
    this.chatHigh[chat] = high;
    this.privateChats.set(low, high, chat);
  }

  /** The other side of private chat `chat` for participant `a`, or 0 when `a` is not in it. */
  otherSide(chat: number, a: number): number {
    if (this.chatKind(chat) !== ChatKind.PRIVATE) return 0;
    const low = this.chatLow[chat]!;
    const high = this.chatHigh[chat]!;
    return a === low ? high : a === high ? low : 0;
  }

  /** Records that `author` has written in private chat `chat` with `other`; true when new. */
  markWritten(chat: number, author: number, other: number): boolean {
    const bit = author < other ? 1 : 2;
    if (this.chatBits[chat]! & bit) return false;
    this.chatBits[chat]! |= bit;
    return true;
  }

  /** Content taken down after a public-content decision: nobody reads, joins or posts. */
  takeDown(chat: number): void {
    this.ensureChats(chat);
    this.chatBits[chat]! |= 8;
  }

  isTakenDown(chat: number): boolean {
    return chat < this.chatBits.length && (this.chatBits[chat]! & 8) !== 0;
  }

  putGroup(chat: number, kind: ChatKindValue, isPublic: boolean): void {
    this.ensureChats(chat);
    this.chatKinds[chat] = kind;
    this.chatBits[chat] = (this.chatBits[chat]! & 8) | (isPublic ? 4 : 0);
    if (!this.members.has(chat)) this.members.set(chat, new Map());
  }

  setRole(chat: number, a: number, role: RoleValue): void {
    let m = this.members.get(chat);
    if (!m) this.members.set(chat, (m = new Map()));
    const was = isMember(m.get(a) ?? Role.NONE);
    if (role === Role.NONE) m.delete(a);
    else m.set(a, role);
    const now = isMember(role);
    if (was !== now) this.memberCounts.set(chat, (this.memberCounts.get(chat) ?? 0) + (now ? 1 : -1));
  }

  /** How many members (owner and admins included; not those who left or were banned) a group has. */
  memberCount(chat: number): number {
    return this.memberCounts.get(chat) ?? 0;
  }

  /** Members (not left or banned) of a group or channel. */
  memberIds(chat: number): number[] {
    const out: number[] = [];
    for (const [a, r] of this.members.get(chat) ?? []) if (isMember(r)) out.push(a);
    return out;
  }

  // ---- sizes ---------------------------------------------------------------

  get accountCapacity(): number {
    return this.status.length;
  }

  /** Approximate bytes held (typed arrays exactly; maps estimated). */
  get bytes(): number {
    return (
      this.status.byteLength +
      this.limitEnd.byteLength +
      this.lang.byteLength +
      this.chatKinds.byteLength +
      this.chatBits.byteLength +
      this.chatLow.byteLength +
      this.chatHigh.byteLength +
      this.contacts.bytes +
      this.blocks.bytes +
      this.privateChats.bytes
    );
  }

  /** Sets the block hints of a stored block (ids as the table stores them: int32). */
  private markBlock(blocker: number, blocked: number): void {
    this.hint(blocker | 0, MAY_BLOCK);
    this.hint(blocked | 0, MAY_BE_BLOCKED);
  }

  private hint(id: number, bit: number): void {
    if (id < 0) return; // never trusted
    if (id < this.status.length) {
      this.status[id]! |= bit;
    } else {
      this.unhintedFrom = Math.min(this.unhintedFrom, id);
      this.hintedBelow = Math.min(this.status.length, this.unhintedFrom);
    }
  }

  private privacy(a: number, shift: number): AudienceValue {
    return (a < this.status.length ? (this.status[a]! >> (PRIVACY + shift)) & 3 : Audience.EVERYBODY) as AudienceValue;
  }

  private ensureAccounts(a: number): void {
    if (a < this.status.length) return;
    let n = this.status.length;
    while (n <= a) n *= 2;
    this.status = grow(this.status, n);
    this.hintedBelow = Math.min(n, this.unhintedFrom);
    this.limitEnd = grow(this.limitEnd, n);
    this.lang = grow(this.lang, n);
  }

  private ensureChats(c: number): void {
    if (c < this.chatKinds.length) return;
    let n = this.chatKinds.length;
    while (n <= c) n *= 2;
    this.chatKinds = grow(this.chatKinds, n);
    this.chatBits = grow(this.chatBits, n);
    this.chatLow = grow(this.chatLow, n);
    this.chatHigh = grow(this.chatHigh, n);
  }
}

function grow<T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

function isMember(r: RoleValue): boolean {
  return r === Role.MEMBER || r === Role.ADMIN || r === Role.OWNER;
}
