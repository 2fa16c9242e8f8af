import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { MIGRATIONS } from './index.js';

/**
 * The migrations as PostgreSQL runs them: the same frozen files, under the same names, their
 * DDL rewritten where the dialects differ (src/store/postgres.ts pgDdl). A migration whose body
 * is SQLite's own JSON functions has its PostgreSQL form here, doing the same to the same rows.
 */
const PG_FORMS: Record<string, Migration> = {
  // report_filed events of before the evidence was frozen into them get it (and the comment).
  '2026-12-01T22:30-report-evidence-in-log': {
    async up(db: Kysely<unknown>) {
      await sql`
        update events
        set payload = (payload::jsonb || jsonb_build_object(
          'evidence', coalesce((
            select jsonb_agg(jsonb_build_object('id', e.message_id, 'chatId', e.chat_id, 'fromId', e.from_id, 'text', e.text, 'sentAt', e.sent_at) order by e.message_id)
            from report_evidence e where e.report_id = (events.payload::jsonb ->> 'reportId')::integer
          ), '[]'::jsonb),
          'comment', (select to_jsonb(comment) from reports where id = (events.payload::jsonb ->> 'reportId')::integer)
        ))::text
        where type = 'report_filed' and not (payload::jsonb ? 'comment')
      `.execute(db);
    },
  },
};

export const PG_MIGRATIONS: Record<string, Migration> = Object.fromEntries(Object.entries(MIGRATIONS).map(([name, m]) => [name, PG_FORMS[name] ?? m]));

export const pgMigrationProvider: MigrationProvider = {
  async getMigrations() {
    return PG_MIGRATIONS;
  },
};
