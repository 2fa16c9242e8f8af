/**
 * Private chats, groups and channels. A private chat keeps its two sides ordered (peer_low <
 * peer_high), who started it, and whether each side has written (the gate's "wrote first").
 */
export interface ChatsTable {
  id: number;
  kind: 'private' | 'group' | 'channel';
  title: string | null;
  public: number;
  owner_id: number | null;
  peer_low: number | null;
  peer_high: number | null;
  started_by: number | null;
  low_wrote: number;
  high_wrote: number;
  created_at: number;
}
