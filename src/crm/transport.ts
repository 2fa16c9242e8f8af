import { sql } from 'kysely';
import { BanyaError } from '../domain/errors.js';
import { Flag, SYSTEM } from '../domain/gate.js';
import { loadAccount } from '../platform/accounts.js';
import type { Platform } from '../platform/context.js';
import { resolveTarget, sendMessage } from '../platform/messages.js';
import { parseId, publicId } from '../store/ids.js';
import { row, rows } from '../store/read.js';

/**
 * The seam between the CRM side and the messenger (docs/CRM.md, "The transport seam"). The
 * gateway knows accounts as integers (banya's account ids; a Telegram transport would use
 * Telegram's user ids) and nothing else of the messenger: another transport replaces
 * `banyaTransport` without touching the CRM side.
 */

/** Whom a manager writes to: a client the CRM knows (by our client id) or a phone number. */
export type Recipient = { clientId: string } | { phone: string };

export interface Peer {
  account: number;
  /** The peer has not saved the business's number and has never written to it. */
  stranger: boolean;
}

export type SendResult =
  | { ok: true; messageId: string; peer: number }
  | {
      ok: false;
      /** The messenger's reason, in banya's codes (RULES.md §2): USER_IS_BLOCKED, PEER_FLOOD, … */
      code: string;
      until?: number | null;
      deleteAt?: number | null;
      retryAfter?: number;
      /** A failure of the messenger itself (not a decision): worth retrying. */
      retryable?: boolean;
    };

export interface NumberStatus {
  state: 'free' | 'limited' | 'frozen' | 'banned';
  kind?: string;
  until?: number | null;
  deleteAt?: number | null;
}

export interface IncomingMessage {
  business: number;
  client: number;
  /** The messenger's id of the message (the msgid sent to the CRM). */
  messageId: string;
  text: string;
  sentAt: number;
}

export interface Transport {
  /** Who `to` is for the business, if the messenger can tell (null: the send will say why). */
  resolve(business: number, to: Recipient): Peer | null;
  /** Sends as the business. The key makes a repeat (after a crash) return the first answer. */
  send(business: number, to: Recipient, text: string, key: string): Promise<SendResult>;
  numberStatus(business: number): NumberStatus;
  /** Blocks and reports the business received (for its quality colour). */
  signals(business: number): Promise<{ blocks: number; reports: number }>;
  /** An account the CRM may connect (exists, not a system account, not deleted). */
  usable(business: number): boolean;
  clientRef(account: number): string;
  parseClientRef(ref: string): number;
  clientName(account: number): Promise<string>;
  /** Messages to the business are handed to `handler` once stored; `unsubscribe` stops it. */
  subscribe(business: number, handler: (m: IncomingMessage) => Promise<void>): void;
  unsubscribe(business: number): void;
}

/** How many of a client's latest messages each hand-over looks at. */
const RECENT = 20;

/** banya itself as the messenger: the platform's public functions, nothing private. */
export function banyaTransport(p: Platform): Transport {
  const idx = p.index;
  const target = (to: Recipient) => ('phone' in to ? { phone: to.phone } : { accountId: to.clientId });
  return {
    resolve(business, to) {
      const r = resolveTarget(p, business, target(to));
      if (!('peer' in r) || r.peer === 0 || r.peer === business) return null;
      return { account: r.peer, stranger: !idx.hasContact(r.peer, business) && !idx.hasWritten(r.peer, business) };
    },
    async send(business, to, text, key) {
      const t = target(to);
      try {
        const res = await sendMessage(p, business, t, text, { key, body: { to: t, text } });
        const peer = parseId('account', res.body.message.from) === business ? idx.otherSide(parseId('chat', res.body.message.chatId), business) : 0;
        return { ok: true, messageId: res.body.message.id, peer };
      } catch (err) {
        if (err instanceof BanyaError) {
          const d = err.details;
          const ms = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : v === null ? null : undefined);
          return {
            ok: false,
            code: err.code,
            ...(d.until !== undefined ? { until: ms(d.until) ?? null } : {}),
            ...(d.deleteAt !== undefined ? { deleteAt: ms(d.deleteAt) ?? null } : {}),
            ...(typeof d.retryAfter === 'number' ? { retryAfter: d.retryAfter } : {}),
            retryable: err.code === 'SERVICE_UNAVAILABLE' || err.code === 'INTERNAL',
          };
        }
        p.log.warn({ err }, 'crm: the send failed');
        return { ok: false, code: 'INTERNAL', retryable: true };
      }
    },
    numberStatus(business) {
      const r = idx.restriction(business);
      return {
        state: r.state,
        ...(r.kind ? { kind: r.kind } : {}),
        ...(r.until !== undefined ? { until: r.until } : {}),
        ...(r.deleteAt !== undefined ? { deleteAt: r.deleteAt } : {}),
      };
    },
    async signals(business) {
      const db = p.store.db;
      const b = await row(p.store, db.selectFrom('blocks').select(sql<number>`count(*)`.as('n')).where('blocked_id', '=', business));
      const r = await row(
        p.store,
        db.selectFrom('reports').select(sql<number>`count(*)`.as('n')).where('subject_id', '=', business).where('kind', '=', 'private'),
      );
      return { blocks: b?.n ?? 0, reports: r?.n ?? 0 };
    },
    usable(business) {
      return business !== 0 && idx.exists(business) && !(idx.flags(business) & (SYSTEM | Flag.DELETED));
    },
    clientRef: (account) => publicId('account', account),
    parseClientRef: (ref) => parseId('account', ref),
    async clientName(account) {
      return (await loadAccount(p, account))?.name ?? publicId('account', account);
    },
    subscribe(business, handler) {
      // The platform's inbox hook: called after a message to this account is stored.
      p.inbox.set(business, async (from) => {
        try {
          // The hook does not say which message it is about: the client's latest ones are handed
          // over (the gateway skips those it has), so two sent at once, or one whose hand-over a
          // stop interrupted, are not missed.
          const chat = idx.privateChat(from, business);
          const recent = await rows(
            p.store,
            p.store.db
              .selectFrom('messages')
              .select(['id', 'text', 'sent_at'])
              .where('chat_id', '=', chat)
              .where('from_id', '=', from)
              .orderBy('id', 'desc')
              .limit(RECENT),
          );
          for (const m of recent.reverse()) await handler({ business, client: from, messageId: publicId('message', m.id), text: m.text, sentAt: m.sent_at });
        } catch (err) {
          // The client's message is stored and acknowledged whatever happens here.
          p.log.error({ err }, 'crm: a client message could not be queued for the CRM');
        }
      });
    },
    unsubscribe(business) {
      p.inbox.delete(business);
    },
  };
}
