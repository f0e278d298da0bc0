/**
 * Comparisons that also hold for an account without the value. JSON Logic compares a missing
 * number as 0, so "Deployment % less than 50" is true for every account with no licence data:
 * a playbook drawn with the rule builder then creates tasks for accounts it was never meant for.
 * The engine keeps JSON Logic's meaning (results must equal json-logic-js); the author is warned
 * instead, unless the rule already says what an empty value should do (an "is set" or "is not
 * set" test of the same field anywhere in it).
 */
import type { FieldDef } from '../schema/definitions.js';

export interface EmptyComparison { path: string; message: string }

type Node = Record<string, unknown>;

const isRule = (n: unknown): n is Node => n !== null && typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 1;
const argsOf = (raw: unknown): unknown[] => (Array.isArray(raw) ? raw : [raw]);

/** The field a plain {"var": "name"} reads, else null. */
function varName(n: unknown): string | null {
  if (!isRule(n) || !('var' in n)) return null;
  const a = Array.isArray(n.var) ? n.var[0] : n.var;
  return typeof a === 'string' && a !== '' && !(Array.isArray(n.var) && n.var.length > 1) ? a : null;
}

/** Fields whose emptiness the rule already tests (== / != null, !!, !, missing). */
function presenceTested(rule: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(rule)) {
    for (const r of rule) presenceTested(r, out);
    return out;
  }
  if (!isRule(rule)) return out;
  const op = Object.keys(rule)[0];
  const args = argsOf(rule[op]);
  if (op === '==' || op === '!=' || op === '===' || op === '!==') {
    const [a, b] = args;
    const f = b === null ? varName(a) : a === null ? varName(b) : null;
    if (f) out.add(f);
  } else if (op === '!!' || op === '!') {
    const f = varName(args[0]);
    if (f) out.add(f);
  } else if (op === 'missing' || op === 'missing_some') {
    const list = op === 'missing' ? args : argsOf(args[1]);
    for (const x of list.flat()) if (typeof x === 'string') out.add(x);
  }
  presenceTested(args, out);
  return out;
}

export function emptyValueComparisons(rule: unknown, fields: readonly FieldDef[]): EmptyComparison[] {
  const numeric = new Map(fields.filter((f) => f.type === 'number' || f.type === 'integer').map((f) => [f.name, f]));
  if (numeric.size === 0) return [];
  const tested = presenceTested(rule);
  const found: EmptyComparison[] = [];
  const walk = (node: unknown, ptr: string): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => walk(n, ptr ? `${ptr}/${i}` : String(i)));
      return;
    }
    if (!isRule(node)) return;
    const op = Object.keys(node)[0];
    const here = ptr ? `${ptr}/${op}` : op;
    const args = argsOf(node[op]);
    if ((op === '<' || op === '<=' || op === '>' || op === '>=') && args.length === 2) {
      // Written with the field first: field < K, field <= K; or mirrored: K > field, K >= field.
      const fieldFirst = op === '<' || op === '<=';
      const name = varName(fieldFirst ? args[0] : args[1]);
      const k = fieldFirst ? args[1] : args[0];
      const field = name ? numeric.get(name) : undefined;
      const strict = op === '<' || op === '>';
      if (field && !tested.has(field.name) && typeof k === 'number' && Number.isFinite(k) && (strict ? 0 < k : 0 <= k)) {
        const label = field.label || field.name;
        found.push({
          path: here,
          message: `"${label} ${strict ? 'less than' : 'at most'} ${k}" is also true for accounts with no ${label} (an empty value counts as 0): add "${label} is not empty" to the rule if they should not match, or "${label} is empty" in an "or" if they should`,
        });
      }
    }
    walk(node[op], here);
  };
  walk(rule, '');
  return found;
}
