/**
 * analyzeRule: everything wrong with a rule, each with a JSON pointer inside
 * the rule, plus the account values it reads (for "why" records and editors).
 */
import { parseRule, type Node } from './parse.js';
import type { RuleProblem } from './errors.js';
import { checkVarPath, type VarScope } from './scope.js';

export type { VarScope } from './scope.js';

export interface RuleAnalysis {
  errors: RuleProblem[];
  /** Distinct account paths the rule reads, in first-seen order. */
  vars: string[];
}

/** Whose data a `var` reads at this point of the rule. */
type DataScope = 'account' | 'item' | 'reduce';

export function checkScope(node: Node, scope: VarScope): RuleAnalysis {
  const errors: RuleProblem[] = [];
  const vars: string[] = [];
  const seen = new Set<string>();
  const read = (path: string, ptr: string) => {
    const problem = checkVarPath(path, scope);
    if (problem) errors.push({ path: ptr, message: problem });
    else if (!seen.has(path)) {
      seen.add(path);
      vars.push(path);
    }
  };
  const walk = (n: Node, where: DataScope): void => {
    switch (n.t) {
      case 'lit':
        if (n.v !== null && typeof n.v === 'object' && !Array.isArray(n.v)) {
          // json-logic-js would return such an object as is; in a condition it is always a slip.
          const keys = Object.keys(n.v);
          errors.push({ path: n.ptr ?? '', message: keys.length === 0 ? 'empty object where a rule or value was expected' : `an object with ${keys.length} keys (${keys.slice(0, 4).join(', ')}) is not a rule: a rule has exactly one operator` });
        }
        return;
      case 'arr':
        n.items.forEach((i) => walk(i, where));
        return;
      case 'var':
        if (n.def) walk(n.def, where);
        n.extra.forEach((x) => walk(x, where));
        if (where === 'account') {
          if (n.segs === null) errors.push({ path: n.ptr, message: 'var needs a path: an empty path reads the whole account' });
          else read(n.raw, n.ptr);
        } else if (where === 'reduce' && n.segs !== null && n.segs[0] !== 'current' && n.segs[0] !== 'accumulator') {
          errors.push({ path: n.ptr, message: `inside reduce only "current" and "accumulator" can be read, not ${JSON.stringify(n.raw)}` });
        }
        return;
      case 'op': {
        const scoped = n.op === 'map' || n.op === 'filter' || n.op === 'all' || n.op === 'none' || n.op === 'some' || n.op === 'reduce';
        n.args.forEach((arg, i) => {
          if (scoped && i === 1) walk(arg, n.op === 'reduce' ? 'reduce' : 'item');
          else if (scoped && i > 2) return;
          else walk(arg, where);
        });
        if (where === 'account') for (const k of n.keys ?? []) read(k.path, k.ptr);
        if (scoped && n.args.length < 2) errors.push({ path: n.ptr, message: `${n.op} needs a list and a rule to apply to each item` });
        return;
      }
    }
  };
  walk(node, 'account');
  return { errors, vars };
}

export function analyzeRule(rule: unknown, scope: VarScope): RuleAnalysis {
  if (rule === undefined) return { errors: [{ path: '', message: 'no rule given' }], vars: [] };
  const parsed = parseRule(rule);
  // Structural problems first; scope problems are only meaningful for a rule that parsed.
  const checked = checkScope(parsed.node, scope);
  return { errors: [...parsed.problems, ...checked.errors], vars: checked.vars };
}
