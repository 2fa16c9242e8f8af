/**
 * Numbers an account looked up (imports, `resolve`, sends to `{phone}`), each from its first
 * lookup for 24 h: the record behind the daily lookup cap. Not a projection (like idempotency):
 * rows older than 24 h are pruned. Created by migration 2026-12-01T22-20-phone-lookups.
 */
export interface PhoneLookupsTable {
  account_id: number;
  /** The number's digits as an integer (phoneKey). */
  phone_key: number;
  at: number;
}
