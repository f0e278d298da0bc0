/**
 * The HTTP application: security headers, safe body parsing, auth, the API routers,
 * the OpenAPI document, and the built web app (dist/) with SPA fallback.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Store } from './store/types.js';
import { openStore } from './store/index.js';
import type { LibraryService, ServerContext } from './context.js';
import { systemClock, type Clock } from './clock.js';
import { loadConfig, type Config } from './config.js';
import { createLibraryService } from './library.js';
import { errorHandler, sendError } from './http/errors.js';
import { safeJson } from './http/json-body.js';
import { authenticate, requireRole } from './auth/middleware.js';
import { authRouter } from './routes/auth.js';
import { usersRouter } from './routes/users.js';
import { accountsRouter } from './routes/accounts.js';
import { eventsRouter } from './routes/events.js';
import { tasksRouter } from './routes/tasks.js';
import { timelineRouter } from './routes/timeline.js';
import { playbookStartRouter } from './routes/playbook-start.js';
import { incidentsRouter } from './routes/incidents.js';
import { definitionsRouter } from './routes/definitions.js';
import { analyticsRouter } from './routes/analytics.js';
import { buildOpenApi } from './openapi.js';

/** Opens the configured store (MongoDB when MONGODB_URL is set, else SQLite at WAYMARK_DB), initialised. */
export async function openConfiguredStore(config: Config): Promise<Store> {
  const store = await openStore({ dbFile: config.dbPath, mongoUrl: config.mongoUrl ?? undefined });
  await store.init(); // idempotent
  return store;
}

export interface ServerContextOptions {
  store: Store;
  clock?: Clock;
  config?: Partial<Config>;
  /** Defaults to createLibraryService over the store and playbooksDir. */
  library?: LibraryService;
  playbooksDir?: string;
}

/** The context plus a way for the in-process worker to hear kickWorker(). */
export interface AppContext extends ServerContext {
  onKick(listener: () => void): () => void;
}

export async function createServerContext(opts: ServerContextOptions): Promise<AppContext> {
  const base = loadConfig();
  const config: Config = { ...base, ...opts.config, playbooksDir: opts.playbooksDir ?? opts.config?.playbooksDir ?? base.playbooksDir };
  const clock = opts.clock ?? systemClock;
  const library = opts.library ?? (await createLibraryService({ store: opts.store, clock, playbooksDir: config.playbooksDir }));
  const listeners = new Set<() => void>();
  return {
    store: opts.store,
    clock,
    config,
    library,
    requireRole,
    kickWorker() {
      for (const l of listeners) l();
    },
    onKick(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Routers with the prefix they are mounted under; the OpenAPI test walks these. */
export interface Mounted { prefix: string; router: Router }

/** Paths that need no sign-in (everything else goes through ctx.requireRole). */
export const PUBLIC_ROUTES = ['GET /api/health', 'GET /api/openapi.json', 'POST /api/auth/login', 'POST /api/auth/logout'];

export function createApp(ctx: ServerContext): Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy on loopback, trust its X-Forwarded-Proto so cookies can be Secure.
  app.set('trust proxy', 'loopback');
  app.use(helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // React Flow and charts set style attributes; scripts stay strictly same-origin.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(ctx.config.production ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // Same-origin app; no cross-origin embedding.
    crossOriginEmbedderPolicy: false,
  }));

  const mounted: Mounted[] = [];
  const mount = (prefix: string, router: Router) => {
    mounted.push({ prefix, router });
    app.use(prefix || '/', router);
  };

  // CSV bodies are streamed by the import route itself, so only JSON is parsed here.
  app.use('/api', (req, res, next) => {
    // Bulk ingest takes up to 10,000 records per request (20 MB); everything else 1 MB.
    const bulk = req.method === 'POST' && (req.path === '/accounts/bulk' || req.path === '/events');
    const [read, parse] = bulk ? bulkJson : smallJson;
    read(req, res, (e?: unknown) => (e ? next(e) : parse(req, res, next)));
  });
  app.use('/api', authenticate(ctx.store, ctx.clock));

  app.get('/api/health', async (_req, res) => {
    res.json({ status: 'ok', store: ctx.store.kind, time: ctx.clock.now().toISOString(), libraryGeneration: ctx.library.generation() });
  });

  mount('', authRouter(ctx));
  mount('', usersRouter(ctx));
  mount('', accountsRouter(ctx));
  mount('', eventsRouter(ctx));
  mount('', tasksRouter(ctx));
  mount('', timelineRouter(ctx));
  mount('', playbookStartRouter(ctx));
  mount('', incidentsRouter(ctx));
  mount(OTHER_ROUTERS_PREFIX, definitionsRouter(ctx));
  mount(OTHER_ROUTERS_PREFIX, analyticsRouter(ctx));

  const openapi = buildOpenApi();
  app.get('/api/openapi.json', (_req, res) => { res.json(openapi); });
  app.locals.mounted = mounted;

  app.use('/api', (req, res) => sendError(res, 404, `No API route ${req.method} ${req.originalUrl.split('?')[0]}`));

  serveWebApp(app, ctx.config.distDir);
  app.use(errorHandler({ production: ctx.config.production }));
  return app;
}

/** Where the definitions/analytics routers are mounted (their paths are relative to /api). */
const OTHER_ROUTERS_PREFIX = '/api';

const smallJson = safeJson('1mb');
const bulkJson = safeJson('20mb');

function serveWebApp(app: Express, distDir: string): void {
  const index = path.join(distDir, 'index.html');
  app.use(express.static(distDir, { index: false, maxAge: '1h', setHeaders: (res, file) => {
    // Hashed assets never change; index.html must always be fresh.
    if (file.includes(`${path.sep}assets${path.sep}`)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  } }));
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path.startsWith('/api')) return next();
    if (fs.existsSync(index)) {
      res.setHeader('Cache-Control', 'no-cache');
      return res.sendFile(index);
    }
    res.status(503).type('text/plain').send('The Waymark web app has not been built yet. Run `npm run build`, then reload this page.\nThe API is available under /api (see /api/openapi.json).\n');
  });
}
