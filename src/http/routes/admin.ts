import type { FastifyInstance } from 'fastify';
import { fail } from '../../domain/errors.js';
import type { Platform } from '../../platform/context.js';
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
          201: { type: 'object', properties: { staff: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } } }, token: { type: 'string' } } },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => reply.code(201).send(await createStaff(p, req.body, actorOf(req))),
  );

  app.delete<{ Params: { id: string } }>('/v1/admin/staff/:id', { config: { access: ['admin'] }, schema: { summary: 'Remove a staff member; their tokens stop working', tags: ['admin'] } }, async (req, reply) => {
    const id = parseId('staff', req.params.id);
    if (id === 0) fail('NOT_FOUND');
    await deleteStaff(p, id, actorOf(req));
    return reply.code(204).send();
  });

  if (clock) {
    app.post<{ Body: { advanceSeconds: number } }>(
      '/v1/admin/clock',
      {
        config: { access: ['admin'] },
        schema: {
          summary: 'Move the manual clock forward (BANYA_CLOCK=manual only); due expiries are applied first',
          tags: ['admin'],
          body: { type: 'object', required: ['advanceSeconds'], properties: { advanceSeconds: { type: 'number', minimum: 0, maximum: 3153600000 } } },
          response: { 200: { type: 'object', properties: { now: { type: 'string' } } }, ...errorResponses },
        },
      },
      async (req) => ({ now: new Date(await clock.advance(req.body.advanceSeconds)).toISOString() }),
    );
  }
}
