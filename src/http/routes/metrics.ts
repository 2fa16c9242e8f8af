import type { FastifyInstance } from 'fastify';
import { Gauge, Registry } from 'prom-client';
import { gatewayOf } from '../../crm/index.js';
import type { Platform } from '../../platform/context.js';

/**
 * `GET /metrics` in the Prometheus text format (prom-client). One registry per service, so that
 * two services in one process (tests) do not share figures; others add their gauges to it.
 */

const registries = new WeakMap<object, Registry>();

export function metricsRegistry(p: Platform): Registry {
  let r = registries.get(p);
  if (r) return r;
  r = new Registry();
  registries.set(p, r);
  const figure = (name: string, help: string, pick: (f: NonNullable<ReturnType<typeof figures>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [r!],
      collect() {
        const f = figures(p);
        this.set(f ? pick(f) : 0);
      },
    });
  figure('banya_crm_outbox_jobs', 'CRM jobs in the outbox (not held): to send, or whose status is not reported yet', (f) => f.outbox);
  figure('banya_crm_outbox_oldest_age_seconds', 'Age of the oldest job in the CRM outbox (injected clock)', (f) => f.outboxOldestSeconds);
  figure('banya_crm_held_jobs', 'First contacts held by sender protection', (f) => f.held);
  figure('banya_crm_held_oldest_age_seconds', 'Age of the oldest held first contact (injected clock)', (f) => f.heldOldestSeconds);
  return r;
}

function figures(p: Platform) {
  return gatewayOf(p)?.figures();
}

export async function metricsRoutes(app: FastifyInstance, p: Platform): Promise<void> {
  const registry = metricsRegistry(p);
  app.get('/metrics', { config: { access: 'none' }, schema: { summary: 'Figures in the Prometheus text format', tags: ['service'] } }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
}
