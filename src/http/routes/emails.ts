import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../platform/context.js';
import { requireWritable } from '../../platform/writable.js';
import type { EmailVerification } from '../../support/emails.js';
import { accountOf } from '../auth.js';
import { requestLang } from '../errors.js';
import { pageParams } from '../paging.js';
import { errorResponses, pageQuerySchema } from '../schemas.js';

/**
 * The account's e-mail addresses (RULES.md §5): a code is mailed to the address, and sending it
 * back verifies it. Only a verified address binds mail to the account.
 */
export async function emailRoutes(app: FastifyInstance, p: Platform, emails: EmailVerification): Promise<void> {
  const addressBody = { type: 'object', required: ['address'], properties: { address: { type: 'string', minLength: 3, maxLength: 320 } } } as const;

  app.get<{ Querystring: { cursor?: string; limit?: string } }>(
    '/v1/me/emails',
    {
      config: { access: 'account' },
      schema: {
        summary: 'The addresses this account verified, paged like every list',
        tags: ['support'],
        querystring: pageQuerySchema,
        response: {
          200: {
            type: 'object',
            properties: { emails: { type: 'array', items: { type: 'object', properties: { address: { type: 'string' } } } }, nextCursor: { type: 'string' } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { limit, cursor } = pageParams(req.query);
      // In address order (sorted here: the cursor compares as JavaScript does, whatever the
      // database collation); the cursor is the last address listed, encoded.
      const after = cursor === undefined ? '' : Buffer.from(cursor, 'base64url').toString('utf8');
      const rest = (await emails.verifiedOf(accountOf(req))).sort().filter((a) => a > after);
      const page = rest.slice(0, limit);
      return {
        emails: page.map((address) => ({ address })),
        ...(rest.length > limit ? { nextCursor: Buffer.from(page[page.length - 1]!, 'utf8').toString('base64url') } : {}),
      };
    },
  );

  app.post<{ Body: { address: string } }>(
    '/v1/me/emails',
    {
      config: { access: 'account' },
      schema: {
        summary: 'Mails a verification code to the address (503 MAIL_RELAY_UNAVAILABLE without a relay)',
        tags: ['support'],
        body: addressBody,
        response: { 202: { type: 'object', properties: { address: { type: 'string' } } }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const a = accountOf(req);
      requireWritable(p, a);
      await emails.start(a, req.body.address, requestLang(req));
      return reply.code(202).send({ address: req.body.address.trim().toLowerCase() });
    },
  );

  app.post<{ Body: { address: string; code: string } }>(
    '/v1/me/emails/verify',
    {
      config: { access: 'account' },
      schema: {
        summary: 'Verifies the address with the mailed code (400 EMAIL_CODE_INVALID when wrong or expired)',
        tags: ['support'],
        body: {
          type: 'object',
          required: ['address', 'code'],
          properties: { ...addressBody.properties, code: { type: 'string', minLength: 1, maxLength: 32 } },
        },
        response: { 200: { type: 'object', properties: { address: { type: 'string' }, verified: { type: 'boolean' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const a = accountOf(req);
      requireWritable(p, a);
      await emails.verify(a, req.body.address, req.body.code);
      return { address: req.body.address.trim().toLowerCase(), verified: true };
    },
  );
}
