/** Numbers that cannot register again (PHONE_NUMBER_BANNED). */
export interface BannedPhonesTable {
  phone: string;
  account_id: number | null;
  banned_at: number;
}
