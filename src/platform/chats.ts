import { fail } from '../domain/errors.js';
import { ChatKind, Flag, maySeePhone, Role, SYSTEM } from '../domain/gate.js';
import { parseId, publicId } from '../store/ids.js';
import { row, rows } from '../store/read.js';
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
 * they reply or save the sender.
 */
export function actionBar(p: Platform, viewer: number, peer: number, startedBy: number | null): ChatListItem['actionBar'] | undefined {
  const idx = p.index;
  if (startedBy !== peer || idx.flags(peer) & SYSTEM) return undefined;
  if (idx.hasWritten(viewer, peer) || idx.hasContact(viewer, peer)) return undefined;
  return { reportSpam: true, block: !idx.hasBlocked(viewer, peer), addContact: true };
}

export async function listChats(p: Platform, a: number, limit: number, cursor: number): Promise<{ chats: ChatListItem[]; nextCursor?: string }> {
  const db = p.store.db;
  const before = cursor > 0 ? cursor : 0x7fffffff;
  const found = await rows(
    p.store,
    db
      .selectFrom('chats')
      .select(['id', 'kind', 'title', 'public', 'peer_low', 'peer_high', 'started_by'])
      .where('id', '<', before)
      .where((eb) =>
        eb.or([
          eb('peer_low', '=', a),
          eb('peer_high', '=', a),
          eb('id', 'in', eb.selectFrom('chat_members').select('chat_id').where('account_id', '=', a).where('role', 'in', ['owner', 'admin', 'member'])),
        ]),
      )
      // Chats the account deleted on its side (e.g. "report and delete") and content taken down.
      // (a new message after the deletion brings the chat back, as in any messenger)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('hidden_chats as h')
              .select('h.chat_id')
              .whereRef('h.chat_id', '=', 'chats.id')
              .where('h.account_id', '=', a)
              .where(({ not: no, exists: ex, selectFrom: from }) =>
                no(ex(from('messages as m').select('m.id').whereRef('m.chat_id', '=', 'h.chat_id').whereRef('m.sent_at', '>', 'h.at'))),
              ),
          ),
        ),
      )
      .where('id', 'not in', db.selectFrom('takedowns').select('chat_id').where('message_id', '=', 0))
      .orderBy('id', 'desc')
      .limit(limit + 1),
  );
  const page = found.slice(0, limit);
  const peerIds = page.filter((r) => r.kind === 'private').map((r) => (r.peer_low === a ? r.peer_high! : r.peer_low!));
  const peers = new Map<number, { id: number; name: string; username: string | null; phone: string | null }>();
  if (peerIds.length > 0) {
    for (const f of await rows(p.store, db.selectFrom('accounts').select(['id', 'name', 'username', 'phone']).where('id', 'in', peerIds))) peers.set(f.id, f);
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
  if (found.length > limit) out.nextCursor = String(page[page.length - 1]!.id);
  return out;
}

/** How `viewer` sees `peer`: deactivated accounts as deleted, the number only where allowed. */
export function peerView(p: Platform, viewer: number, peer: number, row: { name: string; username: string | null; phone: string | null } | undefined): NonNullable<ChatListItem['peer']> {
  const accountId = publicId('account', peer);
  if (!row || p.index.flags(peer) & DEACTIVATED) return { accountId, name: 'Deleted Account' };
  const v: NonNullable<ChatListItem['peer']> = { accountId, name: row.name };
  if (row.username) v.username = row.username;
  if (row.phone && maySeePhone(p.index.phoneVisibility(peer), p.index.hasContact(peer, viewer), peer === viewer)) v.phone = row.phone;
  return v;
}

export async function listMessages(p: Platform, viewer: number, chatId: string, after: string | undefined, limit: number): Promise<{ messages: MessageView[] }> {
  const chat = parseId('chat', chatId);
  if (chat === 0 || !canRead(p, viewer, chat)) fail('NOT_FOUND');
  let afterId = 0;
  if (after !== undefined) {
    afterId = parseId('message', after);
    const known = afterId !== 0 && (await row(p.store, p.store.db.selectFrom('messages').select('id').where('id', '=', afterId).where('chat_id', '=', chat)));
    if (!known) fail('NOT_FOUND', { field: 'after' });
  }
  const page = await rows(
    p.store,
    p.store.db
      .selectFrom('messages')
      .select(['id', 'from_id', 'text', 'buttons', 'sent_at'])
      .where('chat_id', '=', chat)
      .where('id', '>', afterId)
      .where('id', 'not in', p.store.db.selectFrom('takedowns').select('message_id').where('chat_id', '=', chat))
      .orderBy('id', 'asc')
      .limit(limit),
  );
  const cid = publicId('chat', chat);
  return {
    messages: page.map((r) => {
      const m: MessageView = { id: publicId('message', r.id), chatId: cid, from: publicId('account', r.from_id), text: r.text, sentAt: new Date(r.sent_at).toISOString() };
      if (r.buttons) m.buttons = JSON.parse(r.buttons) as string[][];
      return m;
    }),
  };
}
