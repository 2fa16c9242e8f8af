import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * A stand-in for amojo (the amoCRM/Kommo chats API) that makes the documented checks on every
 * request — X-Signature, Content-MD5, a Date within 15 minutes of the real time — and records
 * what it receives. `down` makes it answer 503 to everything (amojo out for a while).
 */

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  /** What the stand-in answered. */
  status: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Parses `Sat, 03 Oct 2020 15:11:21 +0000` strictly, the weekday included. */
export function parseRfc2822(s: string): number | null {
  const m = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) \+0000$/.exec(s);
  if (!m) return null;
  const t = Date.UTC(Number(m[4]), MONTHS.indexOf(m[3]!), Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  return DAYS[new Date(t).getUTCDay()] === m[1] ? t : null;
}

export class StandInAmojo {
  readonly received: Received[] = [];
  /** Channel id → its secret (change it to rotate). */
  readonly secrets = new Map<string, string>();
  down = false;
  /** Never answer (a call that times out); the request is recorded with status 0. */
  hang = false;
  private server!: http.Server;
  url = '';
  private readonly msgids = new Set<string>();

  constructor(channels: Record<string, string>) {
    for (const [id, s] of Object.entries(channels)) this.secrets.set(id, s);
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The channel a path belongs to: `/v2/origin/custom/{channel_id}/…` or `{channel_id}_{account}`. */
  private channelOf(path: string): string | undefined {
    const seg = decodeURIComponent(path.split('/')[4] ?? '');
    for (const id of this.secrets.keys()) if (seg === id || seg.startsWith(`${id}_`)) return id;
    return undefined;
  }

  /** Why the request fails amojo's checks, or null. */
  private check(method: string, path: string, h: http.IncomingHttpHeaders, raw: Buffer): string | null {
    const channel = this.channelOf(path);
    if (!channel) return 'unknown channel';
    const date = String(h.date ?? '');
    const t = parseRfc2822(date);
    if (t === null) return 'Date is not RFC 2822';
    if (Math.abs(Date.now() - t) > 15 * 60_000) return 'Date is older than 15 minutes';
    if (h['content-type'] !== 'application/json') return 'Content-Type';
    const md5 = createHash('md5').update(raw).digest('hex');
    if (h['content-md5'] !== md5) return 'Content-MD5 does not match the body';
    const signed = [method, md5, 'application/json', date, path.split('?')[0]].join('\n');
    const sig = createHmac('sha1', this.secrets.get(channel)!).update(signed).digest('hex');
    if (h['x-signature'] !== sig) return 'X-Signature does not match';
    return null;
  }

  private handle(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    let body: any;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    const answer = (status: number, out: unknown) => {
      this.received.push({ method, path, headers: req.headers, raw: raw.toString('utf8'), body, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    };
    if (this.hang) {
      this.received.push({ method, path, headers: req.headers, raw: raw.toString('utf8'), body, status: 0 });
      return;
    }
    if (this.down) return answer(503, { error: 'unavailable' });
    const wrong = this.check(method, path, req.headers, raw);
    if (wrong) return answer(403, { error: wrong });
    const parts = path.split('?')[0]!.split('/').slice(4).map(decodeURIComponent);
    if (method === 'POST' && parts[1] === 'connect') {
      return answer(200, {
        account_id: body.account_id,
        scope_id: `${parts[0]}_${body.account_id}`,
        title: body.title,
        hook_api_version: body.hook_api_version,
      });
    }
    if (method === 'DELETE' && parts[1] === 'disconnect') return answer(200, {});
    if (method === 'POST' && parts.length === 3 && parts[2] === 'delivery_status') return answer(200, {});
    if (method === 'POST' && parts.length === 1 && body?.event_type === 'new_message') {
      const id = `${parts[0]}:${body.payload?.msgid}`;
      if (this.msgids.has(id)) return answer(400, { error: 'duplicate msgid' });
      this.msgids.add(id);
      return answer(200, { new_message: { conversation_id: 'amo-' + body.payload.conversation_id, msgid: 'amo-' + body.payload.msgid } });
    }
    return answer(404, { error: 'no such call' });
  }

  /** Accepted delivery statuses for the CRM message `msgid`. */
  statuses(msgid: string): any[] {
    return this.received.filter((r) => r.status === 200 && r.path.endsWith(`/${encodeURIComponent(msgid)}/delivery_status`)).map((r) => r.body);
  }

  newMessages(): any[] {
    return this.received.filter((r) => r.status === 200 && r.body?.event_type === 'new_message').map((r) => r.body.payload);
  }
}

/** A webhook body as amojo sends it (v2), and its X-Signature. */
export function webhookBody(fields: {
  msgid: string;
  text: string;
  clientId?: string;
  phone?: string;
  conversationId?: string;
  receiverId?: string;
  accountId?: string;
}): any {
  return {
    account_id: fields.accountId ?? 'amo-account',
    time: Math.floor(Date.now() / 1000),
    message: {
      receiver: {
        id: fields.receiverId ?? `amo-user-${fields.msgid}`,
        ...(fields.phone ? { phone: fields.phone } : {}),
        ...(fields.clientId ? { client_id: fields.clientId } : {}),
      },
      sender: { id: 'amo-manager-1' },
      conversation: { id: fields.conversationId ?? `amo-conv-${fields.msgid}`, ...(fields.clientId ? { client_id: `banya-${fields.clientId}` } : {}) },
      source: { external_id: 'banya' },
      timestamp: Math.floor(Date.now() / 1000),
      msec_timestamp: Date.now(),
      message: { id: fields.msgid, type: 'text', text: fields.text },
    },
  };
}

export function sign(secret: string, raw: string): string {
  return createHmac('sha1', secret).update(raw).digest('hex');
}

/** Polls until `probe` gives a value (not undefined/false), or fails after `ms`. */
export async function eventually<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000, what = 'the condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A stand-in amojo for the whole test file and a CRM config file naming it, with quick retries:
 * started in beforeAll, stopped in afterAll. Call it before serverPerFile, whose config reads
 * `configFile` (`config: () => ({ crmConfig: crm.configFile })`), so the server stops first.
 */
export function crmPerFile(channels: Record<string, string>, settings: Record<string, unknown> = {}): { amojo: StandInAmojo; configFile: string } {
  const ctx = {} as { amojo: StandInAmojo; configFile: string };
  beforeAll(async () => {
    ctx.amojo = await new StandInAmojo(channels).start();
    ctx.configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'banya-crm-')), 'crm.json');
    const list = Object.entries(channels).map(([id, secret]) => ({ id, secret, amojoUrl: ctx.amojo.url }));
    fs.writeFileSync(ctx.configFile, JSON.stringify({ channels: list, retryBaseMs: 50, retryMaxMs: 200, timeoutMs: 2000, ...settings }));
  });
  afterAll(async () => {
    await ctx.amojo?.stop();
  });
  return ctx;
}
