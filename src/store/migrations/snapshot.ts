import type BetterSqlite3 from 'better-sqlite3';

/**
 * The schema of a database as one normalised text: every table and index banya made (not
 * SQLite's own nor Kysely's bookkeeping), ordered by table then name, one statement a line.
 * Two databases with the same text have the same tables, columns, constraints and indexes.
 */
export function schemaText(sqlite: BetterSqlite3.Database): string {
  const rows = sqlite
    .prepare(
      `select type, name, tbl_name, sql from sqlite_master
       where sql is not null and name not like 'sqlite_%' and name not like 'kysely_%'
       order by tbl_name, case type when 'table' then 0 else 1 end, name`,
    )
    .all() as { type: string; name: string; tbl_name: string; sql: string }[];
  return rows.map((r) => `${r.sql.replace(/\s+/g, ' ').trim()};\n`).join('');
}
