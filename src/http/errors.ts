import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS, type ErrorCode } from '../domain/codes.js';
import { BanyaError } from '../domain/errors.js';
import { errorText, langFromHeader, type Lang, type TextParams } from '../domain/texts.js';
import { StoreUnavailableError } from '../store/store.js';

/**
 * The one place errors become responses: `{error: {code, message, details}}`, the status of the
 * code, a message in the user's language, and never internals.
 */

/** The account's language, else the request's Accept-Language, else English. */
export function requestLang(req: FastifyRequest): Lang {
  return req.lang ?? langFromHeader(req.headers['accept-language']);
}

export function sendError(req: FastifyRequest, reply: FastifyReply, code: ErrorCode, details: Record<string, unknown> = {}): FastifyReply {
  req.errorCode = code;
  const params: TextParams = {};
  if (typeof details.until === 'string') params.until = Date.parse(details.until);
  else if (details.until === null) params.until = null;
  if (typeof details.deleteAt === 'string') params.deleteAt = Date.parse(details.deleteAt);
  if (typeof details.retryAfter === 'number') {
    params.retryAfter = details.retryAfter;
    void reply.header('retry-after', String(details.retryAfter));
  }
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) if (v !== undefined) clean[k] = v;
  // Refusals of one field found past validation (a blank title, an invalid number) name it the
  // way validation failures do, so that clients read offending fields in one place.
  if (STATUS[code] === 400 && clean.errors === undefined && typeof clean.field === 'string') {
    clean.errors = [{ field: requestField(clean.field), message: typeof clean.reason === 'string' ? clean.reason : 'invalid' }];
  }
  return reply.code(STATUS[code]).send({ error: { code, message: errorText(code, requestLang(req), params), details: clean } });
}

/** `name`, `to.phone`, `contacts/0/phone` → `body.name`, `body.to.phone`, `body.contacts.0.phone`. */
function requestField(field: string): string {
  const dotted = field.replace(/\//g, '.');
  return /^(body|querystring|params|headers)(\.|$)/.test(dotted) ? dotted : `body.${dotted}`;
}

function validationDetails(err: FastifyError): Record<string, unknown> {
  const errors = (err.validation ?? []).map((v) => {
    const where = err.validationContext ?? 'body';
    const path = v.instancePath ? v.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
    const field = [where, path, missing].filter(Boolean).join('.');
    return { field, message: v.message ?? 'invalid' };
  });
  return { errors };
}

export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof BanyaError) return sendError(req, reply, err.code, err.details);
  if (err instanceof StoreUnavailableError) {
    req.log.error({ err }, 'store unavailable');
    return sendError(req, reply, 'SERVICE_UNAVAILABLE');
  }
  const f = err as FastifyError;
  if (f.validation) return sendError(req, reply, 'BAD_REQUEST', validationDetails(f));
  switch (f.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(req, reply, 'PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(req, reply, 'UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return sendError(req, reply, 'BAD_REQUEST', { reason: 'the body is not valid JSON' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return sendError(req, reply, 'BAD_REQUEST', { reason: f.message });
  }
  if (err instanceof SyntaxError || (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500)) {
    return sendError(req, reply, 'BAD_REQUEST', { reason: err.message });
  }
  req.log.error({ err }, 'unhandled error');
  return sendError(req, reply, 'INTERNAL');
}
