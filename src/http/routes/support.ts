import type { FastifyInstance } from 'fastify';
import { fail } from '../../domain/errors.js';
import { appealView, decideAppeal, listAppeals } from '../../enforcement/appeals.js';
import { listTickets, loadTicket, ticketView } from '../../enforcement/tickets.js';
import type { Platform } from '../../platform/context.js';
import type { SpamBot } from '../../spambot/bot.js';
import { parseId, publicId } from '../../store/ids.js';
import type { SupportDesk } from '../../support/desk.js';
import { accountOf, releaseForSystemAccount } from '../auth.js';
import { numericCursor, pageParams } from '../paging.js';
import { staffOf } from './actor.js';
import { errorResponses, pageQuerySchema } from '../schemas.js';
import { emailRoutes } from './emails.js';

const SUPPORT = ['support', 'admin'] as const;

const entrySchema = {
  type: 'object',
  properties: {
    from: { type: 'string', enum: ['user', 'support'] },
    text: { type: 'string' },
    at: { type: 'string' },
    via: { type: 'string', enum: ['app', 'email'] },
  },
} as const;

const ticketSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    source: { type: 'string', enum: ['app', 'email'] },
    fromEmail: { type: 'string' },
    subject: { type: 'string' },
    state: { type: 'string', enum: ['open', 'answered', 'closed'] },
    createdAt: { type: 'string' },
    dueAt: { type: 'string' },
    overdue: { type: 'boolean' },
    answeredAt: { type: 'string' },
    reopenedAt: { type: 'string' },
    closedAt: { type: 'string' },
    entries: { type: 'array', items: entrySchema },
  },
} as const;

const TICKET_STATES = ['open', 'answered', 'closed'] as const;

const appealSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    state: { type: 'string', enum: ['open', 'decided'] },
    outcome: { type: 'string', enum: ['overturn', 'uphold'] },
    text: { type: 'string' },
    email: { type: 'string' },
    story: { type: 'boolean' },
    createdAt: { type: 'string' },
    dueAt: { type: 'string' },
    overdue: { type: 'boolean' },
    restriction: { type: 'object', additionalProperties: true },
    robot: { type: 'boolean' },
    rule: { type: 'string' },
    decidedAt: { type: 'string' },
  },
} as const;

export async function supportRoutes(app: FastifyInstance, p: Platform, spamBot: SpamBot, desk: SupportDesk, runDue: () => Promise<void>): Promise<void> {
  await emailRoutes(app, p, desk.emails);
  app.post<{ Body: { text: string } }>(
    '/v1/support/tickets',
    {
      // "Ask a question" is a message to support: never rate-limited (API.md).
      config: { access: 'account', forSystemAccount: () => true },
      preValidation: releaseForSystemAccount,
      schema: {
        summary: '"Ask a question": a ticket for support (joins the open one); answers arrive as messages from @support',
        tags: ['support'],
        body: {
          type: 'object',
          required: ['text'],
          properties: { text: { type: 'string', maxLength: 10_000, description: 'nothing visible once invisible characters are removed: 400 MESSAGE_EMPTY' } },
        },
        response: {
          201: { type: 'object', properties: { ticket: { type: 'object', properties: { id: { type: 'string' }, dueAt: { type: 'string' } } } } },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const t = await desk.ask(accountOf(req), req.body.text);
      return reply.code(201).send({ ticket: { id: publicId('ticket', t.id), dueAt: new Date(t.dueAt).toISOString() } });
    },
  );

  app.get<{ Querystring: { state?: (typeof TICKET_STATES)[number]; limit?: string; cursor?: string } }>(
    '/v1/moderation/tickets',
    {
      config: { access: [...SUPPORT] },
      schema: {
        summary: 'Support tickets, oldest first, each with its thread of entries',
        tags: ['support'],
        querystring: { type: 'object', properties: { ...pageQuerySchema.properties, state: { type: 'string', enum: [...TICKET_STATES] } } },
        response: {
          200: { type: 'object', properties: { tickets: { type: 'array', items: ticketSchema }, nextCursor: { type: 'string' } } },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { limit, cursor } = pageParams(req.query);
      return listTickets(p, req.query.state, limit, numericCursor(cursor), p.clock.now());
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/moderation/tickets/:id',
    {
      config: { access: [...SUPPORT] },
      schema: {
        summary: 'A ticket and its thread',
        tags: ['support'],
        response: { 200: { type: 'object', properties: { ticket: ticketSchema } }, ...errorResponses },
      },
    },
    async (req) => ({
      ticket: ticketView(await loadTicket(p, parseId('ticket', req.params.id)), p.clock.now()),
    }),
  );

  app.post<{ Params: { id: string }; Body: { text: string } }>(
    '/v1/moderation/tickets/:id/answer',
    {
      config: { access: [...SUPPORT] },
      schema: {
        summary:
          'Answer a ticket (appended to its thread): a message from @support for app tickets, a mail only for e-mailed ones (503 MAIL_RELAY_UNAVAILABLE without a relay; 409 TICKET_CLOSED for a closed one)',
        tags: ['support'],
        body: {
          type: 'object',
          required: ['text'],
          properties: { text: { type: 'string', maxLength: 10_000, description: 'nothing visible once invisible characters are removed: 400 MESSAGE_EMPTY' } },
        },
        response: { 200: { type: 'object', properties: { ticket: ticketSchema } }, ...errorResponses },
      },
    },
    async (req) => {
      const id = parseId('ticket', req.params.id);
      if (id === 0) fail('NOT_FOUND');
      return { ticket: ticketView(await desk.answer(id, req.body.text, staffOf(req)), p.clock.now()) };
    },
  );

  app.post<{ Params: { id: string }; Body: { note?: string } | undefined }>(
    '/v1/moderation/tickets/:id/close',
    {
      config: { access: [...SUPPORT] },
      // The note is optional, and so is the body: a bare POST closes.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
      schema: {
        summary:
          "Close a ticket that needs nothing more: nothing is due of it, and the person's next message opens a new ticket (409 TICKET_CLOSED when it already is; a closed ticket cannot be answered)",
        tags: ['support'],
        body: {
          type: 'object',
          properties: { note: { type: 'string', maxLength: 2000, description: 'for staff: why it was closed (in the timeline, support and admin only)' } },
        },
        response: { 200: { type: 'object', properties: { ticket: ticketSchema } }, ...errorResponses },
      },
    },
    async (req) => {
      const id = parseId('ticket', req.params.id);
      if (id === 0) fail('NOT_FOUND');
      const note = req.body?.note?.trim() || null;
      return { ticket: ticketView(await desk.close(id, note, staffOf(req)), p.clock.now()) };
    },
  );

  app.get<{ Querystring: { state?: 'open' | 'decided'; limit?: string; cursor?: string } }>(
    '/v1/moderation/appeals',
    {
      config: { access: [...SUPPORT] },
      schema: {
        summary: 'Appeals: robot-made restrictions first, then oldest; `overdue` past 72 h',
        tags: ['support'],
        querystring: { type: 'object', properties: { ...pageQuerySchema.properties, state: { type: 'string', enum: ['open', 'decided'] } } },
        response: {
          200: { type: 'object', properties: { appeals: { type: 'array', items: appealSchema }, nextCursor: { type: 'string' } } },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { limit, cursor } = pageParams(req.query);
      return listAppeals(p, req.query.state, limit, cursor, p.clock.now());
    },
  );

  app.post<{ Params: { id: string }; Body: { outcome: 'overturn' | 'uphold'; note?: string } }>(
    '/v1/moderation/appeals/:id/decision',
    {
      config: { access: [...SUPPORT] },
      schema: {
        summary: 'Overturn (the restriction and its strike go) or uphold; SpamBot tells the person either way',
        tags: ['support'],
        body: {
          type: 'object',
          required: ['outcome'],
          properties: { outcome: { type: 'string', enum: ['overturn', 'uphold'] }, note: { type: 'string', maxLength: 2000 } },
        },
        response: { 200: { type: 'object', properties: { appeal: appealSchema } }, ...errorResponses },
      },
    },
    async (req) => {
      const id = parseId('appeal', req.params.id);
      if (id === 0) fail('NOT_FOUND');
      const now = p.clock.now();
      const row = await decideAppeal(p, id, req.body.outcome, req.body.note ?? null, staffOf(req), now);
      await spamBot.notifyAppealOutcome(row);
      // An upheld appeal releases a deletion it was holding; apply it before answering.
      await runDue();
      return { appeal: appealView(row, now) };
    },
  );
}
