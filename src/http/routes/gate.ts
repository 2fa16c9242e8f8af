import type { FastifyInstance } from 'fastify';
import { fail } from '../../domain/errors.js';
import { checkBatch } from '../../platform/gate-batch.js';
import type { Platform } from '../../platform/context.js';

const MAX_BATCH = 100_000;

export async function gateRoutes(app: FastifyInstance, p: Platform): Promise<void> {
  app.post<{ Body: { from: string[]; to: string[] } }>(
    '/v1/gate/check',
    {
      // The platform's own key only (API.md): a staff token, even with the `admin` role, gets 403.
      config: { access: 'platform' },
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        summary: 'Decide many private messages at once (send-gate rows 1–7, no rate limits); 0 means allowed',
        description:
          '`from[i]` → `to[i]`. Answers `results[i]`: 0 when allowed, else the denial code (`PEER_ID_INVALID` for an unknown account, `BAD_REQUEST` for a message to oneself, as a send would answer). Up to 100,000 pairs per call.',
        tags: ['gate'],
        body: {
          type: 'object',
          required: ['from', 'to'],
          properties: {
            from: { type: 'array', maxItems: MAX_BATCH, items: { type: 'string', maxLength: 16 } },
            to: { type: 'array', maxItems: MAX_BATCH, items: { type: 'string', maxLength: 16 } },
          },
        },
        response: { 200: { type: 'object', properties: { results: { type: 'array', items: { anyOf: [{ type: 'integer' }, { type: 'string' }] } } } } },
      },
    },
    async (req) => {
      if (req.body.from.length !== req.body.to.length) fail('BAD_REQUEST', { reason: 'from and to must have the same length' });
      return { results: checkBatch(p, req.body.from, req.body.to) };
    },
  );
}
