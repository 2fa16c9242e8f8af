import { sql, type Kysely, type SqlBool } from 'kysely';
import { fail } from '../domain/errors.js';
import { ChatKind, Flag, maySeePhone, Role, SYSTEM } from '../domain/gate.js';
import { openReportKey, reportPlace } from '../enforcement/state.js';
import type { Database } from '../store/database.js';
import { parseId, publicId } from '../store/ids.js';
import { readStatement, row, rows } from '../store/read.js';
import { greatest } from '../store/dialect.js';
import type { Platform } from './context.js';
import type { MessageView } from './messages.js';

/** Reading: the chat list with its action bars, and a chat's messages. */

export interface ChatListItem {
  id: string;
  type: 'private' | 'group' | 'channel';
  title?: string;
  public?: boolean;
  peer?: { accountId: string; name: string; username?: string; phone?: string };
  actionBar?: { reportSpam: boolean; block: boolean; addContact: boolean };
}

const DEACTIVATED = Flag.DELETED | Flag.FROZEN | Flag.BANNED;

/** Whether `viewer` may read chat `chat`: its two sides, members, or anyone for a public one. */
export function canRead(p: Platform, viewer: number, chat: number): boolean {
  const kind = p.index.chatKind(chat);
  if (p.index.isTakenDown(chat)) return false;
  if (kind === ChatKind.PRIVATE) return p.index.otherSide(chat, viewer) !== 0;
  if (kind === ChatKind.NONE) return false;
  const r = p.index.role(chat, viewer);
  return r === Role.MEMBER || r === Role.ADMIN || r === Role.OWNER || p.index.chatPublic(chat);
}

/**
 * The action bar a recipient sees in a new chat started by a non-contact (RULES.md §3), until
 * they reply or save the sender. "Report spam" is off while their report on the sender is open
 * (a repeat would only answer the same report), "block" once they blocked, "add contact" when
 * the sender is seen as deleted (deleted, frozen or banned: RULES.md §1), whom no one can add.
 */
export function actionBar(p: Platform, viewer: number, peer: number, startedBy: number | null): ChatListItem['actionBar'] | undefined {
  const idx = p.index;
  if (startedBy !== peer || idx.flags(peer) & SYSTEM) return undefined;
  if (idx.hasWritten(viewer, peer) || idx.hasContact(viewer, peer)) return undefined;
  const reported = p.enforcement.openReports.has(openReportKey(viewer, peer, reportPlace('private', 0)));
  return { reportSpam: !reported, block: !idx.hasBlocked(viewer, peer), addContact: !(idx.flags(peer) & DEACTIVATED) };
}

/** A chat's tie-breaker among chats of the same activity: its last message's id when that message is its activity, else 0. */
const TICK = sql<number>`(case when "last_at" is not null and "last_at" >= "since" then "last_id" else 0 end)`;

/** Roles that list a group or channel among an account's chats. */
const LISTED_ROLES = ['owner', 'admin', 'member'] as const;

/** Where a page of the chat list ends: the last chat's (activity, tick, id). */
export type ChatListPosition = {
  activity: number;
  tick: number;
  id: number;
};

/** The chat list's cursor: the last chat's (activity, tick, id), opaque to clients. */
function encodeChatCursor(at: ChatListPosition): string {
  return Buffer.from(`${at.activity}:${at.tick}:${at.id}`).toString('base64url');
}

function decodeChatCursor(cursor: string): ChatListPosition {
  const m = /^(\d{1,16}):(\d{1,12}):(\d{1,12})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m || cursor.length > 64 || Number(m[2]) > 0x7fffffff || Number(m[3]) > 0x7fffffff)
    fail('BAD_REQUEST', { field: 'querystring.cursor', reason: 'not a cursor from this API' });
  return { activity: Number(m[1]), tick: Number(m[2]), id: Number(m[3]) };
}

/**
 * The chats of account `a`, newest activity first (API.md): a chat's activity is its last
 * message's time, or when the account got the chat (the private chat was created, the account
 * joined the group or its role there last changed) if that is later. Of chats active at the same
 * instant (a manual clock stands still between requests), the one whose last message came last
 * is on top — its `tick` is that message's id, and message ids grow with every message; a chat
 * whose activity is not a message has tick 0; then by id, newest first.
 *
 * Only the account's own chats are read: its private chats through chats_private_pair and chats_peer_high, its
 * groups through chat_members_account, and each chat's last message through messages_chat
 * (chat_id, id, from_id) — message ids grow with time, so the last one is the newest. The cost grows
 * with the account's chats, never with the world, and nothing is written per message for it.
 *
 * The cursor is on (activity, tick, id): a chat that gets a new message moves to the top, and paging
 * on with an older cursor neither repeats nor skips the others.
 */
export function chatListQuery(db: Kysely<Database>, a: number, take: number, after: ChatListPosition) {
  const columns = ['c.id', 'c.kind', 'c.title', 'c.public', 'c.peer_low', 'c.peer_high', 'c.started_by'] as const;
  return (
    db
      .with(
        (cte) => cte('mine').materialized(),
        (qc) =>
          qc
            .selectFrom('chats as c')
            .select([...columns, 'c.created_at as since'])
            .where('c.peer_low', '=', a)
            .union(
              qc
                .selectFrom('chats as c')
                .select([...columns, 'c.created_at as since'])
                .where('c.peer_high', '=', a),
            )
            .union(
              qc
                .selectFrom('chat_members as cm')
                .innerJoin('chats as c', 'c.id', 'cm.chat_id')
                .select([...columns, 'cm.updated_at as since'])
                .where('cm.account_id', '=', a)
                .where('cm.role', 'in', [...LISTED_ROLES]),
            ),
      )
      .with(
        (cte) => cte('listed').materialized(),
        (qc) =>
          qc
            .selectFrom('mine')
            .leftJoin('hidden_chats as h', (j) => j.onRef('h.chat_id', '=', 'mine.id').on('h.account_id', '=', a))
            .select([
              'mine.id',
              'mine.kind',
              'mine.title',
              'mine.public',
              'mine.peer_low',
              'mine.peer_high',
              'mine.started_by',
              'mine.since',
              'h.at as hidden_at',
              'h.after_message as hidden_after',
            ])
            .select((eb) =>
              eb.selectFrom('messages as m').select('m.sent_at').whereRef('m.chat_id', '=', 'mine.id').orderBy('m.id', 'desc').limit(1).as('last_at'),
            )
            .select((eb) => eb.selectFrom('messages as m').select('m.id').whereRef('m.chat_id', '=', 'mine.id').orderBy('m.id', 'desc').limit(1).as('last_id'))
            // Content taken down as a whole chat is gone for everyone.
            .where(({ not, exists, selectFrom }) =>
              not(exists(selectFrom('takedowns as t').select('t.chat_id').whereRef('t.chat_id', '=', 'mine.id').where('t.message_id', '=', 0))),
            ),
      )
      .selectFrom('listed')
      .select(['id', 'kind', 'title', 'public', 'peer_low', 'peer_high', 'started_by'])
      .select(greatest<number>(db, sql`"since"`, sql`coalesce("last_at", 0)`).as('activity'))
      .select(TICK.as('tick'))
      // A chat the account deleted on its side (e.g. "report and delete") stays away until a new
      // message comes after the deletion, as in any messenger.
      .where((eb) => eb.or([eb('hidden_at', 'is', null), eb('last_at', '>', eb.ref('hidden_at')), eb('last_id', '>', eb.ref('hidden_after'))]))
      .where(sql<SqlBool>`(${greatest(db, sql`"since"`, sql`coalesce("last_at", 0)`)}, ${TICK}, "id") < (${after.activity}, ${after.tick}, ${after.id})`)
      .orderBy('activity', 'desc')
      .orderBy('tick', 'desc')
      .orderBy('id', 'desc')
      .limit(take)
  );
}

/** Before every chat: the first page's cursor. */
// Ids are 32-bit (parseId): a larger one would not even compare with PostgreSQL's integer column.
const TOP: ChatListPosition = { activity: Number.MAX_SAFE_INTEGER, tick: 0x7fffffff, id: 0x7fffffff };

type ChatListParams = { a: number; take: number } & ChatListPosition;
const chatListStatements = new WeakMap<Kysely<Database>, ReturnType<typeof chatListStatement>>();

/** The chat list, compiled once per database (building it costs more than SQLite running it). */
function chatListStatement(db: Kysely<Database>) {
  return readStatement((p: ChatListParams) => chatListQuery(db, p.a, p.take, { activity: p.activity, tick: p.tick, id: p.id }));
}

export async function listChats(p: Platform, a: number, limit: number, cursor: string | undefined): Promise<{ chats: ChatListItem[]; nextCursor?: string }> {
  const after = cursor === undefined ? TOP : decodeChatCursor(cursor);
  let list = chatListStatements.get(p.store.db);
  if (!list) chatListStatements.set(p.store.db, (list = chatListStatement(p.store.db)));
  const found = await rows(p.store, list.bind({ a, take: limit + 1, ...after }));
  const page = found.slice(0, limit);
  const peerIds = page.filter((r) => r.kind === 'private').map((r) => (r.peer_low === a ? r.peer_high! : r.peer_low!));
  const peers = new Map<number, { id: number; name: string; username: string | null; phone: string | null }>();
  if (peerIds.length > 0) {
    for (const f of await rows(p.store, p.store.db.selectFrom('accounts').select(['id', 'name', 'username', 'phone']).where('id', 'in', peerIds)))
      peers.set(f.id, f);
  }
  const chats = page.map((r): ChatListItem => {
    if (r.kind !== 'private') return { id: publicId('chat', r.id), type: r.kind, title: r.title ?? '', public: r.public === 1 };
    const peerId = r.peer_low === a ? r.peer_high! : r.peer_low!;
    const item: ChatListItem = { id: publicId('chat', r.id), type: 'private', peer: peerView(p, a, peerId, peers.get(peerId)) };
    const bar = actionBar(p, a, peerId, r.started_by);
    if (bar) item.actionBar = bar;
    return item;
  });
  const out: { chats: ChatListItem[]; nextCursor?: string } = { chats };
  if (found.length > limit) {
    const last = page[page.length - 1]!;
    out.nextCursor = encodeChatCursor({ activity: Number(last.activity), tick: Number(last.tick), id: last.id });
  }
  return out;
}

/** How `viewer` sees `peer`: deactivated accounts as deleted, the number only where allowed. */
export function peerView(
  p: Platform,
  viewer: number,
  peer: number,
  row: { name: string; username: string | null; phone: string | null } | undefined,
): NonNullable<ChatListItem['peer']> {
  const accountId = publicId('account', peer);
  if (!row || p.index.flags(peer) & DEACTIVATED) return { accountId, name: 'Deleted Account' };
  const v: NonNullable<ChatListItem['peer']> = { accountId, name: row.name };
  if (row.username) v.username = row.username;
  if (row.phone && maySeePhone(p.index.phoneVisibility(peer), p.index.hasContact(peer, viewer), peer === viewer)) v.phone = row.phone;
  return v;
}

/** A page of chat `chat`'s messages after message id `afterId`, oldest first, through messages_chat. */
export function messagePageQuery(db: Kysely<Database>, chat: number, afterId: number, limit: number) {
  return db
    .selectFrom('messages')
    .select(['id', 'from_id', 'text', 'buttons', 'sent_at'])
    .where('chat_id', '=', chat)
    .where('id', '>', afterId)
    .where('id', 'not in', db.selectFrom('takedowns').select('message_id').where('chat_id', '=', chat))
    .orderBy('id', 'asc')
    .limit(limit);
}

export async function listMessages(
  p: Platform,
  viewer: number,
  chatId: string,
  after: string | undefined,
  limit: number,
): Promise<{ messages: MessageView[] }> {
  const chat = parseId('chat', chatId);
  if (chat === 0 || !canRead(p, viewer, chat)) fail('NOT_FOUND');
  let afterId = 0;
  if (after !== undefined) {
    afterId = parseId('message', after);
    const known = afterId !== 0 && (await row(p.store, p.store.db.selectFrom('messages').select('id').where('id', '=', afterId).where('chat_id', '=', chat)));
    if (!known) fail('NOT_FOUND', { field: 'after' });
  }
  // A chat the viewer deleted (a report with deleteChat) lost its history for them: only messages
  // after the deletion are theirs to read; the other side keeps all of it.
  const cleared = await row(
    p.store,
    p.store.db.selectFrom('hidden_chats').select('after_message').where('account_id', '=', viewer).where('chat_id', '=', chat),
  );
  if (cleared) afterId = Math.max(afterId, cleared.after_message);
  const page = await rows(p.store, messagePageQuery(p.store.db, chat, afterId, limit));
  const cid = publicId('chat', chat);
  return {
    messages: page.map((r) => {
      const m: MessageView = {
        id: publicId('message', r.id),
        chatId: cid,
        from: publicId('account', r.from_id),
        text: r.text,
        sentAt: new Date(r.sent_at).toISOString(),
      };
      if (r.buttons) m.buttons = JSON.parse(r.buttons) as string[][];
      return m;
    }),
  };
}
