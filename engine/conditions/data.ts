/**
 * The object JSON Logic `var` reads: the account's fields at the top level,
 * plus `tags`, `flags`, `health`, `journey` and (for event triggers/waits) `event`.
 * Built once per account evaluation and shared by every rule evaluated for it.
 */
import type { AccountEvent, Health } from '../types.js';
import { parseDateMs } from './dates.js';
import { codegenAvailable, maybeInherited } from './platform.js';

export type ConditionData = Record<string, unknown>;

export interface ConditionDataInput {
  fields: Record<string, unknown>;
  tags: string[];
  flags: Record<string, boolean>;
  health?: Health | null;
  journey?: Record<string, { stage: string; daysInStage: number }>;
  event?: AccountEvent;
  /**
   * Optional: the dictionary's field names (pass the same array each time). Accounts then share
   * one object shape even when some lack a field, which keeps rule evaluation fast. A missing
   * field reads as undefined, exactly like an absent one (`var` gives null or its default).
   */
  fieldNames?: readonly string[];
}

/**
 * Parsed dates, kept on the data object under a symbol (invisible to `var`,
 * JSON and json-logic-js) and keyed by the date text itself, so a cached value
 * can never go stale: the same text always parses to the same instant.
 */
export const DATE_CACHE: unique symbol = Symbol('waymark.dateCache');

type WithCache = { [DATE_CACHE]?: Map<string, number | null> };

/**
 * Set (non-enumerable) on data whose every reachable object is a plain object or array
 * (as JSON gives). For such data a name that no built-in prototype has cannot be
 * inherited, so compiled rules may read it without an own-property check.
 */
export const PLAIN_DATA: unique symbol = Symbol('waymark.plainData');

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;

/** True when everything reachable is JSON-like; false when unsure (too big or too deep). */
function isPlainGraph(value: unknown, depth: number, budget: { left: number }): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'function';
  if (--budget.left < 0 || depth > 32) return false;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== ARRAY_PROTO) return false;
    for (let i = 0; i < value.length; i++) if (!isPlainGraph(value[i], depth + 1, budget)) return false;
    return true;
  }
  if (proto !== OBJECT_PROTO && proto !== null) return false;
  // Object.values rather than for-in + value[key]: no per-key property lookup on varied shapes.
  const values = Object.values(value);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && typeof v === 'object' ? !isPlainGraph(v, depth + 1, budget) : typeof v === 'function') return false;
  }
  return true;
}

const hasOwn = Object.prototype.hasOwnProperty;

const ROOTS = new Set(['tags', 'flags', 'health', 'journey', 'event']);

type Builder = (fields: Record<string, unknown>, tags: unknown, flags: unknown, health: unknown, journey: unknown) => ConditionData;
interface Shape {
  build: Builder;
  names: Set<string>;
}
/** Per dictionary (the fieldNames array): a generated copier, so accounts share one hidden class. */
const shapes = new WeakMap<readonly string[], Shape | null>();
/** How many dictionary fields the last build found (saves a second pass over the fields). */
let found = 0;

/**
 * Generates `(f, ...) => ({ tags, flags, health, journey, "name": f["name"], ... })`: one object
 * literal per dictionary. Names are emitted through JSON.stringify; a field whose name some
 * built-in prototype has is read only if it is an own property. null where code cannot be built.
 */
function shapeOf(fieldNames: readonly string[]): Shape | null {
  let shape = shapes.get(fieldNames);
  if (shape !== undefined) return shape;
  shape = null;
  const names = [...new Set(fieldNames)].filter((n) => typeof n === 'string' && !ROOTS.has(n) && n !== '__proto__');
  if (codegenAvailable()) {
    const props = names.map((n) => {
      const k = JSON.stringify(n);
      const read = maybeInherited(n) ? `H.call(f, ${k}) ? f[${k}] : void 0` : `f[${k}]`;
      return `${k}: (v = ${read}) !== void 0 ? (n++, v) : v`;
    });
    const source = `"use strict"; const H = Object.prototype.hasOwnProperty;
return function build(f, tags, flags, health, journey) { let n = 0, v; const d = { tags, flags, health, journey, ${props.join(', ')} }; S.n = n; return d; };`;
    const sink = { n: 0 };
    const build = new Function('S', source)(sink) as Builder;
    shape = { build: (f, t, fl, h, j) => { const d = build(f, t, fl, h, j); found = sink.n; return d; }, names: new Set(names) };
  }
  shapes.set(fieldNames, shape);
  return shape;
}

export function buildConditionData(input: ConditionDataInput): ConditionData {
  // One copy per account evaluation, never per rule, made so that V8 keeps fast properties and
  // accounts share hidden classes (measured: spreading the fields into a literal cost ~8 us per
  // account and gave each account its own hidden class; keyed stores made dictionary objects).
  const fields = input.fields;
  const health = input.health ?? null;
  const journey = input.journey ?? {};
  // The copier reads ordinary names directly, which is exact only for a plain source object.
  const proto = Object.getPrototypeOf(fields);
  const shape = input.fieldNames && (proto === OBJECT_PROTO || proto === null) ? shapeOf(input.fieldNames) : null;
  let data: ConditionData;
  if (shape !== null) {
    data = shape.build(fields, input.tags, input.flags, health, journey);
    // Fields outside the dictionary are still readable (the validator flags rules that read them).
    if (found !== Object.keys(fields).length) {
      for (const key in fields) if (hasOwn.call(fields, key) && !shape.names.has(key) && !ROOTS.has(key) && key !== '__proto__') data[key] = fields[key];
    }
  } else {
    data = { tags: input.tags, flags: input.flags, health, journey, ...fields };
    // A field may not shadow a root (the dictionary should not define such names anyway).
    if (hasOwn.call(fields, 'tags')) data.tags = input.tags;
    if (hasOwn.call(fields, 'flags')) data.flags = input.flags;
    if (hasOwn.call(fields, 'health')) data.health = health;
    if (hasOwn.call(fields, 'journey')) data.journey = journey;
    if (hasOwn.call(fields, 'event') && input.event === undefined) delete data.event;
  }
  if (input.event !== undefined) data.event = input.event;
  Object.defineProperty(data, DATE_CACHE, { value: new Map<string, number | null>(), enumerable: false });
  if (isPlainGraph(data, 0, { left: 20_000 })) Object.defineProperty(data, PLAIN_DATA, { value: true, enumerable: false });
  return data;
}

/** Epoch ms of a date value read from `data`, parsed at most once per data object. */
export function cachedDateMs(data: unknown, value: unknown): number | null {
  if (typeof value !== 'string') return parseDateMs(value);
  const cache = data !== null && typeof data === 'object' ? (data as WithCache)[DATE_CACHE] : undefined;
  if (cache === undefined) return parseDateMs(value);
  let ms = cache.get(value);
  if (ms === undefined) {
    ms = parseDateMs(value);
    cache.set(value, ms);
  }
  return ms;
}
