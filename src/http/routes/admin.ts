import type { FastifyInstance } from 'fastify';
import { MAX_CLOCK_MS } from '../../clock.js';
import { fail } from '../../domain/errors.js';
import type { Platform } from '../../platform/context.js';
import { rotateAdminToken } from '../../platform/admin-token.js';
import { createStaff, deleteStaff } from '../../platform/staff-members.js';
import { parseId } from '../../store/ids.js';
import type { StaffRole } from '../../store/schema/staff.js';
import { errorResponses } from '../schemas.js';
import { actorOf } from './actor.js';

export interface ClockControl {
  /** Moves the manual clock and applies everything that came due; returns the new time (ms). */
  advance(seconds: number): Promise<number>;
}

export async function adminRoutes(app: FastifyInstance, p: Platform, clock: ClockControl | null): Promise<void> {
  app.post<{ Body: { name: string; role: StaffRole } }>(
    '/v1/admin/staff',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Create a staff member with a role; answers their token once',
        tags: ['admin'],
        body: {
          type: 'object',
          required: ['name', 'role'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 128 }, role: { type: 'string', enum: ['triage', 'moderator', 'support', 'admin'] } },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              staff: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } } },
              token: { type: 'string' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => reply.code(201).send(await createStaff(p, req.body, actorOf(req))),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/admin/staff/:id',
    { config: { access: ['admin'] }, schema: { summary: 'Remove a staff member; their tokens stop working', tags: ['admin'] } },
    async (req, reply) => {
      const id = parseId('staff', req.params.id);
      if (id === 0) fail('NOT_FOUND');
      await deleteStaff(p, id, actorOf(req));
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { graceSeconds?: number } | undefined }>(
    '/v1/admin/token',
    {
      config: { access: 'platform' },
      schema: {
        summary: 'Rotate the generated admin token: answers the new one once; the old one works for graceSeconds more',
        description:
          "`graceSeconds` 0 to 86400 (default 3600; 0 ends the old token at once), on the service clock. Tokens rotated out before keep their own grace. With `BANYA_ADMIN_TOKEN` set, the token is the operator's: `409 ADMIN_TOKEN_FIXED` (rotate it there, with `BANYA_ADMIN_TOKEN_PREVIOUS` for the switch-over).",
        tags: ['admin'],
        body: { type: 'object', properties: { graceSeconds: { type: 'integer', minimum: 0, maximum: 86_400 } } },
        response: {
          201: { type: 'object', properties: { token: { type: 'string' }, previousValidUntil: { type: 'string' } } },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const grace = req.body?.graceSeconds ?? 3600;
      const r = await rotateAdminToken(p.config, p.store, p.tokens, p.clock, grace);
      req.log.warn({ graceSeconds: grace }, 'the admin token was rotated');
      return reply.code(201).send({ token: r.token, previousValidUntil: new Date(r.previousValidUntil).toISOString() });
    },
  );

  if (clock) {
    const latest = new Date(MAX_CLOCK_MS).toISOString();
    app.post<{ Body: { advanceSeconds: number } }>(
      '/v1/admin/clock',
      {
        config: { access: ['admin'] },
        schema: {
          summary: 'Move the manual clock forward (BANYA_CLOCK=manual only); due expiries are applied first',
          description: `\`advanceSeconds\` is a number from 0 to 10^10 (0 reads the time). The clock never passes ${latest}: an advance that would is refused with 400 BAD_REQUEST, its details giving \`latest\` and \`maxAdvanceSeconds\`, the most it may still move.`,
          tags: ['admin'],
          body: {
            type: 'object',
            required: ['advanceSeconds'],
            properties: { advanceSeconds: { type: 'number', minimum: 0, maximum: 1e10, description: `seconds, 0 to 10^10; the clock stops at ${latest}` } },
          },
          response: { 200: { type: 'object', properties: { now: { type: 'string' } } }, ...errorResponses },
        },
      },
      async (req) => {
        // (past the clock's end: 400, asked where the advance is taken, in turn)
        return { now: new Date(await clock.advance(req.body.advanceSeconds)).toISOString() };
      },
    );
  }
}
