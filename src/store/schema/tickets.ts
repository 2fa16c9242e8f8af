/** Support tickets: "Ask a question" in the app, or an e-mail to the support address. */
export interface TicketsTable {
  id: number;
  /** The account it is about, when known (always for the app; matched for e-mail). */
  account_id: number | null;
  /** `app` | `email` */
  source: string;
  from_email: string | null;
  subject: string | null;
  text: string;
  /** `open` | `answered` */
  state: string;
  created_at: number;
  due_at: number;
  overdue_at: number | null;
  answered_at: number | null;
  answered_by: string | null;
  answer: string | null;
}
