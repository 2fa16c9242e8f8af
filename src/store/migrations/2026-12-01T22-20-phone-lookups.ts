import { sql, type Kysely, type Migration } from 'kysely';

/** The record behind the daily cap on number lookups (frozen: literal DDL). */
export const phoneLookups: Migration = {
  async up(db: Kysely<any>) {
    await sql`create table phone_lookups (
      account_id integer not null,
      phone_key integer not null,
      at bigint not null,
      constraint phone_lookups_pk primary key (account_id, phone_key)
    )`.execute(db);
    await sql`create index phone_lookups_at on phone_lookups (at)`.execute(db);
  },
  async down(db: Kysely<any>) {
    await sql`drop table phone_lookups`.execute(db);
  },
};
