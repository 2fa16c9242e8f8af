import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A mail the stand-in relay received. */
export interface Caught {
  envelope: { from: string | null; to: string[] };
  mail: ParsedMail;
}

export interface Relay {
  port: number;
  url: string;
  readonly caught: Caught[];
  /** Waits (briefly, in real time) until `n` mails were caught. */
  waitFor(n: number): Promise<Caught[]>;
  /** The code in the last mail to `address`. */
  codeFor(address: string): string;
  close(): Promise<void>;
}

/** A stand-in for the operator's mail relay: an SMTP catcher on loopback. */
export async function startRelay(): Promise<Relay> {
  const caught: Caught[] = [];
  const catcher = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((mail) => {
          caught.push({
            envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null, to: session.envelope.rcptTo.map((r) => r.address) },
            mail,
          });
          cb();
        })
        .catch((err: Error) => cb(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    catcher.once('error', reject);
    catcher.listen(0, '127.0.0.1', () => resolve());
  });
  const address = catcher.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    caught,
    async waitFor(n) {
      for (let i = 0; i < 200 && caught.length < n; i++) await new Promise((r) => setTimeout(r, 25));
      return caught;
    },
    codeFor(to) {
      const mail = [...caught].reverse().find((c) => c.envelope.to.includes(to));
      const code = mail?.mail.text?.match(/\b([0-9]{6})\b/)?.[1];
      if (!code) throw new Error(`no code was mailed to ${to}`);
      return code;
    },
    close: () => new Promise<void>((resolve) => catcher.close(() => resolve())),
  };
}
