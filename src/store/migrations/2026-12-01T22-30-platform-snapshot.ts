import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Data folders of the previous release hold platform rows (accounts, tokens, staff, contacts,
 * waiting imports, blocks, chats, memberships) that no event produced. This appends one
 * `legacy_row` event per such row, carrying the row as it is, so that the log alone rebuilds
 * every platform table (`banya check`). Frozen: literal SQL, reading nothing from the code.
 *
 * It runs once, when a folder is upgraded: before it, no platform event with a projection was
 * ever written, so every row present then is one no event accounts for. Events keep their
 * order: rows of each table in key order; accounts first (a deleted account's row carries its
 * deletion, so the unique live phone and username never clash in a replay).
 */
const TABLES: [table: string, columns: string[], order: string][] = [
  [
    'accounts',
    ['id', 'phone', 'name', 'username', 'username_lc', 'language', 'number_kind', 'system', 'find_by_phone', 'phone_visibility', 'chat_invites', 'new_chats', 'created_at', 'deleted_at'],
    'id',
  ],
  ['staff', ['id', 'name', 'role', 'created_at', 'deleted_at'], 'id'],
  ['tokens', ['hash', 'account_id', 'staff_id', 'created_at', 'revoked_at'], 'created_at, hash'],
  ['contacts', ['owner_id', 'contact_id', 'name', 'created_at'], 'owner_id, contact_id'],
  ['pending_contacts', ['owner_id', 'phone', 'name', 'created_at'], 'owner_id, phone'],
  ['blocks', ['blocker_id', 'blocked_id', 'created_at'], 'blocker_id, blocked_id'],
  ['chats', ['id', 'kind', 'title', 'public', 'owner_id', 'peer_low', 'peer_high', 'started_by', 'low_wrote', 'high_wrote', 'created_at'], 'id'],
  ['chat_members', ['chat_id', 'account_id', 'role', 'updated_at'], 'chat_id, account_id'],
];

export const platformSnapshot: Migration = {
  async up(db: Kysely<any>) {
    for (const [table, columns, order] of TABLES) {
      const fields = columns.map((c) => `'${c}', ${c}`).join(', ');
      const at = table === 'chat_members' ? 'updated_at' : 'created_at';
      await sql
        .raw(
          `insert into events (at, type, actor_kind, actor_id, account_id, payload)
           select ${at}, 'legacy_row', 'system', null, null, json_object('table', '${table}', 'row', json_object(${fields}))
           from ${table} order by ${order}`,
        )
        .execute(db);
    }
  },
  async down(db: Kysely<any>) {
    await sql`delete from events where type = 'legacy_row'`.execute(db);
  },
};
