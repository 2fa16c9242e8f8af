/**
 * The platform's events: everything the send gate reads (accounts, usernames, privacy, contacts,
 * blocks, a private chat's "who wrote", groups and memberships) and the platform's own records
 * (tokens, staff). One ordered feed of these is enough to rebuild any node's in-memory index.
 * Messages themselves are not events.
 *
 * Ids are the internal integers. Unless a payload names the account, the event is about (and
 * done by) `accountId` of the record: the owner of a contact list, the blocker, the member.
 * Times of projection rows are the record's `at`.
 */

export type AudienceName = 'everybody' | 'contacts' | 'nobody';

export interface PrivacyPayload {
  findByPhone: AudienceName;
  phoneVisibility: AudienceName;
  chatInvites: AudienceName;
  newChats: AudienceName;
}

/** A role in a group or channel, as chat_members stores it. */
export type MemberRole = 'owner' | 'admin' | 'member' | 'left' | 'banned';

/**
 * A table row of a data folder made before platform changes were events, carried into the log
 * once by a data migration (2026-12-01T22-30-platform-snapshot) so that the log rebuilds it.
 */
export type LegacyRow =
  | {
      table: 'accounts';
      row: {
        id: number;
        phone: string | null;
        name: string;
        username: string | null;
        username_lc: string | null;
        language: 'en' | 'ru' | null;
        number_kind: 'mobile' | 'voip';
        system: string | null;
        find_by_phone: number;
        phone_visibility: number;
        chat_invites: number;
        new_chats: number;
        created_at: number;
        deleted_at: number | null;
      };
    }
  | { table: 'tokens'; row: { hash: string; account_id: number | null; staff_id: number | null; created_at: number; revoked_at: number | null } }
  | { table: 'staff'; row: { id: number; name: string; role: string; created_at: number; deleted_at: number | null } }
  | { table: 'contacts'; row: { owner_id: number; contact_id: number; name: string | null; created_at: number } }
  | { table: 'pending_contacts'; row: { owner_id: number; phone: string; name: string | null; created_at: number } }
  | { table: 'blocks'; row: { blocker_id: number; blocked_id: number; created_at: number } }
  | {
      table: 'chats';
      row: {
        id: number;
        kind: 'private' | 'group' | 'channel';
        title: string | null;
        public: number;
        owner_id: number | null;
        peer_low: number | null;
        peer_high: number | null;
        started_by: number | null;
        low_wrote: number;
        high_wrote: number;
        created_at: number;
      };
    }
  | { table: 'chat_members'; row: { chat_id: number; account_id: number; role: string; updated_at: number } };

export type PlatformEvent =
  | {
      type: 'account_created';
      /**
       * The decided row. Data folders of the previous release hold only `numberKind` (their
       * rows come into the log as `legacy_row`); such an event projects nothing.
       */
      payload: {
        numberKind: 'mobile' | 'voip';
        phone?: string | null;
        name?: string;
        username?: string | null;
        language?: 'en' | 'ru' | null;
        /** `spambot` | `support` for the system accounts, else null. */
        system?: string | null;
        privacy?: PrivacyPayload;
        /** The platform's own id of the user (a JID), when registered with one. */
        platformId?: string | null;
      };
    }
  | {
      type: 'account_updated';
      /** Only what changed; `previousUsername` is there when `username` is. */
      payload: { name?: string; username?: string | null; previousUsername?: string | null; language?: 'en' | 'ru' | null };
    }
  | { type: 'privacy_changed'; payload: PrivacyPayload }
  | {
      type: 'account_deleted';
      /** Its sessions end with it; the number and username are free again. */
      payload: { phone: string | null; restrictionAtDeletion: string; kind: string | null; username?: string | null; platformId?: string | null };
    }
  | {
      type: 'token_issued';
      /** The SHA-256 of the token, never the token. Exactly one of accountId, staffId (with its role). */
      payload: { hash: string; accountId: number | null; staffId: number | null; role?: string };
    }
  /**
   * Sessions of the account ended: `session`, the one whose SHA-256 is `hash` (the account signed
   * out); `all`, every one it has (the platform revoked them).
   */
  | { type: 'tokens_revoked'; payload: { scope: 'session' | 'all'; hash?: string } }
  | { type: 'contact_added'; payload: { contactId: number; name: string | null } }
  | { type: 'contact_removed'; payload: { contactId: number } }
  | { type: 'pending_contact_added'; payload: { phone: string; name: string | null } }
  /** A waiting import of `phone` found `contactId`: the contact is saved with the name imported. */
  | { type: 'pending_contact_resolved'; payload: { phone: string; contactId: number } }
  /** A waiting import given up: the importer went over its bound of waiting numbers. */
  | { type: 'pending_contact_dropped'; payload: { phone: string } }
  | { type: 'block_added'; payload: { blockedId: number } }
  | { type: 'block_removed'; payload: { blockedId: number } }
  /** The first message between two accounts: `by` wrote it. */
  | { type: 'chat_started'; payload: { chatId: number; by: number; other: number } }
  /** `by` wrote in private chat `chatId` for the first time (the other side started it). */
  | { type: 'chat_written'; payload: { chatId: number; by: number; other: number } }
  | { type: 'group_created'; payload: { chatId: number; kind: 'group' | 'channel'; title: string; public: boolean; ownerId: number } }
  /** `memberId` joined or was added (`by` is the inviter, or the member itself on a join). */
  | { type: 'member_added'; payload: { chatId: number; memberId: number; by: number } }
  | { type: 'member_left'; payload: { chatId: number; memberId: number } }
  | { type: 'member_banned'; payload: { chatId: number; memberId: number; by: number } }
  /** `owner`: the chat's creator coming back after leaving it (its rights are its own). */
  | { type: 'member_role_changed'; payload: { chatId: number; memberId: number; role: 'admin' | 'member' | 'owner' } }
  /** Staff ids here are public ('s3'), as the previous release wrote them; `name` is new. */
  | { type: 'staff_created'; payload: { staffId: string; role: string; name?: string } }
  | { type: 'staff_deleted'; payload: { staffId: string } }
  | { type: 'legacy_row'; payload: LegacyRow };
