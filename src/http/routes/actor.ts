import type { FastifyRequest } from 'fastify';
import { publicId } from '../../store/ids.js';
import type { Actor } from '../../store/event-log.js';

/** The event-log actor of a request. */
export function actorOf(req: FastifyRequest): Actor {
  const p = req.principal;
  if (!p) return { kind: 'system' };
  if (p.kind === 'account') return { kind: 'account', id: publicId('account', p.accountId) };
  if (p.kind === 'staff') return { kind: 'staff', id: publicId('staff', p.staffId) };
  return { kind: 'admin' };
}
