import fastifyCookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Duplex } from 'node:stream';
import { BanyaError } from '../domain/errors.js';
import { errorText } from '../domain/texts.js';
import type { Platform } from '../platform/context.js';
import type { ErrorCode } from '../domain/codes.js';
import { type Access, authHook } from './auth.js';
import { ConsoleSessions } from './console-sessions.js';
import { requestLogFactory } from './request-log.js';
import { errorHandler, SECURITY_HEADERS, sendError, tooLarge } from './errors.js';
import { accountRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
import { consoleRoutes } from './routes/console.js';
import { contactRoutes } from './routes/contacts.js';
import { crmRoutes } from './routes/crm.js';
import { metricsRoutes } from './routes/metrics.js';
import { gateRoutes } from './routes/gate.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
import { messageRoutes } from './routes/messages.js';
import { moderationRoutes } from './routes/moderation.js';
import { reportRoutes } from './routes/reports.js';
import { supportRoutes } from './routes/support.js';
import type { SpamBot } from '../spambot/bot.js';
import type { SupportDesk } from '../support/desk.js';
import type { Figures } from '../metrics/figures.js';

/** A registered route and the access declared beside it. */
export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
  othersGet?: readonly ErrorCode[];
  /** Hidden from the OpenAPI document (the web pages, the document itself). */
  hidden: boolean;
}

export interface HttpServer {
  readonly server: FastifyInstance;
  /** Every route as registered, with its declared access (the authorization matrix reads it). */
  readonly routes: readonly RouteEntry[];
}

export interface HttpOptions {
  /** With several nodes: resolves once memory holds everything committed before (every request waits for it). */
  fresh?: () => Promise<void>;
  /** The manual clock's control; the clock endpoint exists only with it. */
  advance: ((seconds: number) => Promise<number>) | null;
  spamBot: SpamBot;
  desk: SupportDesk;
  /** Applies whatever fell due (after a decision that releases a held deletion). */
  runDue: () => Promise<void>;
  figures: Figures;
  /** Started with --demo: the demo messenger may offer the demo's people (on loopback only). */
  demo: boolean;
  /** Where the built web pages are (default dist/web). */
  webDir?: string;
}

const MAX_BODY_DEPTH = 32;

/**
 * A request Node's HTTP parser cannot read (broken request line or headers, headers too large)
 * never reaches Fastify; it is answered here, in the one error shape, and the connection closed.
 */
function clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const reason = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'the request was not received in time' : 'the request is not valid HTTP';
  const body = JSON.stringify({ error: { code: 'BAD_REQUEST', message: errorText('BAD_REQUEST', 'en'), details: { reason } } });
  if (socket.writable) {
    const security = Object.entries(SECURITY_HEADERS)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(
      `HTTP/1.1 400 Bad Request\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\n${security}Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * Whether a parsed body is free of what `bodyProblem` refuses, without building a path: every
 * request runs this, and only a body that fails it has its problem named.
 */
function cleanBody(value: object, max: number): boolean {
  const objects: object[] = [value];
  const depths: number[] = [1];
  while (objects.length > 0) {
    const v = objects.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child: unknown = v[i];
        if (child !== null && typeof child === 'object') {
          objects.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      const isObject = child !== null && typeof child === 'object';
      if (key === '__proto__' || (key === 'constructor' && isObject && Object.hasOwn(child, 'prototype'))) return false;
      if (isObject) {
        objects.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return true;
}

/**
 * What makes a parsed body unacceptable before any schema sees it: nesting deeper than `max`
 * (no request of this API nests deeper than a few levels; deeper bodies would only feed recursive
 * code, hashing and validation, with a stack to overflow), or a key that could reach an object's
 * prototype once the body is copied or merged: `__proto__`, or `constructor` holding `prototype`
 * (what secure-json-parse refuses). Walks without recursion; names the offending key's path.
 */
function bodyProblem(value: unknown, max: number): BanyaError | null {
  if (value === null || typeof value !== 'object' || cleanBody(value, max)) return null;
  const stack: [object, number, string][] = [[value, 1, '']];
  while (stack.length > 0) {
    const [v, depth, path] = stack.pop()!;
    if (depth > max) return new BanyaError('BAD_REQUEST', { reason: `the body nests deeper than ${max} levels` });
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key];
      const at = path === '' ? key : `${path}.${key}`;
      const poisoned = key === '__proto__' || (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype'));
      if (poisoned) return new BanyaError('BAD_REQUEST', { field: at, reason: `the key "${key}" is not allowed in a request body` });
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1, at]);
    }
  }
  return null;
}

/** Whether a parsed body holds U+0000 in any string, keys included. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) if (k.includes('\u0000') || holdsNul(v)) return true;
  return false;
}

/** The request's declared body length, when it declares one. */
function declaredLength(header: string | undefined): number | null {
  if (header === undefined || !/^\d+$/.test(header)) return null;
  return Number(header);
}

/**
 * Every route declares who may call it (`config.access`, auth.ts); one without a declaration does
 * not register. Each registered route is listed in `routes`, with its declaration.
 */
export function declareAccess(app: FastifyInstance, routes: RouteEntry[]): void {
  app.addHook('onRoute', (r) => {
    // The built web files (console.ts serves them with @fastify/static, which takes no route
    // config): public, as they hold no data; every datum comes through the API's own access.
    if (r.url.startsWith('/static/')) r.config = { ...r.config, access: 'none' };
    const access = r.config?.access;
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    if (access === undefined) throw new Error(`route ${methods.join(',')} ${r.url} declares no config.access`);
    for (const method of methods)
      routes.push({
        method,
        url: r.url,
        access,
        hidden: (r.schema as { hide?: boolean } | undefined)?.hide === true,
        ...(r.config?.othersGet ? { othersGet: r.config.othersGet } : {}),
      });
  });
}

export async function createHttpServer(p: Platform, options: HttpOptions): Promise<HttpServer> {
  const limits = p.config.http;
  const app: FastifyInstance = Fastify({
    loggerInstance: p.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // A request's child logger is built only if it logs (request-log.ts).
    childLoggerFactory: requestLogFactory,
    bodyLimit: p.config.bodyLimitBytes,
    // Slow and idle clients do not hold sockets: the headers, the whole request and the pause
    // between keep-alive requests each have a deadline. Node checks the first two every
    // `connectionsCheckingInterval`, so it is a fraction of the shortest.
    http: { connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))) },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Wrong types are errors, not values to coerce; unknown fields are ignored.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    clientErrorHandler: clientError,
    // Errors the router raises before any route runs (a path that is not valid percent-encoding,
    // a path segment longer than any id) get the one error shape too.
    frameworkErrors: (err, req, reply) => {
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(req, reply, 'NOT_FOUND');
      if (err.code === 'FST_ERR_BAD_URL') return sendError(req, reply, 'BAD_REQUEST', { reason: 'the path is not valid percent-encoding' });
      return errorHandler(err, req, reply);
    },
  });

  app.server.headersTimeout = limits.headersTimeoutMs;
  app.server.maxConnections = limits.maxConnections;

  // Any content type is read as JSON (curl -d sends form encoding by default); empty means none.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    let text = body as string;
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const first = text.charCodeAt(0);
    // (a body opening an object or an array is not blank: no trimmed copy of it)
    if (first !== 0x7b && first !== 0x5b && text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return done(new BanyaError('BAD_REQUEST', { reason: 'the body is not valid JSON' }));
    }
    const problem = bodyProblem(value, MAX_BODY_DEPTH);
    if (problem) return done(problem);
    // NUL is not text: PostgreSQL cannot store it, and no client means it. (Only the escape can
    // carry it: a raw NUL inside a JSON string is not JSON.)
    if (text.includes('\\u0000') && holdsNul(value))
      return done(new BanyaError('BAD_REQUEST', { reason: 'the body holds the NUL character (U+0000), which no text may contain' }));
    done(null, value);
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('lang', undefined);
  app.decorateRequest('heldFloodWait', undefined);
  const sessions = new ConsoleSessions(p);
  await sessions.load();
  const authenticate = authHook(p, sessions);
  // Several nodes: nothing is decided (not even who is asking) on memory older than the request.
  const fresh = options.fresh;
  if (fresh)
    app.addHook('onRequest', async (req) => {
      if (req.url.startsWith('/v1/')) await fresh();
    });
  // One hook before anything else, synchronous: the headers every answer carries; a declared
  // body over the route's limit refused before a byte of it is read (a chunked one is refused
  // as it passes the limit); then who is asking (auth.ts).
  app.addHook('onRequest', (req, reply, done) => {
    void reply.headers(SECURITY_HEADERS);
    const length = declaredLength(req.headers['content-length']);
    const limit = req.routeOptions.bodyLimit ?? p.config.bodyLimitBytes;
    if (length !== null && length > limit) return void tooLarge(req, reply, limit);
    const authenticated = authenticate(req, reply);
    if (authenticated === true) done();
    else if (authenticated !== false) authenticated.then((ok) => ok && done(), done);
  });
  const routes: RouteEntry[] = [];
  declareAccess(app, routes);
  app.decorateRequest('principalKind', 'anonymous');
  // The access log: one line per answered request, at `info` (BANYA_LOG_LEVEL=warn turns it off).
  // The route's pattern, never its path or query (they carry ids and phone numbers), and never a
  // header or a body: no token, no number, no message text reaches it.
  if (p.log.isLevelEnabled('info')) {
    const access = p.log.child({ log: 'access' });
    app.addHook('onResponse', (req, reply, done) => {
      access.info(
        {
          method: req.method,
          route: req.routeOptions.url ?? '(no route)',
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 100) / 100,
          principal: req.principalKind,
          ...(req.errorCode ? { code: req.errorCode } : {}),
        },
        'request',
      );
      done();
    });
  }
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => sendError(req, reply, 'NOT_FOUND'));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'banya',
        version: '0.1.0',
        description: 'Anti-spam and account-restriction engine. Every denial carries a stable code, a message and details.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  await healthRoutes(app, p.store);
  await accountRoutes(app, p);
  await contactRoutes(app, p);
  await messageRoutes(app, p, options.figures);
  await groupRoutes(app, p);
  await reportRoutes(app, p);
  await moderationRoutes(app, p);
  await gateRoutes(app, p);
  await supportRoutes(app, p, options.spamBot, options.desk, options.runDue);
  await adminRoutes(app, p, options.advance ? { advance: options.advance } : null);
  // Only the console's routes set or read cookies through the plugin (its per-request hooks stay
  // off every other route; the auth hook reads the session cookie itself, with the plugin's parser).
  await app.register(async (scope) => {
    await scope.register(fastifyCookie);
    await consoleRoutes(scope, p, { sessions, figures: options.figures, demo: options.demo, ...(options.webDir ? { webDir: options.webDir } : {}) });
  });
  await crmRoutes(app, p);
  await metricsRoutes(app, p);
  await app.ready();
  return { server: app, routes };
}
