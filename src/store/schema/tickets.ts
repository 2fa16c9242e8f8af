/** Support tickets: "Ask a question" in the app, or an e-mail to the support address. */
export interface TicketsTable {
  id: number;
  /** The account it is about, when known (always for the app; matched for e-mail). */
  account_id: number | null;
  /** `app` | `email` */
  source: string;
  from_email: string | null;
  subject: string | null;
  /** `open` | `answered` | `closed` (the entries are in `ticket_entries`) */
  state: string;
  created_at: number;
  due_at: number;
  overdue_at: number | null;
  /** When support last answered. */
  answered_at: number | null;
  /** When a follow-up last reopened it after an answer (null: never); its due times count from then. */
  reopened_at: number | null;
  /** When support closed it (null: open or answered). A follow-up to a closed ticket is a new one. */
  closed_at: number | null;
}
