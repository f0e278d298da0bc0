/**
 * json-logic-js 2.0.5 semantics, operation by operation, for evaluated
 * arguments. Both compile modes (generated code and closure tree) call these, so
 * the two modes cannot drift apart. Each mirrors logic.js line for line; the
 * comments note where we deliberately differ (own properties only).
 */
import { cachedDateMs } from './data.js';
import { daysSinceMs, daysUntilMs } from './dates.js';

const hasOwn = Object.prototype.hasOwnProperty;

/** json-logic-js truthiness: like JS, except that an empty array is false. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value) && value.length === 0) return false;
  return !!value;
}

/**
 * `var` with an already split path. Reads own properties only, so a path can
 * never reach inherited members such as `constructor` (json-logic-js would).
 */
export function lookup(data: unknown, segments: readonly string[], notFound: unknown): unknown {
  let cur: any = data;
  for (let i = 0; i < segments.length; i++) {
    if (cur === null || cur === undefined) return notFound;
    const key = segments[i];
    cur = hasOwn.call(cur, key) ? cur[key] : undefined;
    if (cur === undefined) return notFound;
  }
  return cur;
}

/** `var` with a path value computed at run time (only `missing` does this). */
export function lookupDynamic(data: unknown, path: unknown, notFound: unknown): unknown {
  if (path === undefined || path === '' || path === null) return data;
  return lookup(data, String(path).split('.'), notFound);
}

export function lt3(a: any, b: any, c: any): boolean {
  return c === undefined ? a < b : a < b && b < c;
}

export function le3(a: any, b: any, c: any): boolean {
  return c === undefined ? a <= b : a <= b && b <= c;
}

export function inOp(a: unknown, b: any): boolean {
  if (!b || typeof b.indexOf === 'undefined') return false;
  return b.indexOf(a) !== -1;
}

export function cat(args: unknown[]): string {
  return Array.prototype.join.call(args, '');
}

export function substr(source: unknown, start: any, end: any): string {
  if (end < 0) {
    const temp = String(source).substr(start);
    return temp.substr(0, temp.length + end);
  }
  return String(source).substr(start, end);
}

export function plus(args: unknown[]): number {
  let acc: any = 0;
  for (let i = 0; i < args.length; i++) acc = parseFloat(acc) + parseFloat(args[i] as any);
  return acc;
}

export function times(args: unknown[]): unknown {
  if (args.length === 0) throw new TypeError('Reduce of empty array with no initial value');
  let acc: any = args[0];
  for (let i = 1; i < args.length; i++) acc = parseFloat(acc) * parseFloat(args[i] as any);
  return acc;
}

export function minus(a: any, b: any): number {
  return b === undefined ? -a : a - b;
}

export function min(args: unknown[]): number {
  return Math.min.apply(null, args as number[]);
}

export function max(args: unknown[]): number {
  return Math.max.apply(null, args as number[]);
}

export function merge(args: unknown[]): unknown[] {
  let acc: unknown[] = [];
  for (let i = 0; i < args.length; i++) acc = acc.concat(args[i]);
  return acc;
}

/**
 * `missing`: keys whose value is null or "". json-logic-js would evaluate a
 * key that happens to be a JSON Logic object as a rule; data is never code here.
 */
export function missing(data: unknown, args: ArrayLike<unknown>): unknown[] {
  const keys: ArrayLike<unknown> = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const out: unknown[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    let value: unknown;
    if (Array.isArray(key)) {
      value = lookupDynamic(data, key[0], key[1] === undefined ? null : key[1]);
    } else {
      value = lookupDynamic(data, key, null);
    }
    if (value === null || value === '') out.push(key);
  }
  return out;
}

export function missingSome(data: unknown, needCount: any, options: any): unknown[] {
  const areMissing = missing(data, Array.isArray(options) ? options : [options]);
  if (options.length - areMissing.length >= needCount) return [];
  return areMissing;
}

export function daysSinceOp(data: unknown, value: unknown, nowMs: number): number | null {
  return daysSinceMs(cachedDateMs(data, value), nowMs);
}

export function daysUntilOp(data: unknown, value: unknown, nowMs: number): number | null {
  return daysUntilMs(cachedDateMs(data, value), nowMs);
}

/** days_since / days_until of a date read from a var path, cached per path (see dateSlot). */
export { daysSinceAt, daysUntilAt } from './data.js';

/** The scoped operators; `fn(item, now)` evaluates the inner rule for one item. */
export type ItemFn = (item: unknown, nowMs: number) => unknown;

export function mapOp(list: unknown, fn: ItemFn, nowMs: number): unknown[] {
  if (!Array.isArray(list)) return [];
  return list.map((item) => fn(item, nowMs));
}

export function filterOp(list: unknown, fn: ItemFn, nowMs: number): unknown[] {
  if (!Array.isArray(list)) return [];
  return list.filter((item) => truthy(fn(item, nowMs)));
}

export function reduceOp(list: unknown, fn: ItemFn, initial: unknown, nowMs: number): unknown {
  if (!Array.isArray(list)) return initial;
  return list.reduce((accumulator, current) => fn({ current, accumulator }, nowMs), initial);
}

export function allOp(list: unknown, fn: ItemFn, nowMs: number): boolean {
  if (!Array.isArray(list) || !list.length) return false;
  for (let i = 0; i < list.length; i += 1) if (!truthy(fn(list[i], nowMs))) return false;
  return true;
}

export function noneOp(list: unknown, fn: ItemFn, nowMs: number): boolean {
  if (!Array.isArray(list) || !list.length) return true;
  for (let i = 0; i < list.length; i += 1) if (truthy(fn(list[i], nowMs))) return false;
  return true;
}

export function someOp(list: unknown, fn: ItemFn, nowMs: number): boolean {
  if (!Array.isArray(list) || !list.length) return false;
  for (let i = 0; i < list.length; i += 1) if (truthy(fn(list[i], nowMs))) return true;
  return false;
}
