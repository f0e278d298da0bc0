/** A scorecard's meaning: weights that count, bands and thresholds in the right order. */
import { Collector } from './collector.js';
import { asArray, isObj, str, suggest } from './problem.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function checkBands(c: Collector, bands: unknown, path: string): void {
  if (!isObj(bands)) return;
  const g = num(bands.green);
  const y = num(bands.yellow);
  if (g !== undefined && y !== undefined && y > g) c.error(path, `the yellow band (${y}) is above the green band (${g}): a score of at least green is green, at least yellow is yellow, so yellow must not be above green`);
}

function checkThresholds(c: Collector, t: unknown, direction: unknown, path: string, where: { nodeId?: string }): void {
  if (!isObj(t)) return;
  const g = num(t.green);
  const y = num(t.yellow);
  if (g === undefined || y === undefined) return;
  if (direction === 'higher-is-better' && y > g) c.error(path, `yellow threshold ${y} is above green threshold ${g}, but higher is better: yellow must be at or below green`, where);
  if (direction === 'lower-is-better' && y < g) c.error(path, `yellow threshold ${y} is below green threshold ${g}, but lower is better: yellow must be at or above green`, where);
}

export function checkScorecard(def: Record<string, any>, c: Collector): void {
  const measures = new Map<string, { index: number; raw: Record<string, any> }>();
  asArray(def.measures).forEach((m, i) => {
    if (!isObj(m)) return;
    const id = str(m.id);
    const w = { nodeId: id };
    if (id !== undefined) {
      if (measures.has(id)) c.error(`measures/${i}/id`, `duplicate measure id "${id}" (also used by measures/${measures.get(id)!.index})`, w);
      else measures.set(id, { index: i, raw: m });
    }
    if (m.value !== undefined) {
      const vars = c.rule(m.value, `measures/${i}/value`, w);
      for (const v of vars) {
        if (v === 'health' || v.startsWith('health.')) c.error(`measures/${i}/value`, `a measure cannot read ${v}: health is what the measures compute`, w);
      }
    }
    checkThresholds(c, m.thresholds, m.direction, `measures/${i}/thresholds`, w);
  });
  const weightSum = (over: Record<string, any> | undefined) =>
    [...measures.entries()].reduce((sum, [id, m]) => sum + (num(over?.[id]?.weight) ?? num(m.raw.weight) ?? 0), 0);
  if (measures.size > 0 && weightSum(undefined) === 0) c.error('measures', 'the measure weights add up to 0: give at least one measure a weight above 0');
  checkBands(c, def.bands, 'bands');

  if (isObj(def.tiers)) {
    const tierField = c.scope.fields.find((f) => f.name === 'tier');
    const tierValues = tierField?.type === 'enum' ? (tierField.values ?? []) : undefined;
    for (const [tier, o] of Object.entries(def.tiers)) {
      const path = `tiers/${tier}`;
      if (tierValues && !tierValues.includes(tier)) c.warning(path, `tier ${tier} is not a value of the tier field${suggest(tier, tierValues)} (values: ${tierValues.join(', ')}): this override never applies`);
      if (!isObj(o)) continue;
      checkBands(c, o.bands, `${path}/bands`);
      const over = isObj(o.measures) ? o.measures : {};
      for (const [id, mo] of Object.entries(over)) {
        const m = measures.get(id);
        if (!m) {
          c.error(`${path}/measures/${id}`, `tier ${tier} overrides measure ${id}, which is not a measure of this scorecard${suggest(id, [...measures.keys()])}`);
          continue;
        }
        if (isObj(mo)) checkThresholds(c, mo.thresholds, m.raw.direction, `${path}/measures/${id}/thresholds`, { nodeId: id });
      }
      if (measures.size > 0 && weightSum(over) === 0) c.error(`${path}/measures`, `for tier ${tier} the measure weights add up to 0: give at least one measure a weight above 0`);
    }
  }

  const r = isObj(def.expectedRenewalRate) ? def.expectedRenewalRate : undefined;
  if (r && num(r.green) !== undefined && num(r.yellow) !== undefined && num(r.red) !== undefined && !(r.green >= r.yellow && r.yellow >= r.red)) {
    c.warning('expectedRenewalRate', `expected renewal rates usually fall from green to red (found green ${r.green}, yellow ${r.yellow}, red ${r.red})`);
  }
}
