import fastifyCookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Duplex } from 'node:stream';
import { BanyaError } from '../domain/errors.js';
import { errorText } from '../domain/texts.js';
import type { Platform } from '../platform/context.js';
import { authHook } from './auth.js';
import { ConsoleSessions } from './console-sessions.js';
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

export interface HttpServer {
  readonly server: FastifyInstance;
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
 * What makes a parsed body unacceptable before any schema sees it: nesting deeper than `max`
 * (no request of this API nests deeper than a few levels; deeper bodies would only feed recursive
 * code, hashing and validation, with a stack to overflow), or a key that could reach an object's
 * prototype once the body is copied or merged: `__proto__`, or `constructor` holding `prototype`
 * (what secure-json-parse refuses). Walks without recursion; names the offending key's path.
 */
function bodyProblem(value: unknown, max: number): BanyaError | null {
  if (value === null || typeof value !== 'object') return null;
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

/** The request's declared body length, when it declares one. */
function declaredLength(header: string | undefined): number | null {
  if (header === undefined || !/^\d+$/.test(header)) return null;
  return Number(header);
}

export async function createHttpServer(p: Platform, options: HttpOptions): Promise<HttpServer> {
  const limits = p.config.http;
  const app: FastifyInstance = Fastify({
    loggerInstance: p.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
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
    if (text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return done(new BanyaError('BAD_REQUEST', { reason: 'the body is not valid JSON' }));
    }
    const problem = bodyProblem(value, MAX_BODY_DEPTH);
    if (problem) return done(problem);
    done(null, value);
  });

  // First of all: the headers every answer carries, and a declared body over the limit is
  // refused before a byte of it is read (a chunked one is refused as it passes the limit).
  app.addHook('onRequest', (req, reply, done) => {
    void reply.headers(SECURITY_HEADERS);
    const length = declaredLength(req.headers['content-length']);
    if (length !== null && length > p.config.bodyLimitBytes) return void tooLarge(req, reply, p.config.bodyLimitBytes);
    done();
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('lang', undefined);
  await app.register(fastifyCookie);
  const sessions = new ConsoleSessions(p);
  await sessions.load();
  // Several nodes: nothing is decided (not even who is asking) on memory older than the request.
  const fresh = options.fresh;
  if (fresh)
    app.addHook('onRequest', async (req) => {
      if (req.url.startsWith('/v1/')) await fresh();
    });
  app.addHook('onRequest', authHook(p, sessions));
  // Sends and their denials, for the console's figures (the send route is the hot path: one branch).
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url === '/v1/messages' && req.method === 'POST') options.figures.send(reply.statusCode, req.errorCode);
  });
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
  await messageRoutes(app, p);
  await groupRoutes(app, p);
  await reportRoutes(app, p);
  await moderationRoutes(app, p);
  await gateRoutes(app, p);
  await supportRoutes(app, p, options.spamBot, options.desk, options.runDue);
  await adminRoutes(app, p, options.advance ? { advance: options.advance } : null);
  await consoleRoutes(app, p, { sessions, figures: options.figures, demo: options.demo, ...(options.webDir ? { webDir: options.webDir } : {}) });
  await crmRoutes(app, p);
  await metricsRoutes(app, p);
  await app.ready();
  return { server: app };
}
