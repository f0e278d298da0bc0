/**
 * The object JSON Logic `var` reads: the account's fields at the top level,
 * plus `tags`, `flags`, `health`, `journey` and (for event triggers/waits) `event`.
 * Built once per account evaluation and shared by every rule evaluated for it.
 */
import type { AccountEvent, Health } from '../types.js';
import { parseDateMs } from './dates.js';

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
  for (const key in value) {
    if (!isPlainGraph((value as Record<string, unknown>)[key], depth + 1, budget)) return false;
  }
  return true;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Per dictionary: an object with every field present (undefined), so accounts share one hidden class. */
const shapes = new WeakMap<readonly string[], Record<string, undefined>>();

function shapeOf(fieldNames: readonly string[]): Record<string, undefined> {
  let shape = shapes.get(fieldNames);
  if (shape === undefined) {
    shape = {};
    for (const name of fieldNames) if (name !== '__proto__') shape[name] = undefined;
    shapes.set(fieldNames, shape);
  }
  return shape;
}

export function buildConditionData(input: ConditionDataInput): ConditionData {
  // One copy per account evaluation, never per rule. Roots first, then the fields copied in one
  // step: this keeps V8's fast properties and lets accounts with the same fields share one hidden
  // class (measured: "{...fields, tags}" made a new hidden class per account, and keyed stores
  // one by one made slow dictionary objects).
  const data: ConditionData = input.fieldNames
    ? { tags: input.tags, flags: input.flags, health: input.health ?? null, journey: input.journey ?? {}, ...shapeOf(input.fieldNames), ...input.fields }
    : { tags: input.tags, flags: input.flags, health: input.health ?? null, journey: input.journey ?? {}, ...input.fields };
  // A field may not shadow a root (the dictionary should not define such names anyway).
  if (hasOwn.call(input.fields, 'tags')) data.tags = input.tags;
  if (hasOwn.call(input.fields, 'flags')) data.flags = input.flags;
  if (hasOwn.call(input.fields, 'health')) data.health = input.health ?? null;
  if (hasOwn.call(input.fields, 'journey')) data.journey = input.journey ?? {};
  if (input.event !== undefined) data.event = input.event;
  else if (hasOwn.call(input.fields, 'event')) delete data.event;
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
