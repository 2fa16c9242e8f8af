import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { normalizePhone, phoneKey } from '../domain/phone.js';
import { openTicket } from '../enforcement/support.js';
import type { Platform } from '../platform/context.js';

/**
 * Mail to the support address becomes a ticket. The sender is matched to an account by an e-mail
 * address they gave in an appeal, or else by a phone number written in the message. The ticket is
 * stored before the mail is accepted, so an accepted mail is never lost.
 *
 * Support's answer reaches the matched account in the app, so a wrong match would show it to a
 * stranger: only numbers written internationally (`+44 …` or `0044 …`) count, and a mail naming
 * the numbers of several accounts matches none of them.
 */

const PHONE_IN_TEXT = /(?:\+|\b00)[0-9][0-9 ()\-.]{6,20}[0-9]/g;

export async function matchAccount(p: Platform, fromEmail: string | null, text: string): Promise<number | null> {
  if (fromEmail) {
    const row = await p.store.first<{ account_id: number }>(
      p.store.db.selectFrom('appeals').select('account_id').where('email', '=', fromEmail.toLowerCase()).orderBy('id', 'desc').limit(1),
    );
    if (row) return row.account_id;
  }
  const found = new Set<number>();
  for (const candidate of text.match(PHONE_IN_TEXT) ?? []) {
    const phone = normalizePhone(candidate);
    if (!phone) continue;
    const id = p.index.byPhone(phoneKey(phone));
    if (id !== 0) found.add(id);
  }
  return found.size === 1 ? [...found][0]! : null;
}

function firstAddress(a: AddressObject | AddressObject[] | undefined): string | null {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  for (const obj of list) for (const v of obj.value) if (v.address) return v.address.toLowerCase();
  return null;
}

export interface SmtpOptions {
  host: string;
  port: number;
  supportAddress: string;
  maxBytes?: number;
}

export async function startSmtpListener(p: Platform, o: SmtpOptions): Promise<{ port: number; close(): Promise<void> }> {
  const support = o.supportAddress.toLowerCase();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: o.maxBytes ?? 1024 * 1024,
    logger: false,
    banner: 'banya support',
    onRcptTo(address, _session, cb) {
      if (address.address.toLowerCase() !== support) return cb(Object.assign(new Error(`no such mailbox: use ${o.supportAddress}`), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then(async (mail) => {
          const from = firstAddress(mail.from) ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : null);
          const subject = mail.subject?.slice(0, 500) ?? null;
          const text = (mail.text ?? '').trim() || '(empty message)';
          const accountId = await matchAccount(p, from, `${subject ?? ''}\n${text}`);
          await openTicket(p, { accountId, source: 'email', fromEmail: from, subject, text });
          cb();
        })
        .catch((err: unknown) => {
          p.log.error({ err }, 'could not take an e-mail');
          cb(Object.assign(new Error('temporary failure, try again later'), { responseCode: 451 }));
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
