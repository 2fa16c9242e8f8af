import { errorCodes, type FastifyBaseLogger } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { asError, BanyaError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/codes.js';
import type { Lang } from '../domain/texts.js';
import type { Figures } from '../metrics/figures.js';
import type { Principal } from '../platform/tokens.js';
import type { AuthSubject, authenticator, PrincipalKind } from './auth.js';
import { declaredLength, decodeBody, parseBody } from './body.js';
import { errorAnswer, errorResponse, requestLang, SECURITY_HEADERS, type ValidationFailure, validationDetails, writeTooLarge } from './errors.js';
import { settleHeldFloodWait } from './held-flood-wait.js';
import { logAccess } from './request-log.js';
import type { SendBody, SendRoute } from './routes/messages.js';

/**
 * `POST /v1/messages` without the framework: a `node:http` handler in front of Fastify on the
 * same server (Fastify's `serverFactory`), for the one route every client calls most. It answers
 * exactly what the Fastify route does (docs/DECISIONS.md): it runs the same code wherever there
 * is code to run (authentication, the body parser, the error bodies, the 413, the route's own
 * `send`, the schemas compiled by Fastify's own compilers) and replaces only Fastify's plumbing
 * around them (routing, hooks, the request and reply objects). Whatever it does not handle —
 * another method or path, a query string, `Expect`, an upgrade, HTTP/2, a content type outside
 * the common JSON ones, a body without a content type, a server that is closing — it leaves to
 * Fastify untouched, before a byte of the body is read. test/send-fast-path.test.ts holds the two
 * paths to the same answers.
 */

/** A compiled validator: ajv's, as Fastify's validator compiler returns it. */
export interface BodyValidator {
  (data: unknown, cxt?: { parentData: object; parentDataProperty: string }): boolean | unknown;
  errors?: ValidationFailure[] | null;
}

export interface SendFastPathOptions {
  route: SendRoute;
  authenticate: ReturnType<typeof authenticator>;
  /** The route's body schema, compiled by Fastify's validator compiler. */
  validate: BodyValidator;
  /** The route's response schemas by status, compiled by Fastify's serializer compiler. */
  serializers: ReadonlyMap<string, (data: unknown) => string>;
  bodyLimit: number;
  /** Several nodes: resolves once memory holds everything committed before. */
  fresh?: () => Promise<void>;
  figures?: Figures;
  /** The access log, when it is on. */
  accessLog: FastifyBaseLogger | null;
  /** The server's logger (errors), and Fastify's request-id generator, shared. */
  log: FastifyBaseLogger;
  genReqId: () => string;
  /** Whether the server is closing (Fastify then answers 503 itself). */
  closing: () => boolean;
}

/** Content types (lower-cased) the fast path reads; any other goes to Fastify, which reads every valid one as JSON too. */
const READ_TYPES = new Set([
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
  'text/plain',
  'text/plain; charset=utf-8',
  'text/plain;charset=utf-8',
  'application/x-www-form-urlencoded',
]);

const JSON_TYPE = 'application/json; charset=utf-8';
const SECURITY: readonly string[] = Object.entries(SECURITY_HEADERS).flat();
const ROUTE = '/v1/messages';

/** One request on the fast path: what auth and the error bodies read and write (as on a Fastify request). */
class Exchange implements AuthSubject {
  readonly headers: IncomingHttpHeaders;
  readonly method = 'POST';
  principal: Principal | null = null;
  lang: Lang | undefined = undefined;
  principalKind: PrincipalKind = 'anonymous';
  /** The code of the error answered, if any (figures, the access log). */
  errorCode: string | undefined = undefined;
  /** A FLOOD_WAIT held back until the body shows whether it goes to SpamBot or support. */
  heldFloodWait: number | undefined = undefined;
  /** The parsed body (ajv's parent for it, as Fastify's request is). */
  body: unknown = undefined;
  /** A body that could not be read or parsed: the connection is closed after the answer, as Fastify does. */
  close = false;
  /** The body as it is read: bytes so far, the first chunk, any further ones. */
  received = 0;
  first: Buffer | null = null;
  chunks: Buffer[] | null = null;

  constructor(
    readonly raw: IncomingMessage,
    readonly res: ServerResponse,
    readonly start: number,
  ) {
    this.headers = raw.headers;
  }

  get ip(): string {
    return this.raw.socket.remoteAddress as string;
  }
}

export interface SendFastPath {
  /** Answers the request and returns true, or returns false having touched nothing (Fastify's then). */
  take(req: IncomingMessage, res: ServerResponse): boolean;
  /** Requests it took so far (tests and benchmarks check that it is in use). */
  readonly taken: number;
}

/** The request and the response of an exchange hold it, for the listeners shared by all. */
const EXCHANGE = Symbol('send exchange');
type Carrier = { [EXCHANGE]?: Exchange };
const exchangeOf = (e: IncomingMessage | ServerResponse): Exchange => (e as Carrier)[EXCHANGE] as Exchange;

export function sendFastPath(o: SendFastPathOptions): SendFastPath {
  const { route, authenticate, validate, serializers, bodyLimit, fresh, figures, accessLog, log, genReqId, closing } = o;
  const access = route.access;

  const serializer = (status: number): ((data: unknown) => string) | undefined =>
    serializers.get(String(status)) ?? serializers.get(`${String(status)[0]}xx`) ?? serializers.get('default');
  const byStatus = new Map<number, ((data: unknown) => string) | null>();
  const serialize = (status: number, body: unknown): string => {
    let fn = byStatus.get(status);
    if (fn === undefined) {
      fn = serializer(status) ?? null;
      byStatus.set(status, fn);
    }
    return fn === null ? JSON.stringify(body) : fn(body);
  };

  /** Writes the answer: the security headers, then (as Fastify orders them) the rest. */
  const write = (x: Exchange, status: number, payload: string, retryAfter?: number): void => {
    const headers = SECURITY.slice();
    if (x.close) headers.push('connection', 'close');
    if (retryAfter !== undefined) headers.push('retry-after', String(retryAfter));
    headers.push('content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(payload)));
    x.res.writeHead(status, headers);
    x.res.end(payload);
  };

  /** `sendError` of errors.ts, on the raw response. */
  const refuse = (x: Exchange, code: ErrorCode, details?: Record<string, unknown>): false => {
    x.errorCode = code;
    const { status, body, retryAfter } = errorResponse(x, code, details);
    write(x, status, serialize(status, body), retryAfter);
    return false;
  };
  const refuseAuth = (x: Exchange, _reply: Exchange, code: ErrorCode, details?: Record<string, unknown>): false => refuse(x, code, details);

  /** `errorHandler` of errors.ts, on the raw response. */
  const fail = (x: Exchange, err: unknown): void => {
    const e = asError(err);
    const answer = errorAnswer(e);
    if (answer === 'too-large') return writeTooLarge(x.raw, x, bodyLimit);
    // As errorHandler: an account out of requests whose body could not be read gets its FLOOD_WAIT.
    const held = settleHeldFloodWait(x);
    if (held !== undefined) return void refuse(x, 'FLOOD_WAIT', { retryAfter: held });
    if (answer.log) log.child({ reqId: genReqId() }).error({ err: e }, answer.log);
    refuse(x, answer.code, answer.details);
  };

  /** Fastify's `onResponse` hooks of the route: the access log, then the send figures. */
  const finished = (x: Exchange): void => {
    const status = x.res.statusCode;
    if (accessLog) logAccess(accessLog, 'POST', ROUTE, status, performance.now() - x.start, x.principalKind, x.errorCode);
    figures?.send(status, x.errorCode);
  };

  const answer = (x: Exchange, r: { status: number; body: unknown }): void => write(x, r.status, serialize(r.status, r.body));

  /** The route's answer, or its error. */
  const deliver = async (x: Exchange, sent: Promise<{ status: number; body: unknown }>): Promise<void> => {
    let r: { status: number; body: unknown };
    try {
      r = await sent;
    } catch (err) {
      return fail(x, err);
    }
    answer(x, r);
  };

  /** Whether the exchange, its body read, is a message to SpamBot or support. */
  const toSystemAccount = (x: Exchange): boolean => route.forSystemAccount((x.principal as Principal & { kind: 'account' }).accountId, x.body);

  /** Validation, then the route's own handler. */
  const handle = (x: Exchange, value: unknown): void => {
    x.body = value;
    // The route's `preValidation` (releaseForSystemAccount): a held FLOOD_WAIT, unless to SpamBot or support.
    const held = settleHeldFloodWait(x, toSystemAccount);
    if (held !== undefined) return void refuse(x, 'FLOOD_WAIT', { retryAfter: held });
    let valid: unknown;
    try {
      valid = validate(value === undefined ? null : value, { parentData: x, parentDataProperty: 'body' });
    } catch (err) {
      (err as { statusCode?: number }).statusCode = 500;
      return fail(x, err);
    }
    if (valid !== true) return void refuse(x, 'BAD_REQUEST', validationDetails(validate.errors ?? [], 'body'));
    const principal = x.principal as Principal & { kind: 'account' };
    let sent: Promise<{ status: number; body: unknown }>;
    try {
      sent = route.send(principal.accountId, x.body as SendBody, requestLang(x));
    } catch (err) {
      return fail(x, err);
    }
    void deliver(x, sent);
  };

  // Fastify's `rawBody` for a string parser, then the content-type parser of server.ts. The
  // listeners are shared (no function made per request): `this` is the request, which holds its
  // exchange.
  const stopReading = (raw: IncomingMessage): void => {
    raw.removeListener('data', onData);
    raw.removeListener('end', onEnd);
    raw.removeListener('error', onEnd);
  };
  const unreadable = (x: Exchange, err: Error): void => {
    x.close = true;
    fail(x, err);
  };
  function onData(this: IncomingMessage, chunk: Buffer): void {
    const x = exchangeOf(this);
    x.received += chunk.length;
    if (x.received > bodyLimit) {
      stopReading(this);
      return unreadable(x, new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    }
    if (x.first === null) x.first = chunk;
    else (x.chunks ??= [x.first]).push(chunk);
  }
  function onEnd(this: IncomingMessage, err?: Error & { statusCode?: number }): void {
    stopReading(this);
    const x = exchangeOf(this);
    if (err != null) {
      if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
      return unreadable(x, err);
    }
    const contentLength = Number(x.headers['content-length']);
    if (!Number.isNaN(contentLength) && x.received !== contentLength) return unreadable(x, new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
    const text = x.chunks !== null ? decodeBody(Buffer.concat(x.chunks, x.received)) : x.first !== null ? decodeBody(x.first) : '';
    x.first = null;
    x.chunks = null;
    if (text instanceof BanyaError) return unreadable(x, text);
    const value = parseBody(text);
    if (value instanceof BanyaError) return unreadable(x, value);
    handle(x, value);
  }
  const readBody = (x: Exchange): void => {
    const raw = x.raw;
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onEnd);
    raw.resume();
  };

  /** The `onRequest` hook of server.ts: a declared body over the limit, then who is asking. */
  const begin = (x: Exchange, hasBody: boolean): void => {
    const length = declaredLength(x.headers['content-length']);
    if (length !== null && length > bodyLimit) return writeTooLarge(x.raw, x, bodyLimit);
    const ok = authenticate(x, x, access, refuseAuth, true);
    if (ok === true) {
      if (hasBody) readBody(x);
      else handle(x, undefined);
    } else if (ok !== false)
      ok.then(
        (yes) => {
          if (!yes) return;
          if (hasBody) readBody(x);
          else handle(x, undefined);
        },
        (err) => fail(x, err),
      );
  };

  /** Fastify's response listeners: once the answer is out (or failed), its `onResponse` hooks. */
  function onFinished(this: ServerResponse): void {
    this.removeListener('finish', onFinished);
    this.removeListener('error', onFinished);
    finished(exchangeOf(this));
  }

  let taken = 0;
  function take(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.url !== ROUTE || req.method !== 'POST' || req.httpVersionMajor !== 1) return false;
    const h = req.headers;
    if (h.expect !== undefined || h.upgrade !== undefined || closing()) return false;
    const type = h['content-type'];
    let hasBody = true;
    if (type === undefined) {
      // Fastify reads no body without a type if none is declared; one with a body goes to Fastify.
      if (h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0')) return false;
      hasBody = false;
    } else if (type !== 'application/json' && !READ_TYPES.has(type.toLowerCase())) return false;
    const x = new Exchange(req, res, performance.now());
    (req as Carrier)[EXCHANGE] = x;
    if (accessLog !== null || figures !== undefined) {
      (res as Carrier)[EXCHANGE] = x;
      res.on('finish', onFinished);
      res.on('error', onFinished);
    }
    if (fresh)
      fresh().then(
        () => begin(x, hasBody),
        (err) => fail(x, err),
      );
    else begin(x, hasBody);
    taken++;
    return true;
  }
  return {
    take,
    get taken() {
      return taken;
    },
  };
}
