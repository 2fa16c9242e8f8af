/** The CRM gateway's durable outbox: managers' messages out, clients' messages in. */
export interface CrmJobsTable {
  scope_id: string;
  /** `out`: a manager's message to a client; `in`: a client's message into the CRM. */
  direction: string;
  /** The CRM's message id (out) or banya's message id (in). */
  msgid: string;
  business_account_id: number;
  /** `received` → (`held`) → `sent` | `failed` → `reported` */
  state: string;
  payload: string;
  peer_id: number | null;
  first_contact: number;
  received_at: number;
  held_until: number | null;
  sent_at: number | null;
  banya_message_id: string | null;
  error_code: number | null;
  error_reason: string | null;
  error_text: string | null;
  reported_at: number | null;
}
