import net from 'node:net';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { startSmtpListener, SMTP_LIMITS, WindowCounter, type SmtpListener, type SmtpLimits } from '../src/support/smtp.js';
import { serverPerFile } from './helpers/per-file.js';

/**
 * RULES.md §5: mail is bounded. The advertised SIZE is enforced with 552 and a larger mail is
 * never held in memory beyond it; connections and messages are rate-limited per remote address
 * and per envelope sender; concurrent connections are capped. Real SMTP clients on loopback.
 */

const SUPPORT_ADDRESS = 'help@banya.test';
const MB = 1024 * 1024;

const ctx = serverPerFile({ config: { smtp: { port: 0, host: '127.0.0.1', supportAddress: SUPPORT_ADDRESS } }, staff: ['support'] });

async function ticketCount(): Promise<number> {
  const r = await ctx.support.get('/v1/moderation/tickets?limit=1000');
  return r.body.tickets.length;
}

/** A bare SMTP client: one command, one reply, nothing hidden. */
class RawSmtp {
  private buf = '';
  private waiting: (() => void) | null = null;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<{ c: RawSmtp; greeting: number }> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new RawSmtp(socket);
    return { c, greeting: (await c.reply()).code };
  }

  /** The next complete reply (the last line of a multi-line one is `code text`). */
  async reply(): Promise<{ code: number; text: string }> {
    for (;;) {
      const lines = this.buf.split('\r\n');
      for (let i = 0; i < lines.length - 1; i++) {
        if (/^\d{3} /.test(lines[i]!) || /^\d{3}$/.test(lines[i]!)) {
          this.buf = lines.slice(i + 1).join('\r\n');
          return { code: Number(lines[i]!.slice(0, 3)), text: lines.slice(0, i + 1).join('\n') };
        }
      }
      if (this.closed) return { code: 0, text: 'closed' };
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }

  async cmd(line: string): Promise<number> {
    this.socket.write(`${line}\r\n`);
    return (await this.reply()).code;
  }

  async write(data: string): Promise<void> {
    if (!this.socket.write(data)) await new Promise<void>((resolve) => this.socket.once('drain', resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Sends a whole message of about `bytes` bytes, without announcing its SIZE; the final reply code. */
async function sendRaw(port: number, bytes: number, from = 'big@example.com'): Promise<number> {
  const { c, greeting } = await RawSmtp.open(port);
  expect(greeting).toBe(220);
  try {
    expect(await c.cmd('EHLO client.test')).toBe(250);
    expect(await c.cmd(`MAIL FROM:<${from}>`)).toBe(250);
    expect(await c.cmd(`RCPT TO:<${SUPPORT_ADDRESS}>`)).toBe(250);
    expect(await c.cmd('DATA')).toBe(354);
    await c.write(`From: ${from}\r\nTo: ${SUPPORT_ADDRESS}\r\nSubject: big\r\n\r\n`);
    const line = `${'x'.repeat(998)}\r\n`;
    const block = line.repeat(64);
    for (let sent = 0; sent < bytes; sent += block.length) await c.write(block);
    await c.write('.\r\n');
    return (await c.reply()).code;
  } finally {
    c.close();
  }
}

describe('the advertised size', () => {
  it('is announced as SIZE and a larger mail is refused with 552 (nodemailer), nothing opened', async () => {
    const { c } = await RawSmtp.open(ctx.server.app.smtpPort!);
    c['socket'].write('EHLO client.test\r\n');
    const ehlo = await c.reply();
    c.close();
    expect(ehlo.text).toContain(`SIZE ${SMTP_LIMITS.maxBytes}`);

    const before = await ticketCount();
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: ctx.server.app.smtpPort!, secure: false, ignoreTLS: true });
    const err = await t.sendMail({ from: 'big@example.com', to: SUPPORT_ADDRESS, subject: 'big', text: 'y'.repeat(5 * MB) }).then(
      () => null,
      (e: any) => e,
    );
    t.close();
    expect(err?.responseCode).toBe(552);
    expect(await ticketCount()).toBe(before);
  });

  it('a 5 MB mail sent without SIZE is refused with 552 and never held beyond the limit; memory does not grow', async () => {
    const stats = ctx.server.app.smtp!.stats;
    const before = await ticketCount();
    const tooLarge = stats.tooLarge;
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 6; i++) expect(await sendRaw(ctx.server.app.smtpPort!, 5 * MB)).toBe(552);
    const grown = process.memoryUsage().rss - rss0;
    expect(stats.tooLarge).toBe(tooLarge + 6);
    // What the listener ever held of one message stayed within the advertised size.
    expect(stats.largestHeld).toBeLessThanOrEqual(SMTP_LIMITS.maxBytes);
    // Loosely: six 5 MB mails (and their parse) held would be far more than this.
    expect(grown).toBeLessThan(60 * MB);
    expect(await ticketCount()).toBe(before);
  });

  it('a mail under the limit is taken', async () => {
    const before = await ticketCount();
    expect(await sendRaw(ctx.server.app.smtpPort!, 512 * 1024, 'almost@example.com')).toBe(250);
    expect(await ticketCount()).toBe(before + 1);
  });
});

describe('rate limits', () => {
  const listeners: SmtpListener[] = [];
  afterAll(async () => {
    for (const l of listeners) await l.close();
  });
  async function listener(limits: Partial<SmtpLimits>): Promise<number> {
    const l = await startSmtpListener(ctx.server.app.platform, ctx.server.app.desk, { host: '127.0.0.1', port: 0, supportAddress: SUPPORT_ADDRESS, limits });
    listeners.push(l);
    return l.port;
  }

  it('caps concurrent connections (421 past the cap)', async () => {
    const port = await listener({ maxConnections: 2 });
    const a = await RawSmtp.open(port);
    const b = await RawSmtp.open(port);
    const c = await RawSmtp.open(port);
    expect([a.greeting, b.greeting, c.greeting]).toEqual([220, 220, 421]);
    for (const x of [a, b, c]) x.c.close();
  });

  it('limits connections per remote address per minute (421), on the injected clock', async () => {
    const port = await listener({ connectionsPerMinute: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { c, greeting } = await RawSmtp.open(port);
      codes.push(greeting);
      c.close();
    }
    expect(codes).toEqual([220, 220, 220, 421]);
    await ctx.world.advance(61);
    const { c, greeting } = await RawSmtp.open(port);
    c.close();
    expect(greeting).toBe(220);
  });

  it('limits messages per envelope sender and per remote address per hour (450)', async () => {
    const port = await listener({ messagesPerHourPerSender: 2, messagesPerHourPerAddress: 4 });
    const { c } = await RawSmtp.open(port);
    try {
      expect(await c.cmd('EHLO client.test')).toBe(250);
      const mailFrom = async (from: string) => {
        const code = await c.cmd(`MAIL FROM:<${from}>`);
        if (code === 250) expect(await c.cmd('RSET')).toBe(250);
        return code;
      };
      expect([await mailFrom('one@example.com'), await mailFrom('one@example.com'), await mailFrom('one@example.com')]).toEqual([250, 250, 450]);
      // Another sender from the same address: until the address's own limit.
      expect([await mailFrom('two@example.com'), await mailFrom('three@example.com'), await mailFrom('four@example.com')]).toEqual([250, 450, 450]);
    } finally {
      c.close();
    }
    await ctx.world.advance(3601);
    const again = await RawSmtp.open(port);
    expect(await again.c.cmd('EHLO client.test')).toBe(250);
    expect(await again.c.cmd('MAIL FROM:<one@example.com>')).toBe(250);
    again.c.close();
  });
});

describe('WindowCounter', () => {
  it('counts per key within the window and forgets keys past its size', () => {
    const w = new WindowCounter(2, 1000, 3);
    expect([w.take('a', 0), w.take('a', 10), w.take('a', 20)]).toEqual([true, true, false]);
    expect(w.take('a', 1011)).toBe(true);
    for (const k of ['b', 'c', 'd', 'e']) expect(w.take(k, 2000)).toBe(true);
    expect((w as any).hits.size).toBeLessThanOrEqual(3);
  });
});
