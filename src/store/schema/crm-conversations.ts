/** The CRM gateway: conversations opened by a "write first", to link the client's answer. */
export interface CrmConversationsTable {
  scope_id: string;
  client_account_id: number;
  /** amojo's conversation id from the "write first" webhook. */
  ref_id: string;
  /** amojo's id of the client (receiver.id), sent back as sender.ref_id. */
  receiver_ref_id: string | null;
  /** A client message carrying conversation_ref_id was accepted by amojo. */
  linked: number;
  opened_at: number;
}
