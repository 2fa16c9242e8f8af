/** How often an account's reports were confirmed or dismissed, and whether staff muted it. */
export interface ReporterStatsTable {
  account_id: number;
  confirmed: number;
  dismissed: number;
  muted: number;
}
