import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Duplex } from 'node:stream';
import { BanyaError } from '../domain/errors.js';
import { errorText } from '../domain/texts.js';
import type { Platform } from '../platform/context.js';
import { authHook } from './auth.js';
import { errorHandler, sendError } from './errors.js';
import { accountRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
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

export interface HttpServer {
  readonly server: FastifyInstance;
}

export interface HttpOptions {
  /** The manual clock's control; the clock endpoint exists only with it. */
  advance: ((seconds: number) => Promise<number>) | null;
  spamBot: SpamBot;
  desk: SupportDesk;
  /** Applies whatever fell due (after a decision that releases a held deletion). */
  runDue: () => Promise<void>;
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
    socket.write(`HTTP/1.1 400 Bad Request\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/** Whether a parsed JSON value has arrays or objects nested deeper than `max` (without recursion). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: [object, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child as object, depth + 1]);
  }
  return false;
}

export async function createHttpServer(p: Platform, options: HttpOptions): Promise<HttpServer> {
  const app: FastifyInstance = Fastify({
    loggerInstance: p.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: p.config.bodyLimitBytes,
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

  // Any content type is read as JSON (curl -d sends form encoding by default); empty means none.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    json(req, text, (err, value) => {
      if (err) return done(err);
      // No request of this API nests deeper than a few levels; deeper bodies would only feed
      // recursive code (hashing, validation) with a stack to overflow.
      if (nestedDeeperThan(value, MAX_BODY_DEPTH)) return done(new BanyaError('BAD_REQUEST', { reason: `the body nests deeper than ${MAX_BODY_DEPTH} levels` }));
      done(null, value);
    });
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('lang', undefined);
  app.addHook('onRequest', authHook(p));
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
  await crmRoutes(app, p);
  await metricsRoutes(app, p);
  await app.ready();
  return { server: app };
}
