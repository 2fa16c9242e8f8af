import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { BanyaError, fail } from '../domain/errors.js';
import type { Lang } from '../domain/texts.js';
import { key, type Held } from '../events/serial.js';
import type { Platform } from '../platform/context.js';
import { publicId } from '../store/ids.js';
import { row, rows } from '../store/read.js';
import type { Mailer } from './mailer.js';

/**
 * Verified e-mail addresses (RULES.md §5): an address binds mail to an account only once a code
 * mailed to it came back. Codes expire on the injected clock, allow a few attempts, and only a
 * salted hash of each reaches the log and the tables. The hash is keyed with a secret kept in
 * the settings (never in the log), so a six-digit code cannot be recovered from the log or a
 * timeline by trying all of them. An address belongs to one account at a time: the last account
 * to verify it.
 */

export const CODE_TTL_MS = 15 * 60_000;
export const CODE_ATTEMPTS = 5;
/** Codes an account may have mailed per rolling hour (the relay is not a way to flood a mailbox). */
export const CODES_PER_HOUR = 5;
const HOUR_MS = 3600_000;

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,63}$/;

/** The address in its comparable form, or null when it is not one. */
export function normalizeEmail(address: string): string | null {
  const a = address.trim().toLowerCase();
  return a.length <= 320 && EMAIL.test(a) ? a : null;
}

const SECRET_KEY = 'email_code_secret';

export function codeHash(secret: Buffer, salt: string, accountId: number, address: string, code: string): string {
  return createHmac('sha256', secret).update(`${salt}:${accountId}:${address}:${code}`).digest('hex');
}

/** What came of a code: `ok` verified it; the others leave the address unverified. */
export type CodeCheck = 'ok' | 'wrong' | 'expired' | 'exhausted' | 'none';

const MAIL: Record<Lang, { subject: string; text: (code: string, minutes: number) => string }> = {
  en: {
    subject: 'Your verification code',
    text: (code, minutes) =>
      `Your code is ${code}\n\nSend it in the app to confirm this address. It expires in ${minutes} minutes.\nIf you did not ask for it, ignore this mail: the address stays unconfirmed.`,
  },
  ru: {
    subject: 'Ваш код подтверждения',
    text: (code, minutes) =>
      `Ваш код: ${code}\n\nОтправьте его в приложении, чтобы подтвердить этот адрес. Код действует ${minutes} минут.\nЕсли вы его не запрашивали, просто проигнорируйте это письмо: адрес останется неподтверждённым.`,
  },
};

export class EmailVerification {
  private secretKey: Promise<Buffer> | null = null;

  constructor(
    private readonly p: Platform,
    private readonly mailer: Mailer | null,
  ) {}

  /** The data folder's code secret, made on first use. */
  private secret(): Promise<Buffer> {
    const store = this.p.store;
    const read = async () => (await row(store, store.db.selectFrom('settings').select('value').where('key', '=', SECRET_KEY)))?.value;
    this.secretKey ??= (async () => {
      let value = await read();
      if (!value) {
        await store.write([
          store.db
            .insertInto('settings')
            .values({ key: SECRET_KEY, value: randomBytes(32).toString('hex') })
            .onConflict((oc) => oc.column('key').doNothing())
            .compile(),
        ]);
        value = await read();
      }
      return Buffer.from(value!, 'hex');
    })().catch((err: unknown) => {
      this.secretKey = null;
      throw err;
    });
    return this.secretKey;
  }

  /** Whether codes can be mailed at all (a relay is configured). */
  get available(): boolean {
    return this.mailer !== null;
  }

  /**
   * Mails a fresh code to `address` for `accountId` (replacing a pending one).
   * `503 MAIL_RELAY_UNAVAILABLE` without a relay or when it refuses; `429 FLOOD_WAIT` past
   * CODES_PER_HOUR; `400 BAD_REQUEST` for something that is not an address.
   */
  async start(accountId: number, rawAddress: string, lang: Lang, held?: Held): Promise<void> {
    const address = normalizeEmail(rawAddress);
    if (!address) fail('BAD_REQUEST', { field: 'address', reason: 'not an e-mail address' });
    const mailer = this.mailer;
    if (!mailer) fail('MAIL_RELAY_UNAVAILABLE');
    const p = this.p;
    await p.serial.run(
      [key.account(accountId), key.email(address)],
      async () => {
        const now = p.clock.now();
        const recent = await rows(
          p.store,
          p.store.db
            .selectFrom('events')
            .select('at')
            .where('account_id', '=', accountId)
            .where('type', '=', 'email_verification_started')
            .where('at', '>', now - HOUR_MS)
            .orderBy('at'),
        );
        if (recent.length >= CODES_PER_HOUR) {
          const retryAfter = Math.max(1, Math.ceil((recent[0]!.at + HOUR_MS - now) / 1000));
          throw new BanyaError('FLOOD_WAIT', { retryAfter });
        }
        const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
        const salt = randomBytes(16).toString('hex');
        const expiresAt = now + CODE_TTL_MS;
        const actor = { kind: 'account' as const, id: publicId('account', accountId) };
        await p.journal.record(now, actor, accountId, {
          type: 'email_verification_started',
          payload: { address, salt, codeHash: codeHash(await this.secret(), salt, accountId, address, code), expiresAt },
        });
        const m = MAIL[p.index.language(accountId) ?? lang];
        try {
          await mailer.send(address, m.subject, m.text(code, CODE_TTL_MS / 60_000));
        } catch (err) {
          p.log.error({ err }, 'could not mail a verification code');
          fail('MAIL_RELAY_UNAVAILABLE');
        }
      },
      held,
    );
  }

  /** Checks a code; a right one verifies the address, a wrong one counts as an attempt. */
  async check(accountId: number, rawAddress: string, rawCode: string, held?: Held): Promise<CodeCheck> {
    const address = normalizeEmail(rawAddress);
    if (!address) return 'none';
    const code = rawCode.replace(/[\s-]/g, '');
    const p = this.p;
    return p.serial.run(
      [key.account(accountId), key.email(address)],
      async () => {
        const pending = await row(p.store, p.store.db.selectFrom('email_codes').selectAll().where('account_id', '=', accountId).where('address', '=', address));
        if (!pending) return 'none';
        if (pending.attempts >= CODE_ATTEMPTS) return 'exhausted';
        const now = p.clock.now();
        if (now > pending.expires_at) return 'expired';
        const actor = { kind: 'account' as const, id: publicId('account', accountId) };
        const want = Buffer.from(pending.code_hash, 'hex');
        const got = Buffer.from(codeHash(await this.secret(), pending.salt, accountId, address, code), 'hex');
        if (/^[0-9]{6}$/.test(code) && want.length === got.length && timingSafeEqual(want, got)) {
          await p.journal.record(now, actor, accountId, { type: 'email_verified', payload: { address } });
          return 'ok';
        }
        await p.journal.record(now, actor, accountId, { type: 'email_code_rejected', payload: { address, attempts: pending.attempts + 1 } });
        return 'wrong';
      },
      held,
    );
  }

  /** `POST /v1/me/emails/verify`: verifies, or `400 EMAIL_CODE_INVALID`. */
  async verify(accountId: number, address: string, code: string): Promise<void> {
    const r = await this.check(accountId, address, code);
    if (r !== 'ok') fail('EMAIL_CODE_INVALID', r === 'exhausted' || r === 'expired' ? { reason: r } : {});
  }

  /** The account that verified `address`, if any. */
  async ownerOf(address: string): Promise<number | null> {
    const found = await row(this.p.store, this.p.store.db.selectFrom('account_emails').select('account_id').where('address', '=', address.toLowerCase()));
    return found?.account_id ?? null;
  }

  /** The addresses `accountId` verified. */
  async verifiedOf(accountId: number): Promise<string[]> {
    const found = await rows(
      this.p.store,
      this.p.store.db.selectFrom('account_emails').select('address').where('account_id', '=', accountId).orderBy('address'),
    );
    return found.map((r) => r.address);
  }
}
