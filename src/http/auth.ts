import type { FastifyReply, FastifyRequest } from 'fastify';
import { Flag } from '../domain/gate.js';
import type { Lang } from '../domain/texts.js';
import type { Platform } from '../platform/context.js';
import type { Principal } from '../platform/tokens.js';
import type { StaffRole } from '../store/schema/staff.js';
import { CSRF_HEADER, SESSION_COOKIE, type ConsoleSessions } from './console-sessions.js';
import { sendError } from './errors.js';

/**
 * Who may call a route. `account`: an account token. `staff`: any staff token (or the admin
 * token); a list of roles narrows it. `none`: anyone.
 */
export type Access = 'none' | 'account' | 'staff' | StaffRole[];

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    lang: Lang | undefined;
    /** The code of the error answered, if any (for figures). */
    errorCode?: string;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** `Bearer <token>`; the scheme's case does not matter (RFC 7235 §2.1: `bearer`, `BEARER`). */
const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  return BEARER.exec(h)?.[1];
}

/** The account behind the request (the route's access is `account`). */
export function accountOf(req: FastifyRequest): number {
  const p = req.principal;
  if (p?.kind !== 'account') throw new Error('route without account access');
  return p.accountId;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authenticates, authorises and rate-limits, before the body is even read. A bearer token wins;
 * without one, a console session cookie stands for its staff token, and then every write must
 * carry the session's CSRF token.
 */
export function authHook(p: Platform, sessions?: ConsoleSessions) {
  return async function authenticate(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    req.principal = null;
    req.lang = undefined;
    const access: Access = req.routeOptions.config?.access ?? 'none';
    const token = bearer(req);
    let principal = token ? p.tokens.lookup(token) : undefined;
    const sessionId = token === undefined && sessions ? req.cookies?.[SESSION_COOKIE] : undefined;
    if (sessionId) {
      principal = sessions!.principal(sessionId);
      if (principal && !SAFE_METHODS.has(req.method)) {
        const csrf = req.headers[CSRF_HEADER];
        if (!sessions!.csrfMatches(sessionId, typeof csrf === 'string' ? csrf : undefined)) {
          return void sendError(req, reply, 'FORBIDDEN', { reason: `a console write needs the session's ${CSRF_HEADER} header` });
        }
      }
    }
    if (principal?.kind === 'account') {
      const f = p.index.flags(principal.accountId);
      req.lang = p.index.language(principal.accountId);
      if (f & Flag.BANNED) return void sendError(req, reply, 'USER_DEACTIVATED_BAN');
      if (f & Flag.DELETED) return void sendError(req, reply, 'UNAUTHORIZED');
    }
    // Rate limits: per account; per address only without a valid token; never the admin token.
    if (principal?.kind === 'account') {
      const taken = p.limits.take('requests', principal.accountId);
      const wait = typeof taken === 'number' ? taken : await taken;
      if (wait > 0) return void sendError(req, reply, 'FLOOD_WAIT', { retryAfter: wait });
    } else if (!principal) {
      const taken = p.limits.takeForIp(req.ip);
      const wait = typeof taken === 'number' ? taken : await taken;
      if (wait > 0) return void sendError(req, reply, 'FLOOD_WAIT', { retryAfter: wait });
      // Credentials that do not authenticate also spend a smaller bucket of their own: guessing
      // tokens from one address is slow, and valid tokens (limited per account) never meet it.
      if (req.headers.authorization !== undefined) {
        const taken = p.limits.takeAuthFailure(req.ip);
        const failed = typeof taken === 'number' ? taken : await taken;
        if (failed > 0) return void sendError(req, reply, 'FLOOD_WAIT', { retryAfter: failed });
      }
    }
    if (access === 'none') {
      req.principal = principal ?? null;
      return;
    }
    if (!principal) return void sendError(req, reply, 'UNAUTHORIZED');
    if (access === 'account') {
      if (principal.kind !== 'account') return void sendError(req, reply, 'FORBIDDEN', { reason: 'an account token is required' });
    } else {
      if (principal.kind === 'account') return void sendError(req, reply, 'FORBIDDEN', { reason: 'a staff token is required' });
      if (Array.isArray(access) && principal.role !== 'admin' && !access.includes(principal.role)) {
        return void sendError(req, reply, 'FORBIDDEN', { reason: `requires role ${access.join(' or ')}` });
      }
    }
    req.principal = principal;
  };
}
