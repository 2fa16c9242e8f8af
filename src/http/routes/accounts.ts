import type { FastifyInstance } from 'fastify';
import { fail } from '../../domain/errors.js';
import {
  createAccount,
  issueAccountToken,
  accountView,
  loadAccount,
  privacyView,
  updatePrivacy,
  updateProfile,
  deleteAccount,
  revokeAccountTokens,
  signOut,
  type PrivacyView,
  type ProfileChanges,
} from '../../platform/accounts.js';
import type { Platform } from '../../platform/context.js';
import { restrictionView } from '../../enforcement/timeline.js';
import { peerView } from '../../platform/chats.js';
import { resolveTarget } from '../../platform/messages.js';
import { lookUpNumber } from '../../platform/lookups.js';
import { codeName } from '../../domain/codes.js';
import { parseId } from '../../store/ids.js';
import { accountOf, bearer } from '../auth.js';
import { accountSchema, errorResponses, langSchema, phoneSchema, platformIdSchema, restrictionSchema } from '../schemas.js';
import type { Lang } from '../../domain/texts.js';
import { actorOf } from './actor.js';

const privacyProps = {
  findByPhone: { type: 'string', enum: ['everybody', 'contacts'] },
  phoneVisibility: { type: 'string', enum: ['everybody', 'contacts', 'nobody'] },
  chatInvites: { type: 'string', enum: ['everybody', 'contacts', 'nobody'] },
  newChats: { type: 'string', enum: ['everybody', 'contacts'] },
} as const;

export async function accountRoutes(app: FastifyInstance, p: Platform): Promise<void> {
  app.post<{ Body: { phone?: string; platformId?: string; name: string; username?: string; numberKind?: 'mobile' | 'voip'; language?: Lang } }>(
    '/v1/accounts',
    {
      config: { access: 'platform' },
      schema: {
        summary: 'Register an account on a phone number, on the platform id of the user, or both',
        description:
          'At least one of `phone`, `platformId`. A platform id (a bare JID, a Matrix user id) is compared exactly and is unique among live accounts: `409 PLATFORM_ID_TAKEN` names the holder in `details.accountId`, so that the platform can sign its user in again (`POST /v1/accounts/{id}/tokens`). An account without a number answers `phone: ""`.',
        tags: ['accounts'],
        body: {
          type: 'object',
          required: ['name'],
          properties: {
            phone: phoneSchema,
            platformId: platformIdSchema,
            name: { type: 'string', minLength: 1, maxLength: 128 },
            username: { type: 'string', minLength: 1, maxLength: 64 },
            numberKind: { type: 'string', enum: ['mobile', 'voip'] },
            language: langSchema,
          },
        },
        response: { 201: { type: 'object', properties: { account: accountSchema, token: { type: 'string' } } }, ...errorResponses },
      },
    },
    async (req, reply) => {
      return reply.code(201).send(await createAccount(p, req.body, actorOf(req)));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/accounts/:id/tokens',
    {
      config: { access: 'platform' },
      schema: { summary: 'A new session for an account', tags: ['accounts'], params: { type: 'object', properties: { id: { type: 'string' } } } },
    },
    async (req, reply) => {
      const id = parseId('account', req.params.id);
      if (id === 0) fail('NOT_FOUND');
      return reply.code(201).send({ token: await issueAccountToken(p, id, actorOf(req)) });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/accounts/:id/tokens',
    {
      config: { access: 'platform' },
      schema: {
        summary: "End every session of an account (the platform's sign-out everywhere): its tokens answer 401 from now on",
        tags: ['accounts'],
        params: { type: 'object', properties: { id: { type: 'string' } } },
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      await revokeAccountTokens(p, parseId('account', req.params.id), actorOf(req));
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/me/sign-out',
    {
      config: { access: 'account' },
      schema: {
        summary: "Sign out: the token of this request stops working (the account's other sessions go on)",
        tags: ['me'],
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      await signOut(p, accountOf(req), bearer(req)!, actorOf(req));
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: { phone?: string; username?: string; platformId?: string } }>(
    '/v1/accounts/resolve',
    {
      config: { access: 'account' },
      schema: {
        summary: 'Find an account by phone number, username or platform id, as the send gate would',
        tags: ['accounts'],
        querystring: { type: 'object', properties: { phone: phoneSchema, username: { type: 'string', maxLength: 64 }, platformId: platformIdSchema } },
      },
    },
    async (req) => {
      const a = accountOf(req);
      const { phone, username, platformId } = req.query;
      if ([phone, username, platformId].filter((v) => v !== undefined).length !== 1)
        fail('BAD_REQUEST', { reason: 'give exactly one of phone, username, platformId' });
      // A number looked up counts against the daily cap, found or not.
      if (phone !== undefined) await lookUpNumber(p, a, phone);
      const r = resolveTarget(p, a, phone !== undefined ? { phone } : username !== undefined ? { username } : { platformId: platformId! });
      if ('error' in r) fail(r.error === 'PHONE_NUMBER_INVALID' ? r.error : codeName(r.error));
      const row = await loadAccount(p, r.peer);
      if (!row || row.deleted_at !== null) fail('PHONE_NOT_OCCUPIED');
      // Others see a frozen or banned account as deleted (RULES.md §1), as in chat lists.
      const { accountId, ...rest } = peerView(p, a, r.peer, row);
      return { account: { id: accountId, ...rest } };
    },
  );

  app.get(
    '/v1/me',
    {
      config: { access: 'account' },
      schema: {
        summary: 'The account and its effective restriction',
        tags: ['me'],
        response: { 200: { type: 'object', properties: { account: accountSchema, restriction: restrictionSchema } }, ...errorResponses },
      },
    },
    async (req) => {
      const a = accountOf(req);
      const row = await loadAccount(p, a);
      if (!row) fail('UNAUTHORIZED');
      return { account: accountView(row), restriction: restrictionView(p.restrictions.refresh(a, p.clock.now())) };
    },
  );

  app.put<{ Body: ProfileChanges }>(
    '/v1/me',
    {
      config: { access: 'account' },
      schema: {
        summary: 'Change name, username or language',
        tags: ['me'],
        body: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 128 },
            username: { type: ['string', 'null'], maxLength: 64 },
            language: { type: ['string', 'null'], enum: ['en', 'ru', null] },
          },
        },
        response: { 200: accountSchema, ...errorResponses },
      },
    },
    async (req) => updateProfile(p, accountOf(req), req.body ?? {}),
  );

  app.delete('/v1/me', { config: { access: 'account' }, schema: { summary: 'Delete the account', tags: ['me'] } }, async (req, reply) => {
    await deleteAccount(p, accountOf(req));
    return reply.code(204).send();
  });

  app.get('/v1/privacy', { config: { access: 'account' }, schema: { summary: 'Privacy settings', tags: ['me'] } }, async (req) =>
    privacyView(p, accountOf(req)),
  );

  app.put<{ Body: Partial<PrivacyView> }>(
    '/v1/privacy',
    {
      config: { access: 'account' },
      schema: {
        summary: 'Change privacy settings',
        tags: ['me'],
        body: { type: 'object', properties: privacyProps },
        response: { 200: { type: 'object', properties: privacyProps }, ...errorResponses },
      },
    },
    async (req) => updatePrivacy(p, accountOf(req), req.body ?? {}),
  );
}
