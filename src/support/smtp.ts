import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { toStorable } from '../domain/storable.js';
import type { Platform } from '../platform/context.js';
import type { SupportDesk } from './desk.js';

/**
 * Mail to the support address becomes a ticket (the desk decides whose: RULES.md §5). The ticket
 * is stored before the mail is accepted, so an accepted mail is never lost.
 *
 * Mail is bounded: a message past the advertised SIZE is refused with 552 and is never held
 * beyond that size (the rest of it is read and dropped, as SMTP requires); connections and
 * messages are rate-limited per remote address, messages per envelope sender, and concurrent
 * connections are capped.
 */

export interface SmtpLimits {
  /** The advertised SIZE; larger mail is refused with 552. */
  maxBytes: number;
  /** Connected clients at once; more are told 421. */
  maxConnections: number;
  /** New connections per remote address per minute; more are told 421. */
  connectionsPerMinute: number;
  /** Messages (MAIL FROM) per remote address per hour; more are told 450. */
  messagesPerHourPerAddress: number;
  /** Messages per envelope sender per hour; more are told 450. */
  messagesPerHourPerSender: number;
  /** An idle client is disconnected after this long. */
  socketTimeoutMs: number;
}

export const SMTP_LIMITS: SmtpLimits = {
  maxBytes: 1024 * 1024,
  maxConnections: 50,
  connectionsPerMinute: 30,
  messagesPerHourPerAddress: 120,
  messagesPerHourPerSender: 30,
  socketTimeoutMs: 30_000,
};

export interface SmtpOptions {
  host: string;
  port: number;
  supportAddress: string;
  limits?: Partial<SmtpLimits>;
}

export interface SmtpStats {
  /** The most bytes of one message ever held in memory. */
  largestHeld: number;
  /** Messages refused for their size. */
  tooLarge: number;
}

export interface SmtpListener {
  port: number;
  readonly stats: SmtpStats;
  close(): Promise<void>;
}

/** Hits per key in a sliding window; keys with nothing recent are forgotten. */
export class WindowCounter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts a hit unless the key is at its limit; false when refused. */
  take(key: string, now: number): boolean {
    const since = now - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (list.length >= this.limit) {
      this.hits.set(key, list);
      return false;
    }
    list.push(now);
    this.hits.set(key, list);
    if (this.hits.size > this.maxKeys) {
      for (const [k, v] of this.hits) if (v.length === 0 || v[v.length - 1]! <= since) this.hits.delete(k);
      // Still too many distinct keys: forget the oldest (a Map iterates in insertion order).
      for (const k of this.hits.keys()) {
        if (this.hits.size <= this.maxKeys) break;
        this.hits.delete(k);
      }
    }
    return true;
  }
}

function firstAddress(a: AddressObject | AddressObject[] | undefined): string | null {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  for (const obj of list)
    for (const v of obj.value) {
      const address = v.address ? toStorable(v.address).toLowerCase() : '';
      if (address) return address;
    }
  return null;
}

/** The first `n` characters of `text`, never half of a surrogate pair (which no store keeps). */
function codePoints(text: string, n: number): string {
  return text.length <= n ? text : [...text].slice(0, n).join('');
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Reads the message, holding at most `max` bytes; past that the rest is read and dropped. */
function readBounded(stream: SMTPServerDataStream, max: number, stats: SmtpStats): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let held = 0;
    let over = false;
    stream.on('data', (chunk: Buffer) => {
      if (over) return;
      if (held + chunk.length > max || stream.sizeExceeded) {
        over = true;
        chunks.length = 0;
        held = 0;
        return;
      }
      chunks.push(chunk);
      held += chunk.length;
      if (held > stats.largestHeld) stats.largestHeld = held;
    });
    stream.once('end', () => resolve(over || stream.sizeExceeded ? null : Buffer.concat(chunks, held)));
    stream.once('error', reject);
  });
}

export async function startSmtpListener(p: Platform, desk: SupportDesk, o: SmtpOptions): Promise<SmtpListener> {
  const limits: SmtpLimits = { ...SMTP_LIMITS, ...o.limits };
  const support = o.supportAddress.toLowerCase();
  const stats: SmtpStats = { largestHeld: 0, tooLarge: 0 };
  const connections = new WindowCounter(limits.connectionsPerMinute, 60_000);
  const perAddress = new WindowCounter(limits.messagesPerHourPerAddress, 3600_000);
  const perSender = new WindowCounter(limits.messagesPerHourPerSender, 3600_000);
  const remote = (s: { remoteAddress: string }) => s.remoteAddress || 'unknown';
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: limits.maxBytes,
    maxClients: limits.maxConnections,
    socketTimeout: limits.socketTimeoutMs,
    disableReverseLookup: true,
    logger: false,
    banner: 'banya support',
    onConnect(session, cb) {
      if (!connections.take(remote(session), p.clock.now())) return cb(smtpError(421, 'Too many connections from your address, try again later'));
      cb();
    },
    onMailFrom(address, session, cb) {
      const now = p.clock.now();
      const sender = address.address.toLowerCase() || '<>';
      if (!perAddress.take(remote(session), now)) return cb(smtpError(450, 'Too many messages from your address, try again later'));
      if (!perSender.take(sender, now)) return cb(smtpError(450, 'Too many messages from this sender, try again later'));
      cb();
    },
    onRcptTo(address, _session, cb) {
      if (address.address.toLowerCase() !== support) return cb(smtpError(550, `no such mailbox: use ${o.supportAddress}`));
      cb();
    },
    onData(stream, session, cb) {
      readBounded(stream, limits.maxBytes, stats)
        .then(async (raw) => {
          if (!raw) {
            stats.tooLarge++;
            return cb(smtpError(552, `message exceeds fixed maximum message size ${limits.maxBytes}`));
          }
          const mail = await simpleParser(raw);
          const envelopeFrom = session.envelope.mailFrom ? toStorable(session.envelope.mailFrom.address).toLowerCase() || null : null;
          const from = firstAddress(mail.from) ?? envelopeFrom;
          if (!from) return cb(smtpError(550, 'a mail to support needs a sender address'));
          const subject = mail.subject === undefined ? null : codePoints(toStorable(mail.subject), 500);
          // Taken as a store keeps it: a mail refused for a NUL would be retried by the sender's
          // server for days, then bounced.
          const text = toStorable(mail.text ?? '').trim() || '(empty message)';
          const messageId = codePoints(toStorable(mail.messageId ?? '').trim(), 500) || null;
          await desk.takeMail({ from, envelopeFrom, subject, text, messageId });
          cb();
        })
        .catch((err: unknown) => {
          p.log.error({ err }, 'could not take an e-mail');
          cb(smtpError(451, 'temporary failure, try again later'));
        });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  server.on('error', (err) => p.log.error({ err }, 'SMTP listener error'));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    port,
    stats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
