import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        tags: ['service'],
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } },
      },
      config: { access: 'none' },
    },
    async () => ({ ok: true }),
  );
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'none' } }, async () => app.swagger());
}
