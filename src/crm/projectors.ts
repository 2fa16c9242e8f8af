import type { CompiledQuery, Kysely } from 'kysely';
import type { CrmEvent } from '../events/index.js';
import type { Projector, ProjectorsFor, Recorded } from '../events/projector.js';
import type { Platform } from '../platform/context.js';
import type { Database } from '../store/database.js';
import { crmStateOf } from './state.js';
import { crmDb } from './tables.js';

/**
 * The gateway's projectors: each CRM event's rows in crm_connections, crm_jobs and
 * crm_conversations, and (after commit) the gateway's memory.
 */

type Sql<T extends CrmEvent['type']> = (r: Recorded<Extract<CrmEvent, { type: T }>>, db: Kysely<Database>) => CompiledQuery[];

function projector<T extends CrmEvent['type']>(sql: Sql<T>): Projector<Extract<CrmEvent, { type: T }>, Platform> {
  return {
    sql,
    memory: (r, p) => crmStateOf(p)?.apply(r),
  };
}

export const crmProjectors: ProjectorsFor<CrmEvent, Platform> = {
  crm_connected: projector<'crm_connected'>((r, db) => {
    const p = r.event.payload;
    return [
      crmDb({ db })
        .insertInto('crm_connections')
        .values({
          scope_id: p.scopeId,
          channel_id: p.channelId,
          amojo_account_id: p.amojoAccountId,
          business_account_id: p.businessAccountId,
          status: 'active',
          reason: null,
          connected_at: r.at,
          changed_at: r.at,
        })
        .onConflict((oc) =>
          oc.column('scope_id').doUpdateSet({
            channel_id: p.channelId,
            amojo_account_id: p.amojoAccountId,
            business_account_id: p.businessAccountId,
            status: 'active',
            reason: null,
            changed_at: r.at,
          }),
        )
        .compile(),
    ];
  }),
  crm_disconnected: projector<'crm_disconnected'>((r, db) => [
    crmDb({ db })
      .updateTable('crm_connections')
      .set({ status: 'disconnected', reason: 'disconnected', changed_at: r.at })
      .where('scope_id', '=', r.event.payload.scopeId)
      .compile(),
  ]),
  crm_paused: projector<'crm_paused'>((r, db) => [
    crmDb({ db })
      .updateTable('crm_connections')
      .set({ status: 'paused', reason: r.event.payload.reason, changed_at: r.at })
      .where('scope_id', '=', r.event.payload.scopeId)
      .compile(),
  ]),
  crm_resumed: projector<'crm_resumed'>((r, db) => [
    crmDb({ db })
      .updateTable('crm_connections')
      .set({ status: 'active', reason: null, changed_at: r.at })
      .where('scope_id', '=', r.event.payload.scopeId)
      .where('status', '=', 'paused')
      .compile(),
  ]),
  crm_job_received: projector<'crm_job_received'>((r, db) => {
    const p = r.event.payload;
    return [jobInsert(db, p.scopeId, 'out', p.msgid, p.businessAccountId, JSON.stringify(p.job), null, r.at)];
  }),
  crm_inbound_received: projector<'crm_inbound_received'>((r, db) => {
    const p = r.event.payload;
    return [jobInsert(db, p.scopeId, 'in', p.msgid, p.businessAccountId, JSON.stringify(p.job), p.job.clientAccountId, r.at)];
  }),
  crm_job_held: projector<'crm_job_held'>((r, db) => {
    const p = r.event.payload;
    return [job(db, p.scopeId, 'out', p.msgid).set({ state: 'held', held_until: p.until, peer_id: p.peerId, first_contact: 1 }).compile()];
  }),
  crm_job_sent: projector<'crm_job_sent'>((r, db) => {
    const p = r.event.payload;
    return [
      job(db, p.scopeId, 'out', p.msgid)
        .set({ state: 'sent', sent_at: r.at, peer_id: p.peerId, first_contact: p.firstContact ? 1 : 0, banya_message_id: p.banyaMessageId })
        .compile(),
    ];
  }),
  crm_job_failed: projector<'crm_job_failed'>((r, db) => {
    const p = r.event.payload;
    return [
      job(db, p.scopeId, p.direction, p.msgid)
        .set({ state: 'failed', error_code: p.errorCode, error_reason: p.reason, error_text: p.text, peer_id: p.peerId, sent_at: null })
        .compile(),
    ];
  }),
  crm_job_reported: projector<'crm_job_reported'>((r, db) => {
    const p = r.event.payload;
    return [job(db, p.scopeId, p.direction, p.msgid).set({ state: 'reported', reported_at: r.at }).compile()];
  }),
  crm_conversation_opened: projector<'crm_conversation_opened'>((r, db) => {
    const p = r.event.payload;
    return [
      crmDb({ db })
        .insertInto('crm_conversations')
        .values({ scope_id: p.scopeId, client_account_id: p.clientAccountId, ref_id: p.refId, receiver_ref_id: p.receiverRefId, linked: 0, opened_at: r.at })
        .onConflict((oc) =>
          oc.columns(['scope_id', 'client_account_id']).doUpdateSet({ ref_id: p.refId, receiver_ref_id: p.receiverRefId, linked: 0, opened_at: r.at }),
        )
        .compile(),
    ];
  }),
  crm_conversation_linked: projector<'crm_conversation_linked'>((r, db) => [
    crmDb({ db })
      .updateTable('crm_conversations')
      .set({ linked: 1 })
      .where('scope_id', '=', r.event.payload.scopeId)
      .where('client_account_id', '=', r.event.payload.clientAccountId)
      .compile(),
  ]),
};

function jobInsert(
  db: Kysely<Database>,
  scope: string,
  direction: 'out' | 'in',
  msgid: string,
  business: number,
  payload: string,
  peer: number | null,
  at: number,
): CompiledQuery {
  return crmDb({ db })
    .insertInto('crm_jobs')
    .values({
      scope_id: scope,
      direction,
      msgid,
      business_account_id: business,
      state: 'received',
      payload,
      peer_id: peer,
      first_contact: 0,
      received_at: at,
      held_until: null,
      sent_at: null,
      banya_message_id: null,
      error_code: null,
      error_reason: null,
      error_text: null,
      reported_at: null,
    })
    .compile();
}

function job(db: Kysely<Database>, scope: string, direction: 'out' | 'in', msgid: string) {
  return crmDb({ db }).updateTable('crm_jobs').where('scope_id', '=', scope).where('direction', '=', direction).where('msgid', '=', msgid);
}
