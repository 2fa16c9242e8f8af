/** Small facts of a data folder: the admin token's hash, the manual clock's time. */
export interface SettingsTable {
  key: string;
  value: string;
}
