import type { Channel } from './config.js';
import { signRequest } from './sign.js';

/**
 * Calls to amojo, signed as documented, with a timeout each. `AmojoError.retryable` tells a
 * failure worth retrying (no answer, a timeout, 429, 5xx) from a refusal (other 4xx).
 */

export class AmojoError extends Error {
  override name = 'AmojoError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null,
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

export interface AmojoAnswer {
  status: number;
  body: unknown;
}

export async function amojoCall(channel: Channel, method: 'GET' | 'POST' | 'DELETE', path: string, payload: unknown, timeoutMs: number): Promise<AmojoAnswer> {
  const body = payload === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(payload), 'utf8');
  // The Date is always the real time, never banya's manual clock (spec/CRM.md).
  const headers = signRequest(channel.secret, method, path, body, new Date());
  const url = channel.amojoUrl.replace(/\/+$/, '') + path;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: method === 'GET' ? undefined : body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error;
    const what = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message;
    throw new AmojoError(`amojo ${method} ${path}: ${what}`, true, null);
  }
  const text = await res.text().catch(() => '');
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  if (res.status >= 200 && res.status < 300) return { status: res.status, body: parsed };
  throw new AmojoError(`amojo ${method} ${path}: ${res.status}`, res.status === 429 || res.status >= 500, res.status, parsed);
}

export function connectPath(channelId: string): string {
  return `/v2/origin/custom/${encodeURIComponent(channelId)}/connect`;
}
export function disconnectPath(channelId: string): string {
  return `/v2/origin/custom/${encodeURIComponent(channelId)}/disconnect`;
}
export function scopePath(scopeId: string): string {
  return `/v2/origin/custom/${encodeURIComponent(scopeId)}`;
}
export function statusPath(scopeId: string, msgid: string): string {
  return `/v2/origin/custom/${encodeURIComponent(scopeId)}/${encodeURIComponent(msgid)}/delivery_status`;
}
