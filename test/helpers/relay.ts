import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { PROJECTORS } from '../../src/app.js';
import { replayLog } from '../../src/events/projection-check.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';

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

const SUPPORT_TABLES = ['tickets', 'ticket_entries', 'account_emails', 'email_codes'] as const;

async function rows(store: Store, table: string): Promise<string[]> {
  const all = await store.all<Record<string, unknown>>(sql`select * from ${sql.table(table)}`.compile(store.db));
  return all.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).sort();
}

/**
 * Support's projections against a replay of the log through the projectors (the `banya check`
 * of projection-check.ts, for the tables support's projectors write). Empty: all equal.
 */
export async function checkSupportProjections(store: Store): Promise<string[]> {
  const into = await SqliteStore.openInMemory();
  try {
    await replayLog(store, into, PROJECTORS);
    const problems: string[] = [];
    for (const table of SUPPORT_TABLES) {
      const want = await rows(into, table);
      const got = await rows(store, table);
      for (const r of want) if (!got.includes(r)) problems.push(`${table}: the log gives ${r}, not stored`);
      for (const r of got) if (!want.includes(r)) problems.push(`${table}: stored ${r}, not from the log`);
    }
    return problems;
  } finally {
    await into.close();
  }
}
