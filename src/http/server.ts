import fastifyCookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerFactoryHandler } from 'fastify';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BanyaError } from '../domain/errors.js';
import { errorText } from '../domain/texts.js';
import type { Platform } from '../platform/context.js';
import type { ErrorCode } from '../domain/codes.js';
import { type Access, authenticator, authHook } from './auth.js';
import { ConsoleSessions } from './console-sessions.js';
import { declaredLength, decodeBody, parseBody } from './body.js';
import { logAccess, requestLogFactory } from './request-log.js';
import { type BodyValidator, type SendFastPath, sendFastPath } from './send-fast-path.js';
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
  /** The handler in front of Fastify for `POST /v1/messages` (null when `http.sendFastPath` is off). */
  readonly sendFastPath: SendFastPath | null;
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

/** Fastify's own request ids (`req-1`, `req-2`, …): one sequence for Fastify and the send fast path. */
function requestIds(): () => string {
  let next = 0;
  return () => {
    next = (next + 1) & 0x7fffffff;
    return `req-${next.toString(36)}`;
  };
}

/**
 * The server Fastify would make itself (its `http` options, its timeouts), whose requests go to
 * `first()` (the send fast path, once built) and, if it does not take them, to Fastify.
 */
function serverWith(first: () => SendFastPath | null) {
  return (
    handler: FastifyServerFactoryHandler,
    opts: { http?: http.ServerOptions; keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number },
  ): http.Server => {
    const server = http.createServer(opts.http ?? {}, (req: IncomingMessage, res: ServerResponse) => {
      const fast = first();
      if (fast === null || !fast.take(req, res)) handler(req, res);
    });
    if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
    if (opts.requestTimeout !== undefined) server.requestTimeout = opts.requestTimeout;
    server.setTimeout(opts.connectionTimeout ?? 0);
    return server;
  };
}

export async function createHttpServer(p: Platform, options: HttpOptions): Promise<HttpServer> {
  const limits = p.config.http;
  const genReqId = requestIds();
  let fastPath: SendFastPath | null = null;
  const app: FastifyInstance = Fastify({
    genReqId,
    // `POST /v1/messages` is taken in front of Fastify (send-fast-path.ts), unless turned off.
    ...(limits.sendFastPath ? { serverFactory: serverWith(() => fastPath) } : {}),
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
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    const text = decodeBody(body as Buffer);
    const value = text instanceof BanyaError ? text : parseBody(text);
    if (value instanceof BanyaError) done(value);
    else done(null, value);
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('lang', undefined);
  app.decorateRequest('heldFloodWait', undefined);
  const sessions = new ConsoleSessions(p);
  await sessions.load();
  const authenticate = authHook(p, sessions);
  // Fastify answers 503 to requests that come while it closes: the fast path leaves those to it.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
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
  const accessLog = p.log.isLevelEnabled('info') ? p.log.child({ log: 'access' }) : null;
  if (accessLog) {
    const access = accessLog;
    app.addHook('onResponse', (req, reply, done) => {
      logAccess(access, req.method, req.routeOptions.url ?? '(no route)', reply.statusCode, reply.elapsedTime, req.principalKind, req.errorCode);
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
  const send = await messageRoutes(app, p, options.figures);
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
  if (limits.sendFastPath) {
    // The route's own schema objects, compiled by Fastify's own compilers (its ajv, its options).
    const { method, url } = send;
    const validate = app.validatorCompiler!({ schema: send.bodySchema, method, url, httpPart: 'body' }) as unknown as BodyValidator;
    const serializers = new Map(
      Object.entries(send.responseSchemas).map(([status, schema]) => [
        status.toLowerCase(),
        app.serializerCompiler!({ schema, method, url, httpStatus: status.toLowerCase() }) as (data: unknown) => string,
      ]),
    );
    fastPath = sendFastPath({
      route: send,
      authenticate: authenticator(p, sessions),
      validate,
      serializers,
      bodyLimit: p.config.bodyLimitBytes,
      ...(fresh ? { fresh } : {}),
      ...(options.figures ? { figures: options.figures } : {}),
      accessLog,
      log: p.log as FastifyBaseLogger,
      genReqId,
      closing: () => closing,
    });
  }
  return { server: app, routes, sendFastPath: fastPath };
}
