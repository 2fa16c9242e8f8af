import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Figures } from '../../metrics/figures.js';
import { listChats, listMessages } from '../../platform/chats.js';
import type { Platform } from '../../platform/context.js';
import { isForSystemAccount, sendMessage, type Target } from '../../platform/messages.js';
import { accountOf, releaseForSystemAccount } from '../auth.js';
import { requestLang } from '../errors.js';
import { pageParams } from '../paging.js';
import { errorResponses, idempotencyKeySchema, messageSchema, pageQuerySchema, targetSchema } from '../schemas.js';

export async function messageRoutes(app: FastifyInstance, p: Platform, figures?: Figures): Promise<void> {
  app.post<{ Body: { to: Target; text: string; idempotencyKey?: string } }>(
    '/v1/messages',
    {
      config: {
        access: 'account',
        othersGet: ['PEER_ID_INVALID'],
        // Messages to SpamBot and support are never rate-limited (API.md).
        forSystemAccount: (req) => isForSystemAccount(p, accountOf(req), (req.body as { to?: unknown } | undefined)?.to),
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
        body: {
          type: 'object',
          required: ['to', 'text'],
          properties: { to: targetSchema, text: { type: 'string', minLength: 1, maxLength: p.config.messageMaxLength }, idempotencyKey: idempotencyKeySchema },
        },
        response: { 201: { type: 'object', properties: { message: messageSchema } }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { to, text, idempotencyKey } = req.body;
      const idem = idempotencyKey !== undefined ? { key: idempotencyKey, body: req.body } : undefined;
      const r = await sendMessage(p, accountOf(req), to, text, idem, requestLang(req));
      return reply.code(r.status).send(r.body);
    },
  );

  app.get<{ Querystring: { limit?: string; cursor?: string } }>(
    '/v1/chats',
    {
      config: { access: 'account' },
      schema: { summary: 'Chats of the account, newest first, with action bars', tags: ['chats'], querystring: pageQuerySchema },
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
        summary: 'Messages of a chat, oldest first',
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
}
