import { sql, type Kysely } from 'kysely';

/**
 * Frozen: a report's evidence and comment now travel in its `report_filed` event, so that the
 * log alone rebuilds `reports` and `report_evidence`. Events written before carried the message
 * ids only (and no comment); this fills them in from the rows those events wrote at the time.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update events
    set payload = json_set(
      payload,
      '$.evidence',
      json(coalesce((
        select json_group_array(json_object('id', e.message_id, 'chatId', e.chat_id, 'fromId', e.from_id, 'text', e.text, 'sentAt', e.sent_at))
        from (select * from report_evidence where report_id = json_extract(events.payload, '$.reportId') order by message_id) e
      ), '[]')),
      '$.comment',
      (select comment from reports where id = json_extract(events.payload, '$.reportId'))
    )
    where type = 'report_filed' and json_type(payload, '$.comment') is null
  `.execute(db);
}

/** Back to message ids only. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update events
    set payload = json_remove(
      json_set(payload, '$.evidence', json((select json_group_array(json_extract(v.value, '$.id')) from json_each(events.payload, '$.evidence') v))),
      '$.comment'
    )
    where type = 'report_filed'
  `.execute(db);
}
