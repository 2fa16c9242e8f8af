import type { FastifyInstance } from 'fastify';
import { fail } from '../../domain/errors.js';
import { block, unblock } from '../../platform/blocks.js';
import { addContact, deleteContact, importContacts } from '../../platform/contacts.js';
import type { Platform } from '../../platform/context.js';
import { parseId } from '../../store/ids.js';
import { accountOf } from '../auth.js';
import { accountRefBody, errorResponses, phoneSchema } from '../schemas.js';
import type { Platform as PlatformCtx } from '../../platform/context.js';

function accountParam(raw: string): number {
  const id = parseId('account', raw);
  if (id === 0) fail('PEER_ID_INVALID');
  return id;
}

/** The account a body names, by id or by the platform's own id of the user. */
function accountRef(p: PlatformCtx, body: { accountId?: string; platformId?: string }): number {
  if (body.accountId !== undefined) return accountParam(body.accountId);
  const id = p.index.byPlatformId(body.platformId ?? '');
  if (id === 0) fail('PEER_ID_INVALID', { field: 'platformId' });
  return id;
}

/** A whole phone-book import of 1000 entries, each name 128 characters of up to 4 bytes in UTF-8. */
const IMPORT_BODY_LIMIT = 2 * 1024 * 1024;

export async function contactRoutes(app: FastifyInstance, p: Platform): Promise<void> {
  app.post<{ Body: { contacts: { phone: string; name?: string }[] } }>(
    '/v1/contacts/import',
    {
      config: { access: 'account' },
      // API.md takes up to 1000 entries a request: 1000 numbers with 128-character names in any
      // script pass the global limit (64 KiB by default) several times over.
      bodyLimit: Math.max(p.config.bodyLimitBytes, IMPORT_BODY_LIMIT),
      schema: {
        summary: 'Import phone-book contacts; numbers not found are remembered, entries that are not numbers come back in invalid',
        tags: ['contacts'],
        body: {
          type: 'object',
          required: ['contacts'],
          properties: {
            contacts: {
              type: 'array',
              maxItems: 1000,
              // Any string may be a phone-book entry: what is not a number (empty included) comes back in
              // `invalid` (API.md), it does not refuse the import.
              items: {
                type: 'object',
                required: ['phone'],
                properties: { phone: { ...phoneSchema, minLength: 0, maxLength: 256 }, name: { type: 'string', maxLength: 128 } },
              },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              imported: { type: 'array', items: { type: 'object', properties: { phone: { type: 'string' }, accountId: { type: 'string' } } } },
              notFound: { type: 'array', items: { type: 'string' } },
              invalid: { type: 'array', items: { type: 'string' } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => importContacts(p, accountOf(req), req.body.contacts),
  );

  app.post<{ Body: { accountId?: string; platformId?: string; name?: string } }>(
    '/v1/contacts',
    {
      config: { access: 'account' },
      schema: {
        summary: 'Add a contact by account id or platform id (the action bar\'s "add contact")',
        tags: ['contacts'],
        body: accountRefBody({ name: { type: 'string', maxLength: 128 } }),
      },
    },
    async (req, reply) => {
      await addContact(p, accountOf(req), accountRef(p, req.body), req.body.name?.trim() || null);
      return reply.code(201).send({});
    },
  );

  app.delete<{ Params: { accountId: string } }>(
    '/v1/contacts/:accountId',
    { config: { access: 'account' }, schema: { summary: 'Remove a contact', tags: ['contacts'] } },
    async (req, reply) => {
      await deleteContact(p, accountOf(req), accountParam(req.params.accountId));
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { accountId?: string; platformId?: string } }>(
    '/v1/blocks',
    {
      config: { access: 'account' },
      schema: {
        summary: 'Block an account, by account id or platform id',
        tags: ['contacts'],
        body: accountRefBody(),
      },
    },
    async (req, reply) => {
      await block(p, accountOf(req), accountRef(p, req.body));
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { accountId: string } }>(
    '/v1/blocks/:accountId',
    { config: { access: 'account' }, schema: { summary: 'Unblock an account', tags: ['contacts'] } },
    async (req, reply) => {
      await unblock(p, accountOf(req), accountParam(req.params.accountId));
      return reply.code(204).send();
    },
  );
}
