import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signing as amojo documents it (spec/CRM.md): requests to amojo carry Date (RFC 2822, real
 * time), Content-Type, Content-MD5 of the exact body bytes and X-Signature, an HMAC-SHA1 with
 * the channel secret over METHOD, Content-MD5, Content-Type, Date and the path, one per line.
 * Webhooks from amojo carry X-Signature, an HMAC-SHA1 of the raw body.
 */

export const CONTENT_TYPE = 'application/json';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `Sat, 03 Oct 2020 15:11:21 +0000` (always UTC). */
export function rfc2822(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

export function md5Hex(body: Buffer | string): string {
  return createHash('md5').update(body).digest('hex');
}

export function hmacSha1Hex(secret: string, data: Buffer | string): string {
  return createHmac('sha1', secret).update(data).digest('hex');
}

/** The string amojo signs: no scheme, host or query in `path`. */
export function signedString(method: string, contentMd5: string, contentType: string, date: string, path: string): string {
  return [method.toUpperCase(), contentMd5, contentType, date, path].join('\n');
}

/** Headers for a request with exactly these body bytes (empty for GET). */
export function signRequest(secret: string, method: string, pathWithQuery: string, body: Buffer, now: Date): Record<string, string> {
  const date = rfc2822(now);
  const contentMd5 = md5Hex(body);
  const path = pathWithQuery.split('?')[0]!;
  return {
    Date: date,
    'Content-Type': CONTENT_TYPE,
    'Content-MD5': contentMd5,
    'X-Signature': hmacSha1Hex(secret, signedString(method, contentMd5, CONTENT_TYPE, date, path)),
  };
}

/** Whether `signature` (hex, any case) is the HMAC-SHA1 of `raw` with `secret`; timing-safe. */
export function verifySignature(secret: string, raw: Buffer, signature: string | undefined): boolean {
  if (typeof signature !== 'string' || !/^[0-9a-fA-F]{40}$/.test(signature)) return false;
  const expected = createHmac('sha1', secret).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
