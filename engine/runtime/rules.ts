/**
 * A rule prepared once per definition version: the compiled function, the variables it
 * reads (for the "values" of a task's reason) and its plain-language text.
 */
import { compileRule, describeRule, truthy, type CompiledRule, type ConditionData } from './deps.js';
import type { FieldDef } from '../schema/definitions.js';

export interface PreparedRule {
  rule: unknown;
  run: CompiledRule;
  /** Variable paths the rule reads, in first-seen order. */
  vars: string[];
  /** Plain language, e.g. "Renewal date within 90 days". */
  text: string;
  /** True when its value can change with the clock alone (days_since/days_until, date fields, days in stage). */
  timeRelative: boolean;
}

/** Every `var` path a JSON Logic rule reads. */
export function ruleVars(rule: unknown, out: string[] = []): string[] {
  if (Array.isArray(rule)) {
    for (const r of rule) ruleVars(r, out);
    return out;
  }
  if (rule === null || typeof rule !== 'object') return out;
  for (const op of Object.keys(rule)) {
    const arg = (rule as Record<string, unknown>)[op];
    if (op === 'var') {
      const name = Array.isArray(arg) ? arg[0] : arg;
      if ((typeof name === 'string' && name !== '') || typeof name === 'number') {
        const s = String(name);
        if (!out.includes(s)) out.push(s);
      } else ruleVars(name, out);
      if (Array.isArray(arg)) ruleVars(arg.slice(1), out);
    } else ruleVars(arg, out);
  }
  return out;
}

function usesOperator(rule: unknown, ops: readonly string[]): boolean {
  if (Array.isArray(rule)) return rule.some((r) => usesOperator(r, ops));
  if (rule === null || typeof rule !== 'object') return false;
  for (const op of Object.keys(rule)) {
    if (ops.includes(op)) return true;
    if (usesOperator((rule as Record<string, unknown>)[op], ops)) return true;
  }
  return false;
}

export function prepareRule(rule: unknown, fields: FieldDef[], dateFields: ReadonlySet<string>): PreparedRule {
  const run = compileRule(rule);
  const vars = ruleVars(rule);
  const timeRelative =
    usesOperator(rule, ['days_since', 'days_until']) || vars.some((v) => dateFields.has(v) || /^journey\.[^.]+\.daysInStage$/.test(v));
  let text: string;
  try {
    text = describeRule(rule, fields);
  } catch {
    text = JSON.stringify(rule);
  }
  return { rule, run, vars, text, timeRelative };
}

export function holds(rule: PreparedRule, data: ConditionData, nowMs: number): boolean {
  return truthy(rule.run(data, nowMs));
}
