/** Copies of the reported messages, frozen at report time: all that moderators ever see. */
export interface ReportEvidenceTable {
  report_id: number;
  message_id: number;
  chat_id: number;
  from_id: number;
  text: string;
  sent_at: number;
}
