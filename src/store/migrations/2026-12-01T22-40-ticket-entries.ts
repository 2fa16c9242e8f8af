import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Tickets become threads: every follow-up and every answer is an entry of its own. Each existing
 * ticket's text becomes its first entry (from the user) and its answer, if any, the second (from
 * support); then the columns that held them go. Frozen: literal DDL, never the schema code.
 */
export const ticketEntries: Migration = {
  async up(db: Kysely<any>) {
    await sql`CREATE TABLE ticket_entries (
      ticket_id integer NOT NULL,
      seq integer NOT NULL,
      author text NOT NULL,
      text text NOT NULL,
      at bigint NOT NULL,
      via text NOT NULL,
      by_staff text,
      PRIMARY KEY (ticket_id, seq)
    )`.execute(db);
    await sql`INSERT INTO ticket_entries (ticket_id, seq, author, text, at, via, by_staff)
      SELECT id, 1, 'user', text, created_at, source, NULL FROM tickets`.execute(db);
    await sql`INSERT INTO ticket_entries (ticket_id, seq, author, text, at, via, by_staff)
      SELECT id, 2, 'support', answer, coalesce(answered_at, created_at), source, answered_by FROM tickets WHERE answer IS NOT NULL`.execute(db);
    await sql`ALTER TABLE tickets DROP COLUMN text`.execute(db);
    await sql`ALTER TABLE tickets DROP COLUMN answer`.execute(db);
    await sql`ALTER TABLE tickets DROP COLUMN answered_by`.execute(db);
  },
  async down(db: Kysely<any>) {
    // The table exactly as the enforcement migration made it, refilled from the entries.
    await sql`CREATE TABLE "tickets_before" ("id" integer primary key, "account_id" integer, "source" text not null, "from_email" text, "subject" text, "text" text not null, "state" text not null, "created_at" bigint not null, "due_at" bigint not null, "overdue_at" bigint, "answered_at" bigint, "answered_by" text, "answer" text)`.execute(db);
    await sql`INSERT INTO tickets_before (id, account_id, source, from_email, subject, text, state, created_at, due_at, overdue_at, answered_at, answered_by, answer)
      SELECT t.id, t.account_id, t.source, t.from_email, t.subject,
        coalesce((SELECT group_concat(text, char(10) || char(10)) FROM (SELECT text FROM ticket_entries e WHERE e.ticket_id = t.id AND e.author = 'user' ORDER BY e.seq)), ''),
        t.state, t.created_at, t.due_at, t.overdue_at, t.answered_at,
        (SELECT by_staff FROM ticket_entries e WHERE e.ticket_id = t.id AND e.author = 'support' ORDER BY e.seq DESC LIMIT 1),
        (SELECT text FROM ticket_entries e WHERE e.ticket_id = t.id AND e.author = 'support' ORDER BY e.seq DESC LIMIT 1)
      FROM tickets t`.execute(db);
    await sql`DROP TABLE tickets`.execute(db);
    await sql`ALTER TABLE tickets_before RENAME TO tickets`.execute(db);
    await sql`CREATE INDEX "tickets_queue" on "tickets" ("state", "id")`.execute(db);
    await sql`DROP TABLE ticket_entries`.execute(db);
  },
};
