/**
 * Health from a scorecard: each measure's value gets a colour from its direction and
 * thresholds (with per-tier overrides); the score is the weighted mean of green 100,
 * yellow 50, red 0 over the measures that have a value; the colour comes from the bands.
 */
import type { HealthColor, Scorecard } from '../schema/definitions.js';
import type { Health, MeasureResult } from '../types.js';
import type { CompiledScorecard } from '../runtime/compile.js';
import type { ConditionData } from '../runtime/deps.js';

/** Share of the total weight that must have values when the scorecard does not say. */
export const DEFAULT_MIN_COVERAGE = 0.5;

export function measureColor(value: number, direction: 'higher-is-better' | 'lower-is-better', t: { green: number; yellow: number }): HealthColor {
  if (direction === 'higher-is-better') return value >= t.green ? 'green' : value >= t.yellow ? 'yellow' : 'red';
  return value <= t.green ? 'green' : value <= t.yellow ? 'yellow' : 'red';
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Weights, thresholds and bands of a scorecard for one tier (or for none), resolved once. */
export interface ScorePlan {
  weights: number[];
  thresholds: { green: number; yellow: number }[];
  bands: { green: number; yellow: number };
  /**
   * The same per measure as flat arrays of numbers and flags, which the scoring loop reads: each
   * threshold object comes from its own place in the definition JSON, and reading them and the
   * direction text per account cost more than the measures themselves.
   */
  higher?: boolean[];
  green?: number[];
  yellow?: number[];
}

type PlanMeasure = Pick<CompiledScorecard['measures'][number], 'id' | 'weight' | 'thresholds'> & { direction?: CompiledScorecard['measures'][number]['direction'] };

/** The plan for a tier override (or none): what scoreHealth used to look up per measure and account. */
export function scorePlan(def: Scorecard, measures: readonly PlanMeasure[], override: NonNullable<Scorecard['tiers']>[string] | undefined): ScorePlan {
  const overrides = override?.measures;
  const weights: number[] = [];
  const thresholds: { green: number; yellow: number }[] = [];
  for (const m of measures) {
    const mo = overrides?.[m.id];
    weights.push(mo?.weight ?? m.weight);
    thresholds.push(mo?.thresholds ?? m.thresholds);
  }
  const plan: ScorePlan = { weights, thresholds, bands: override?.bands ?? def.bands };
  // Flat arrays only when every measure says its direction (measureColor's rule: anything but
  // "higher-is-better" is lower-is-better).
  if (measures.every((m) => m.direction !== undefined)) {
    plan.higher = measures.map((m) => m.direction === 'higher-is-better');
    plan.green = thresholds.map((t) => t.green);
    plan.yellow = thresholds.map((t) => t.yellow);
  }
  return plan;
}

/** The plan of each tier with an override, by tier value (own keys of `tiers` only). */
export function tierPlans(def: Scorecard, measures: readonly PlanMeasure[]): Map<string, ScorePlan> {
  const plans = new Map<string, ScorePlan>();
  const tiers = def.tiers;
  if (tiers) for (const t of Object.keys(tiers)) plans.set(t, scorePlan(def, measures, tiers[t]));
  return plans;
}

// Scratch space reused between calls (single-threaded, not re-entrant), so scoring an account
// whose health did not change allocates nothing.
/** The account tier's plan: overrides resolved at compile time (a scorecard built by hand gets its plan made here). */
function planFor(sc: CompiledScorecard, tier: unknown): ScorePlan {
  return (typeof tier === 'string' ? (sc.tierPlans ?? tierPlans(sc.def, sc.measures)).get(tier) : undefined) ?? sc.basePlan ?? scorePlan(sc.def, sc.measures, undefined);
}

/** A measure's value as scoring reads it: a number, or null when it has none (or its rule fails). */
function measureValue(m: CompiledScorecard['measures'][number], data: ConditionData, nowMs: number): number | null {
  try {
    return toNumber(m.value(data, nowMs));
  } catch {
    return null;
  }
}

/** Why an account is or is not scored: the measures without a value and the share of weight that has one. */
export interface HealthCoverage {
  /** Measures without a value, with the weight they carry for the account's tier. */
  missing: { id: string; name: string; weight: number }[];
  /** Share (0-1) of the total weight whose measures have a value. */
  covered: number;
  /** Below this share the account is not scored (the scorecard's minCoverage, default half). */
  minCoverage: number;
}

/** The coverage scoreHealth judges by, for an account page to say what is missing. */
export function healthCoverage(sc: CompiledScorecard, data: ConditionData, tier: unknown, nowMs: number): HealthCoverage {
  const weights = planFor(sc, tier).weights;
  const missing: HealthCoverage['missing'] = [];
  let total = 0;
  let withValue = 0;
  sc.measures.forEach((m, i) => {
    const weight = weights[i];
    if (!(weight > 0)) return;
    total += weight;
    if (measureValue(m, data, nowMs) !== null) withValue += weight;
    else missing.push({ id: m.id, name: m.name, weight });
  });
  return { missing, covered: total > 0 ? withValue / total : 0, minCoverage: sc.def.minCoverage ?? DEFAULT_MIN_COVERAGE };
}

const scratchValues: (number | null)[] = [];
const scratchColors: (HealthColor | null)[] = [];
const scratchWeights: number[] = [];

/**
 * Scores one account; null ("not scored") when the measures with a value carry less than the
 * scorecard's minCoverage share of the total weight (default half), or none has a value.
 * When `previous` has the same score, colour and measures (in measure order, as the engine writes
 * them), it is returned as is.
 */
export function scoreHealth(sc: CompiledScorecard, data: ConditionData, tier: unknown, nowMs: number, at: string, previous: Health | null = null): Health | null {
  const plan = planFor(sc, tier);
  const planWeights = plan.weights;
  const planThresholds = plan.thresholds;
  const higher = plan.higher;
  const green = plan.green;
  const yellow = plan.yellow;
  let sum = 0;
  let weights = 0;
  let total = 0;
  const n = sc.measures.length;
  for (let i = 0; i < n; i++) {
    const m = sc.measures[i];
    const weight = planWeights[i];
    const value = measureValue(m, data, nowMs);
    let color: HealthColor | null = null;
    if (value !== null) {
      if (higher === undefined || green === undefined || yellow === undefined) color = measureColor(value, m.direction, planThresholds[i]);
      else if (higher[i]) color = value >= green[i] ? 'green' : value >= yellow[i] ? 'yellow' : 'red';
      else color = value <= green[i] ? 'green' : value <= yellow[i] ? 'yellow' : 'red';
    }
    scratchValues[i] = value;
    scratchColors[i] = color;
    scratchWeights[i] = weight;
    if (weight > 0) total += weight;
    if (color !== null && weight > 0) {
      // points per colour (green 100, yellow 50, red 0), without a keyed read
      sum += weight * (color === 'green' ? 100 : color === 'yellow' ? 50 : 0);
      weights += weight;
    }
  }
  // Too little data to judge: a few measures must not decide the score ("not scored").
  if (weights === 0 || weights < total * (sc.def.minCoverage ?? DEFAULT_MIN_COVERAGE)) return null;
  const score = Math.round(sum / weights);
  const bands = plan.bands;
  const color: HealthColor = score >= bands.green ? 'green' : score >= bands.yellow ? 'yellow' : 'red';
  if (previous && previous.scorecardId === sc.id && previous.score === score && previous.color === color && sameMeasures(sc, previous.measures, n)) return previous;
  const measures: Record<string, MeasureResult> = {};
  for (let i = 0; i < n; i++) {
    const m = sc.measures[i];
    measures[m.id] = { name: m.name, value: scratchValues[i], color: scratchColors[i], weight: scratchWeights[i] };
  }
  return { scorecardId: sc.id, score, color, measures, at };
}

/**
 * Does a previous health's measures object hold exactly this scoring's measures (the scratch
 * arrays)? Walked in its own key order, which is the measures' order when this engine wrote it:
 * a for-in over one shape reads each value by position, where a keyed read per measure id had to
 * look the id up. Another order or an unexpected key answers false; the caller then builds a new
 * health, which evaluate still compares by id (sameHealth) before calling it a change.
 */
function sameMeasures(sc: CompiledScorecard, measures: Record<string, MeasureResult>, n: number): boolean {
  let i = 0;
  for (const id in measures) {
    if (i >= n) return false;
    const m = sc.measures[i];
    if (id !== m.id) return false;
    const p = measures[id];
    if (!p || p.value !== scratchValues[i] || p.color !== scratchColors[i] || p.weight !== scratchWeights[i] || p.name !== m.name) return false;
    i++;
  }
  return i === n;
}

/** Same score, colour and measures (the time it was computed aside). */
export function sameHealth(a: Health | null, b: Health | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.score !== b.score || a.color !== b.color || a.scorecardId !== b.scorecardId) return false;
  const ka = Object.keys(a.measures);
  if (ka.length !== Object.keys(b.measures).length) return false;
  for (const k of ka) {
    const x = a.measures[k];
    const y = b.measures[k];
    if (!y || x.value !== y.value || x.color !== y.color || x.weight !== y.weight) return false;
  }
  return true;
}
