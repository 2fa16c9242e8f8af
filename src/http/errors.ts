import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type IncomingHttpHeaders, type IncomingMessage, STATUS_CODES } from 'node:http';
import { STATUS, type ErrorCode } from '../domain/codes.js';
import { BanyaError } from '../domain/errors.js';
import { errorText, langFromHeader, type Lang, type TextParams } from '../domain/texts.js';
import { StoreUnavailableError, WriteRejectedError } from '../store/store.js';
import { settleHeldFloodWait } from './held-flood-wait.js';

/**
 * The one place errors become responses: `{error: {code, message, details}}`, the status of the
 * code, a message in the user's language, and never internals.
 */

/** What an answer's language is read from: a Fastify request, or the raw send path's (send-fast-path.ts). */
export interface LangSource {
  readonly lang: Lang | undefined;
  readonly headers: IncomingHttpHeaders;
}

/** The account's language, else the request's Accept-Language, else English. */
export function requestLang(req: LangSource): Lang {
  return req.lang ?? langFromHeader(req.headers['accept-language']);
}

/**
 * Headers of every answer: a JSON API is never to be sniffed as HTML, framed, cached or to leak
 * its URLs in a Referer; the CSP forbids everything should a browser render a body anyway.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
};

/**
 * The console's and the demo messenger's pages: scripts, styles and calls only from banya itself,
 * never framed, no inline script.
 */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Validation failures of one field that have a name of their own inside banya. API.md answers
 * every validation failure `400 BAD_REQUEST`, so they go out under that code; the refined name
 * stays in `details.reason` and the message keeps its own, more helpful, text.
 */
const VALIDATION_REFINEMENTS: Partial<Record<ErrorCode, 'BAD_REQUEST'>> = {
  PHONE_NUMBER_INVALID: 'BAD_REQUEST',
  USERNAME_INVALID: 'BAD_REQUEST',
};

/** The error body of API.md, the status of its code and the `Retry-After` seconds, if any. */
export function errorResponse(req: LangSource, code: ErrorCode, details: Record<string, unknown> = {}): { status: number; body: object; retryAfter?: number } {
  const params: TextParams = {};
  if (typeof details.until === 'string') params.until = Date.parse(details.until);
  else if (details.until === null) params.until = null;
  if (typeof details.deleteAt === 'string') params.deleteAt = Date.parse(details.deleteAt);
  if (typeof details.retryAfter === 'number') params.retryAfter = details.retryAfter;
  if (details.deletionOnHold === true) params.deletionOnHold = true;
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) if (v !== undefined) clean[k] = v;
  // Refusals of one field found past validation (a blank title, an invalid number) name it the
  // way validation failures do, so that clients read offending fields in one place.
  if (STATUS[code] === 400 && clean.errors === undefined && typeof clean.field === 'string') {
    clean.errors = [{ field: requestField(clean.field), message: typeof clean.reason === 'string' ? clean.reason : 'invalid' }];
  }
  const wire = VALIDATION_REFINEMENTS[code] ?? code;
  if (wire !== code) clean.reason ??= code;
  const body = { error: { code: wire, message: errorText(code, requestLang(req), params), details: clean } };
  return params.retryAfter === undefined ? { status: STATUS[wire], body } : { status: STATUS[wire], body, retryAfter: params.retryAfter };
}

export function sendError(req: FastifyRequest, reply: FastifyReply, code: ErrorCode, details: Record<string, unknown> = {}): FastifyReply {
  req.errorCode = code;
  const { status, body, retryAfter } = errorResponse(req, code, details);
  void reply.headers(SECURITY_HEADERS);
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  return reply.code(status).send(body);
}

/** `name`, `to.phone`, `contacts/0/phone` → `body.name`, `body.to.phone`, `body.contacts.0.phone`. */
function requestField(field: string): string {
  const dotted = field.replace(/\//g, '.');
  return /^(body|querystring|params|headers)(\.|$)/.test(dotted) ? dotted : `body.${dotted}`;
}

/** One failure of schema validation, as ajv reports it. */
export interface ValidationFailure {
  instancePath?: string;
  params?: unknown;
  message?: string;
}

/** `details.errors` of a validation failure: each offending field, named from the request's part. */
export function validationDetails(failures: readonly ValidationFailure[] | undefined, where = 'body'): Record<string, unknown> {
  const errors = (failures ?? []).map((v) => {
    const path = v.instancePath ? v.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
    const field = [where, path, missing].filter(Boolean).join('.');
    return { field, message: v.message ?? 'invalid' };
  });
  return { errors };
}

/** Bytes of a refused body still read (and dropped) after the 413, before the connection is cut. */
export const DRAIN_BYTES = 8 * 1024 * 1024;
/** A refused upload that pauses this long (ms) is cut. */
export const DRAIN_IDLE_MS = 2_000;

/**
 * `413 PAYLOAD_TOO_LARGE`, then the connection is closed. Closing at once while the client is
 * still sending makes its kernel receive a reset, which discards the 413 before a client that
 * writes its whole body first ever reads it. So the answer is written, our side of the
 * connection shut, and the rest of the body read and dropped until it ends, DRAIN_BYTES have
 * come, or it pauses DRAIN_IDLE_MS (the request timeout bounds it as well); only then is the
 * socket destroyed.
 */
export function tooLarge(req: FastifyRequest, reply: FastifyReply, limitBytes = req.routeOptions.bodyLimit): FastifyReply {
  reply.hijack();
  writeTooLarge(req.raw, req, limitBytes);
  return reply;
}

/** `tooLarge` on the raw request (the raw send path answers so as well). */
export function writeTooLarge(raw: IncomingMessage, lang: LangSource, limitBytes: number | undefined): void {
  const socket = raw.socket;
  const { status, body } = errorResponse(lang, 'PAYLOAD_TOO_LARGE', { limitBytes });
  const payload = JSON.stringify(body);
  if (!socket || socket.destroyed) return;
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    connection: 'close',
  };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${payload}`);
  // Destroying drops what is not yet written: cut only once the answer is out, or at the timer.
  let cutting = false;
  const cut = () => {
    cutting = true;
    if (socket.writableFinished) socket.destroy();
  };
  socket.once('finish', () => cutting && socket.destroy());
  const idle = setTimeout(() => socket.destroy(), DRAIN_IDLE_MS);
  socket.once('close', () => clearTimeout(idle));
  if (raw.readableEnded) {
    cut();
    return;
  }
  let drained = 0;
  raw.on('data', (chunk: Buffer) => {
    if (cutting) return;
    drained += chunk.length;
    if (drained > DRAIN_BYTES) cut();
    else idle.refresh();
  });
  raw.once('end', cut);
  raw.once('error', cut);
  raw.resume();
}

/** Why the database could not take a value of the request (PostgreSQL's data exceptions), if so. */
function unstorableInput(err: unknown): string | null {
  const c = ((err instanceof WriteRejectedError ? err.cause : err) as { code?: unknown } | null)?.code;
  if (c === '22021' || c === '22P05') return 'the request holds a character that cannot be stored (such as NUL)';
  if (c === '22003') return 'a number in the request is out of range';
  return null;
}

/**
 * What an error thrown while answering becomes: an error code with its details (and, for an
 * outage or a fault, the line to log), or the 413 of a body that passed the limit while read.
 */
export type ErrorAnswer = { code: ErrorCode; details?: Record<string, unknown>; log?: string } | 'too-large';

export function errorAnswer(err: FastifyError | Error): ErrorAnswer {
  if (err instanceof BanyaError) return { code: err.code, details: err.details };
  // A value the database cannot hold (PostgreSQL: a NUL, a character outside UTF-8, a number out
  // of range), in a write or in a read's parameter: the request's own input, not an outage.
  const unstorable = unstorableInput(err);
  if (unstorable) return { code: 'BAD_REQUEST', details: { reason: unstorable } };
  // The store could not take this request's write (its own statement was refused, or the batch
  // could not commit): nothing of it was kept, memory did not move, and a retry may succeed.
  if (err instanceof StoreUnavailableError || err instanceof WriteRejectedError) return { code: 'SERVICE_UNAVAILABLE', log: 'store unavailable' };
  const f = err as FastifyError;
  if (f.validation) return { code: 'BAD_REQUEST', details: validationDetails(f.validation, f.validationContext) };
  switch (f.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // A chunked body that passed the limit while being read: answer and close (see tooLarge).
      return 'too-large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UNSUPPORTED_MEDIA_TYPE' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'BAD_REQUEST', details: { reason: 'the body is not valid JSON' } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'BAD_REQUEST', details: { reason: f.message } };
  }
  if (err instanceof SyntaxError || (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500)) {
    return { code: 'BAD_REQUEST', details: { reason: err.message } };
  }
  return { code: 'INTERNAL', log: 'unhandled error' };
}

export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const answer = errorAnswer(err);
  if (answer === 'too-large') return tooLarge(req, reply);
  // An account out of requests whose body could not even be read is no message to SpamBot or
  // support: it gets the FLOOD_WAIT held back for that (auth.ts `releaseForSystemAccount`).
  const held = settleHeldFloodWait(req);
  if (held !== undefined) return sendError(req, reply, 'FLOOD_WAIT', { retryAfter: held });
  if (answer.log) req.log.error({ err }, answer.log);
  return sendError(req, reply, answer.code, answer.details);
}
