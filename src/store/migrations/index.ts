import type { Migration, MigrationProvider } from 'kysely';
import { core } from './2026-11-25T12-00-core.js';
import { enforcement } from './2026-11-25T16-00-enforcement.js';
import { perUserReads } from './2026-12-01T22-00-per-user-reads.js';

/**
 * Every migration, by name. A migration is frozen once released: it holds its own DDL and
 * never imports today's schema code (src/store/schema/ has the table types only), so changing
 * the schema cannot silently change what an old migration did. A change is a new file here.
 *
 * The names are what data folders hold in kysely_migration: never rename one. Kysely applies
 * them in name order. They are listed (not discovered on disk) so the same list works from
 * sources, from dist/ and inside a bundled build.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-25T12:00-core': core,
  '2026-11-25T16:00-enforcement': enforcement,
  '2026-12-01T22:00-per-user-reads': perUserReads,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};
