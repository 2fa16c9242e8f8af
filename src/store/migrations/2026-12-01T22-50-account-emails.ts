import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Verified e-mail addresses (one account per address) and the pending codes that verify them
 * (a salted hash, never the code). Frozen: literal DDL, never the schema code.
 */
export const accountEmails: Migration = {
  async up(db: Kysely<any>) {
    await sql`CREATE TABLE account_emails (
      address text PRIMARY KEY,
      account_id integer NOT NULL,
      verified_at bigint NOT NULL
    )`.execute(db);
    await sql`CREATE INDEX account_emails_account ON account_emails (account_id)`.execute(db);
    await sql`CREATE TABLE email_codes (
      account_id integer NOT NULL,
      address text NOT NULL,
      salt text NOT NULL,
      code_hash text NOT NULL,
      sent_at bigint NOT NULL,
      expires_at bigint NOT NULL,
      attempts integer NOT NULL,
      PRIMARY KEY (account_id, address)
    )`.execute(db);
  },
  async down(db: Kysely<any>) {
    await sql`DROP TABLE email_codes`.execute(db);
    await sql`DROP TABLE account_emails`.execute(db);
  },
};
