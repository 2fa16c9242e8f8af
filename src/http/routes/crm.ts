import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fail } from '../../domain/errors.js';
import { gatewayOf } from '../../crm/index.js';
import type { CrmGateway } from '../../crm/gateway.js';
import type { Platform } from '../../platform/context.js';
import { parseId } from '../../store/ids.js';
import { sendError } from '../errors.js';
import { pageParams } from '../paging.js';
import { errorResponses } from '../schemas.js';
import { actorOf } from './actor.js';

/**
 * The amoCRM/Kommo gateway's HTTP side (docs/CRM.md): connections (admin), a connection's status
 * (staff, or the business account itself), and the webhook the CRM calls for every manager's
 * message, verified on its raw bytes.
 */

function gateway(p: Platform): CrmGateway {
  const gw = gatewayOf(p);
  if (!gw) fail('NOT_FOUND', { reason: 'the CRM gateway is not configured (BANYA_CRM_CONFIG)' });
  return gw;
}

const scopeParams = { type: 'object', required: ['scopeId'], properties: { scopeId: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

export async function crmRoutes(app: FastifyInstance, p: Platform): Promise<void> {
  app.post<{ Params: { channelId: string }; Body: { amojoAccountId: string; businessAccountId: string } }>(
    '/v1/crm/amocrm/channels/:channelId/connections',
    {
      config: { access: ['admin'] },
      schema: {
        summary: "Connect a CRM account (its amojo_id) to a business account: banya calls amojo's connect",
        tags: ['crm'],
        params: { type: 'object', required: ['channelId'], properties: { channelId: { type: 'string', minLength: 1, maxLength: 100 } } },
        body: {
          type: 'object',
          required: ['amojoAccountId', 'businessAccountId'],
          properties: { amojoAccountId: { type: 'string', minLength: 1, maxLength: 100 }, businessAccountId: { type: 'string', minLength: 1, maxLength: 32 } },
        },
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const gw = gateway(p);
      const business = parseId('account', req.body.businessAccountId);
      if (business === 0) fail('NOT_FOUND', { field: 'businessAccountId', reason: 'no such business account' });
      const connection = await gw.connect(req.params.channelId, req.body.amojoAccountId, business, actorOf(req));
      return reply.code(201).send({ connection });
    },
  );

  app.get<{ Querystring: { limit?: string; cursor?: string } }>(
    '/v1/crm/amocrm/connections',
    {
      config: { access: 'staff' },
      schema: {
        summary: "Every CRM connection in short: the number's standing, quality colour, held and waiting messages",
        description: 'Paged like every list (API.md): `limit` 1–1000 (default 50), `cursor` from `nextCursor`; by scope id.',
        tags: ['crm'],
        querystring: { type: 'object', properties: { limit: { type: 'string', maxLength: 10 }, cursor: { type: 'string', maxLength: 400 } } },
        response: errorResponses,
      },
    },
    async (req) => {
      const { limit, cursor } = pageParams(req.query);
      let after: string | undefined;
      if (cursor !== undefined) {
        after = Buffer.from(cursor, 'base64url').toString('utf8');
        if (after === '' || Buffer.from(after, 'utf8').toString('base64url') !== cursor)
          fail('BAD_REQUEST', { field: 'querystring.cursor', reason: 'not a cursor from this API' });
      }
      const all = (await gateway(p).summaries()).filter((c) => after === undefined || String(c.scopeId) > after);
      const page = all.slice(0, limit);
      const next = all.length > limit ? Buffer.from(String(page[page.length - 1]!.scopeId), 'utf8').toString('base64url') : undefined;
      return { connections: page, ...(next ? { nextCursor: next } : {}) };
    },
  );

  app.delete<{ Params: { scopeId: string } }>(
    '/v1/crm/amocrm/connections/:scopeId',
    {
      config: { access: ['admin'] },
      schema: { summary: 'Disconnect a CRM account; its waiting messages fail with 902', tags: ['crm'], params: scopeParams, response: errorResponses },
    },
    async (req) => gateway(p).disconnect(req.params.scopeId, actorOf(req)),
  );

  app.get<{ Params: { scopeId: string } }>(
    '/v1/crm/amocrm/connections/:scopeId',
    {
      // Staff, or the business account itself (checked below): another account learns nothing.
      config: { access: 'signed-in', othersGet: ['NOT_FOUND'] },
      schema: {
        summary: "A connection and its number's protection status: restriction, quality colour, held messages, today's counts",
        tags: ['crm'],
        params: scopeParams,
        response: errorResponses,
      },
    },
    async (req, reply) => {
      const gw = gateway(p);
      const who = req.principal!;
      const c = gw.state.connections.get(req.params.scopeId);
      // Another account learns nothing, not even that the connection exists.
      if (!c || (who.kind === 'account' && who.accountId !== c.businessAccountId)) fail('NOT_FOUND');
      return { connection: await gw.status(c) };
    },
  );

  // The webhook, in its own context: its body is kept as the raw bytes the signature covers.
  await app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    hooks.post<{ Params: { scopeId: string } }>(
      '/crm/amocrm/hooks/:scopeId',
      {
        config: { access: 'none' },
        schema: {
          summary: 'The outgoing-message webhook the CRM calls (X-Signature: HMAC-SHA1 of the raw body)',
          tags: ['crm'],
          params: scopeParams,
          response: errorResponses,
        },
      },
      async (req: FastifyRequest<{ Params: { scopeId: string } }>, reply: FastifyReply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const sig = req.headers['x-signature'];
        const answer = await gateway(p).webhook(req.params.scopeId, raw, Array.isArray(sig) ? sig[0] : sig);
        switch (answer) {
          case 'accepted':
          case 'repeated':
            return reply.code(200).send({ ok: true });
          case 'forged':
            return sendError(req, reply, 'UNAUTHORIZED', { reason: 'the X-Signature does not match the body' });
          case 'unknown':
            return sendError(req, reply, 'NOT_FOUND', { reason: 'no connection with this scope_id' });
          case 'invalid':
            return sendError(req, reply, 'BAD_REQUEST', { reason: 'the body is not a v2 outgoing-message webhook' });
        }
      },
    );
  });
}
