import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../platform/context.js';
import { addMembers, banMember, createGroup, joinChat, leaveChat, setAdmin } from '../../platform/groups.js';
import { accountOf } from '../auth.js';
import { accountIdSchema, errorResponses } from '../schemas.js';

const missingSchema = {
  type: 'array',
  items: { type: 'object', properties: { accountId: { type: 'string' }, code: { type: 'string' } }, required: ['accountId', 'code'] },
} as const;

export async function groupRoutes(app: FastifyInstance, p: Platform): Promise<void> {
  app.post<{ Body: { title: string; kind: 'group' | 'channel'; public?: boolean; members?: string[] } }>(
    '/v1/groups',
    {
      config: { access: 'account' },
      schema: {
        summary: 'Create a group or channel',
        tags: ['groups'],
        body: {
          type: 'object',
          required: ['title', 'kind'],
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 128 },
            kind: { type: 'string', enum: ['group', 'channel'] },
            public: { type: 'boolean' },
            members: { type: 'array', maxItems: 200, items: accountIdSchema },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              chat: {
                type: 'object',
                properties: { id: { type: 'string' }, type: { type: 'string' }, title: { type: 'string' }, public: { type: 'boolean' } },
              },
              missingInvitees: missingSchema,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => reply.code(201).send(await createGroup(p, accountOf(req), req.body)),
  );

  app.post<{ Params: { chatId: string }; Body: { accountIds: string[] } }>(
    '/v1/chats/:chatId/members',
    {
      config: { access: 'account', othersGet: ['CHAT_ADMIN_REQUIRED'] },
      schema: {
        summary: 'Add members (admins only); those who cannot be added come back with their codes',
        tags: ['groups'],
        body: { type: 'object', required: ['accountIds'], properties: { accountIds: { type: 'array', minItems: 1, maxItems: 200, items: accountIdSchema } } },
        response: {
          200: { type: 'object', properties: { added: { type: 'array', items: { type: 'string' } }, missingInvitees: missingSchema } },
          ...errorResponses,
        },
      },
    },
    async (req) => addMembers(p, accountOf(req), req.params.chatId, req.body.accountIds),
  );

  app.post<{ Params: { chatId: string } }>(
    '/v1/chats/:chatId/join',
    { config: { access: 'account', othersGet: ['CHAT_NOT_PUBLIC'] }, schema: { summary: 'Join a public group or channel', tags: ['groups'] } },
    async (req, reply) => {
      await joinChat(p, accountOf(req), req.params.chatId);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { chatId: string } }>(
    '/v1/chats/:chatId/leave',
    { config: { access: 'account', othersGet: ['NOT_FOUND'] }, schema: { summary: 'Leave a group or channel', tags: ['groups'] } },
    async (req, reply) => {
      await leaveChat(p, accountOf(req), req.params.chatId);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { chatId: string }; Body: { accountId: string } }>(
    '/v1/chats/:chatId/bans',
    {
      config: { access: 'account', othersGet: ['CHAT_ADMIN_REQUIRED'] },
      schema: {
        summary: 'Remove a member and bar them (admins only)',
        tags: ['groups'],
        body: { type: 'object', required: ['accountId'], properties: { accountId: accountIdSchema } },
      },
    },
    async (req, reply) => {
      await banMember(p, accountOf(req), req.params.chatId, req.body.accountId);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { chatId: string }; Body: { accountId: string; admin?: boolean } }>(
    '/v1/chats/:chatId/admins',
    {
      config: { access: 'account', othersGet: ['CHAT_ADMIN_REQUIRED'] },
      schema: {
        summary: 'Make a member an admin, or take it back with admin: false (the owner only)',
        tags: ['groups'],
        body: { type: 'object', required: ['accountId'], properties: { accountId: accountIdSchema, admin: { type: 'boolean' } } },
      },
    },
    async (req, reply) => {
      await setAdmin(p, accountOf(req), req.params.chatId, req.body.accountId, req.body.admin ?? true);
      return reply.code(204).send();
    },
  );
}
