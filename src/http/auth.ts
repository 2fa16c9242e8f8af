import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { Flag } from '../domain/gate.js';
import type { Lang } from '../domain/texts.js';
import type { Platform } from '../platform/context.js';
import type { Principal } from '../platform/tokens.js';
import type { ErrorCode } from '../domain/codes.js';
import type { StaffRole } from '../store/schema/staff.js';
import { CSRF_HEADER, SESSION_COOKIE, type ConsoleSessions } from './console-sessions.js';
import { sendError } from './errors.js';
import { settleHeldFloodWait } from './held-flood-wait.js';

/**
 * Who may call a route, declared beside it in `config.access` (a route without one does not
 * register; test/authz-matrix.test.ts calls every route as every kind of caller against it):
 * - `none`: anyone, signed in or not;
 * - `account`: an account token (never a staff token nor the admin token: no staff member acts as
 *   an account);
 * - `platform`: the admin token as a bearer token, the platform's own key (a console session
 *   opened with it does not carry this right, and staff tokens, `admin` included, get 403);
 * - `staff`: any staff token, the admin token, or a console session standing for one;
 * - a list of roles: staff with one of them (the `admin` role and the admin token always);
 * - `session`: a console session cookie only (a bearer token alone gets 401);
 * - `signed-in`: any valid token; the route itself decides what the principal may see.
 */
export type Access = 'none' | 'account' | 'platform' | 'staff' | 'session' | 'signed-in' | readonly StaffRole[];

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    lang: Lang | undefined;
    /** What the request authenticated as, even when refused (for the access log). */
    principalKind: PrincipalKind;
    /** The code of the error answered, if any (for figures). */
    errorCode?: string;
    /**
     * Seconds an account out of requests must wait, held back on a route that may carry a message
     * to SpamBot or support until its body shows whether it does (`forSystemAccount`).
     */
    heldFloodWait?: number;
  }
  interface FastifyContextConfig {
    access?: Access;
    /**
     * On an account route naming a resource in its path (a chat, a connection): what another
     * account gets for the owner's resource, one of these codes (it never reaches it).
     */
    othersGet?: readonly ErrorCode[];
    /**
     * Whether the request, its body read, is a message to SpamBot or support: those are never
     * rate-limited (API.md), so an account out of requests is refused only once it is not.
     */
    forSystemAccount?: (req: FastifyRequest) => boolean;
  }
}

/** What a request presented: a valid token of a kind, a console session, or nothing that authenticates. */
export type PrincipalKind = 'anonymous' | 'invalid' | 'account' | 'staff' | 'admin' | 'session:staff' | 'session:admin';

/** `Bearer <token>`; the scheme's case does not matter (RFC 7235 §2.1: `bearer`, `BEARER`). */
const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

export function bearer(req: { readonly headers: IncomingHttpHeaders }): string | undefined {
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

/** The console session cookie of a request, read only when it has no bearer token. */
function sessionCookie(req: AuthSubject): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return fastifyCookie.parse(header)[SESSION_COOKIE];
}

/**
 * What authentication reads of a request and writes on it: a Fastify request is one, and so is
 * the raw send path's own (send-fast-path.ts), so that both run this one code.
 */
export interface AuthSubject {
  readonly headers: IncomingHttpHeaders;
  readonly method: string;
  readonly ip: string;
  principal: Principal | null;
  lang: Lang | undefined;
  principalKind: PrincipalKind;
  /** A FLOOD_WAIT held back until the body shows whether it goes to SpamBot or support. */
  heldFloodWait?: number | undefined;
}

/** Answers a refused request (its error in the one shape) and returns false. */
export type Refuse<S, R> = (req: S, reply: R, code: ErrorCode, details?: Record<string, unknown>) => false;

/**
 * Authenticates, authorises and rate-limits, before the body is even read. A bearer token wins;
 * without one, a console session cookie stands for its staff token, and then every write must
 * carry the session's CSRF token. Synchronous (the hot path pays no promise): true when the
 * request goes on, false when it was answered (through `refuse`). `access` is the route's
 * declaration; undefined is refused (fail closed). `holdForSystem`: the route may carry a
 * message to SpamBot or support, so an account's FLOOD_WAIT waits in `heldFloodWait` for the body.
 */
export function authenticator(p: Platform, sessions?: ConsoleSessions) {
  return function authenticate<S extends AuthSubject, R>(
    req: S,
    reply: R,
    access: Access | undefined,
    refuse: Refuse<S, R>,
    holdForSystem = false,
  ): boolean | Promise<boolean> {
    req.principal = null;
    req.lang = undefined;
    const token = bearer(req);
    let principal = token ? p.tokens.lookup(token) : undefined;
    const sessionId = token === undefined && sessions ? sessionCookie(req) : undefined;
    let viaSession = false;
    if (sessionId) {
      principal = sessions!.principal(sessionId);
      viaSession = principal !== undefined;
    }
    req.principalKind = principal
      ? viaSession
        ? principal.kind === 'admin'
          ? 'session:admin'
          : 'session:staff'
        : principal.kind
      : token !== undefined || req.headers.authorization !== undefined || sessionId
        ? 'invalid'
        : 'anonymous';
    if (viaSession && !SAFE_METHODS.has(req.method)) {
      const csrf = req.headers[CSRF_HEADER];
      if (!sessions!.csrfMatches(sessionId!, typeof csrf === 'string' ? csrf : undefined)) {
        return refuse(req, reply, 'FORBIDDEN', { reason: `a console write needs the session's ${CSRF_HEADER} header` });
      }
    }
    if (principal?.kind === 'account') {
      const f = p.index.flags(principal.accountId);
      req.lang = p.index.language(principal.accountId);
      if (f & Flag.BANNED) return refuse(req, reply, 'USER_DEACTIVATED_BAN');
      if (f & Flag.DELETED) return refuse(req, reply, 'UNAUTHORIZED');
    }
    // Rate limits: per account; per address only without a valid token; never the admin token.
    // In-process buckets answer at once; shared ones (Redis, several nodes) answer later.
    const hold = holdForSystem && principal?.kind === 'account';
    const wait = spend(p, principal, req);
    if (typeof wait !== 'number') return wait.then((w) => afterSpending(req, reply, refuse, access, principal, viaSession, hold, w));
    return afterSpending(req, reply, refuse, access, principal, viaSession, hold, wait);
  };
}

/** The rate limit's answer: refused, held back for the body (`hold`), or on to `authorize`. */
function afterSpending<S extends AuthSubject, R>(
  req: S,
  reply: R,
  refuse: Refuse<S, R>,
  access: Access | undefined,
  principal: Principal | undefined,
  viaSession: boolean,
  hold: boolean,
  wait: number,
): boolean {
  if (wait > 0) {
    if (!hold) return refuse(req, reply, 'FLOOD_WAIT', { retryAfter: wait });
    req.heldFloodWait = wait;
  }
  return authorize(req, reply, refuse, access, principal, viaSession);
}

/**
 * Fastify's side of `authenticator`: the route's declared access (an unknown path goes on to
 * its 404; a route reached without a declaration, which none registers without, is refused).
 */
export function authHook(p: Platform, sessions?: ConsoleSessions) {
  const authenticate = authenticator(p, sessions);
  return function authenticateRoute(req: FastifyRequest, reply: FastifyReply): boolean | Promise<boolean> {
    const config = req.routeOptions.config;
    const access: Access | undefined = config?.access ?? (req.is404 ? 'none' : undefined);
    return authenticate(req, reply, access, refuse, config?.forSystemAccount !== undefined);
  };
}

/** Whether the request, its body read, is a message to SpamBot or support (its route says). */
const routeForSystemAccount = (req: FastifyRequest): boolean => req.routeOptions.config?.forSystemAccount?.(req) === true;

/**
 * A route's `preValidation` hook (its body read, not yet validated): a held FLOOD_WAIT is
 * answered unless the request is a message to SpamBot or support. A body that cannot be read at
 * all never gets here: the error handler answers the held FLOOD_WAIT instead (`heldFloodWait`).
 * Both settle it through held-flood-wait.ts, as the send fast path does.
 */
export function releaseForSystemAccount(req: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const wait = settleHeldFloodWait(req, routeForSystemAccount);
  if (wait === undefined) return done();
  refuse(req, reply, 'FLOOD_WAIT', { retryAfter: wait });
}

/**
 * The request buckets a caller spends: an account its own; without a valid token, its address's,
 * and credentials that do not authenticate also a smaller bucket of their own (guessing tokens
 * from one address is slow, and valid tokens, limited per account, never meet it).
 */
function spend(p: Platform, principal: Principal | undefined, req: AuthSubject): number | Promise<number> {
  if (principal?.kind === 'account') return p.limits.take('requests', principal.accountId);
  if (principal) return 0;
  const byIp = p.limits.takeForIp(req.ip);
  if (req.headers.authorization === undefined) return byIp;
  const thenFailures = (w: number): number | Promise<number> => (w > 0 ? w : p.limits.takeAuthFailure(req.ip));
  return typeof byIp === 'number' ? thenFailures(byIp) : byIp.then(thenFailures);
}

/** Whether the caller may call the route, as its `config.access` declares. */
function authorize<S extends AuthSubject, R>(
  req: S,
  reply: R,
  refuse: Refuse<S, R>,
  access: Access | undefined,
  principal: Principal | undefined,
  viaSession: boolean,
): boolean {
  if (access === 'none') {
    req.principal = principal ?? null;
    return true;
  }
  if (access === undefined) return refuse(req, reply, 'FORBIDDEN', { reason: 'this route declares no access' });
  if (!principal) return refuse(req, reply, 'UNAUTHORIZED');
  if (access === 'account') {
    if (principal.kind !== 'account') return refuse(req, reply, 'FORBIDDEN', { reason: 'an account token is required' });
  } else if (access === 'platform') {
    if (principal.kind !== 'admin' || viaSession)
      return refuse(req, reply, 'FORBIDDEN', { reason: 'only the platform key (the admin token, as a bearer token) may call this route' });
  } else if (access === 'session') {
    if (!viaSession) return refuse(req, reply, 'UNAUTHORIZED', { reason: 'sign in to the console first' });
  } else if (access === 'signed-in') {
    // Any valid principal; the route decides what it may see.
  } else {
    if (principal.kind === 'account') return refuse(req, reply, 'FORBIDDEN', { reason: 'a staff token is required' });
    if (access !== 'staff' && principal.role !== 'admin' && !access.includes(principal.role)) {
      return refuse(req, reply, 'FORBIDDEN', { reason: `requires role ${access.join(' or ')}` });
    }
  }
  req.principal = principal;
  return true;
}

function refuse(req: FastifyRequest, reply: FastifyReply, code: Parameters<typeof sendError>[2], details?: Record<string, unknown>): false {
  void sendError(req, reply, code, details);
  return false;
}
