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
}

/**
 * Parsed dates, kept on the data object under a symbol (invisible to `var`,
 * JSON and json-logic-js) and keyed by the date text itself, so a cached value
 * can never go stale: the same text always parses to the same instant.
 */
export const DATE_CACHE: unique symbol = Symbol('waymark.dateCache');

type WithCache = { [DATE_CACHE]?: Map<string, number | null> };

const hasOwn = Object.prototype.hasOwnProperty;

export function buildConditionData(input: ConditionDataInput): ConditionData {
  const data: ConditionData = {};
  const fields = input.fields;
  // One copy per account evaluation (not per rule); own keys only.
  for (const key in fields) {
    if (hasOwn.call(fields, key) && key !== '__proto__') data[key] = fields[key];
  }
  data.tags = input.tags;
  data.flags = input.flags;
  data.health = input.health ?? null;
  data.journey = input.journey ?? {};
  if (input.event !== undefined) data.event = input.event;
  Object.defineProperty(data, DATE_CACHE, { value: new Map<string, number | null>(), enumerable: false });
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
