import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from './config.js';

describe('HTTP connection limits from the environment', () => {
  it('has sane defaults: nothing waits forever', () => {
    const c = configFromEnv({});
    expect(c.http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 1024, sendFastPath: true });
    expect(c.rateLimits.authFailures).toEqual({ perSecond: 1, burst: 30 });
    expect(c.rateLimits.maxAddresses).toBe(16_384);
  });

  it('reads BANYA_HTTP_* and the address-limit variables', () => {
    const c = configFromEnv({
      BANYA_HTTP_HEADERS_TIMEOUT_MS: '2000',
      BANYA_HTTP_REQUEST_TIMEOUT_MS: '4000',
      BANYA_HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000',
      BANYA_HTTP_MAX_CONNECTIONS: '50',
      BANYA_SEND_FAST_PATH: '0',
      BANYA_RATE_AUTH_FAILURES_PER_SECOND: '0.5',
      BANYA_RATE_AUTH_FAILURES_BURST: '10',
      BANYA_RATE_MAX_ADDRESSES: '100',
    });
    expect(c.http).toEqual({ headersTimeoutMs: 2000, requestTimeoutMs: 4000, keepAliveTimeoutMs: 65_000, maxConnections: 50, sendFastPath: false });
    expect(c.rateLimits.authFailures).toEqual({ perSecond: 0.5, burst: 10 });
    expect(c.rateLimits.maxAddresses).toBe(100);
  });

  it.each([
    [{ BANYA_HTTP_HEADERS_TIMEOUT_MS: 'soon' }],
    [{ BANYA_HTTP_HEADERS_TIMEOUT_MS: '0' }],
    [{ BANYA_HTTP_REQUEST_TIMEOUT_MS: '-1' }],
    [{ BANYA_HTTP_KEEP_ALIVE_TIMEOUT_MS: '1.5' }],
    [{ BANYA_HTTP_MAX_CONNECTIONS: '0' }],
    [{ BANYA_HTTP_HEADERS_TIMEOUT_MS: '5000', BANYA_HTTP_REQUEST_TIMEOUT_MS: '1000' }],
    [{ BANYA_RATE_MAX_ADDRESSES: '0' }],
    [{ BANYA_RATE_AUTH_FAILURES_BURST: '0' }],
    [{ BANYA_SEND_FAST_PATH: 'maybe' }],
  ])('refuses %o with a clear error', (env) => {
    expect(() => configFromEnv(env)).toThrow(ConfigError);
  });

  it('names the variable of a timeout that does not fit', () => {
    expect(() => configFromEnv({ BANYA_HTTP_HEADERS_TIMEOUT_MS: '5000', BANYA_HTTP_REQUEST_TIMEOUT_MS: '1000' })).toThrow(/BANYA_HTTP_HEADERS_TIMEOUT_MS/);
  });
});
