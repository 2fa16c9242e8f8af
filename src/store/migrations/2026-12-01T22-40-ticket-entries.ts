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
    await sql`ALTER TABLE tickets ADD COLUMN text text NOT NULL DEFAULT ''`.execute(db);
    await sql`ALTER TABLE tickets ADD COLUMN answer text`.execute(db);
    await sql`ALTER TABLE tickets ADD COLUMN answered_by text`.execute(db);
    await sql`UPDATE tickets SET text = coalesce((
        SELECT group_concat(text, char(10) || char(10)) FROM (
          SELECT text FROM ticket_entries e WHERE e.ticket_id = tickets.id AND e.author = 'user' ORDER BY e.seq)), '')`.execute(db);
    await sql`UPDATE tickets SET
        answer = (SELECT text FROM ticket_entries e WHERE e.ticket_id = tickets.id AND e.author = 'support' ORDER BY e.seq DESC LIMIT 1),
        answered_by = (SELECT by_staff FROM ticket_entries e WHERE e.ticket_id = tickets.id AND e.author = 'support' ORDER BY e.seq DESC LIMIT 1)`.execute(db);
    await sql`DROP TABLE ticket_entries`.execute(db);
  },
};
