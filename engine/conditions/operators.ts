/**
 * The JSON Logic operators a Waymark rule may use: every json-logic-js 2.0.5
 * operator except `log` (it writes to the console), plus the two clock operators.
 */
export const ALLOWED_OPERATORS: readonly string[] = Object.freeze([
  '==', '===', '!=', '!==', '>', '>=', '<', '<=', '!', '!!',
  'or', 'and', '?:', 'if', 'in', 'cat', 'substr',
  '+', '-', '*', '/', '%', 'min', 'max', 'merge',
  'var', 'missing', 'missing_some',
  'map', 'filter', 'reduce', 'all', 'none', 'some',
  'days_since', 'days_until',
]);

const allowed = new Set(ALLOWED_OPERATORS);

export function isAllowedOperator(op: string): boolean {
  return allowed.has(op);
}

/** Operators whose second argument is evaluated once per array item, with the item as data. */
export const SCOPED_OPERATORS: ReadonlySet<string> = new Set(['map', 'filter', 'reduce', 'all', 'none', 'some']);

/** Operators that always produce a boolean (lets the compiler skip truthiness checks). */
export const BOOLEAN_OPERATORS: ReadonlySet<string> = new Set([
  '==', '===', '!=', '!==', '>', '>=', '<', '<=', '!', '!!', 'in', 'all', 'none', 'some',
]);

/** Rules nested deeper than this are rejected before any recursion (json-logic-js overflows near 10k). */
export const MAX_DEPTH = 64;
/** A rule with more nodes than this is rejected (keeps generated code and analysis bounded). */
export const MAX_NODES = 50_000;

/** Path segments that would reach an object's prototype machinery. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
