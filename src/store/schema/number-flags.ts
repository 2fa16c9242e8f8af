/** Numbers whose last account went away while limited or frozen: a new account starts limited. */
export interface NumberFlagsTable {
  phone: string;
  reason: string;
  flagged_at: number;
}
