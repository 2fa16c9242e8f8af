/** A ticket's thread: the person's messages and support's answers, numbered from 1. */
export interface TicketEntriesTable {
  ticket_id: number;
  seq: number;
  /** `user` | `support` */
  author: string;
  text: string;
  at: number;
  /** `app` | `email` */
  via: string;
  /** The staff member who answered (`s12`, `admin`); null for the user's entries. */
  by_staff: string | null;
}
