/**
 * The object JSON Logic `var` reads: the account's fields at the top level,
 * plus `tags`, `flags`, `health`, `journey` and (for event triggers/waits) `event`.
 * Built once per account evaluation and shared by every rule evaluated for it.
 */
import type { AccountEvent, Health } from '../types.js';
import { parseDateInto, parseDateMs } from './dates.js';
import { codegenAvailable } from './platform.js';

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
 * Parsed dates, kept on the data object under a symbol (invisible to `var`, Object.keys,
 * JSON and json-logic-js). The slot is part of the object literal that builds the data (so
 * it costs no extra hidden class) and the cache is made with the data. Every
 * entry remembers the text it was parsed from and is used only for that same text, so a
 * cached value can never go stale: the same text always parses to the same instant.
 */
export const DATE_CACHE: unique symbol = Symbol('waymark.dateCache');

const DAY = 86_400_000;

/**
 * true on data made by buildConditionData, part of the literal that makes it: its prototype is
 * Object.prototype and every own key was set there, so a name that no built-in prototype has
 * cannot be inherited and compiled rules read such names at the top level without an
 * own-property check (nested objects are still checked). Invisible to `var`, like DATE_CACHE.
 */
export const PLAIN_DATA: unique symbol = Symbol('waymark.plainData');

/**
 * Per date path, at SLOT_SIZE * slot: the text, compared by the text itself; the whole days since
 * 1970 (null for no date); the ms into that day; then days since and days until that date at the
 * cache's `now`. Small integers rather than epoch-ms doubles, which V8 would box: a heap number
 * stored into a cache made before the data reached the old generation costs a remembered-set
 * entry per date.
 */
export const SLOT_SIZE = 5;
/** Offsets in a slot of the days since / until at the cache's `now` (read by generated rules). */
export const SINCE = 3, UNTIL = 4;

/** The dates parsed for one data object: per date path (see dateSlot) and by text. */
export class DateCache {
  /**
   * The instant the days since/until in `slots` are counted to (NaN: none yet). All the rules
   * evaluated for one account share one `now`, so generated rules read the day counts directly
   * after comparing the instant and the text.
   */
  now = NaN;
  /**
   * Filled with '' and the day counts of '' (no date): the array stays packed and the text
   * comparison only ever sees strings, which V8 compiles to a string comparison rather than its
   * generic ===. '' is the one string this could confuse, and it is no date either.
   */
  slots: unknown[] = freshSlots();
  byText: Map<string, number | null> | null = null;
}

function emptySlots(count: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) out.push('', null, 0, null, null);
  return out;
}

/** Empty slots for every date path known so far, copied from one template (one allocation, no growing). */
let slotsTemplate: unknown[] = [];
function freshSlots(): unknown[] {
  if (slotsTemplate.length !== dateSlots.size * SLOT_SIZE) slotsTemplate = emptySlots(dateSlots.size);
  return slotsTemplate.slice();
}

type WithCache = { [DATE_CACHE]?: DateCache | null };

/**
 * Paths whose dates compiled rules read (`{"days_since": {"var": "renewalDate"}}`), each
 * given a slot so that every rule reading that path shares one parse per data object.
 * Bounded: past the limit a path gets no slot and its dates are cached by text instead.
 */
const dateSlots = new Map<string, number>();
const MAX_DATE_SLOTS = 512;

/** The cache slot of a date read from a var path, or -1 when there are too many paths. */
export function dateSlot(path: string): number {
  let slot = dateSlots.get(path);
  if (slot === undefined) {
    if (dateSlots.size >= MAX_DATE_SLOTS) return -1;
    slot = dateSlots.size;
    dateSlots.set(path, slot);
  }
  return slot;
}

/** The data's date cache, made on first use; null for data not built by buildConditionData. */
function cacheOf(data: unknown): DateCache | null {
  if (data === null || typeof data !== 'object') return null;
  const cache = (data as WithCache)[DATE_CACHE];
  if (cache === undefined) return null;
  return cache === null ? ((data as WithCache)[DATE_CACHE] = new DateCache()) : cache;
}

/**
 * The slot of `text` in the cache, filled for that text and counted to `nowMs`: the date is
 * parsed at most once per data object and path, the day counts once per `now`.
 */
function fillSlot(cache: DateCache, slot: number, text: string, nowMs: number): number {
  let slots = cache.slots;
  const at = SLOT_SIZE * slot;
  if (slots.length <= at) slots.push(...emptySlots(slot + 1 - slots.length / SLOT_SIZE));
  if (!(cache.now === nowMs)) {
    // Another instant (rare: one data object is evaluated at one now): count every filled slot again.
    cache.now = nowMs;
    for (let i = 0; i < slots.length; i += SLOT_SIZE) if (slots[i + 1] !== null) count(slots, i, nowMs);
  }
  // Identity first (the same string read again), then equal text; either way the same instant.
  if (slots[at] !== text) {
    slots[at] = text;
    // Day and ms into the day straight into the slot. Exact: day * DAY + rest gives back the
    // whole-number epoch ms, well inside 2^53.
    if (parseDateInto(text, slots, at + 1)) count(slots, at, nowMs);
    else {
      slots[at + 1] = null;
      slots[at + SINCE] = null;
      slots[at + UNTIL] = null;
    }
  }
  return at;
}

/** dates.ts's daysSinceMs / daysUntilMs of the slot's date. */
function count(slots: unknown[], at: number, nowMs: number): void {
  const ms = (slots[at + 1] as number) * DAY + (slots[at + 2] as number);
  slots[at + SINCE] = Math.floor((nowMs - ms) / DAY);
  slots[at + UNTIL] = Math.floor((ms - nowMs) / DAY);
}

// days_since / days_until of a date read from the var path that owns `slot`. Generated rules
// read a filled slot themselves (see codegen.ts) and call these otherwise.

export function daysSinceAt(data: unknown, slot: number, value: unknown, nowMs: number): number | null {
  const cache = typeof value === 'string' ? cacheOf(data) : null;
  if (cache === null) {
    const ms = parseDateMs(value);
    return ms === null ? null : Math.floor((nowMs - ms) / DAY);
  }
  return cache.slots[fillSlot(cache, slot, value as string, nowMs) + SINCE] as number | null;
}

export function daysUntilAt(data: unknown, slot: number, value: unknown, nowMs: number): number | null {
  const cache = typeof value === 'string' ? cacheOf(data) : null;
  if (cache === null) {
    const ms = parseDateMs(value);
    return ms === null ? null : Math.floor((ms - nowMs) / DAY);
  }
  return cache.slots[fillSlot(cache, slot, value as string, nowMs) + UNTIL] as number | null;
}

/** Epoch ms of a date value read from `data`, parsed at most once per data object. */
export function cachedDateMs(data: unknown, value: unknown): number | null {
  if (typeof value !== 'string') return parseDateMs(value);
  const cache = cacheOf(data);
  if (cache === null) return parseDateMs(value);
  const byText = cache.byText ?? (cache.byText = new Map());
  let ms = byText.get(value);
  if (ms === undefined) {
    ms = parseDateMs(value);
    byText.set(value, ms);
  }
  return ms;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Names the engine sets; a field of the same name never shadows them. */
const ROOTS = new Set(['tags', 'flags', 'health', 'journey', 'event']);

type Builder = (tags: unknown, flags: unknown, health: unknown, journey: unknown, event: unknown) => ConditionData;
/** Per dictionary (the fieldNames array): a generated literal, so accounts share one hidden class. */
const shapes = new WeakMap<readonly string[], Builder | null>();

/**
 * Generates `(tags, ...) => ({ tags, flags, health, journey, event, "name": void 0, ..., [DATE_CACHE]: null })`:
 * one object literal per dictionary with every field present (undefined until copied), so
 * all accounts' data share one hidden class. Names are emitted through JSON.stringify.
 * null where code cannot be built (a Content-Security-Policy without 'unsafe-eval').
 */
function shapeOf(fieldNames: readonly string[]): Builder | null {
  let shape = shapes.get(fieldNames);
  if (shape !== undefined) return shape;
  shape = null;
  if (codegenAvailable()) {
    const names = [...new Set(fieldNames)].filter((n) => typeof n === 'string' && !ROOTS.has(n) && n !== '__proto__');
    const props = names.map((n) => `${JSON.stringify(n)}: void 0, `).join('');
    const source = `"use strict"; return function build(tags, flags, health, journey, event) { return { tags, flags, health, journey, event, ${props}[PD]: true, [DC]: null }; };`;
    shape = new Function('PD', 'DC', source)(PLAIN_DATA, DATE_CACHE) as Builder;
  }
  shapes.set(fieldNames, shape);
  return shape;
}

/** Copies own enumerable fields but roots and `__proto__` (an own data property in parsed JSON). */
function copyFields(data: ConditionData, fields: Record<string, unknown>): void {
  for (const key in fields) if (hasOwn.call(fields, key) && !ROOTS.has(key) && key !== '__proto__') data[key] = fields[key];
}

/**
 * The data object rules read. Its prototype is Object.prototype and every own key is set
 * here, which is what lets compiled rules read top-level names that no built-in prototype
 * has without an own-property check (PLAIN_DATA).
 */
export function buildConditionData(input: ConditionDataInput): ConditionData {
  // One copy per account evaluation, never per rule, made so that V8 keeps fast properties and
  // accounts share hidden classes. Measured per account on the bench's accounts (each with its
  // own set of present fields, so its own hidden class): a literal reading every dictionary name
  // 9.0 us (megamorphic loads), for-in 2.4 us, Object.assign into the pre-shaped literal 1.7 us.
  const fields = input.fields;
  const health = input.health ?? null;
  const journey = input.journey ?? {};
  const event = input.event;
  const shape = input.fieldNames ? shapeOf(input.fieldNames) : null;
  const data: ConditionData = shape !== null ? shape(input.tags, input.flags, health, journey, event) : { tags: input.tags, flags: input.flags, health, journey, [PLAIN_DATA]: true, [DATE_CACHE]: null };
  // Object.assign copies own enumerable properties only (nothing inherited from a source with
  // a prototype) but assigns through setters: an own "__proto__" key would set the prototype,
  // so such a source is copied key by key instead.
  if (hasOwn.call(fields, '__proto__')) copyFields(data, fields);
  else Object.assign(data, fields);
  // A field never shadows a root (the dictionary should not define such names anyway), and
  // symbol keys a source may carry are not ours: our two are set again.
  data.tags = input.tags;
  data.flags = input.flags;
  data.health = health;
  data.journey = journey;
  if (event !== undefined || shape !== null) data.event = event;
  else if (hasOwn.call(data, 'event')) delete data.event;
  // The date cache is made here, with the data, rather than on the first date a rule reads:
  // data is evaluated right after it is built, and a cache made later, once the data has been
  // promoted to the old generation, costs a write barrier and a remembered-set entry per account.
  (data as WithCache)[DATE_CACHE] = new DateCache();
  (data as { [PLAIN_DATA]?: true })[PLAIN_DATA] = true;
  return data;
}
