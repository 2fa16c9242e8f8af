import nodemailer from 'nodemailer';

/** Outgoing e-mail through the operator's SMTP relay (answers to e-mailed tickets). */
export interface Mailer {
  send(to: string, subject: string, text: string): Promise<void>;
  close(): void;
}

export function relayMailer(relayUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(relayUrl);
  return {
    async send(to, subject, text) {
      await transport.sendMail({ from, to, subject, text });
    },
    close() {
      transport.close();
    },
  };
}
