/** The CRM gateway: a CRM (amoCRM/Kommo) account connected to a business account. */
export interface CrmConnectionsTable {
  scope_id: string;
  channel_id: string;
  amojo_account_id: string;
  business_account_id: number;
  /** `active` | `paused` | `disconnected` */
  status: string;
  reason: string | null;
  connected_at: number;
  changed_at: number;
}
