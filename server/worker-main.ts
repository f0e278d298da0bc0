/**
 * `npm run worker`: a worker process on its own (run several against one MongoDB, or with
 * the web server started with WAYMARK_WORKER=0). Stops cleanly on SIGINT/SIGTERM.
 *
 * Environment (besides config.ts's): WAYMARK_WORKER_ID, WAYMARK_LEASE_MS, WAYMARK_BATCH.
 * Test hooks: WAYMARK_CLOCK=<ISO> fixes the clock; WAYMARK_WORKER_ONCE=1 runs rounds until
 * nothing is due, prints "COMMITTED <json ids>" and exits; WAYMARK_TEST_HOOK=block-after-claim
 * prints "CLAIMED <json ids>" after claiming and then hangs (to be killed mid-evaluation);
 * WAYMARK_WAIT_FOR_GO=1 prints "READY" and waits for a line on stdin before working.
 */
import { loadConfig } from './config.js';
import { clockFromEnv } from './clock.js';
import { createServerContext, openConfiguredStore } from './app.js';
import { createWorker } from './worker.js';
import { demoSeedGate } from './demo/seed-claim.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const store = await openConfiguredStore(config);
  const clock = clockFromEnv(process.env.WAYMARK_CLOCK);
  const ctx = await createServerContext({ store, clock, config });
  const hook = process.env.WAYMARK_TEST_HOOK;
  const once = process.env.WAYMARK_WORKER_ONCE === '1';
  const committed: string[] = [];
  const worker = createWorker(ctx, {
    workerId: process.env.WAYMARK_WORKER_ID || undefined,
    leaseMs: process.env.WAYMARK_LEASE_MS ? Number(process.env.WAYMARK_LEASE_MS) : undefined,
    batch: process.env.WAYMARK_BATCH ? Number(process.env.WAYMARK_BATCH) : undefined,
    log: once || hook ? () => {} : undefined,
    // A web process seeding this store's demo book evaluates it itself (as of each day of its
    // played year): hold until that is done.
    holdWhile: demoSeedGate(store, () => Date.now(), (m) => console.log(`[waymark] ${m}`)),
    onCommitted: (id) => committed.push(id),
    afterClaim: hook === 'block-after-claim'
      ? async (claims) => {
        process.stdout.write(`CLAIMED ${JSON.stringify(claims.map((c) => c.accountId))}\n`);
        await new Promise(() => {}); // hang until killed
      }
      : undefined,
  });

  if (process.env.WAYMARK_WAIT_FOR_GO === '1') {
    // Test hook: start several workers, then release them together.
    process.stdout.write('READY\n');
    await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  }

  if (once || hook) {
    for (let round = 0; round < 10_000; round++) {
      if ((await worker.runOnce()) === 0) break;
    }
    process.stdout.write(`COMMITTED ${JSON.stringify(committed)}\n`);
    await store.close();
    return;
  }

  console.log(`[waymark] worker ${worker.workerId} started (store: ${store.kind})`);
  worker.start();
  const shutdown = async () => {
    await worker.stop();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((e) => {
  console.error('[waymark] worker failed:', e);
  process.exit(1);
});
