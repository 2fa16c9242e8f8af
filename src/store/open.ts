import type { Config } from '../config.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export interface OpenOptions {
  onError?: (err: Error, what: 'commit' | 'on-commit') => void;
}

/** The store the configuration names: PostgreSQL when BANYA_DATABASE_URL is set, else the data folder's SQLite file. */
export async function openStore(config: Pick<Config, 'dataDir' | 'databaseUrl' | 'durability'>, options: OpenOptions = {}): Promise<Store> {
  if (config.databaseUrl) return PostgresStore.open(config.databaseUrl, { ...(options.onError ? { onError: options.onError } : {}) });
  return SqliteStore.open(config.dataDir, { durability: config.durability, ...(options.onError ? { onError: options.onError } : {}) });
}
