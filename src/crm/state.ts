import type { CrmEvent, InJob, OutJob } from '../events/crm.js';
import type { Recorded } from '../events/projector.js';
import type { Store } from '../store/store.js';
import { DAY } from './protection.js';
import { crmDb } from './tables.js';
import { each, rows } from '../store/read.js';

/**
 * The gateway's memory: connections, the jobs not finished yet, and the first contacts each
 * business number made (sent or scheduled) in the last day. Changed only by the CRM events'
 * projectors, after commit; loaded from the tables at start.
 */

export type ConnectionStatus = 'active' | 'paused' | 'disconnected';

export interface Connection {
  scopeId: string;
  channelId: string;
  amojoAccountId: string;
  businessAccountId: number;
  status: ConnectionStatus;
  reason: string | null;
  connectedAt: number;
}

export type JobState = 'received' | 'held' | 'sent' | 'failed' | 'reported';

export interface Job {
  key: string;
  scopeId: string;
  direction: 'out' | 'in';
  msgid: string;
  businessAccountId: number;
  state: JobState;
  out?: OutJob;
  in?: InJob;
  peerId: number | null;
  firstContact: boolean;
  receivedAt: number;
  heldUntil: number | null;
  sentAt: number | null;
  banyaMessageId: string | null;
  errorCode: number | null;
  reason: string | null;
  text: string | null;
  /** Not durable: when the next attempt may run (real time, ms), and how many were made. */
  retryAt: number;
  attempts: number;
  floodTries: number;
}

export interface Conversation {
  refId: string;
  receiverRefId: string | null;
  linked: boolean;
}

export function jobKey(scopeId: string, direction: 'out' | 'in', msgid: string): string {
  return `${scopeId}|${direction}|${msgid}`;
}

export class CrmState {
  readonly connections = new Map<string, Connection>();
  /** Jobs not reported yet, by key. */
  readonly jobs = new Map<string, Job>();
  /** Every job key ever received: a repeated webhook is recognised. */
  readonly seen = new Set<string>();
  /**
   * Scope id → the last message id stored when this node made the connection: messages stamped
   * at the connection's very instant (the manual clock does not move) but stored before it are
   * not the CRM's either.
   */
  readonly connectedAfterMessage = new Map<string, number>();
  /** Business account → job key → time of a first contact (sent, or scheduled while held). */
  readonly firstContacts = new Map<number, Map<string, number>>();
  readonly conversations = new Map<string, Conversation>();
  /** Told of each connection made, on this node or (through the feed) on another. */
  onConnected: ((c: Connection) => void) | null = null;

  static conversationKey(scopeId: string, client: number): string {
    return `${scopeId}|${client}`;
  }

  /** Business accounts with a connection that is not disconnected (active or paused). */
  readonly businesses = new Set<number>();

  private reindex(): void {
    this.businesses.clear();
    for (const c of this.connections.values()) if (c.status !== 'disconnected') this.businesses.add(c.businessAccountId);
  }

  connectionOf(business: number): Connection | undefined {
    for (const c of this.connections.values()) if (c.businessAccountId === business && c.status !== 'disconnected') return c;
    return undefined;
  }

  firstContactTimes(business: number, since: number): number[] {
    const m = this.firstContacts.get(business);
    if (!m) return [];
    const out: number[] = [];
    for (const [k, t] of m) {
      if (t <= since) m.delete(k);
      else out.push(t);
    }
    return out;
  }

  private setFirstContact(business: number, key: string, t: number | null): void {
    let m = this.firstContacts.get(business);
    if (!m) this.firstContacts.set(business, (m = new Map()));
    if (t === null) m.delete(key);
    else m.set(key, t);
  }

  apply(r: Recorded<CrmEvent>): void {
    const e = r.event;
    switch (e.type) {
      case 'crm_connected': {
        const p = e.payload;
        this.connections.set(p.scopeId, {
          scopeId: p.scopeId,
          channelId: p.channelId,
          amojoAccountId: p.amojoAccountId,
          businessAccountId: p.businessAccountId,
          status: 'active',
          reason: null,
          connectedAt: this.connections.get(p.scopeId)?.connectedAt ?? r.at,
        });
        this.reindex();
        this.onConnected?.(this.connections.get(p.scopeId)!);
        return;
      }
      case 'crm_disconnected': {
        const c = this.connections.get(e.payload.scopeId);
        if (c) this.connections.set(c.scopeId, { ...c, status: 'disconnected', reason: 'disconnected' });
        this.reindex();
        return;
      }
      case 'crm_paused': {
        const c = this.connections.get(e.payload.scopeId);
        if (c) this.connections.set(c.scopeId, { ...c, status: 'paused', reason: e.payload.reason });
        return;
      }
      case 'crm_resumed': {
        const c = this.connections.get(e.payload.scopeId);
        if (c?.status === 'paused') this.connections.set(c.scopeId, { ...c, status: 'active', reason: null });
        return;
      }
      case 'crm_job_received':
      case 'crm_inbound_received': {
        const p = e.payload;
        const key = jobKey(p.scopeId, p.direction, p.msgid);
        this.seen.add(key);
        this.jobs.set(key, {
          key,
          scopeId: p.scopeId,
          direction: p.direction,
          msgid: p.msgid,
          businessAccountId: p.businessAccountId,
          state: 'received',
          ...(e.type === 'crm_job_received' ? { out: e.payload.job } : { in: e.payload.job }),
          peerId: e.type === 'crm_inbound_received' ? e.payload.job.clientAccountId : null,
          firstContact: false,
          receivedAt: r.at,
          heldUntil: null,
          sentAt: null,
          banyaMessageId: null,
          errorCode: null,
          reason: null,
          text: null,
          retryAt: 0,
          attempts: 0,
          floodTries: 0,
        });
        return;
      }
      case 'crm_job_held': {
        const j = this.jobs.get(jobKey(e.payload.scopeId, 'out', e.payload.msgid));
        if (!j) return;
        j.state = 'held';
        j.heldUntil = e.payload.until;
        j.peerId = e.payload.peerId;
        j.firstContact = true;
        this.setFirstContact(j.businessAccountId, j.key, e.payload.until);
        return;
      }
      case 'crm_job_sent': {
        const j = this.jobs.get(jobKey(e.payload.scopeId, 'out', e.payload.msgid));
        if (!j) return;
        j.state = 'sent';
        j.sentAt = r.at;
        j.peerId = e.payload.peerId;
        j.firstContact = e.payload.firstContact;
        j.banyaMessageId = e.payload.banyaMessageId;
        j.retryAt = 0;
        j.attempts = 0;
        if (e.payload.firstContact) this.setFirstContact(j.businessAccountId, j.key, r.at);
        return;
      }
      case 'crm_job_failed': {
        const j = this.jobs.get(jobKey(e.payload.scopeId, e.payload.direction, e.payload.msgid));
        if (!j) return;
        if (j.state === 'held') this.setFirstContact(j.businessAccountId, j.key, null);
        j.state = 'failed';
        j.errorCode = e.payload.errorCode;
        j.reason = e.payload.reason;
        j.text = e.payload.text;
        j.peerId = e.payload.peerId ?? j.peerId;
        j.retryAt = 0;
        j.attempts = 0;
        return;
      }
      case 'crm_job_reported':
        this.jobs.delete(jobKey(e.payload.scopeId, e.payload.direction, e.payload.msgid));
        return;
      case 'crm_conversation_opened':
        this.conversations.set(CrmState.conversationKey(e.payload.scopeId, e.payload.clientAccountId), {
          refId: e.payload.refId,
          receiverRefId: e.payload.receiverRefId,
          linked: false,
        });
        return;
      case 'crm_conversation_linked': {
        const c = this.conversations.get(CrmState.conversationKey(e.payload.scopeId, e.payload.clientAccountId));
        if (c) c.linked = true;
        return;
      }
    }
  }

  /** Rebuilds memory from the tables (at start). */
  async load(store: Store, now: number): Promise<void> {
    const db = crmDb(store);
    for (const c of await rows(store, db.selectFrom('crm_connections').selectAll())) {
      this.connections.set(c.scope_id, {
        scopeId: c.scope_id,
        channelId: c.channel_id,
        amojoAccountId: c.amojo_account_id,
        businessAccountId: c.business_account_id,
        status: c.status as ConnectionStatus,
        reason: c.reason,
        connectedAt: Number(c.connected_at),
      });
    }
    this.reindex();
    for await (const j of each(store, db.selectFrom('crm_jobs').selectAll())) {
      const key = jobKey(j.scope_id, j.direction as 'out' | 'in', j.msgid);
      this.seen.add(key);
      const firstAt = j.state === 'held' ? j.held_until : j.first_contact && j.sent_at !== null ? j.sent_at : null;
      if (firstAt !== null && Number(firstAt) > now - DAY) this.setFirstContact(j.business_account_id, key, Number(firstAt));
      if (j.state === 'reported') continue;
      const payload = JSON.parse(j.payload) as OutJob | InJob;
      this.jobs.set(key, {
        key,
        scopeId: j.scope_id,
        direction: j.direction as 'out' | 'in',
        msgid: j.msgid,
        businessAccountId: j.business_account_id,
        state: j.state as JobState,
        ...(j.direction === 'out' ? { out: payload as OutJob } : { in: payload as InJob }),
        peerId: j.peer_id,
        firstContact: j.first_contact === 1,
        receivedAt: Number(j.received_at),
        heldUntil: j.held_until === null ? null : Number(j.held_until),
        sentAt: j.sent_at === null ? null : Number(j.sent_at),
        banyaMessageId: j.banya_message_id,
        errorCode: j.error_code,
        reason: j.error_reason,
        text: j.error_text,
        retryAt: 0,
        attempts: 0,
        floodTries: 0,
      });
    }
    for (const c of await rows(store, db.selectFrom('crm_conversations').selectAll())) {
      this.conversations.set(CrmState.conversationKey(c.scope_id, c.client_account_id), {
        refId: c.ref_id,
        receiverRefId: c.receiver_ref_id,
        linked: c.linked === 1,
      });
    }
  }
}

/** The gateway's memory of each service (the projectors' memory is the platform). */
const states = new WeakMap<object, CrmState>();

export function attachCrmState(owner: object, state: CrmState): void {
  states.set(owner, state);
}

export function crmStateOf(owner: object): CrmState | undefined {
  return states.get(owner);
}
