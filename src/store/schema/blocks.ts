/** `blocker_id` has blocked `blocked_id`. */
export interface BlocksTable {
  blocker_id: number;
  blocked_id: number;
  created_at: number;
}
