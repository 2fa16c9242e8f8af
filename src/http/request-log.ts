import type { FastifyBaseLogger } from 'fastify';
import type { PrincipalKind } from './auth.js';

type Bindings = Record<string, unknown>;
type Options = Parameters<FastifyBaseLogger['child']>[1];
type Log = (...args: unknown[]) => void;

/**
 * A request's logger, made only when the request logs something. Fastify gives every request a
 * child logger carrying its request id; pino builds one per call (an object, its bindings
 * serialised), which almost every request (no line is logged for a request that succeeds)
 * throws away. This one keeps the bindings and builds the pino child at the first log call.
 */
export class RequestLog {
  private real: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindingsOf: Bindings,
    private readonly options: Options,
  ) {}

  private get log(): FastifyBaseLogger {
    if (this.real === null) this.real = this.parent.child(this.bindingsOf, this.options);
    return this.real;
  }

  get level(): string {
    return this.real?.level ?? this.options?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.log.level = level;
  }

  fatal(...args: unknown[]): void {
    (this.log.fatal as Log)(...args);
  }
  error(...args: unknown[]): void {
    (this.log.error as Log)(...args);
  }
  warn(...args: unknown[]): void {
    (this.log.warn as Log)(...args);
  }
  info(...args: unknown[]): void {
    (this.log.info as Log)(...args);
  }
  debug(...args: unknown[]): void {
    (this.log.debug as Log)(...args);
  }
  trace(...args: unknown[]): void {
    (this.log.trace as Log)(...args);
  }
  silent(...args: unknown[]): void {
    (this.log.silent as Log)(...args);
  }

  child(bindings: Bindings, options?: Options): FastifyBaseLogger {
    return this.log.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: a RequestLog instead of a pino child per request. */
export function requestLogFactory(logger: FastifyBaseLogger, bindings: Bindings, options: Options): FastifyBaseLogger {
  return new RequestLog(logger, bindings, options) as unknown as FastifyBaseLogger;
}

/**
 * The access log's line for one answered request (server.ts, send-fast-path.ts): the route's
 * pattern, never its path or query (they carry ids and phone numbers), and never a header or a
 * body: no token, no number, no message text reaches it.
 */
export function logAccess(
  access: FastifyBaseLogger,
  method: string,
  route: string,
  status: number,
  elapsedMs: number,
  principal: PrincipalKind,
  code: string | undefined,
): void {
  access.info({ method, route, status, ms: Math.round(elapsedMs * 100) / 100, principal, ...(code ? { code } : {}) }, 'request');
}
