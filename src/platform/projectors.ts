import type { CompiledQuery, Kysely } from 'kysely';
import { Audience, ChatKind, Flag, Role, type AudienceValue, type RoleValue } from '../domain/gate.js';
import { phoneKey } from '../domain/phone.js';
import type { AudienceName, MemberRole, PlatformEvent, PrivacyPayload } from '../events/platform.js';
import type { ProjectorsFor, Recorded } from '../events/projector.js';
import type { Database } from '../store/database.js';
import { parseId } from '../store/ids.js';
import type { StaffRole } from '../store/schema/staff.js';
import { param, statement, type Statement } from '../store/statement.js';
import type { Platform } from './context.js';

/**
 * The platform's projectors: for each event, the rows it writes and what it changes in the gate
 * index and the platform's memory (tokens, waiting imports). Rows' times are the event's `at`.
 */

export const AUDIENCE_VALUE: Record<AudienceName, AudienceValue> = { everybody: Audience.EVERYBODY, contacts: Audience.CONTACTS, nobody: Audience.NOBODY };
export const AUDIENCE_NAME: readonly AudienceName[] = ['everybody', 'contacts', 'nobody'];

export const ROLE_VALUE: Record<MemberRole, RoleValue> = { member: Role.MEMBER, admin: Role.ADMIN, owner: Role.OWNER, banned: Role.BANNED, left: Role.LEFT };

/** The defaults of privacy (RULES.md §1), as a new account's `account_created` carries them. */
export const DEFAULT_PRIVACY: PrivacyPayload = { findByPhone: 'everybody', phoneVisibility: 'contacts', chatInvites: 'everybody', newChats: 'everybody' };

export function privacyValues(p: PrivacyPayload) {
  return {
    findByPhone: AUDIENCE_VALUE[p.findByPhone],
    phoneVisibility: AUDIENCE_VALUE[p.phoneVisibility],
    chatInvites: AUDIENCE_VALUE[p.chatInvites],
    newChats: AUDIENCE_VALUE[p.newChats],
  };
}

function systemFlag(system: string | null | undefined): number {
  return system === 'spambot' ? Flag.SPAMBOT : system === 'support' ? Flag.SUPPORT : 0;
}

/** The account a record is about; platform events always name one. */
function who(r: Recorded): number {
  if (r.accountId === null) throw new Error(`${r.event.type} without an account`);
  return r.accountId;
}

/** The send path's projections, compiled once per database (the live one, a replay's). */
interface HotStatements {
  insertPrivateChat: Statement<{ id: number; low: number; high: number; by: number; lowWrote: number; highWrote: number; at: number }>;
  markLowWrote: Statement<{ id: number }>;
  markHighWrote: Statement<{ id: number }>;
}

const hot = new WeakMap<Kysely<Database>, HotStatements>();

function hotStatements(db: Kysely<Database>): HotStatements {
  let s = hot.get(db);
  if (s) return s;
  s = {
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
  };
  hot.set(db, s);
  return s;
}

function setMember(db: Kysely<Database>, chat: number, a: number, role: MemberRole, at: number): CompiledQuery {
  return db
    .insertInto('chat_members')
    .values({ chat_id: chat, account_id: a, role, updated_at: at })
    .onConflict((oc) => oc.columns(['chat_id', 'account_id']).doUpdateSet({ role, updated_at: at }))
    .compile();
}

function revokeTokens(db: Kysely<Database>, column: 'account_id' | 'staff_id', id: number, at: number): CompiledQuery {
  return db.updateTable('tokens').set({ revoked_at: at }).where(column, '=', id).where('revoked_at', 'is', null).compile();
}

export const platformProjectors: ProjectorsFor<PlatformEvent, Platform> = {
  account_created: {
    sql(r, db) {
      const e = r.event.payload;
      // The previous release's event carried only numberKind; its row came as a legacy_row.
      if (e.name === undefined) return [];
      const v = privacyValues(e.privacy ?? DEFAULT_PRIVACY);
      return [
        db
          .insertInto('accounts')
          .values({
            id: who(r),
            phone: e.phone ?? null,
            name: e.name,
            username: e.username ?? null,
            username_lc: e.username?.toLowerCase() ?? null,
            platform_id: e.platformId ?? null,
            language: e.language ?? null,
            number_kind: e.numberKind,
            system: e.system ?? null,
            find_by_phone: v.findByPhone,
            phone_visibility: v.phoneVisibility,
            chat_invites: v.chatInvites,
            new_chats: v.newChats,
            created_at: r.at,
            deleted_at: null,
          })
          .compile(),
      ];
    },
    memory(r, p) {
      const e = r.event.payload;
      if (e.name === undefined) return;
      const a = who(r);
      p.index.putAccount(a, e.phone ? phoneKey(e.phone) : null, e.username ?? null, systemFlag(e.system));
      p.index.setPrivacy(a, privacyValues(e.privacy ?? DEFAULT_PRIVACY));
      p.index.setLanguage(a, e.language ?? null);
      if (e.platformId) p.index.setPlatformId(a, null, e.platformId);
    },
  },
  account_updated: {
    sql(r, db) {
      const e = r.event.payload;
      const set: { name?: string; username?: string | null; username_lc?: string | null; language?: 'en' | 'ru' | null } = {};
      if (e.name !== undefined) set.name = e.name;
      if (e.username !== undefined) {
        set.username = e.username;
        set.username_lc = e.username?.toLowerCase() ?? null;
      }
      if (e.language !== undefined) set.language = e.language;
      if (Object.keys(set).length === 0) return [];
      return [db.updateTable('accounts').set(set).where('id', '=', who(r)).compile()];
    },
    memory(r, p) {
      const e = r.event.payload;
      const a = who(r);
      if (e.username !== undefined) p.index.setUsername(a, e.previousUsername ?? null, e.username);
      if (e.language !== undefined) p.index.setLanguage(a, e.language);
    },
  },
  privacy_changed: {
    sql(r, db) {
      const v = privacyValues(r.event.payload);
      return [
        db
          .updateTable('accounts')
          .set({ find_by_phone: v.findByPhone, phone_visibility: v.phoneVisibility, chat_invites: v.chatInvites, new_chats: v.newChats })
          .where('id', '=', who(r))
          .compile(),
      ];
    },
    memory(r, p) {
      p.index.setPrivacy(who(r), privacyValues(r.event.payload));
    },
  },
  account_deleted: {
    sql(r, db) {
      const a = who(r);
      return [
        db.updateTable('accounts').set({ deleted_at: r.at }).where('id', '=', a).where('deleted_at', 'is', null).compile(),
        revokeTokens(db, 'account_id', a, r.at),
      ];
    },
    memory(r, p) {
      const a = who(r);
      const e = r.event.payload;
      p.index.markDeleted(a, e.phone ? phoneKey(e.phone) : null, e.username ?? null);
      if (e.platformId) p.index.setPlatformId(a, e.platformId, null);
      p.tokens.revokeAll({ kind: 'account', accountId: a });
    },
  },
  token_issued: {
    sql(r, db) {
      const e = r.event.payload;
      return [db.insertInto('tokens').values({ hash: e.hash, account_id: e.accountId, staff_id: e.staffId, created_at: r.at, revoked_at: null }).compile()];
    },
    memory(r, p) {
      const e = r.event.payload;
      if (e.accountId !== null) p.tokens.put(e.hash, { kind: 'account', accountId: e.accountId });
      else if (e.staffId !== null && e.role) p.tokens.put(e.hash, { kind: 'staff', staffId: e.staffId, role: e.role as StaffRole });
    },
  },
  tokens_revoked: {
    sql(r, db) {
      const a = who(r);
      const e = r.event.payload;
      if (e.scope === 'all') return [revokeTokens(db, 'account_id', a, r.at)];
      return [
        db
          .updateTable('tokens')
          .set({ revoked_at: r.at })
          .where('hash', '=', e.hash ?? '')
          .where('account_id', '=', a)
          .where('revoked_at', 'is', null)
          .compile(),
      ];
    },
    memory(r, p) {
      const a = who(r);
      const e = r.event.payload;
      if (e.scope === 'all') p.tokens.revokeAll({ kind: 'account', accountId: a });
      else if (e.hash !== undefined) p.tokens.revoke(e.hash, { kind: 'account', accountId: a });
    },
  },
  contact_added: {
    sql(r, db) {
      const e = r.event.payload;
      return [
        db
          .insertInto('contacts')
          .values({ owner_id: who(r), contact_id: e.contactId, name: e.name, created_at: r.at })
          .onConflict((oc) => oc.columns(['owner_id', 'contact_id']).doNothing())
          .compile(),
      ];
    },
    memory(r, p) {
      p.index.contacts.add(who(r), r.event.payload.contactId);
    },
  },
  contact_removed: {
    sql(r, db) {
      return [db.deleteFrom('contacts').where('owner_id', '=', who(r)).where('contact_id', '=', r.event.payload.contactId).compile()];
    },
    memory(r, p) {
      p.index.contacts.remove(who(r), r.event.payload.contactId);
    },
  },
  pending_contact_added: {
    sql(r, db) {
      const { phone, name } = r.event.payload;
      return [
        db
          .insertInto('pending_contacts')
          .values({ owner_id: who(r), phone, name, created_at: r.at })
          .onConflict((oc) => oc.columns(['owner_id', 'phone']).doUpdateSet({ name }))
          .compile(),
      ];
    },
    memory(r, p) {
      p.pending.add(phoneKey(r.event.payload.phone), who(r));
    },
  },
  pending_contact_resolved: {
    sql(r, db) {
      const owner = who(r);
      const { phone, contactId } = r.event.payload;
      return [
        db
          .insertInto('contacts')
          .columns(['owner_id', 'contact_id', 'name', 'created_at'])
          .expression((eb) =>
            eb
              .selectFrom('pending_contacts')
              .select([eb.val(owner).as('owner_id'), eb.val(contactId).as('contact_id'), 'name', eb.val(r.at).as('created_at')])
              .where('owner_id', '=', owner)
              .where('phone', '=', phone),
          )
          .onConflict((oc) => oc.columns(['owner_id', 'contact_id']).doNothing())
          .compile(),
        db.deleteFrom('pending_contacts').where('owner_id', '=', owner).where('phone', '=', phone).compile(),
      ];
    },
    memory(r, p) {
      const owner = who(r);
      p.pending.remove(phoneKey(r.event.payload.phone), owner);
      p.index.contacts.add(owner, r.event.payload.contactId);
    },
  },
  pending_contact_dropped: {
    sql(r, db) {
      return [db.deleteFrom('pending_contacts').where('owner_id', '=', who(r)).where('phone', '=', r.event.payload.phone).compile()];
    },
    memory(r, p) {
      p.pending.remove(phoneKey(r.event.payload.phone), who(r));
    },
  },
  block_added: {
    sql(r, db) {
      return [
        db
          .insertInto('blocks')
          .values({ blocker_id: who(r), blocked_id: r.event.payload.blockedId, created_at: r.at })
          .compile(),
      ];
    },
    memory(r, p) {
      p.index.blocks.set(who(r), r.event.payload.blockedId, 1);
    },
  },
  block_removed: {
    sql(r, db) {
      return [db.deleteFrom('blocks').where('blocker_id', '=', who(r)).where('blocked_id', '=', r.event.payload.blockedId).compile()];
    },
    memory(r, p) {
      p.index.blocks.delete(who(r), r.event.payload.blockedId);
    },
  },
  chat_started: {
    sql(r, db) {
      const { chatId, by, other } = r.event.payload;
      const byIsLow = by < other;
      return [
        hotStatements(db).insertPrivateChat.bind({
          id: chatId,
          low: byIsLow ? by : other,
          high: byIsLow ? other : by,
          by,
          lowWrote: byIsLow ? 1 : 0,
          highWrote: byIsLow ? 0 : 1,
          at: r.at,
        }),
      ];
    },
    memory(r, p) {
      const { chatId, by, other } = r.event.payload;
      p.index.putPrivateChat(chatId, by, other, by < other, by > other, by);
    },
  },
  chat_written: {
    sql(r, db) {
      const { chatId, by, other } = r.event.payload;
      const s = hotStatements(db);
      return [(by < other ? s.markLowWrote : s.markHighWrote).bind({ id: chatId })];
    },
    memory(r, p) {
      const { chatId, by, other } = r.event.payload;
      p.index.markWritten(chatId, by, other);
    },
  },
  group_created: {
    sql(r, db) {
      const e = r.event.payload;
      return [
        db
          .insertInto('chats')
          .values({
            id: e.chatId,
            kind: e.kind,
            title: e.title,
            public: e.public ? 1 : 0,
            owner_id: e.ownerId,
            peer_low: null,
            peer_high: null,
            started_by: null,
            low_wrote: 0,
            high_wrote: 0,
            created_at: r.at,
          })
          .compile(),
        setMember(db, e.chatId, e.ownerId, 'owner', r.at),
      ];
    },
    memory(r, p) {
      const e = r.event.payload;
      p.index.putGroup(e.chatId, e.kind === 'channel' ? ChatKind.CHANNEL : ChatKind.GROUP, e.public);
      p.index.setRole(e.chatId, e.ownerId, Role.OWNER);
    },
  },
  member_added: {
    sql: (r, db) => [setMember(db, r.event.payload.chatId, r.event.payload.memberId, 'member', r.at)],
    memory: (r, p) => p.index.setRole(r.event.payload.chatId, r.event.payload.memberId, Role.MEMBER),
  },
  member_left: {
    sql: (r, db) => [setMember(db, r.event.payload.chatId, r.event.payload.memberId, 'left', r.at)],
    memory: (r, p) => p.index.setRole(r.event.payload.chatId, r.event.payload.memberId, Role.LEFT),
  },
  member_banned: {
    sql: (r, db) => [setMember(db, r.event.payload.chatId, r.event.payload.memberId, 'banned', r.at)],
    memory: (r, p) => p.index.setRole(r.event.payload.chatId, r.event.payload.memberId, Role.BANNED),
  },
  member_role_changed: {
    sql: (r, db) => [setMember(db, r.event.payload.chatId, r.event.payload.memberId, r.event.payload.role, r.at)],
    memory: (r, p) => p.index.setRole(r.event.payload.chatId, r.event.payload.memberId, ROLE_VALUE[r.event.payload.role]),
  },
  staff_created: {
    sql(r, db) {
      const e = r.event.payload;
      // The previous release's event had no name; its row came as a legacy_row.
      if (e.name === undefined) return [];
      return [
        db
          .insertInto('staff')
          .values({ id: parseId('staff', e.staffId), name: e.name, role: e.role as StaffRole, created_at: r.at, deleted_at: null })
          .compile(),
      ];
    },
  },
  staff_deleted: {
    sql(r, db) {
      const id = parseId('staff', r.event.payload.staffId);
      return [
        db.updateTable('staff').set({ deleted_at: r.at }).where('id', '=', id).where('deleted_at', 'is', null).compile(),
        revokeTokens(db, 'staff_id', id, r.at),
      ];
    },
    memory(r, p) {
      p.tokens.revokeAll({ kind: 'staff', staffId: parseId('staff', r.event.payload.staffId), role: 'triage' });
    },
  },
  legacy_row: {
    // Only ever appended by the data migration, before memory is loaded from the tables.
    sql(r, db) {
      const e = r.event.payload;
      return [
        db
          .insertInto(e.table)
          .values(e.row as never)
          .compile(),
      ];
    },
  },
};
