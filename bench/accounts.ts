/**
 * Generated accounts for the benchmark: every field of the data dictionary in realistic
 * ranges (seeded, so runs compare), a few values missing as in real books.
 */
import type { Account } from '../engine/types.js';
import type { FieldDef } from '../engine/schema/definitions.js';

const DAY = 86_400_000;

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANGES: Record<string, [number, number]> = {
  mrr: [250, 30_000], licensesPurchased: [5, 600], licensesDeployed: [0, 600], nps: [0, 10], openTickets: [0, 12],
  openHighPriorityTickets: [0, 3], supportResolutionTargetDays: [3, 7], bugTickets: [0, 8], dau: [0, 500],
  dauTrendPct: [-60, 40], featuresUsed: [0, 12], keyFeaturesGreen: [0, 7], csmSentiment: [1, 5],
};
/** Dates relative to now, in days: [min, max]. */
const DATE_RANGES: Record<string, [number, number]> = {
  renewalDate: [-10, 365], contractStartDate: [-1000, -30], npsRespondedAt: [-200, 0],
  oldestHighPriorityTicketOpenedAt: [-40, 0], oldestHighPriorityBugOpenedAt: [-60, 0], usageGreenSince: [-90, 0],
  lastCsmUpdateAt: [-30, 0], churnedAt: [-300, 0],
};

/** Users a generated account can be owned by. */
export const BENCH_OWNERS = ['csm-1', 'csm-2', 'csm-3', 'csm-4', 'csm-5', 'csm-6', 'csm-7', 'csm-8'];

export function generateAccounts(count: number, fields: FieldDef[], nowMs: number, seed = 7): Account[] {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const stored = fields.filter((f) => f.derived === undefined);
  const out: Account[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const id = `bench-${i}`;
    const values: Record<string, unknown> = {};
    for (const f of stored) {
      if (f.name === 'name') { values.name = `Account ${i}`; continue; }
      if (f.name === 'owner') { values.owner = BENCH_OWNERS[i % BENCH_OWNERS.length]; continue; }
      if (f.name === 'churned' || f.name === 'churnedAt') continue;
      if (rnd() < 0.05) continue; // some values are simply not known
      switch (f.type) {
        case 'enum': values[f.name] = f.values?.[int(0, (f.values?.length ?? 1) - 1)] ?? null; break;
        case 'boolean': values[f.name] = rnd() < 0.6; break;
        case 'date': {
          const [lo, hi] = DATE_RANGES[f.name] ?? [-365, 365];
          values[f.name] = new Date(nowMs + int(lo, hi) * DAY).toISOString().slice(0, 10);
          break;
        }
        case 'integer': case 'number': {
          const [lo, hi] = RANGES[f.name] ?? [0, 100];
          values[f.name] = f.type === 'integer' ? int(lo, hi) : Math.round((lo + rnd() * (hi - lo)) * 10) / 10;
          break;
        }
        case 'list': values[f.name] = []; break;
        default: values[f.name] = f.name.endsWith('Email') ? `contact${i}@example.com` : `${f.label} ${i}`;
      }
    }
    if (typeof values.licensesDeployed === 'number' && typeof values.licensesPurchased === 'number') {
      values.licensesDeployed = Math.min(values.licensesDeployed, values.licensesPurchased);
    }
    // As a store hands accounts over: parsed JSON. (Built key by key, each account's fields
    // object would be a slow dictionary-mode object that no real evaluation ever sees.)
    out[i] = JSON.parse(JSON.stringify({ id, fields: values, tags: [], flags: {} })) as Account;
  }
  return out;
}
