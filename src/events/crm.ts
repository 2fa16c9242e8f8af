/**
 * The CRM gateway's events (src/crm): connections of CRM accounts, and every move of a job in
 * the durable outbox. Everything decided is in the payload; times are the event's `at`.
 */

/** A manager's message as the webhook gave it: who to write to, and the CRM's references. */
export interface OutJob {
  /** banya's client id (receiver.client_id), absent for a "write first". */
  clientId?: string;
  /** receiver.phone, for a "write first". */
  phone?: string;
  text: string;
  /** message.type when it is not "text" (a picture, a file…): such a message is not delivered. */
  type?: string;
  /** amojo's conversation id and receiver id, to link a "write first" conversation. */
  conversationRef?: string;
  receiverRef?: string;
}

/** A client's message to the business account, to bring into the CRM. */
export interface InJob {
  clientAccountId: number;
  text: string;
  /** When it was sent (ms). */
  sentAt: number;
}

export type CrmEvent =
  | { type: 'crm_connected'; payload: { scopeId: string; channelId: string; amojoAccountId: string; businessAccountId: number } }
  | { type: 'crm_disconnected'; payload: { scopeId: string } }
  | { type: 'crm_paused'; payload: { scopeId: string; reason: 'frozen' | 'banned' } }
  /** The number is neither frozen nor banned any more (a lift, an overturned appeal): the channel goes again. */
  | { type: 'crm_resumed'; payload: { scopeId: string } }
  | { type: 'crm_job_received'; payload: { scopeId: string; direction: 'out'; msgid: string; businessAccountId: number; job: OutJob } }
  | { type: 'crm_inbound_received'; payload: { scopeId: string; direction: 'in'; msgid: string; businessAccountId: number; job: InJob } }
  | { type: 'crm_job_held'; payload: { scopeId: string; msgid: string; peerId: number; until: number } }
  | { type: 'crm_job_sent'; payload: { scopeId: string; msgid: string; peerId: number; firstContact: boolean; banyaMessageId: string } }
  | {
      type: 'crm_job_failed';
      payload: { scopeId: string; direction: 'out' | 'in'; msgid: string; reason: string; errorCode: number; text: string; peerId: number | null };
    }
  | { type: 'crm_job_reported'; payload: { scopeId: string; direction: 'out' | 'in'; msgid: string } }
  | { type: 'crm_conversation_opened'; payload: { scopeId: string; clientAccountId: number; refId: string; receiverRefId: string | null } }
  | { type: 'crm_conversation_linked'; payload: { scopeId: string; clientAccountId: number } };
