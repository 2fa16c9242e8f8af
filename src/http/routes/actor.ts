import type { FastifyRequest } from 'fastify';
import { publicId } from '../../store/ids.js';
import type { StaffActor } from '../../enforcement/staff.js';
import type { Actor } from '../../store/event-log.js';

/** The event-log actor of a request. */
export function actorOf(req: FastifyRequest): Actor {
  const p = req.principal;
  if (!p) return { kind: 'system' };
  if (p.kind === 'account') return { kind: 'account', id: publicId('account', p.accountId) };
  if (p.kind === 'staff') return { kind: 'staff', id: publicId('staff', p.staffId) };
  return { kind: 'admin' };
}

/** The staff member behind a staff route (the admin token acts as `admin`). */
export function staffOf(req: FastifyRequest): StaffActor {
  const p = req.principal;
  if (p?.kind === 'staff') return { ref: publicId('staff', p.staffId), role: p.role };
  if (p?.kind === 'admin') return { ref: 'admin', role: 'admin' };
  throw new Error('route without staff access');
}
