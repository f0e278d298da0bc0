/** The data dictionary's meaning: unique names, enums with values, no clash with reserved roots. */
import type { FieldDef } from '../schema/definitions.js';
import { Collector } from './collector.js';
import { asArray, isObj, joinPath, str } from './problem.js';

/** Roots of condition data that are not dictionary fields (ARCHITECTURE.md "Condition data"). */
export const RESERVED_ROOTS = ['health', 'journey', 'event', 'tags', 'flags'] as const;

export function checkFields(def: Record<string, any>, c: Collector): void {
  const seen = new Map<string, number>();
  const valid: FieldDef[] = [];
  asArray(def.fields).forEach((f, i) => {
    if (!isObj(f)) return;
    const name = str(f.name);
    const path = `fields/${i}`;
    const w = { nodeId: name };
    if (name !== undefined) {
      if (seen.has(name)) c.error(`${path}/name`, `duplicate field name "${name}" (also fields/${seen.get(name)})`, w);
      else seen.set(name, i);
      if ((RESERVED_ROOTS as readonly string[]).includes(name)) c.error(`${path}/name`, `field name "${name}" is reserved (${RESERVED_ROOTS.join(', ')} are built into every account): rename the field`, w);
      else valid.push(f as FieldDef);
    }
    if (f.type === 'enum') {
      const values = asArray(f.values);
      if (values.length === 0) c.error(path, `enum field ${name ?? i} has no values: list its allowed values`, w);
      const dup = values.find((v, k) => values.indexOf(v) !== k);
      if (dup !== undefined) c.error(`${path}/values`, `enum field ${name ?? i} lists the value ${JSON.stringify(dup)} twice`, w);
    } else if (f.values !== undefined) {
      c.warning(`${path}/values`, `values only apply to enum fields; ${name ?? i} is a ${f.type} field`, w);
    }
    for (const key of ['minimum', 'maximum', 'format'] as const) {
      if (f[key] !== undefined && f.type !== 'number' && f.type !== 'integer') c.warning(`${path}/${key}`, `${key} only applies to number and integer fields; ${name ?? i} is a ${f.type} field`, w);
    }
    if (typeof f.minimum === 'number' && typeof f.maximum === 'number' && f.minimum > f.maximum) {
      c.error(`${path}/minimum`, `field ${name ?? i} has a minimum (${f.minimum}) above its maximum (${f.maximum}): no value would be accepted`, w);
    }
  });

  // Derived fields read other (stored or derived) fields only, and never themselves in a cycle.
  const reads = new Map<string, string[]>();
  asArray(def.fields).forEach((f, i) => {
    if (!isObj(f) || f.derived === undefined || typeof f.name !== 'string') return;
    const path = joinPath(`fields/${i}`, 'derived');
    const w = { nodeId: f.name };
    const before = c.problems.length;
    const vars = c.rule(f.derived, path, w);
    if (c.problems.length > before) return;
    for (const v of vars) {
      const root = v.split('.')[0];
      if (!valid.some((x) => x.name === root)) c.error(path, `a derived field can only read other fields, not ${v}`, w);
      if (root === f.name) c.error(path, `derived field ${f.name} reads itself`, w);
    }
    reads.set(f.name, vars.map((v) => v.split('.')[0]).filter((r) => r !== f.name));
  });
  for (const cycle of derivedCycles(reads)) {
    const i = seen.get(cycle[0]);
    c.error(`fields/${i}/derived`, `derived fields depend on each other in a circle: ${[...cycle, cycle[0]].join(' -> ')}`, { nodeId: cycle[0] });
  }
}

function derivedCycles(reads: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (done.has(name)) return;
    const at = path.indexOf(name);
    if (at >= 0) {
      found.push(path.slice(at));
      return;
    }
    for (const r of reads.get(name) ?? []) if (reads.has(r)) visit(r, [...path, name]);
    done.add(name);
  };
  for (const name of reads.keys()) visit(name, []);
  return found;
}
