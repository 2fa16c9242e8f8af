import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Figures } from '../../metrics/figures.js';
import { listChats, listMessages } from '../../platform/chats.js';
import type { Platform } from '../../platform/context.js';
import { isForSystemAccount, sendMessage, type SentMessage, type Target } from '../../platform/messages.js';
import type { Lang } from '../../domain/texts.js';
import { type Access, accountOf, releaseForSystemAccount } from '../auth.js';
import { requestLang } from '../errors.js';
import { pageParams } from '../paging.js';
import { errorResponses, idempotencyKeySchema, messageSchema, pageQuerySchema, targetSchema } from '../schemas.js';

/** The body of `POST /v1/messages`, once validated. */
export interface SendBody {
  to: Target;
  text: string;
  idempotencyKey?: string;
}

/**
 * `POST /v1/messages` as both of its paths serve it: the Fastify route below and the raw send
 * path (send-fast-path.ts), which compiles these same schema objects and calls the same `send`.
 */
export interface SendRoute {
  readonly method: 'POST';
  readonly url: '/v1/messages';
  readonly access: Access;
  readonly bodySchema: object;
  /** By status, as Fastify's `schema.response`. */
  readonly responseSchemas: Readonly<Record<string, object>>;
  send(account: number, body: SendBody, lang: Lang): Promise<{ status: number; body: SentMessage }>;
  /** Whether a body (read, not yet validated) sends to SpamBot or support: never rate-limited (API.md). */
  forSystemAccount(account: number, body: unknown): boolean;
}

export function sendRoute(p: Platform): SendRoute {
  return {
    method: 'POST',
    url: '/v1/messages',
    access: 'account',
    bodySchema: {
      type: 'object',
      required: ['to', 'text'],
      properties: {
        to: targetSchema,
        // No minLength: an empty text is one with nothing visible, refused by the gate's own
        // MESSAGE_EMPTY after the sender and the recipient (RULES.md §1), not a validation failure.
        text: { type: 'string', maxLength: p.config.messageMaxLength },
        idempotencyKey: idempotencyKeySchema,
      },
    },
    responseSchemas: { 201: { type: 'object', properties: { message: messageSchema } }, ...errorResponses },
    send(account, body, lang) {
      const { to, text, idempotencyKey } = body;
      const idem = idempotencyKey !== undefined ? { key: idempotencyKey, body } : undefined;
      return sendMessage(p, account, to, text, idem, lang);
    },
    forSystemAccount(account, body) {
      return isForSystemAccount(p, account, (body as { to?: unknown } | null | undefined)?.to);
    },
  };
}

/** Registers the routes of messages and chats; returns the send route it registered. */
export async function messageRoutes(app: FastifyInstance, p: Platform, figures?: Figures): Promise<SendRoute> {
  const send = sendRoute(p);
  app.post<{ Body: SendBody }>(
    send.url,
    {
      config: {
        access: send.access,
        othersGet: ['PEER_ID_INVALID'],
        // Messages to SpamBot and support are never rate-limited (API.md).
        forSystemAccount: (req) => send.forSystemAccount(accountOf(req), req.body),
      },
      preValidation: releaseForSystemAccount,
      // Sends and their denials, for the console's figures: a hook of this route alone.
      ...(figures
        ? {
            onResponse: (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
              figures.send(reply.statusCode, req.errorCode);
              done();
            },
          }
        : {}),
      schema: {
        summary: 'Send a message: decided by the send gate (RULES.md §2)',
        tags: ['messages'],
        body: send.bodySchema,
        response: send.responseSchemas,
      },
    },
    async (req, reply) => {
      const r = await send.send(accountOf(req), req.body, requestLang(req));
      return reply.code(r.status).send(r.body);
    },
  );

  app.get<{ Querystring: { limit?: string; cursor?: string } }>(
    '/v1/chats',
    {
      config: { access: 'account' },
      schema: {
        summary:
          "Chats of the account, newest first, with action bars (no 'report spam' while the caller's report on the sender is open, no 'add contact' for a sender seen as deleted)",
        tags: ['chats'],
        querystring: pageQuerySchema,
      },
    },
    async (req) => {
      const { limit, cursor } = pageParams(req.query);
      return listChats(p, accountOf(req), limit, cursor);
    },
  );

  app.get<{ Params: { chatId: string }; Querystring: { after?: string; limit?: string } }>(
    '/v1/chats/:chatId/messages',
    {
      config: { access: 'account', othersGet: ['NOT_FOUND'] },
      schema: {
        summary: 'Messages of a chat, oldest first (a chat the caller deleted with a report: only those sent since)',
        tags: ['chats'],
        querystring: { type: 'object', properties: { after: { type: 'string', maxLength: 64 }, limit: { type: 'string', pattern: '^[0-9]{1,7}$' } } },
        response: { 200: { type: 'object', properties: { messages: { type: 'array', items: messageSchema } } }, ...errorResponses },
      },
    },
    async (req) => {
      const { limit } = pageParams(req.query, 100);
      return listMessages(p, accountOf(req), req.params.chatId, req.query.after, limit);
    },
  );
  return send;
}
