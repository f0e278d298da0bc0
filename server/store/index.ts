/**
 * Opens the configured store, ready to use: MongoDB when a URL is given (several
 * processes on one database), else SQLite at dbFile (its directory is created).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Store } from './types.js';
import { SqliteStore } from './sqlite.js';

export type { Store } from './types.js';
export { SqliteStore } from './sqlite.js';

export interface StoreConfig {
  /** SQLite file (default data/waymark.db); ':memory:' for a throw-away store. */
  dbFile?: string;
  /** mongodb:// or mongodb+srv:// URL; wins over dbFile when set. */
  mongoUrl?: string;
  /** MongoDB database name (default: the URL's, else "waymark"). */
  mongoDbName?: string;
}

export async function openStore(config: StoreConfig = {}): Promise<Store> {
  const mongoUrl = config.mongoUrl?.trim();
  if (mongoUrl) {
    if (!/^mongodb(\+srv)?:\/\//.test(mongoUrl)) throw new Error(`MONGODB_URL: "${mongoUrl}" is not a mongodb:// or mongodb+srv:// URL`);
    // Loaded only when used, so a SQLite deployment never loads the MongoDB driver.
    const { MongoStore } = await import('./mongo.js');
    const store = new MongoStore(mongoUrl, { dbName: config.mongoDbName });
    try {
      await store.init();
    } catch (err) {
      await store.close().catch(() => undefined);
      throw new Error(`Could not open MongoDB at ${redact(mongoUrl)}: ${(err as Error).message}`);
    }
    return store;
  }
  const file = config.dbFile?.trim() || 'data/waymark.db';
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const store = new SqliteStore(file);
  try {
    await store.init();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw new Error(`Could not open the SQLite database ${file}: ${(err as Error).message}`);
  }
  return store;
}

/** The URL without its password, for error messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
