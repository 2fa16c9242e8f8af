import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fail } from '../../domain/errors.js';
import type { Figures } from '../../metrics/figures.js';
import type { Platform } from '../../platform/context.js';
import type { Principal } from '../../platform/tokens.js';
import { publicId } from '../../store/ids.js';
import { rows } from '../../store/read.js';
import { SESSION_COOKIE, type ConsoleSessions } from '../console-sessions.js';
import { PAGE_CSP, sendError } from '../errors.js';
import { robotRecords } from '../../enforcement/timeline.js';
import { numericCursor, pageParams } from '../paging.js';
import { errorResponses, pageQuerySchema, robotSignalsSchema } from '../schemas.js';

/**
 * The console's own API (sessions, figures, staff list, the evidence-view audit) and the web pages
 * themselves: the staff console at /console/ and the demo messenger at /app/, built by Vite into
 * dist/web and served from here.
 */

export interface ConsoleOptions {
  sessions: ConsoleSessions;
  figures: Figures;
  /** Where the built pages are; absent pages answer 404 with a hint to build them. */
  webDir?: string;
  /** The server runs the demo world on a loopback address: its people may be picked in /app/. */
  demo: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/web beside the package, from src/http/routes or dist/http/routes alike. */
export const DEFAULT_WEB_DIR = path.resolve(here, '../../../dist/web');

function principalView(p: Principal, names: Map<number, string>) {
  if (p.kind === 'staff') return { kind: 'staff' as const, id: publicId('staff', p.staffId), role: p.role, name: names.get(p.staffId) ?? '' };
  if (p.kind === 'admin') return { kind: 'admin' as const, id: 'admin', role: 'admin' as const, name: 'Operator' };
  fail('FORBIDDEN');
}

async function staffNames(p: Platform): Promise<Map<number, string>> {
  const list = await rows(p.store, p.store.db.selectFrom('staff').select(['id', 'name']));
  return new Map(list.map((s) => [s.id, s.name]));
}

const sessionSchema = {
  type: 'object',
  properties: {
    principal: { type: 'object', properties: { kind: { type: 'string' }, id: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } } },
    csrf: { type: 'string', description: 'send it as the x-csrf-token header on every write made with the session cookie' },
    expiresAt: { type: 'string' },
  },
} as const;

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

export async function consoleRoutes(app: FastifyInstance, p: Platform, o: ConsoleOptions): Promise<void> {
  const { sessions, figures } = o;
  const secure = false; // served over plain HTTP on loopback by default; a TLS proxy in front keeps SameSite/HttpOnly

  app.post<{ Body: { token: string } }>(
    '/v1/console/session',
    {
      config: { access: 'none' },
      schema: {
        summary: 'Sign in to the console with a staff token (or the admin token): sets an HttpOnly session cookie',
        tags: ['console'],
        body: { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 256 } } },
        response: { 201: sessionSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const opened = await sessions.open(req.body.token);
      if (!opened) {
        // A token tried here spends the failed-authentication bucket as a bad bearer token does:
        // the sign-in form is no faster a way to guess tokens than the Authorization header.
        const wait = await p.limits.takeAuthFailure(req.ip);
        if (wait > 0) return sendError(req, reply, 'FLOOD_WAIT', { retryAfter: wait });
        return sendError(req, reply, 'UNAUTHORIZED');
      }
      void reply.setCookie(SESSION_COOKIE, opened.id, { path: '/', httpOnly: true, sameSite: 'strict', secure, expires: new Date(opened.expiresAt) });
      return reply
        .code(201)
        .send({ principal: principalView(opened.principal, await staffNames(p)), csrf: opened.csrf, expiresAt: new Date(opened.expiresAt).toISOString() });
    },
  );

  app.get(
    '/v1/console/session',
    {
      config: { access: 'session' },
      schema: { summary: 'The signed-in staff member, with a fresh CSRF token', tags: ['console'], response: { 200: sessionSchema, ...errorResponses } },
    },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const id = req.cookies[SESSION_COOKIE];
      const csrf = id ? await sessions.renewCsrf(id) : undefined;
      if (!csrf) return sendError(req, reply, 'UNAUTHORIZED', { reason: 'sign in to the console first' });
      return { principal: principalView(req.principal!, await staffNames(p)), csrf };
    },
  );

  app.delete('/v1/console/session', { config: { access: 'none' }, schema: { summary: 'Sign out of the console', tags: ['console'] } }, async (req, reply) => {
    const id = req.cookies[SESSION_COOKIE];
    if (id) await sessions.close(id);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get<{ Querystring: { minutes?: string } }>(
    '/v1/console/figures',
    {
      config: { access: 'staff' },
      schema: {
        summary: "Per-minute figures for the console's charts: messages, denials by code, reports, decisions, appeals, robots",
        tags: ['console'],
        querystring: { type: 'object', properties: { minutes: { type: 'string', pattern: '^[0-9]{1,4}$' } } },
      },
    },
    async (req) => {
      const minutes = req.query.minutes === undefined ? 60 : Number(req.query.minutes);
      if (minutes < 1 || minutes > 1440) fail('BAD_REQUEST', { field: 'querystring.minutes', reason: 'from 1 to 1440' });
      return figures.view(minutes);
    },
  );

  app.get<{ Querystring: { kind?: 'shadow' | 'false_positive'; cursor?: string; limit?: string } }>(
    '/v1/console/robots/records',
    {
      config: { access: 'staff' },
      schema: {
        summary:
          "The robots page's records, newest first: shadow results (what a rule would have done, why not, the signals that fired) and false positives found by appeals",
        tags: ['console'],
        querystring: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: ['shadow', 'false_positive'] },
            cursor: { type: 'string', pattern: '^[0-9]{1,15}$' },
            limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              records: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'at', 'kind', 'rule'],
                  properties: {
                    id: { type: 'string' },
                    at: { type: 'string' },
                    kind: { type: 'string', enum: ['shadow', 'false_positive'] },
                    rule: { type: 'string' },
                    accountId: { type: 'string' },
                    effect: { type: 'object', additionalProperties: true, description: 'shadow: what the rule would have done' },
                    why: { type: 'string', description: 'shadow: shadow, daily_cap or manual_decision' },
                    signals: robotSignalsSchema,
                    appealId: { type: 'string', description: 'false positive: the appeal that overturned the robot' },
                    restrictionId: { type: 'string' },
                  },
                },
              },
              nextCursor: { type: 'string' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { limit } = pageParams(req.query);
      return robotRecords(p, req.query.kind, limit, req.query.cursor === undefined ? undefined : Number(req.query.cursor));
    },
  );

  app.get<{ Querystring: { cursor?: string; limit?: string } }>(
    '/v1/admin/staff',
    {
      config: { access: ['admin'] },
      schema: { summary: 'Staff members and their roles, oldest first', tags: ['admin'], querystring: pageQuerySchema },
    },
    async (req) => {
      const { limit, cursor } = pageParams(req.query);
      const after = numericCursor(cursor);
      const list = await rows(
        p.store,
        p.store.db
          .selectFrom('staff')
          .select(['id', 'name', 'role', 'created_at'])
          .where('deleted_at', 'is', null)
          .where('id', '>', after)
          .orderBy('id')
          .limit(limit + 1),
      );
      const page = list.slice(0, limit);
      return {
        staff: page.map((s) => ({ id: publicId('staff', s.id), name: s.name, role: s.role, createdAt: new Date(s.created_at).toISOString() })),
        ...(list.length > limit ? { nextCursor: String(page[page.length - 1]!.id) } : {}),
      };
    },
  );

  app.get<{ Querystring: { cursor?: string; limit?: string } }>(
    '/v1/moderation/audit',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Who looked at which evidence when: every evidence view, newest first',
        tags: ['moderation'],
        querystring: {
          type: 'object',
          properties: { cursor: { type: 'string', pattern: '^[0-9]{1,12}$' }, limit: { type: 'string', pattern: '^[0-9]{1,4}$' } },
        },
      },
    },
    async (req) => {
      const { limit } = pageParams(req.query);
      let q = p.store.db.selectFrom('events').select(['id', 'at', 'actor_kind', 'actor_id', 'account_id', 'payload']).where('type', '=', 'evidence_viewed');
      if (req.query.cursor !== undefined) q = q.where('id', '<', Number(req.query.cursor));
      const list = await rows(p.store, q.orderBy('id', 'desc').limit(limit + 1));
      const page = list.slice(0, limit);
      return {
        views: page.map((e) => {
          const payload = JSON.parse(e.payload) as { caseId?: number; by?: string };
          return {
            at: new Date(e.at).toISOString(),
            by: payload.by ?? e.actor_id ?? e.actor_kind,
            caseId: payload.caseId ? publicId('case', payload.caseId) : undefined,
            accountId: e.account_id ? publicId('account', e.account_id) : undefined,
          };
        }),
        ...(list.length > limit ? { nextCursor: String(page[page.length - 1]!.id) } : {}),
      };
    },
  );

  // The demo messenger lets a visitor pick one of the demo's people, only on a loopback demo.
  if (o.demo && isLoopback(p.config.host)) {
    app.get(
      '/v1/demo/people',
      { config: { access: 'none' }, schema: { summary: "The demo world's people and their tokens (demo on loopback only)", tags: ['demo'] } },
      async () => {
        const file = path.join(p.config.dataDir, 'demo.json');
        if (!fs.existsSync(file)) fail('NOT_FOUND');
        const world = JSON.parse(fs.readFileSync(file, 'utf8')) as { accounts: Record<string, { id: string; name: string; username?: string; token: string }> };
        return { people: Object.entries(world.accounts).map(([key, a]) => ({ key, id: a.id, name: a.name, username: a.username, token: a.token })) };
      },
    );
  }

  const webDir = o.webDir ?? DEFAULT_WEB_DIR;
  if (fs.existsSync(path.join(webDir, 'console', 'index.html'))) {
    // Built assets carry a content hash in their names: they may be cached for good. Their
    // routes' access (`none`: the files hold no data) is declared in server.ts, as the plugin
    // takes no route config.
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: '/static/',
      decorateReply: true,
      index: false,
      wildcard: true,
      cacheControl: false,
      setHeaders: (res, file) => {
        void res.header('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-store');
      },
    });
    const page = (name: 'console' | 'app') => async (_req: FastifyRequest, reply: FastifyReply) =>
      reply
        .header('cache-control', 'no-store')
        .header('content-security-policy', PAGE_CSP)
        .type('text/html; charset=utf-8')
        .sendFile(`${name}/index.html`, webDir);
    for (const name of ['console', 'app'] as const) {
      app.get(`/${name}`, { config: { access: 'none' }, schema: { hide: true } }, async (_req, reply) => reply.redirect(`/${name}/`));
      app.get(`/${name}/`, { config: { access: 'none' }, schema: { hide: true } }, page(name));
      app.get(`/${name}/*`, { config: { access: 'none' }, schema: { hide: true } }, page(name));
    }
  } else {
    for (const name of ['console', 'app'] as const) {
      app.get(`/${name}/*`, { config: { access: 'none' }, schema: { hide: true } }, async (req, reply) =>
        sendError(req, reply, 'NOT_FOUND', { reason: 'the web pages are not built: run npm run build:web' }),
      );
    }
  }
}
