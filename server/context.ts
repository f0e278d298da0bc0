/**
 * What every server module receives: the store, the clock, config, the definitions
 * library and auth helpers. Built once in server/app.ts (createServerContext).
 */
import type { RequestHandler } from 'express';
import type { Store, Role, User } from './store/types.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { CompiledLibrary, LibraryInput } from '../engine/runtime/index.js';

/** The definitions the worker runs: the newest published version of each, plus older versions that still have active runs. */
export interface LibraryService {
  /** Compiled library of published versions (reloaded after every publish). */
  current(): CompiledLibrary;
  currentInput(): LibraryInput;
  /** Re-reads published versions from the store and recompiles. */
  reload(): Promise<void>;
  /** Bumped on every reload, so long-running workers can notice. */
  generation(): number;
}

export interface ServerContext {
  store: Store;
  clock: Clock;
  config: Config;
  library: LibraryService;
  /** Middleware: 401 when not signed in, 403 when the user lacks every listed role (admin passes all). */
  requireRole(...roles: Role[]): RequestHandler;
  /** Signals the in-process worker that work is due now (after ingest), so latency stays low. */
  kickWorker(): void;
}

/** The signed-in user, put on res.locals.user by the auth middleware. */
export type AuthedUser = Omit<User, 'passwordHash'>;
