import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Platform } from '../platform/context.js';
import { authHook } from './auth.js';
import { errorHandler, sendError } from './errors.js';
import { accountRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
import { contactRoutes } from './routes/contacts.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
import { messageRoutes } from './routes/messages.js';

export interface HttpServer {
  readonly server: FastifyInstance;
}

export interface HttpOptions {
  /** The manual clock's control; the clock endpoint exists only with it. */
  advance: ((seconds: number) => Promise<number>) | null;
}

export async function createHttpServer(p: Platform, options: HttpOptions): Promise<HttpServer> {
  const app: FastifyInstance = Fastify({
    loggerInstance: p.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: p.config.bodyLimitBytes,
    // Wrong types are errors, not values to coerce; unknown fields are ignored.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
  });

  // Any content type is read as JSON (curl -d sends form encoding by default); empty means none.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    json(req, text, done);
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

  await healthRoutes(app);
  await accountRoutes(app, p);
  await contactRoutes(app, p);
  await messageRoutes(app, p);
  await groupRoutes(app, p);
  await adminRoutes(app, p, options.advance ? { advance: options.advance } : null);
  await app.ready();
  return { server: app };
}
