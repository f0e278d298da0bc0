/**
 * One demo seed per store. Two processes started together on an empty store (two `npm start`s,
 * or `npm start` with `npm run worker` beside it) used to seed side by side, and the other
 * process's worker evaluated the half-ingested book at today's date: accounts lost their played
 * year, and the CSMs' completions were skipped (1,300 open tasks instead of ~80). Now the process
 * that claims the store's seeding key seeds; the others' workers hold off until it is done.
 */
import type { Store } from '../store/types.js';

export const DEMO_SEEDING_KEY = 'demo.seeding';
export const DEMO_SEEDED_KEY = 'demo.seeded';

/** A claim older than this is a seed that crashed: nobody waits for it. */
export const SEED_CLAIM_STALE_MS = 10 * 60_000;

/** True for the one process that may seed this store. */
export async function claimDemoSeed(store: Store, nowIso: string, by: string): Promise<boolean> {
  return store.setMetaIfAbsent(DEMO_SEEDING_KEY, JSON.stringify({ at: nowIso, by }));
}

/**
 * For a worker, asked before each round: true while another process seeds this store's demo book
 * (its claim is fresh and the seeded mark not yet written), so the worker leaves the half-ingested
 * book to the seed. Once no seed can start any more - the store was seeded, the claim is stale (a
 * seed that crashed), or the store has accounts and no claim (seeds only start on an empty store,
 * and claim before they ingest) - it answers false for good without reading the store again.
 */
export function demoSeedGate(store: Store, nowMs: () => number, log: (msg: string) => void): () => Promise<boolean> {
  let settled = false;
  let told = false;
  return async () => {
    if (settled) return false;
    // Accounts are counted before the claim is read: a seed claims before it ingests, so accounts
    // seen here with no claim after them were not ingested by a seed.
    const hasAccounts = (await store.countAccounts()) > 0;
    const seeded = await store.getMeta(DEMO_SEEDED_KEY);
    const claimText = seeded ? null : await store.getMeta(DEMO_SEEDING_KEY);
    const claim = claimText ? parseClaim(claimText) : null;
    const at = Date.parse(claim?.at ?? '');
    const fresh = claim !== null && Number.isFinite(at) && nowMs() - at <= SEED_CLAIM_STALE_MS;
    if (fresh) {
      if (!told) log(`another process (${claim.by ?? 'unknown'}) is seeding the demo book; this worker starts when it is done`);
      told = true;
      return true;
    }
    if (seeded || claim !== null || hasAccounts) {
      settled = true;
      if (told) log(seeded ? 'the demo book is seeded; this worker starts' : 'the demo seed in the other process has stopped; this worker starts anyway');
    }
    return false;
  };
}

function parseClaim(text: string): { at?: string; by?: string } {
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}
