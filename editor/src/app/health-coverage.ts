/**
 * Why an evaluated account has no health score: the engine leaves it "not scored" when the
 * measures with a value carry less than the scorecard's minCoverage share of the weight
 * (engine/health/compute.ts). This works out, in the browser, which measures have no data,
 * reading derived fields the way the engine does (dictionary order, each may read earlier ones).
 */
import { buildConditionData, compileRule } from '../../../engine/conditions/index.js';
import type { FieldDef, Scorecard } from '../../../engine/schema/definitions.js';
import type { Account } from '../../../engine/types.js';

export interface MeasureCoverage {
  /** Measures without a value, with the weight they carry for this account's tier. */
  missing: { id: string; name: string; weight: number }[];
  /** Share (0-1) of the total weight that has data. */
  covered: number;
  /** The scorecard's minimum share (default 0.5, as the engine). */
  minCoverage: number;
}

/** A measure value as the engine counts it: a finite number (booleans and numeric text convert). */
function hasNumber(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'boolean') return true;
  return typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v));
}

/** Null when the scorecard or the account cannot be read (the caller then lists nothing). */
export function measureCoverage(scorecard: Scorecard, dictionary: readonly Partial<FieldDef>[], account: Account, nowMs: number): MeasureCoverage | null {
  try {
    const data = buildConditionData({ fields: account.fields ?? {}, tags: account.tags ?? [], flags: account.flags ?? {} });
    // Closures, not generated code: the app's Content-Security-Policy forbids eval.
    for (const f of dictionary) {
      if (f.derived === undefined || typeof f.name !== 'string') continue;
      let v: unknown;
      try { v = compileRule(f.derived, { mode: 'closure' })(data, nowMs); } catch { v = null; }
      data[f.name] = v === undefined ? null : v;
    }
    const tier = account.fields?.tier;
    const override = typeof tier === 'string' ? scorecard.tiers?.[tier]?.measures : undefined;
    const missing: MeasureCoverage['missing'] = [];
    let total = 0, withData = 0;
    for (const m of scorecard.measures) {
      const weight = override?.[m.id]?.weight ?? m.weight;
      if (weight <= 0) continue;
      total += weight;
      let v: unknown;
      try { v = compileRule(m.value, { mode: 'closure' })(data, nowMs); } catch { v = null; }
      if (hasNumber(v)) withData += weight;
      else missing.push({ id: m.id, name: m.name, weight });
    }
    return { missing, covered: total > 0 ? withData / total : 0, minCoverage: scorecard.minCoverage ?? 0.5 };
  } catch {
    return null;
  }
}
