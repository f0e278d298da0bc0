/**
 * Server configuration, read once from the environment (see docs/ARCHITECTURE.md).
 */
import path from 'node:path';

export interface Config {
  port: number;
  /** SQLite file (used unless mongoUrl is set). */
  dbPath: string;
  mongoUrl: string | null;
  /** Seed the demo book on an empty store (WAYMARK_SEED_DEMO=0 skips; off by default in production). */
  seedDemo: boolean;
  /**
   * Create the demo users (public password) on a store with no users: not in production unless
   * WAYMARK_SEED_DEMO=1 asks for the demo explicitly. Otherwise a first admin is created.
   */
  demoUsers: boolean;
  /** The first admin of a production store (WAYMARK_ADMIN_EMAIL / WAYMARK_ADMIN_PASSWORD). */
  adminEmail: string | null;
  adminPassword: string | null;
  playbooksDir: string;
  /** Run the worker inside the web process (WAYMARK_WORKER=0: run `npm run worker` instead). */
  inProcessWorker: boolean;
  /** NODE_ENV=production: secure cookies, no stack traces. */
  production: boolean;
  /** The built web app (vite build output). */
  distDir: string;
  /** Bind address; 0.0.0.0 by default so containers work. */
  host: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const production = env.NODE_ENV === 'production';
  const seedFlag = env.WAYMARK_SEED_DEMO === undefined || env.WAYMARK_SEED_DEMO === '' ? null : env.WAYMARK_SEED_DEMO !== '0';
  return {
    port,
    dbPath: path.resolve(cwd, env.WAYMARK_DB || 'data/waymark.db'),
    mongoUrl: env.MONGODB_URL ? env.MONGODB_URL : null,
    seedDemo: seedFlag ?? !production,
    demoUsers: !production || seedFlag === true,
    adminEmail: env.WAYMARK_ADMIN_EMAIL || null,
    adminPassword: env.WAYMARK_ADMIN_PASSWORD || null,
    playbooksDir: path.resolve(cwd, env.WAYMARK_PLAYBOOKS_DIR || 'playbooks'),
    inProcessWorker: env.WAYMARK_WORKER !== '0',
    production,
    distDir: path.resolve(cwd, env.WAYMARK_DIST_DIR || 'dist'),
    host: env.HOST || '0.0.0.0',
  };
}
