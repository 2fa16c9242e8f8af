import type { FastifyInstance } from 'fastify';
import { fail } from '../../domain/errors.js';
import { REPORT_REASONS } from '../../domain/reporting.js';
import { claimCase, decideCase, previewDecision, releaseCase, viewEvidence, type DecisionInput } from '../../enforcement/cases.js';
import { listCases, type CaseFilter } from '../../enforcement/queue.js';
import { liftAccount } from '../../enforcement/lift.js';
import { muteReporter } from '../../enforcement/reporters.js';
import { accountEvents, restrictionView, strikeViews } from '../../enforcement/timeline.js';
import { accountView, loadAccount } from '../../platform/accounts.js';
import type { Platform } from '../../platform/context.js';
import { parseId } from '../../store/ids.js';
import { pageParams } from '../paging.js';
import { errorResponses, pageQuerySchema, restrictionSchema, robotFindingSchema, robotSignalsSchema } from '../schemas.js';
import { staffOf } from './actor.js';

const STAFF = ['triage', 'moderator', 'support', 'admin'] as const;

function caseParam(raw: string): number {
  const id = parseId('case', raw);
  if (id === 0) fail('NOT_FOUND');
  return id;
}

const caseSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    subject: { type: 'object', properties: { accountId: { type: 'string' }, chatId: { type: 'string' } } },
    state: { type: 'string', enum: ['open', 'escalated', 'closed'] },
    priority: { type: 'number' },
    reportCount: { type: 'integer' },
    reasons: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
    claimedBy: { type: 'string' },
    decision: { type: 'string' },
    policy: { type: 'string' },
    openedBy: { type: 'string' },
  },
} as const;

const caseDetailSchema = {
  type: 'object',
  properties: {
    ...caseSchema.properties,
    subject: {
      type: 'object',
      properties: {
        ...caseSchema.properties.subject.properties,
        name: { type: 'string', description: "the subject account's display name (absent when it has none)" },
      },
    },
    reports: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          reason: { type: 'string' },
          reporterId: { type: 'string' },
          createdAt: { type: 'string' },
          comment: { type: 'string' },
          reporter: {
            type: 'object',
            description: "The reporter's record: their reports confirmed and dismissed by moderators, and their account's age in whole days",
            properties: { confirmed: { type: 'integer' }, dismissed: { type: 'integer' }, ageDays: { type: 'integer' } },
          },
        },
      },
    },
    evidence: {
      type: 'array',
      items: {
        type: 'object',
        properties: { messageId: { type: 'string' }, text: { type: 'string' }, sentAt: { type: 'string' }, chatId: { type: 'string' } },
      },
    },
    robots: {
      type: 'array',
      description: 'Which robot rules acted (or would have) about the subject, newest first (at most 20), each with the signals that fired and why',
      items: robotFindingSchema,
    },
  },
} as const;

/**
 * An event of a staff timeline: its id, type, time and actor, and the payload fields its type
 * shows (src/enforcement/timeline.ts EVENT_VIEWS). Robot events carry their `rule` and `signals`.
 */
const timelineEventSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['id', 'type', 'at', 'actor'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    at: { type: 'string' },
    actor: { type: 'object', properties: { kind: { type: 'string' }, id: { type: 'string' } } },
    rule: { type: 'string', description: 'robot events: the rule' },
    signals: robotSignalsSchema,
  },
} as const;

const sanctionSchema = {
  type: 'object',
  properties: {
    state: { type: 'string' },
    kind: { type: 'string' },
    until: { type: ['string', 'null'] },
    deleteAt: { type: 'string' },
    publicGroupsBan: { type: 'boolean' },
    takedown: { type: 'boolean' },
  },
} as const;

export async function moderationRoutes(app: FastifyInstance, p: Platform): Promise<void> {
  app.get<{
    // The queue's filters, with the page's limit as the query string gives it.
    Querystring: Omit<CaseFilter, 'limit'> & { limit?: string };
  }>(
    '/v1/moderation/cases',
    {
      config: { access: [...STAFF] },
      schema: {
        summary: 'The review queue: highest priority first, then oldest (no message text)',
        description:
          'A pass (the first page, then each nextCursor) keeps the order of its first page: a case whose priority changed since keeps its place, so none is skipped or shown twice; cases decided meanwhile leave without moving the others; cases opened since come at the end, if at all.',
        tags: ['moderation'],
        querystring: {
          type: 'object',
          properties: {
            ...pageQuerySchema.properties,
            state: { type: 'string', enum: ['open', 'escalated', 'closed'] },
            policy: { type: 'string', maxLength: 40 },
            reason: { type: 'string', enum: [...REPORT_REASONS] },
            origin: { type: 'string', enum: ['robot', 'human'], description: 'robot: opened by a robot rule; human: opened by reports' },
            place: { type: 'string', enum: ['private', 'group'], description: 'private: about a person; group: about a group, channel or its content' },
            language: { type: 'string', enum: ['en', 'ru'], description: "the subject account's language" },
          },
        },
        response: { 200: { type: 'object', properties: { cases: { type: 'array', items: caseSchema }, nextCursor: { type: 'string' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const { limit, cursor } = pageParams(req.query);
      const { state, policy, reason, origin, place, language } = req.query;
      // A policy no ladder has would only ever list nothing: say so, as a decision would.
      if (policy && !Object.hasOwn(p.policy.ladder, policy))
        fail('BAD_REQUEST', { field: 'querystring.policy', reason: `unknown policy; one of ${Object.keys(p.policy.ladder).join(', ')}` });
      return listCases(
        p,
        {
          limit,
          ...(cursor ? { cursor } : {}),
          ...(state ? { state } : {}),
          ...(policy ? { policy } : {}),
          ...(reason ? { reason } : {}),
          ...(origin ? { origin } : {}),
          ...(place ? { place } : {}),
          ...(language ? { language } : {}),
        },
        p.clock.now(),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/moderation/cases/:id',
    {
      config: { access: [...STAFF] },
      schema: {
        summary: "A case with its reports and evidence. Every call is recorded in the subject's timeline.",
        tags: ['moderation'],
        response: { 200: { type: 'object', properties: { case: caseDetailSchema } }, ...errorResponses },
      },
    },
    async (req) => ({ case: await viewEvidence(p, caseParam(req.params.id), staffOf(req), p.clock.now()) }),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/moderation/cases/:id/claim',
    {
      config: { access: [...STAFF] },
      schema: {
        summary: 'Claim a case for 15 minutes so nobody else decides it',
        tags: ['moderation'],
        response: { 200: { type: 'object', properties: { case: caseSchema } }, ...errorResponses },
      },
    },
    async (req) => ({ case: await claimCase(p, caseParam(req.params.id), staffOf(req), p.clock.now()) }),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/moderation/cases/:id/release',
    {
      config: { access: [...STAFF] },
      schema: { summary: 'Release a claim', tags: ['moderation'], response: { 200: { type: 'object', properties: { case: caseSchema } }, ...errorResponses } },
    },
    async (req) => ({ case: await releaseCase(p, caseParam(req.params.id), staffOf(req), p.clock.now()) }),
  );

  const decisionBody = {
    type: 'object',
    required: ['action'],
    properties: {
      action: { type: 'string', enum: ['confirm', 'dismiss', 'escalate'] },
      policy: { type: 'string', minLength: 1, maxLength: 40 },
      note: { type: 'string', maxLength: 2000 },
    },
  } as const;

  app.post<{ Params: { id: string }; Body: DecisionInput }>(
    '/v1/moderation/cases/:id/preview',
    {
      config: { access: [...STAFF] },
      schema: {
        summary: 'What a decision would do; changes nothing',
        tags: ['moderation'],
        body: decisionBody,
        response: { 200: { type: 'object', properties: { sanction: sanctionSchema } }, ...errorResponses },
      },
    },
    async (req) => previewDecision(p, caseParam(req.params.id), req.body, staffOf(req), p.clock.now()),
  );

  app.post<{ Params: { id: string }; Body: DecisionInput }>(
    '/v1/moderation/cases/:id/decision',
    {
      // API.md: moderator, admin (dismiss and escalate: triage too); support decides appeals, not cases.
      config: { access: ['triage', 'moderator', 'admin'] },
      schema: {
        summary: "Confirm (moderator, admin), dismiss or escalate (triage too); confirming applies the ladder's next sanction",
        tags: ['moderation'],
        body: decisionBody,
        response: { 200: { type: 'object', properties: { case: caseSchema, sanction: sanctionSchema } }, ...errorResponses },
      },
    },
    async (req) => decideCase(p, caseParam(req.params.id), req.body, staffOf(req), p.clock.now()),
  );

  app.get<{ Params: { accountId: string }; Querystring: { limit?: string; cursor?: string } }>(
    '/v1/moderation/accounts/:accountId',
    {
      config: { access: [...STAFF] },
      schema: {
        summary: "An account's restriction, strikes and timeline of events, newest first, paged (appeal and ticket texts for support and admin only)",
        tags: ['moderation'],
        querystring: pageQuerySchema,
        response: {
          200: {
            type: 'object',
            additionalProperties: true,
            properties: {
              account: { type: 'object', additionalProperties: true },
              restriction: { type: 'object', additionalProperties: true },
              strikes: { type: 'array', items: { type: 'object', additionalProperties: true } },
              reporter: { type: 'object', additionalProperties: true },
              events: { type: 'array', items: timelineEventSchema },
              nextCursor: { type: 'string' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const id = parseId('account', req.params.accountId);
      const row = id ? await loadAccount(p, id) : undefined;
      if (!row) fail('NOT_FOUND');
      const { limit, cursor } = pageParams(req.query);
      const now = p.clock.now();
      const timeline = await accountEvents(p, id, staffOf(req).role, limit, cursor);
      return {
        account: { ...accountView(row), ...(row.deleted_at !== null ? { deleted: true } : {}) },
        restriction: restrictionView(p.restrictions.refresh(id, now)),
        strikes: strikeViews(p, id, now),
        reporter: p.enforcement.reporter(id),
        ...timeline,
      };
    },
  );

  app.post<{ Params: { accountId: string }; Body: { reason: string } }>(
    '/v1/moderation/accounts/:accountId/lift',
    {
      config: { access: ['support', 'admin'] },
      schema: {
        summary: 'End every active restriction and the public-groups ban, removing their strikes',
        tags: ['moderation'],
        body: {
          type: 'object',
          required: ['reason'],
          // A reason says something: blanks alone are none.
          properties: {
            reason: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S', description: 'why, kept in the timeline; blanks alone are refused' },
          },
        },
        response: { 200: { type: 'object', properties: { restriction: restrictionSchema } }, ...errorResponses },
      },
    },
    async (req) => {
      const id = parseId('account', req.params.accountId);
      if (!p.index.exists(id)) fail('NOT_FOUND');
      return { restriction: restrictionView(await liftAccount(p, id, req.body.reason, staffOf(req))) };
    },
  );

  app.post<{ Params: { accountId: string }; Body: { muted: boolean } }>(
    '/v1/moderation/reporters/:accountId/mute',
    {
      config: { access: [...STAFF] },
      schema: {
        summary: 'Mute (or unmute) a reporter: their reports then weigh nothing',
        tags: ['moderation'],
        body: { type: 'object', required: ['muted'], properties: { muted: { type: 'boolean' } } },
      },
    },
    async (req) => {
      const id = parseId('account', req.params.accountId);
      if (!p.index.exists(id)) fail('NOT_FOUND');
      return { reporter: await muteReporter(p, id, req.body.muted, staffOf(req)) };
    },
  );
}
