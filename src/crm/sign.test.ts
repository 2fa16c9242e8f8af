import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5Hex, rfc2822, signRequest, signedString, verifySignature } from './sign.js';

describe('amojo signing', () => {
  it('formats the Date as RFC 2822 with the right weekday', () => {
    expect(rfc2822(new Date(Date.UTC(2020, 9, 3, 15, 11, 21)))).toBe('Sat, 03 Oct 2020 15:11:21 +0000');
    expect(rfc2822(new Date(Date.UTC(2026, 11, 1, 0, 5, 9)))).toBe('Tue, 01 Dec 2026 00:05:09 +0000');
  });

  it('MD5 of the empty body for a GET', () => {
    expect(md5Hex(Buffer.alloc(0))).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('signs METHOD, Content-MD5, Content-Type, Date and the path without the query', () => {
    const body = Buffer.from('{"account_id":"x"}');
    const now = new Date(Date.UTC(2020, 9, 3, 15, 11, 21));
    const h = signRequest('s3cret', 'post', '/v2/origin/custom/ch/connect?x=1', body, now);
    const expected = createHmac('sha1', 's3cret')
      .update(`POST\n${md5Hex(body)}\napplication/json\nSat, 03 Oct 2020 15:11:21 +0000\n/v2/origin/custom/ch/connect`)
      .digest('hex');
    expect(h['X-Signature']).toBe(expected);
    expect(h['Content-MD5']).toBe(md5Hex(body));
    expect(signedString('get', 'a', 'b', 'c', '/p')).toBe('GET\na\nb\nc\n/p');
  });

  it('verifies a webhook signature on the raw bytes, and nothing else', () => {
    const raw = Buffer.from('{"a": 1}');
    const sig = createHmac('sha1', 'k').update(raw).digest('hex');
    expect(verifySignature('k', raw, sig)).toBe(true);
    expect(verifySignature('k', raw, sig.toUpperCase())).toBe(true);
    expect(verifySignature('k', Buffer.from('{"a":1}'), sig)).toBe(false);
    expect(verifySignature('other', raw, sig)).toBe(false);
    expect(verifySignature('k', raw, undefined)).toBe(false);
    expect(verifySignature('k', raw, 'zz')).toBe(false);
  });
});
