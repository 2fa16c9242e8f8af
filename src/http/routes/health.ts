import type { FastifyInstance } from 'fastify';
import { sendError } from '../errors.js';
import type { Store } from '../../store/store.js';

export async function healthRoutes(app: FastifyInstance, store: Store): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Health: 200 while the store can write, 503 with the reason when it cannot',
        description: 'Each answer reflects a real write through the group commit, at most a second old.',
        tags: ['service'],
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } },
      },
      config: { access: 'none' },
    },
    async (req, reply) => {
      const health = await store.health();
      if (health.ok) return { ok: true };
      return sendError(req, reply, 'SERVICE_UNAVAILABLE', { reason: health.reason });
    },
  );
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'none' } }, async () => app.swagger());
}
