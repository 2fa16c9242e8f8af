import type { FastifyInstance } from 'fastify';
import { REPORT_REASONS } from '../../domain/reporting.js';
import type { Platform } from '../../platform/context.js';
import { fileReport, type ReportRequest } from '../../platform/reports.js';
import { accountOf } from '../auth.js';
import { accountIdSchema, errorResponses, idempotencyKeySchema, platformIdSchema } from '../schemas.js';

export async function reportRoutes(app: FastifyInstance, p: Platform): Promise<void> {
  app.post<{ Body: ReportRequest & { idempotencyKey?: string } }>(
    '/v1/reports',
    {
      config: { access: 'account', othersGet: ['NOT_FOUND'] },
      schema: {
        summary: 'Report spam in a private chat, messages in a group or channel, or a public chat itself',
        description:
          'In a private chat the subject is the other side and the evidence is their last messages there. In a group or channel the subject is the author of `messageIds`, or `accountId`. `chatId` alone on a public chat reports the chat (public content). `platformId` instead of `chatId` names the other side of a private chat by the platform id of the user. A repeat while the first report is open answers 200 with it.',
        tags: ['reports'],
        body: {
          type: 'object',
          oneOf: [
            { required: ['chatId'], not: { required: ['platformId'] } },
            { required: ['platformId'], not: { required: ['chatId'] } },
          ],
          properties: {
            chatId: { type: 'string', minLength: 1, maxLength: 64 },
            platformId: platformIdSchema,
            accountId: accountIdSchema,
            messageIds: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 64 } },
            reason: { type: 'string', enum: [...REPORT_REASONS] },
            comment: { type: 'string', maxLength: 1000 },
            block: { type: 'boolean' },
            deleteChat: { type: 'boolean' },
            idempotencyKey: idempotencyKeySchema,
          },
        },
        response: {
          200: { type: 'object', properties: { report: { type: 'object', properties: { id: { type: 'string' }, caseId: { type: 'string' } } } } },
          201: { type: 'object', properties: { report: { type: 'object', properties: { id: { type: 'string' }, caseId: { type: 'string' } } } } },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const { idempotencyKey, ...body } = req.body;
      const idem = idempotencyKey ? { key: idempotencyKey, body } : undefined;
      const r = await fileReport(p, accountOf(req), body, idem);
      return reply.code(r.status).send(r.body);
    },
  );
}
