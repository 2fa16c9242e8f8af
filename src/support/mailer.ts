import nodemailer from 'nodemailer';

/** Outgoing e-mail through the operator's SMTP relay (answers to e-mailed tickets, address codes). */
export interface Mailer {
  send(to: string, subject: string, text: string): Promise<void>;
  close(): void;
}

export function relayMailer(relayUrl: string, from: string): Mailer {
  // A relay that does not answer fails the request in seconds, not minutes.
  const url = new URL(relayUrl);
  for (const [k, v] of [['connectionTimeout', '10000'], ['greetingTimeout', '10000'], ['socketTimeout', '20000']] as const) if (!url.searchParams.has(k)) url.searchParams.set(k, v);
  const transport = nodemailer.createTransport(url.toString());
  return {
    async send(to, subject, text) {
      await transport.sendMail({ from, to, subject, text });
    },
    close() {
      transport.close();
    },
  };
}
