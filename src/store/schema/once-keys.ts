/**
 * Keys a write may take only once across every node: a case decided, a restriction ended, an
 * appeal decided, SpamBot's n-th answer to a person. A second unit taking the same key is refused
 * by the primary key, which is how PostgreSQL arbitrates between two nodes' memories.
 */
export interface OnceKeysTable {
  key: string;
  at: number;
}
