/** An e-mail address an account proved it controls; an address belongs to one account at a time. */
export interface AccountEmailsTable {
  address: string;
  account_id: number;
  verified_at: number;
}

/** A code mailed to an address, pending: only a salted hash of it. */
export interface EmailCodesTable {
  account_id: number;
  address: string;
  salt: string;
  code_hash: string;
  sent_at: number;
  expires_at: number;
  attempts: number;
}
