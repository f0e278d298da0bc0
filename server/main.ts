/**
 * `npm start`: opens the store (SQLite by default, MongoDB when MONGODB_URL is set), loads
 * the published library, seeds the demo on an empty store, runs the worker in-process
 * (unless WAYMARK_WORKER=0) and serves the API and the web app on PORT.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from './config.js';
import { systemClock } from './clock.js';
import { createApp, createServerContext, openConfiguredStore, type AppContext } from './app.js';
import { createWorker } from './worker.js';
import { ensureDemoUsers, signInHint } from './auth/demo-users.js';
import { ensureFirstAdmin } from './auth/first-admin.js';
import { demoSeedGate } from './demo/seed-claim.js';

/** Seeds the demo book when the store has no accounts (server/demo/seed.ts, if present). */
export async function seedDemoIfEmpty(ctx: AppContext): Promise<void> {
  if (!ctx.config.seedDemo) return;
  if ((await ctx.store.countAccounts()) > 0) return;
  let mod: { seedDemo?: (c: AppContext, opts?: { by?: string }) => Promise<unknown> };
  try {
    const modPath = './demo/seed.js';
    mod = await import(modPath);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return;
    throw e;
  }
  if (!mod.seedDemo) return;
  console.log('[waymark] empty store: seeding the demo book (set WAYMARK_SEED_DEMO=0 to skip)...');
  const started = Date.now();
  const result = (await mod.seedDemo(ctx, { by: `web ${process.pid}` })) as { seeded?: boolean; reason?: string } | undefined;
  if (result && result.seeded === false) {
    console.log(`[waymark] demo not seeded: ${result.reason}`);
    return;
  }
  console.log(`[waymark] demo seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.mongoUrl) fs.mkdirSync(path.dirname(config.dbPath), { recursive: true });
  const store = await openConfiguredStore(config);
  const createdUsers = config.demoUsers ? await ensureDemoUsers(store) : [];
  const firstAdmin = config.demoUsers ? null : await ensureFirstAdmin(store, { email: config.adminEmail, password: config.adminPassword });
  const ctx = await createServerContext({ store, clock: systemClock, config });
  await seedDemoIfEmpty(ctx);

  // The worker holds while another process seeds this store's demo book (that seed evaluates
  // its accounts itself, day by day through their year); the web app serves meanwhile.
  const holdWhile = demoSeedGate(store, () => Date.now(), (m) => console.log(`[waymark] ${m}`));
  const worker = config.inProcessWorker ? createWorker(ctx, { workerId: `web-${process.pid}`, holdWhile }) : null;
  if (worker) {
    ctx.onKick(() => worker.kick());
    worker.start();
  }

  const app = createApp(ctx);
  const server = app.listen(config.port, config.host, () => {
    const shown = config.host === '0.0.0.0' ? 'localhost' : config.host;
    console.log(`[waymark] listening on http://${shown}:${config.port} (store: ${store.kind}${store.kind === 'sqlite' ? ` ${config.dbPath}` : ''}; worker: ${worker ? 'in-process' : 'off, run `npm run worker`'})`);
    if (createdUsers.length) console.log(`[waymark] created ${createdUsers.length} demo users.`);
    if (config.demoUsers) console.log(signInHint());
    if (firstAdmin) {
      console.log(`[waymark] created the first admin: ${firstAdmin.email}${firstAdmin.generatedPassword ? ` with the password ${firstAdmin.generatedPassword} (shown only now; change it with POST /api/auth/password)` : ' (password from WAYMARK_ADMIN_PASSWORD)'}`);
    }
    if (!fs.existsSync(path.join(config.distDir, 'index.html'))) console.log('[waymark] the web app is not built yet: run `npm run build`.');
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[waymark] ${signal}: shutting down...`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close();
    server.closeAllConnections();
    await worker?.stop();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e) => {
  console.error('[waymark] failed to start:', e);
  process.exit(1);
});
